package exchange

import "huitong"

// CSVSafe exposes csvSafe to the black-box tests.
var CSVSafe = csvSafe

// KeyJurisdiction exposes keyJurisdiction for a resource whose key item is
// of kind.
func KeyJurisdiction(kind huitong.KeyKind, key string) string {
	return keyJurisdiction(newResourceView(&huitong.Resource{Items: []huitong.Item{{Name: "主键", Key: true, KeyKind: kind}}}), key)
}

package exchange

import (
	"context"
	"strings"
	"unicode/utf8"

	"huitong"
	"huitong/gbcode"
)

// resourceView is a published resource with its items indexed by the key
// their values are stored under (record.go: the item code, or the name
// when the item has no code) and by name.
type resourceView struct {
	*huitong.Resource
	byKey  map[string]*huitong.Item
	byName map[string]string // item name -> key; codes map to themselves case-insensitively
	keys   []string          // every item key, in catalog order
	key    *huitong.Item     // the key item
}

// dataKey is the key under which an item's values are stored in a
// record's data: its code, or its name when it has none.
func dataKey(it *huitong.Item) string {
	if it.Code != "" {
		return it.Code
	}
	return it.Name
}

func newResourceView(r *huitong.Resource) *resourceView {
	v := &resourceView{Resource: r, byKey: map[string]*huitong.Item{}, byName: map[string]string{}, key: r.KeyItem()}
	for i := range r.Items {
		it := &r.Items[i]
		k := dataKey(it)
		v.byKey[k] = it
		v.keys = append(v.keys, k)
		v.byName[it.Name] = k
		if it.Code != "" {
			v.byName[strings.ToUpper(it.Code)] = k
		}
	}
	return v
}

// itemKey resolves an item given by key, code (any case) or name.
func (v *resourceView) itemKey(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if _, ok := v.byKey[s]; ok {
		return s, true
	}
	if k, ok := v.byName[s]; ok {
		return k, true
	}
	k, ok := v.byName[strings.ToUpper(s)]
	return k, ok
}

// published returns the published resource, cached for CacheTTL.
func (s *Service) published(ctx context.Context, code string) (*resourceView, error) {
	if v, ok := s.resources.get(code); ok {
		return v, nil
	}
	r, err := s.cat.Published(ctx, code)
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		return nil, refuse(huitong.ENOTFOUND, "resource.not_found", "资源 %s 不存在或未发布", code)
	} else if err != nil {
		return nil, err
	}
	v := newResourceView(r)
	s.resources.put(code, v)
	return v, nil
}

// project returns the values of items from data, masking sensitive items
// by rule unless plain lists them. Items without a value are left out.
func project(v *resourceView, data map[string]string, items []string, plain []string) map[string]string {
	out := make(map[string]string, len(items))
	for _, k := range items {
		val, ok := data[k]
		if !ok || val == "" {
			continue
		}
		if it := v.byKey[k]; it != nil && it.Sensitive && !contains(plain, k) {
			val = Mask(it, val)
		}
		out[k] = val
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Mask masks a sensitive value by rule: a citizen ID number keeps its first
// 6 and last 4 characters (620102********1234), a mobile number its first 3
// and last 4 digits (138****5678), a credit code its first 8 and last 2, a
// person's name its surname (张**); anything else keeps its first quarter.
// The rule follows the value (and the item's key kind and name), so an ID
// number in a free-text item is masked as one too.
func Mask(it *huitong.Item, val string) string {
	v := strings.TrimSpace(val)
	// An ID number or a credit code has 18 characters and a mobile number
	// 11 digits, after separators are dropped: a shorter value is none of
	// them, and is not parsed as one (each failed parse builds a message).
	n := utf8.RuneCountInString(v)
	switch {
	case it.KeyKind == huitong.KeyCitizenID || n >= 18 && isCitizenID(v):
		return gbcode.MaskCitizenID(v)
	case n >= 11 && isMobile(v):
		return gbcode.MaskMobile(v)
	case it.KeyKind == huitong.KeyUSCC || n >= 18 && isUSCC(v):
		return gbcode.MaskUSCC(v)
	case strings.Contains(it.Name, "姓名") || strings.HasSuffix(it.Name, "人") || strings.Contains(it.Name, "代表"):
		return gbcode.MaskName(v)
	}
	keep := n / 4
	var b strings.Builder
	i := 0
	for _, r := range v {
		if i < keep {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
		i++
	}
	return b.String()
}

func isCitizenID(s string) bool {
	_, err := gbcode.CitizenID(s)
	return err == nil
}

func isMobile(s string) bool {
	_, err := gbcode.Mobile(s)
	return err == nil
}

func isUSCC(s string) bool {
	_, err := gbcode.USCC(s)
	return err == nil
}

// sameValue compares a value a consumer holds with the stored one for
// verification: white space trimmed, full-width characters made
// half-width, letters compared without case, and dates compared by their
// digits (1990-01-02 = 19900102 = 1990年1月2日 is not attempted).
func sameValue(it *huitong.Item, held, stored string) bool {
	a, b := gbcode.Normalize(held), gbcode.Normalize(stored)
	if it != nil && (it.Type == huitong.TypeDate || it.Type == huitong.TypeDateTime) {
		a, b = digits(a), digits(b)
	}
	return a != "" && strings.EqualFold(a, b)
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

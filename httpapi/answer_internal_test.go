package httpapi

import (
	"encoding/json"
	"testing"
)

// A single query's answer is written by hand: the bytes encoding/json
// writes, whatever the data.
func TestRecordAnswerJSON(t *testing.T) {
	for _, a := range []recordAnswer{
		{Data: map[string]string{"XM": "王*", "GMSFHM": "620102********1234"}, Grant: 3},
		{Data: map[string]string{"<k>": "v&\"\\\n\t\x01", "u\u2028": "\u2029", "bad": "x\xffy", "": ""}, Grant: -5},
		{Data: map[string]string{}},
		{},
	} {
		want, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
		}
	}
}

package store

import (
	"encoding/json"
	"maps"
	"testing"
)

// decodeFlat reads records as encoding/json does, whatever their form.
func TestDecodeFlat(t *testing.T) {
	for _, in := range []string{
		`{}`,
		`{"XM":"王伟","GMSFHM":"620102199003071234","XBDM":"1"}`,
		`{"A":"","B":"<&>"}`,
		`{"A":"x\"y","B":"\u738b"}`, // escapes: encoding/json
		`{"A":"x\ny"}`,
		` {"A":"b"}`,
		`{"A":"b", "C":"d"}`,
		`{"A":"b","A":"c"}`,
	} {
		var want map[string]string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		got, err := decodeFlat([]byte(in))
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("decodeFlat(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{`{"A":1}`, `{"A":"b"`, `{"A":"b",}`, `{"A" "b"}`, `{"A":"b"}x`, `{"A":"b"}}`, `{,}`, `{"A":"b\x01"}`, "{\"A\":\"\xff\"}", `[]`, ``} {
		var want map[string]string
		wantErr := json.Unmarshal([]byte(in), &want) != nil
		got, err := decodeFlat([]byte(in))
		if (err != nil) != wantErr || (err == nil && !maps.Equal(got, want)) {
			t.Errorf("decodeFlat(%q) = %v, %v; encoding/json gives %v (error %v)", in, got, err, want, wantErr)
		}
	}
}

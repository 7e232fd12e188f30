package httpapi

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
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

// Whenever the plain reading of a verification body succeeds, encoding/json
// (as decode runs it) reads the same: over the bodies clients send and
// mutations of them. The plain form is taken for the usual body.
func TestDecodeVerifyMatchesDecode(t *testing.T) {
	seeds := []string{
		`{"key":"620102199003071234","values":{"姓名":"王伟","性别":"1"},"purpose":"养老保险待遇资格认证"}`,
		` { "key" : "91620100MA74XXXX0Q" , "values" : { } , "purpose" : "x", "case": "GS-1", "grant": 42 } `,
		`{"key":"k","values":{"a":"b"},"purpose":"p","grant":-0}`,
		`{}`,
	}
	var a verifyBody
	if !scanVerifyBody([]byte(seeds[0]), &a) || a.Values["姓名"] != "王伟" || a.Key != "620102199003071234" {
		t.Fatalf("the usual body is not read plainly: %+v", a)
	}
	r := rand.New(rand.NewPCG(3, 5))
	muts := []string{`"`, `\`, `\n`, `,`, `:`, `{`, `}`, `null`, `1`, `01`, `1.5`, `1e3`, `-`, ` `, `"KEY"`, `"Key"`, `"extra"`, `"grant"`, `"values"`, "\x00", "\xff", `\u0041`, `[]`, `true`}
	accepted := 0
	for n := range 30000 {
		b := []byte(seeds[n%len(seeds)])
		for range 1 + r.IntN(3) {
			i := r.IntN(len(b) + 1)
			switch r.IntN(3) {
			case 0: // insert
				m := muts[r.IntN(len(muts))]
				b = append(b[:i:i], append([]byte(m), b[i:]...)...)
			case 1: // delete
				if i < len(b) {
					b = append(b[:i:i], b[i+1:]...)
				}
			case 2: // replace
				if i < len(b) {
					m := muts[r.IntN(len(muts))]
					b = append(b[:i:i], append([]byte(m), b[i+1:]...)...)
				}
			}
		}
		var fast verifyBody
		if !scanVerifyBody(b, &fast) {
			continue
		}
		accepted++
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var std verifyBody
		err := dec.Decode(&std)
		if err != nil || dec.More() || !reflect.DeepEqual(fast, std) {
			t.Fatalf("%q: plain %+v; encoding/json %+v, %v (more %v)", b, fast, std, err, dec.More())
		}
	}
	if accepted < 1000 {
		t.Fatalf("only %d mutated bodies read plainly: the comparison says little", accepted)
	}
}

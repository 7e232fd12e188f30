package cert

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestParseWithoutData holds the parse that online verification uses,
// which skips keeping the data items, to the full parse: the same verdict
// on a payload and thousands of mutations of it (the data object's
// included), the same metadata, and no data.
func TestParseWithoutData(t *testing.T) {
	d := &Document{Format: PayloadFormat, ID: "1.2.156.3005.2.x", Serial: "2026", Version: "001",
		Type: DocType{Code: "c", Name: "营业执照"}, Issuer: DocIssuer{Code: "i", Name: "甘肃省市场监督管理局", Jurisdiction: "620000"},
		Holder: DocHolder{Kind: "entity", Name: "兰州\"汇通\"\\公司\t\x01", ID: "9162", IDType: "001"}, IssuedAt: "2026-03-02T02:00:00Z",
		ValidFrom: "2026-03-02", Data: map[string]string{"a": "x/y<&>", "b": "第二行\n", "zz": "\u0002"},
		Seal: DocSeal{ID: "s", Name: "章", Fingerprint: "ab", ValidFrom: "v", ValidTo: "w"}}
	good := string(d.Canonical())
	rng := rand.New(rand.NewPCG(3, 4))
	accepted := 0
	for i := range 4000 {
		s := good
		if i > 0 {
			b := []byte(s)
			// Half the mutations fall inside the data object, the start of
			// the payload up to "format".
			end := len(b)
			if i%2 == 0 {
				end = 60
			}
			for range 1 + rng.IntN(2) {
				b[rng.IntN(end)] = " \"\\{}:,a0u/\t"[rng.IntN(12)]
			}
			s = string(b)
		}
		full, errFull := parseDocument(s)
		lean, errLean := parseDocumentData(s, false)
		if (errFull == nil) != (errLean == nil) {
			t.Fatalf("mutation %d %q: full parse error %v, without data %v", i, s, errFull, errLean)
		}
		if errFull != nil {
			continue
		}
		accepted++
		if lean.Data != nil {
			t.Fatalf("mutation %d: got data %v, want none", i, lean.Data)
		}
		lean.Data = full.Data
		if string(lean.Canonical()) != string(full.Canonical()) {
			t.Fatalf("mutation %d: metadata differs:\n%+v\n%+v", i, lean, full)
		}
	}
	if accepted == 0 {
		t.Fatal("no payload accepted: the test checks nothing")
	}
}

// TestChinaDay holds chinaDay to time.ParseInLocation on valid, invalid
// and malformed dates.
func TestChinaDay(t *testing.T) {
	cases := []string{"2026-03-02", "2024-02-29", "2025-02-29", "2026-02-30", "2026-04-31", "2026-12-31", "2026-13-01", "2026-00-10",
		"2026-01-00", "0000-01-01", "9999-12-31", "2026-1-02", "2026/01/02", "2026-01-02 ", "", "20260102", "2026-01-0a", "+026-01-02"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		cases = append(cases, fmt.Sprintf("%04d-%02d-%02d", rng.IntN(10000), rng.IntN(14), rng.IntN(33)))
	}
	for _, s := range cases {
		want, err := time.ParseInLocation(time.DateOnly, s, chinaTime)
		if err != nil {
			want = time.Time{}
		}
		if got := chinaDay(s); !got.Equal(want) || got.Location() != want.Location() && err == nil {
			t.Errorf("%q: got %v, want %v (%v)", s, got, want, err)
		}
	}
}

package cert_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"huitong/cert"
)

// reference is the slow definition of a canonical payload: encoding/json
// decodes it and Canonical writes the same bytes back.
func reference(b []byte) bool {
	var d cert.Document
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if dec.Decode(&d) != nil || dec.More() || d.Format != cert.PayloadFormat {
		return false
	}
	if d.Data == nil {
		d.Data = map[string]string{}
	}
	return bytes.Equal(d.Canonical(), b)
}

// TestParseCanonical holds the fast parser to the reference over a real
// payload and thousands of mutations of it.
func TestParseCanonical(t *testing.T) {
	d := &cert.Document{Format: cert.PayloadFormat, ID: "1.2.156.3005.2.x", Serial: "2026", Version: "001",
		Type: cert.DocType{Code: "c", Name: "营业执照"}, Issuer: cert.DocIssuer{Code: "i", Name: "甘肃省市场监督管理局", Jurisdiction: "620000"},
		Holder: cert.DocHolder{Kind: "entity", Name: "兰州\"汇通\"\\公司\t\x01", ID: "9162", IDType: "001"}, IssuedAt: "2026-03-02T02:00:00Z",
		ValidFrom: "2026-03-02", Data: map[string]string{"a": "x/y<&>", "b": "第二行\n", "zz": ""},
		Seal: cert.DocSeal{ID: "s", Name: "章", Fingerprint: "ab", ValidFrom: "v", ValidTo: "w"}}
	good := d.Canonical()
	if _, err := cert.ParseDocument(good); err != nil || !reference(good) {
		t.Fatalf("canonical payload refused: %v", err)
	}
	edits := []func(s string) string{
		func(s string) string { return strings.Replace(s, ",", ", ", 1) },
		func(s string) string { return strings.Replace(s, `"a":`, `"c":`, 1) },
		func(s string) string { return strings.Replace(s, `x/y`, `x\/y`, 1) },
		func(s string) string { return strings.Replace(s, `\u0001`, `\u0001`, 1) },
		func(s string) string { return strings.Replace(s, `\t`, `\u0009`, 1) },
		func(s string) string { return strings.Replace(s, `营业执照`, `\u8425业执照`, 1) },
		func(s string) string { return strings.Replace(s, `"zz":""`, `"zz":"","zz":""`, 1) },
		func(s string) string { return strings.Replace(s, `"b":`, `"a":`, 1) },
		func(s string) string { return strings.Replace(s, `"serial":"2026"`, `"serial":2026`, 1) },
		func(s string) string { return strings.Replace(s, `"version":"001"}`, `"version":"001","x":""}`, 1) },
		func(s string) string { return strings.Replace(s, `"format":"huitong-cert/1",`, ``, 1) },
		func(s string) string { return s + "\n" },
		func(s string) string { return strings.Replace(s, `{"data":{`, `{"data":{"0":"",`, 1) },
		func(s string) string { return strings.Replace(s, "兰州", "\xff", 1) },
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		s := string(good)
		if i < len(edits) {
			s = edits[i](s)
		} else {
			b := []byte(s)
			for range 1 + rng.IntN(2) {
				b[rng.IntN(len(b))] = " \"\\{}:,a0u/\t"[rng.IntN(12)]
			}
			s = string(b)
		}
		_, err := cert.ParseDocument([]byte(s))
		if got, want := err == nil, reference([]byte(s)); got != want {
			t.Errorf("mutation %d %q: got accepted=%v, want %v (%v)", i, s, got, want, err)
		}
	}
}

// TestCanonicalInvalidUTF8 checks that Canonical replaces each invalid
// byte by U+FFFD, as encoding/json does, so that what it writes is itself
// canonical.
func TestCanonicalInvalidUTF8(t *testing.T) {
	d := &cert.Document{Format: cert.PayloadFormat, Holder: cert.DocHolder{Name: "a\xffb\xfe\xfdc"}, Data: map[string]string{"k\xff": "v"}}
	b := d.Canonical()
	if !reference(b) {
		t.Fatalf("%q: not canonical by the reference", b)
	}
	got, err := cert.ParseDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\uFFFDb\uFFFD\uFFFDc"; got.Holder.Name != want {
		t.Errorf("got holder name %q, want %q", got.Holder.Name, want)
	}
	if got.Data["k\uFFFD"] != "v" {
		t.Errorf("got data %q, want key k\\uFFFD", got.Data)
	}
}

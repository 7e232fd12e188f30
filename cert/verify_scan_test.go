package cert_test

import (
	"testing"

	"huitong/cert"
)

func TestParseScan(t *testing.T) {
	id := "1.2.156.3005.2.11100000000013338W001.11620000013700013D.20260000001.001.K"
	for _, c := range []struct{ in, id, code string }{
		{"https://hall.example/verify/" + id, id, ""},
		{" http://localhost:8080/verify/" + id + "\r\n", id, ""},
		{"https://hall.example/verify/show?code=012345", "", "012345"},
		{"012345", "", "012345"},
		{id, id, ""},
		{"01234", "01234", ""},                                   // not a show code: verified as an identifier, and refused
		{"https://evil.example/verify/../admin", "../admin", ""}, // only ever a path under /verify/ of this platform
		{"javascript:alert(1)", "javascript:alert(1)", ""},       // not a link: an identifier, refused as one
		{"https://hall.example/other/" + id, "https://hall.example/other/" + id, ""},
		{"", "", ""},
	} {
		gotID, gotCode := cert.ParseScan(c.in)
		if gotID != c.id || gotCode != c.code {
			t.Errorf("ParseScan(%q): got (%q, %q), want (%q, %q)", c.in, gotID, gotCode, c.id, c.code)
		}
	}
}

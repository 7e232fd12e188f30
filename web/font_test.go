package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"testing"

	"huitong/cert"
)

// TestCJKFont: the stylesheet's web font is served, to anyone, as the
// embedded font, gzipped when asked, and revalidates with a 304.
func TestCJKFont(t *testing.T) {
	p := newPlatform(t)
	get := func(path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, p.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		// A transport of its own that leaves Accept-Encoding alone.
		res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, body
	}

	// The stylesheet names the font by the path it is served at.
	_, css := get("/static/app.css")
	m := regexp.MustCompile(`@font-face\s*\{[^}]*font-family:\s*"Huitong CJK";[^}]*src:\s*url\("([^"]+)"\)`).FindSubmatch(css)
	if m == nil {
		t.Fatal("app.css: no @font-face for Huitong CJK")
	}
	if !regexp.MustCompile(`body\s*\{[^}]*font-family:[^;]*"Huitong CJK"`).Match(css) {
		t.Error(`app.css: the body's font-family does not fall back to "Huitong CJK"`)
	}
	path := string(m[1])

	res, body := get(path, "Accept-Encoding", "identity")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "font/ttf" || res.Header.Get("Content-Encoding") != "" {
		t.Fatalf("plain: got %d %q encoding %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Encoding"))
	}
	if !bytes.Equal(body, cert.CJKFont) {
		t.Fatalf("plain: %d bytes, not the embedded font's %d", len(body), len(cert.CJKFont))
	}
	plainTag := res.Header.Get("ETag")

	res, body = get(path, "Accept-Encoding", "br;q=1.0, gzip;q=0.8, *;q=0.1")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip: got %d, encoding %q, vary %q", res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, cert.CJKFont) {
		t.Fatalf("gzip: does not inflate to the embedded font (%v)", err)
	}
	if len(body) >= len(cert.CJKFont) {
		t.Errorf("gzip: %d bytes, no smaller than %d", len(body), len(cert.CJKFont))
	}
	gzTag := res.Header.Get("ETag")
	if plainTag == "" || gzTag == plainTag {
		t.Errorf("entity tags: plain %q, gzip %q: want two different ones", plainTag, gzTag)
	}

	// Refusing gzip explicitly wins over "*".
	if res, _ := get(path, "Accept-Encoding", "gzip;q=0, *"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0: got encoding %q", res.Header.Get("Content-Encoding"))
	}
	// Revalidation: the tag of the variant asked for gives a 304, another
	// tag the whole font.
	if res, body := get(path, "Accept-Encoding", "gzip", "If-None-Match", `"other", `+gzTag); res.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-None-Match: got %d with %d bytes, want 304 and none", res.StatusCode, len(body))
	}
	if res, _ := get(path, "Accept-Encoding", "gzip", "If-None-Match", plainTag); res.StatusCode != http.StatusOK {
		t.Errorf("If-None-Match of the other variant: got %d, want 200", res.StatusCode)
	}
}

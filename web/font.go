package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"huitong/cert"
)

// cjkFontPath is where the pages' Chinese web font is served: the Droid
// Sans Fallback font the PDFs and seal pictures are drawn with
// (cert.CJKFont). app.css names it after the system CJK fonts, with a
// unicode-range of CJK characters and punctuation, so a browser fetches it
// only on a machine with none of those fonts (a Linux desktop or kiosk
// without fonts-noto-cjk), where Chinese would otherwise show as boxes.
const cjkFontPath = "/static/font/cjk.ttf"

// cjkFontVariant is one encoding of the font, with its entity tag.
type cjkFontVariant struct {
	body []byte
	etag string
}

// cjkFontFiles is the font as it is and gzipped (2.1 MB instead of 4 MB),
// made on first request.
var cjkFontFiles = sync.OnceValue(func() [2]cjkFontVariant {
	sum := sha256.Sum256(cert.CJKFont)
	tag := hex.EncodeToString(sum[:8])
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression) // only fails on a bad level
	zw.Write(cert.CJKFont)                                  // a bytes.Buffer does not fail
	zw.Close()
	return [2]cjkFontVariant{
		{body: cert.CJKFont, etag: `"` + tag + `"`},
		{body: gz.Bytes(), etag: `"` + tag + `-gz"`},
	}
})

// serveCJKFont serves the web font, gzipped to clients that accept it,
// with an entity tag so a revalidation costs a 304.
func serveCJKFont(w http.ResponseWriter, r *http.Request) {
	files := cjkFontFiles()
	f, gz := files[0], acceptsGzip(r.Header.Get("Accept-Encoding"))
	if gz {
		f = files[1]
	}
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Content-Type", "font/ttf")
	h.Set("Cache-Control", "public, max-age=604800")
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", f.etag)
	if etagMatches(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(f.body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(f.body)
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip: it
// is listed without q=0, or it is not listed and "*" is, without q=0.
func acceptsGzip(header string) bool {
	gzip, star := -1.0, -1.0 // the q of each, -1 when not listed
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.ReplaceAll(strings.ToLower(params), " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			gzip = q
		case "*":
			star = q
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}

// etagMatches reports whether an If-None-Match header names etag (or is
// "*"); weak tags compare by their opaque part, as RFC 9110 §13.1.2 asks.
func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		t := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// upload posts a file to /catalog/import as a browser's multipart form.
func (b *browser) upload(filename string, data []byte, csrf string, fields ...string) *page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf != "" {
		mw.WriteField("csrf", csrf)
	}
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/catalog/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// TestCatalogTransfer exports the published catalog as Excel through the
// page, and imports it back as another department: the report shows each
// row refused for the other provider, and a CSRF-less upload is refused.
func TestCatalogTransfer(t *testing.T) {
	p := newPlatform(t)
	p.publish(t, "户籍人口基本信息")
	p.publish(t, "流动人口登记信息")

	b := p.browser(t)
	b.signIn("police")
	if pg := b.get("/catalog/transfer"); pg.status != 200 || pg.doc.Find(`form[action="/catalog/import"][enctype="multipart/form-data"]`).Length() != 1 {
		t.Fatalf("transfer page: status %d", pg.status)
	}
	res, err := b.c.Get(b.base + "/catalog/export?format=xlsx")
	if err != nil {
		t.Fatal(err)
	}
	var xlsx bytes.Buffer
	xlsx.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") || xlsx.Len() < 1000 {
		t.Fatalf("export: status %d, %d bytes, %q", res.StatusCode, xlsx.Len(), res.Header.Get("Content-Disposition"))
	}

	// Without the CSRF token the upload is refused and nothing is read.
	if pg := b.upload("catalog.xlsx", xlsx.Bytes(), ""); pg.status != http.StatusForbidden {
		t.Fatalf("upload without csrf: got %d, want 403", pg.status)
	}

	// The police department re-importing its own catalog creates nothing new.
	pg := b.upload("catalog.xlsx", xlsx.Bytes(), b.csrf())
	if pg.status != 200 {
		t.Fatalf("import: got %d: %s", pg.status, text(pg.doc.Find("main")))
	}
	report := text(pg.doc.Find("#report"))
	if !strings.Contains(report, "共 2 行") || !strings.Contains(report, "新建 0 条") || !strings.Contains(report, "already_exists") {
		t.Fatalf("re-import report: %s", report)
	}

	// The civil affairs department may not register police entries.
	c := p.browser(t)
	c.signIn("civil")
	pg = c.upload("catalog.xlsx", xlsx.Bytes(), c.csrf())
	report = text(pg.doc.Find("#report"))
	if !strings.Contains(report, "新建 0 条") || !strings.Contains(report, "forbidden") {
		t.Fatalf("other department's import report: %s", report)
	}

	// A file that is not a workbook gets a clear message, not a 500.
	pg = b.upload("catalog.xlsx", []byte("not a workbook"), b.csrf())
	if pg.status != http.StatusSeeOther {
		t.Fatalf("garbage upload: got %d, want a redirect with a message", pg.status)
	}
}

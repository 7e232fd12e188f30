package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"huitong"
	"huitong/httpapi"
	"huitong/ingest"
	"huitong/ingest/ingesttest"
	"huitong/store"
	"huitong/store/storetest"
	"huitong/web"
)

// govMaxUpload is the test platform's upload limit: small, so a test can
// go over it.
const govMaxUpload = 64 << 10

// newGovPlatform builds the aggregation test province (ingesttest: 公安厅,
// 人社厅, 市场监管局 and the data authority, with three published tables)
// on db, with the web pages wired to its ingest service. The clock starts
// now, so web sessions are valid in real time.
func newGovPlatform(t *testing.T, db *store.DB) (*ingesttest.Env, string) {
	t.Helper()
	return newGovPlatformWith(t, db, ingest.Config{}, govMaxUpload)
}

// newGovPlatformWith is newGovPlatform with ingest settings and an upload
// limit.
func newGovPlatformWith(t *testing.T, db *store.DB, cfg ingest.Config, maxUpload int64) (*ingesttest.Env, string) {
	t.Helper()
	env := ingesttest.New(t, db, ingesttest.Options{Now: time.Now(), Config: cfg})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	(&web.Server{Identity: env.Identity, Catalog: env.Catalog, Ingest: env.Ingest, DB: db, Log: log, Version: "test", MaxUpload: maxUpload}).Register(mux)
	srv := httptest.NewServer(httpapi.Middleware(mux, log, nil))
	t.Cleanup(srv.Close)
	return env, srv.URL
}

// govBrowser signs in to the test province as user.
func govBrowser(t *testing.T, base, user string) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	if p := b.login(user, ingesttest.Password); p.status != http.StatusSeeOther {
		t.Fatalf("sign in %s: got status %d, want 303", user, p.status)
	}
	return b
}

// part is one part of a multipart form: a field, or a file when fileName
// is set.
type part struct{ name, fileName, value string }

// postMultipart sends the parts in order, as a browser sends a form.
func (b *browser) postMultipart(path string, parts ...part) *page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.fileName != "" || p.name == "file" {
			w, err = mw.CreateFormFile(p.name, p.fileName)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			b.t.Fatal(err)
		}
		io.WriteString(w, p.value)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// deliverFile sends a file to resource through the 数据上报 form.
func (b *browser) deliverFile(resource, mode, fileName, content string) *page {
	b.t.Helper()
	return b.postMultipart("/governance/upload", part{name: "csrf", value: b.csrf()}, part{name: "resource", value: resource},
		part{name: "mode", value: mode}, part{name: "sheet"}, part{name: "file", fileName: fileName, value: content})
}

// follow returns the Location of a 303 and fails otherwise.
func follow(t *testing.T, p *page, prefix string) string {
	t.Helper()
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("got status %d to %q, want 303 to %s…: %s", p.status, loc, prefix, text(p.doc.Find(".error-page, .alert-error, .field-error")))
	}
	return loc
}

// citizen returns a valid citizen ID number of 城关区 born 1990-01-01,
// numbered n.
func citizen(n int) string { return ingesttest.CitizenID("620102", "19900101", n) }

// hostile is a value that must reach a page only as text.
const hostile = `<script>alert("x")</script>`

// peopleFile is a 户籍 CSV with three valid rows (2-4) and four bad ones:
// row 5 a wrong check digit, 6 an impossible birth date, 7 no name
// (required), 8 a hostile key.
func peopleFile() string {
	bad := citizen(4)
	bad = bad[:17] + map[bool]string{true: "1", false: "2"}[bad[17] != '1']
	rows := []string{
		"公民身份号码,姓名,性别,出生日期",
		citizen(1) + ",张三,1,1990-01-01",
		citizen(2) + ",李四,2,1990-01-01",
		citizen(3) + ",王五,1,1990-01-01",
		bad + ",赵六,1,1990-01-01",
		citizen(5) + ",孙七,1,1990-13-45",
		citizen(6) + ",,2,1990-01-01",
		hostile + ",周八,1,1990-01-01",
	}
	return strings.Join(rows, "\n") + "\n"
}

func TestGovernanceUploadAndRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env, base := newGovPlatform(t, db)
		gat := govBrowser(t, base, "gat")

		form := gat.get("/governance/upload?resource=" + url.QueryEscape(env.People))
		if form.status != http.StatusOK {
			t.Fatalf("upload form: got %d", form.status)
		}
		if v, _ := form.doc.Find("#u-resource option[selected]").Attr("value"); v != env.People {
			t.Errorf("preselected resource: got %q, want %s", v, env.People)
		}
		names := form.doc.Find("#upload-form").Children().Map(func(_ int, s *goquery.Selection) string { n, _ := s.Attr("name"); return n })
		if len(names) == 0 || names[0] != "csrf" {
			t.Errorf("form fields: got %v, want the CSRF token first", names)
		}
		if last := form.doc.Find("#upload-form input[name]").Last(); attr(last, "name") != "file" {
			t.Errorf("the file must be the form's last field, got %q", attr(last, "name"))
		}

		loc := follow(t, gat.deliverFile(env.People, "incremental", "户籍.csv", peopleFile()), "/governance/batches/")
		id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/governance/batches/"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		rep := gat.get(loc)
		if rep.status != http.StatusOK {
			t.Fatalf("batch page: got %d", rep.status)
		}
		for sel, want := range map[string]string{"#batch-status": "已完成", "#count-received": "7", "#count-accepted": "3", "#count-rejected": "4",
			".flash-ok": "已接收 7 行：入库 3 行，拒收 4 行", "#rejects-total": "4"} {
			if got := text(rep.doc.Find(sel)); got != want {
				t.Errorf("%s: got %q, want %q", sel, got, want)
			}
		}
		rules := map[string]string{} // row -> rule
		values := map[string]string{}
		rep.doc.Find("#reject-list tbody tr").Each(func(_ int, tr *goquery.Selection) {
			row := text(tr.Find("td").Eq(0))
			rules[row] = text(tr.Find("td").Eq(2).Find("code"))
			values[row] = text(tr.Find("td").Eq(3))
		})
		for row, want := range map[string]string{"5": "citizen_id.checkdigit", "7": "required"} {
			if rules[row] != want {
				t.Errorf("row %s: got rule %q, want %q (all: %v)", row, rules[row], want, rules)
			}
		}
		if !strings.HasPrefix(rules["6"], "date") && rules["6"] != "type" {
			t.Errorf("row 6 (1990-13-45): got rule %q, want a date rule", rules["6"])
		}
		if values["8"] != hostile {
			t.Errorf("row 8 value: got %q, want the hostile text shown as text", values["8"])
		}
		if strings.Contains(rep.body, hostile) || !strings.Contains(rep.body, "&lt;script&gt;") {
			t.Errorf("the hostile value must be escaped in the page")
		}
		if rep.doc.Find("#batch-quality td[data-dim=validity]").Length() != 1 {
			t.Errorf("batch page lacks the quality scores")
		}

		// The rejects as CSV: a BOM, the header as delivered plus 错误说明,
		// one line per rejected row naming its rule.
		res, body := gat.download(fmt.Sprintf("/governance/batches/%d/rejects.csv", id))
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("CSV download: got %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		cd := res.Header.Get("Content-Disposition")
		if !strings.HasPrefix(cd, fmt.Sprintf(`attachment; filename="batch-%d-rejects.csv"; filename*=UTF-8''`, id)) || !strings.Contains(cd, "%E6%89%B9%E6%AC%A1") {
			t.Errorf("Content-Disposition: got %q, want an attachment with an ASCII and a UTF-8 name (批次…)", cd)
		}
		if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("CSV must start with a BOM")
		}
		recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 5 || strings.Join(recs[0], ",") != "行号,公民身份号码,姓名,性别,出生日期,错误说明" {
			t.Fatalf("CSV: got %q, want the header and 4 rows", recs)
		}
		byRow := map[string][]string{}
		for _, r := range recs[1:] {
			byRow[r[0]] = r
		}
		if r := byRow["5"]; r == nil || !strings.Contains(r[5], "[citizen_id.checkdigit]") || r[2] != "赵六" {
			t.Errorf("CSV row 5: got %q, want 赵六 with [citizen_id.checkdigit]", r)
		}
		if r := byRow["7"]; r == nil || !strings.Contains(r[5], "[required]") {
			t.Errorf("CSV row 7: got %q, want [required]", r)
		}
		if r := byRow["8"]; r == nil || r[1] != hostile {
			t.Errorf("CSV row 8: got %q, want the value as delivered", r)
		}

		res, body = gat.download(fmt.Sprintf("/governance/batches/%d/rejects.xlsx", id))
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != ingest.XLSXType {
			t.Fatalf("xlsx download: got %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		if len(rows) != 5 {
			t.Errorf("xlsx rows: got %d, want the header and 4", len(rows))
		}

		// Another department neither sees the batch nor its rejects.
		rs := govBrowser(t, base, "rs")
		if p := rs.get(loc); p.status != http.StatusNotFound {
			t.Errorf("人社厅 on 公安厅's batch: got %d, want 404", p.status)
		}
		if res, _ := rs.download(fmt.Sprintf("/governance/batches/%d/rejects.csv", id)); res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Disposition") != "" {
			t.Errorf("人社厅 downloading 公安厅's rejects: got %d (%s), want 404 without a file", res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		// The data authority oversees batches but not their personal data.
		rev := govBrowser(t, base, "reviewer")
		if p := rev.get(loc); p.status != http.StatusOK || p.doc.Find("#rejects-hidden").Length() != 1 || p.doc.Find("#reject-list").Length() != 0 {
			t.Errorf("reviewer on the batch: got %d, want the report without the reject list", p.status)
		}
		if res, _ := rev.download(fmt.Sprintf("/governance/batches/%d/rejects.csv", id)); res.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer downloading rejects: got %d, want 403", res.StatusCode)
		}

		// Uploading into a resource another department provides: refused.
		p := rs.deliverFile(env.People, "incremental", "户籍.csv", peopleFile())
		if p.status != http.StatusForbidden || !strings.Contains(text(p.doc.Find(".error-page")), "甘肃省公安厅") {
			t.Errorf("人社厅 uploading into 公安厅's resource: got %d %q, want 403 naming the provider", p.status, text(p.doc.Find(".error-page")))
		}
		if _, total, _ := env.Ingest.Batches(env.As("gat"), env.People, "", 0, 10); total != 1 {
			t.Errorf("batches of 户籍 after the refusals: got %d, want 1", total)
		}

		// The same file again changes nothing and says so.
		again := gat.get(follow(t, gat.deliverFile(env.People, "incremental", "户籍.csv", peopleFile()), "/governance/batches/"))
		if again.doc.Find("#duplicate-of").Length() != 1 || !strings.Contains(text(again.doc.Find(".flash-ok")), "完全相同") {
			t.Errorf("re-upload: got %q, want it recognised as the same file", text(again.doc.Find(".flash")))
		}
	})
}

func TestGovernanceUploadRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env, base := newGovPlatform(t, db)
		gat := govBrowser(t, base, "gat")
		batches := func() int {
			_, total, err := env.Ingest.Batches(env.As("gat"), env.People, "", 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
		file := part{name: "file", fileName: "户籍.csv", value: peopleFile()}
		res := part{name: "resource", value: env.People}

		if p := govBrowser(t, base, "reviewer").get("/governance/upload"); p.status != http.StatusOK || p.doc.Find("#no-resources").Length() != 1 || p.doc.Find("#upload-form").Length() != 0 {
			t.Errorf("reviewer (no table of its own): got %d, want the page saying there is nothing to upload into", p.status)
		}
		// CSRF: missing, wrong, or coming after the file.
		for name, parts := range map[string][]part{
			"missing": {res, file},
			"wrong":   {{name: "csrf", value: "forged"}, res, file},
			"late":    {res, file, {name: "csrf", value: gat.csrf()}},
		} {
			if p := gat.postMultipart("/governance/upload", parts...); p.status != http.StatusForbidden {
				t.Errorf("CSRF %s: got %d, want 403", name, p.status)
			}
		}
		// Another site's form is refused whatever it carries.
		req, _ := http.NewRequest(http.MethodPost, base+"/governance/upload", strings.NewReader("x"))
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		if p := gat.do(req); p.status != http.StatusForbidden {
			t.Errorf("foreign Origin: got %d, want 403", p.status)
		}
		// Signed out: to the sign-in page.
		anon := &browser{t: t, base: base, c: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		if p := anon.postMultipart("/governance/upload", res, file); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
			t.Errorf("signed out: got %d %s, want a redirect to /login", p.status, p.header.Get("Location"))
		}
		// No file chosen: the form again, saying so.
		p := gat.postMultipart("/governance/upload", part{name: "csrf", value: gat.csrf()}, res, part{name: "mode", value: "full"}, part{name: "file"})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find(".field-error")), "请选择要上报的文件") {
			t.Errorf("no file: got %d %q", p.status, text(p.doc.Find(".field-error")))
		}
		if p.doc.Find("#u-mode-full[checked]").Length() != 1 {
			t.Errorf("no file: the chosen mode must be kept")
		}
		// A bad mode: the service's message on the form.
		p = gat.deliverFile(env.People, "sometimes", "户籍.csv", peopleFile())
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find(".field-error")), "full(全量) 或 incremental(增量)") {
			t.Errorf("bad mode: got %d %q", p.status, text(p.doc.Find("#upload-error, .field-error")))
		}
		if n := batches(); n != 0 {
			t.Fatalf("batches after refused uploads: got %d, want 0", n)
		}
		// Over the page's limit: the batch stops and the report says why.
		var big strings.Builder
		big.WriteString("公民身份号码,姓名,性别,出生日期\n")
		for i := 0; big.Len() <= govMaxUpload+1024; i++ {
			fmt.Fprintf(&big, "%s,人%d,,\n", ingesttest.CitizenID("620102", "19800101", i%1000), i)
		}
		loc := follow(t, gat.deliverFile(env.People, "incremental", "big.csv", big.String()), "/governance/batches/")
		rep := gat.get(loc)
		if got := text(rep.doc.Find("#batch-status")); got != "失败" || !strings.Contains(text(rep.doc.Find(".flash-error")), "上限") {
			t.Errorf("over the limit: got status %q, flash %q; want 失败 and the limit named", got, text(rep.doc.Find(".flash-error")))
		}
		// A binary file is a failed batch with the reason, not an error page.
		loc = follow(t, gat.deliverFile(env.People, "incremental", "garbage.csv", "\x00\x01\x02\xff\xfe\x00garbage\x00\x00"), "/governance/batches/")
		if rep := gat.get(loc); text(rep.doc.Find("#batch-status")) != "失败" || text(rep.doc.Find("#batch-error")) == "" {
			t.Errorf("binary file: got status %q, error %q", text(rep.doc.Find("#batch-status")), text(rep.doc.Find("#batch-error")))
		}
	})
}

// TestGovernanceUploadStreams shows the upload is streamed into the
// delivery: with the request still open and half the file unsent, the
// batch is running and has committed rows, and its report says it is
// running and reloads itself.
func TestGovernanceUploadStreams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env, base := newGovPlatformWith(t, db, ingest.Config{ChunkRows: 200}, 1<<20)
		gat := govBrowser(t, base, "gat")
		tok := gat.csrf()

		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		req, err := http.NewRequest(http.MethodPost, base+"/governance/upload", pr)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		type result struct {
			res *http.Response
			err error
		}
		done := make(chan result, 1)
		go func() {
			res, err := gat.c.Do(req)
			done <- result{res, err}
		}()
		write := func(from, to int, w io.Writer) {
			for i := from; i < to; i++ {
				fmt.Fprintf(w, "%s,人%d,,\n", ingesttest.CitizenID("620102", fmt.Sprintf("197001%02d", 1+i/1000), i), i)
			}
		}
		for _, f := range [][2]string{{"csrf", tok}, {"resource", env.People}, {"mode", "incremental"}} {
			mw.WriteField(f[0], f[1])
		}
		fw, err := mw.CreateFormFile("file", "户籍.csv")
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, "公民身份号码,姓名,性别,出生日期\n")
		// About 120 KB: more than the 64 KiB the delivery examines to tell
		// the encoding before its first row.
		write(0, 4000, fw)

		// Wait (bounded) for the batch to be running with rows committed
		// while the rest of the file has not been sent.
		var running *huitong.Batch
		for deadline := time.Now().Add(20 * time.Second); running == nil && time.Now().Before(deadline); {
			list, _, err := env.Ingest.Batches(env.As("gat"), env.People, "", 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 1 && list[0].Status == huitong.BatchRunning && list[0].Accepted > 0 {
				running = list[0]
			} else {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if running == nil {
			pw.CloseWithError(io.ErrUnexpectedEOF)
			t.Fatal("no running batch with committed rows while the upload was still being sent: the body is not streamed")
		}
		p := gat.get(fmt.Sprintf("/governance/batches/%d", running.ID))
		if text(p.doc.Find("#batch-status")) != "处理中" || p.doc.Find("#batch-running").Length() != 1 || p.header.Get("Refresh") == "" {
			t.Errorf("running batch page: status %q, Refresh %q; want 处理中 and a reload", text(p.doc.Find("#batch-status")), p.header.Get("Refresh"))
		}
		write(4000, 8000, fw)
		mw.Close()
		pw.Close()
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		r.res.Body.Close()
		if loc := r.res.Header.Get("Location"); r.res.StatusCode != http.StatusSeeOther || loc != fmt.Sprintf("/governance/batches/%d", running.ID) {
			t.Fatalf("upload: got %d to %q", r.res.StatusCode, loc)
		}
		p = gat.get(fmt.Sprintf("/governance/batches/%d", running.ID))
		if text(p.doc.Find("#batch-status")) != "已完成" || text(p.doc.Find("#count-accepted")) != "8000" || p.header.Get("Refresh") != "" {
			t.Errorf("finished batch: status %q, accepted %q, Refresh %q; want 已完成, 8000 and no reload",
				text(p.doc.Find("#batch-status")), text(p.doc.Find("#count-accepted")), p.header.Get("Refresh"))
		}
	})
}

func TestGovernanceOverview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env, base := newGovPlatform(t, db)
		deliverAs(t, env, "gat", env.People, peopleFile())
		deliverAs(t, env, "rs", env.Insured, "GMSFHM,XM,XBDM\n"+citizen(1)+",张三,1\n"+citizen(2)+",李肆,2\n")

		gat := govBrowser(t, base, "gat")
		p := gat.get("/governance")
		if p.status != http.StatusOK {
			t.Fatalf("overview: got %d", p.status)
		}
		row := p.doc.Find("#gov-resources tbody tr").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return strings.Contains(s.Text(), env.People)
		})
		if row.Length() != 1 {
			t.Fatalf("overview: 户籍 row missing: %s", text(p.doc.Find("#gov-resources")))
		}
		if got := text(row.Find("td").Eq(2)); got != "3" {
			t.Errorf("record count: got %q, want 3", got)
		}
		if !strings.Contains(text(row.Find("td").Eq(3)), "已完成") || row.Find("td.gov-score").Length() != 6 {
			t.Errorf("latest batch and scores: got %q", text(row))
		}
		// 李肆 against 李四: one open dispute routed to 公安厅, the authority.
		if got := text(p.doc.Find("#count-disputes")); got != "1" {
			t.Errorf("open disputes for 公安厅: got %q, want 1", got)
		}
		if p.doc.Find("#province").Length() != 0 {
			t.Errorf("a department's staff must not get the province table")
		}
		rs := govBrowser(t, base, "rs")
		if got := text(rs.get("/governance").doc.Find("#count-against")); got != "1" {
			t.Errorf("disputes about 人社厅's data: got %q, want 1", got)
		}

		// The data authority sees the province, sortable by score.
		rev := govBrowser(t, base, "reviewer")
		p = rev.get("/governance")
		if p.doc.Find("#gov-province tbody tr").Length() != 2 {
			t.Fatalf("province table: got %d rows, want 2", p.doc.Find("#gov-province tbody tr").Length())
		}
		order := func(p *page) []float64 {
			var out []float64
			p.doc.Find("#gov-province tbody tr").Each(func(_ int, tr *goquery.Selection) {
				v, _ := strconv.ParseFloat(text(tr.Find("td.gov-score").Eq(1)), 64) // validity
				out = append(out, v)
			})
			return out
		}
		asc := order(rev.get("/governance?sort=validity"))
		desc := order(rev.get("/governance?sort=validity&dir=desc"))
		if len(asc) != 2 || asc[0] > asc[1] || desc[0] < desc[1] || asc[0] == asc[1] {
			t.Errorf("sort by validity: asc %v, desc %v; want different scores in both orders", asc, desc)
		}
		if href, _ := rev.get("/governance?sort=validity").doc.Find(`#gov-province a[data-sort=validity]`).Attr("href"); !strings.Contains(href, "dir=desc") {
			t.Errorf("the active column's link must reverse the order: %q", href)
		}
	})
}

func TestGovernanceResourcePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env, base := newGovPlatform(t, db)
		deliverAs(t, env, "gat", env.People, peopleFile())
		// 张三 changes name; 张三 appears again under another number with
		// the same birth date: a near duplicate.
		deliverAs(t, env, "gat", env.People, "公民身份号码,姓名,性别,出生日期\n"+citizen(1)+",张叁,1,1990-01-01\n"+citizen(7)+",张叁,1,1990-01-01\n")

		gat := govBrowser(t, base, "gat")
		path := "/governance/resources/" + env.People
		p := gat.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("resource page: got %d", p.status)
		}
		if got := p.doc.Find("#current-quality .gov-score-card").Length(); got != 6 {
			t.Errorf("current scores: got %d cards, want 5 dimensions and overall", got)
		}
		if got := text(p.doc.Find("#record-count")); got != "4" {
			t.Errorf("records: got %q, want 4", got)
		}
		if p.doc.Find("#trend-chart polyline.gov-line-overall").Length() != 1 || p.doc.Find("#trend-chart circle.gov-dot").Length() != 2 {
			t.Errorf("trend chart: want the overall line with a dot per snapshot (2)")
		}
		if got := p.doc.Find("#batches tbody tr").Length(); got != 2 {
			t.Errorf("batch history: got %d, want 2", got)
		}
		if !strings.Contains(text(p.doc.Find("#duplicates")), citizen(7)) {
			t.Errorf("near duplicates: got %q, want the group with %s", text(p.doc.Find("#duplicates")), citizen(7))
		}
		// Record lookup with history: two versions, the name changed.
		p = gat.get(path + "?key=" + citizen(1))
		if got := text(p.doc.Find("#record-data")); !strings.Contains(got, "张叁") {
			t.Errorf("record: got %q, want the current name 张叁", got)
		}
		hist := p.doc.Find("#record-history tbody tr")
		if hist.Length() != 2 || !strings.Contains(text(hist.Eq(0)), "张三") || text(hist.Eq(1).Find(".gov-changed")) != "张叁" {
			t.Errorf("history: got %q, want 张三 then 张叁 marked changed", text(p.doc.Find("#record-history tbody")))
		}
		if p := gat.get(path + "?key=" + citizen(99)); p.status != http.StatusNotFound || !strings.Contains(text(p.doc.Find("#record-message")), "没有主键") {
			t.Errorf("unknown key: got %d %q", p.status, text(p.doc.Find("#record-message")))
		}
		if p := gat.get(path + "?key=" + citizen(1) + "&asOf=2020-01-01"); p.status != http.StatusNotFound {
			t.Errorf("as of a date before the record existed: got %d, want 404", p.status)
		}

		// Another department sees the scores, not the data.
		rs := govBrowser(t, base, "rs")
		p = rs.get(path)
		if p.status != http.StatusOK || p.doc.Find("#current-quality .gov-score-card").Length() != 6 {
			t.Fatalf("人社厅 on the resource page: got %d, want the scores", p.status)
		}
		if p.doc.Find("#record, #batches, #duplicates").Length() != 0 {
			t.Errorf("人社厅 must not get the record lookup, batches or duplicate groups")
		}
		p = rs.get(path + "?key=" + citizen(1)) // the form is hidden; the server refuses anyway
		if p.status != http.StatusForbidden || strings.Contains(p.body, "张叁") {
			t.Errorf("人社厅 reading a record by URL: got %d, want 403 without the data", p.status)
		}
	})
}

func TestGovernanceDisputes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env, base := newGovPlatform(t, db)
		deliverAs(t, env, "gat", env.People, peopleFile())
		deliverAs(t, env, "rs", env.Insured, "GMSFHM,XM,XBDM\n"+citizen(1)+",张三,1\n"+citizen(2)+",李肆,2\n"+citizen(3)+",王武,1\n")
		list, _, err := env.Ingest.Quality.Disputes(env.As("gat"), huitong.DisputeFilter{})
		if err != nil || len(list) != 2 {
			t.Fatalf("disputes: got %d (%v), want 2", len(list), err)
		}
		ids := []int64{list[0].ID, list[1].ID}

		gat := govBrowser(t, base, "gat")
		p := gat.get("/governance/disputes?role=authority")
		if got := text(p.doc.Find("#total")); got != "2" {
			t.Errorf("disputes routed to 公安厅: got %q, want 2", got)
		}
		rs := govBrowser(t, base, "rs")
		if got := text(rs.get("/governance/disputes?role=provider").doc.Find("#total")); got != "2" {
			t.Errorf("disputes about 人社厅's data: got %q, want 2", got)
		}
		if got := text(rs.get("/governance/disputes?role=authority").doc.Find("#total")); got != "0" {
			t.Errorf("人社厅 is the authority of none: got %q", got)
		}
		scjg := govBrowser(t, base, "scjg")
		if p := scjg.get(fmt.Sprintf("/governance/disputes/%d", ids[0])); p.status != http.StatusNotFound {
			t.Errorf("市场监管局 on a dispute not its own: got %d, want 404", p.status)
		}

		first := fmt.Sprintf("/governance/disputes/%d", ids[0])
		p = rs.get(first)
		if p.status != http.StatusOK || p.doc.Find("#confirm-form, #correct-form").Length() != 0 {
			t.Errorf("人社厅 on the dispute: got %d, want it without answer forms", p.status)
		}
		if p := rs.post(first+"/confirm", url.Values{"csrf": {rs.csrf()}, "note": {"我们核实过"}}); p.status != http.StatusForbidden {
			t.Errorf("人社厅 confirming: got %d, want 403", p.status)
		}
		p = gat.get(first)
		if text(p.doc.Find("#dispute-status")) != "待核实" || p.doc.Find("#confirm-form").Length() != 1 || p.doc.Find("#correct-form").Length() != 1 {
			t.Fatalf("公安厅 on the dispute: status %q, want both answer forms", text(p.doc.Find("#dispute-status")))
		}
		// CSRF, then a missing note.
		if p := gat.post(first+"/confirm", url.Values{"note": {"x"}}); p.status != http.StatusForbidden {
			t.Errorf("confirm without CSRF: got %d, want 403", p.status)
		}
		p = gat.post(first+"/confirm", url.Values{"csrf": {gat.csrf()}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find("#confirm-form .field-error")), "核实意见") {
			t.Errorf("confirm without a note: got %d %q", p.status, text(p.doc.Find(".field-error")))
		}
		follow(t, gat.post(first+"/confirm", url.Values{"csrf": {gat.csrf()}, "note": {"经核查户籍档案，登记无误"}}), first)
		p = gat.get(first)
		if text(p.doc.Find("#dispute-status")) != "已确认原值" || !strings.Contains(text(p.doc.Find("#dispute-answer")), "经核查户籍档案") {
			t.Errorf("after confirming: status %q, answer %q", text(p.doc.Find("#dispute-status")), text(p.doc.Find("#dispute-answer")))
		}
		if p.doc.Find("#confirm-form").Length() != 0 || p.doc.Find("#correct-form").Length() != 1 {
			t.Errorf("after confirming only a correction remains possible")
		}
		if p := gat.post(first+"/confirm", url.Values{"csrf": {gat.csrf()}, "note": {"再次确认"}}); p.status != http.StatusConflict {
			t.Errorf("confirming twice: got %d, want 409", p.status)
		}

		second := fmt.Sprintf("/governance/disputes/%d", ids[1])
		p = gat.post(second+"/correct", url.Values{"csrf": {gat.csrf()}, "note": {"户籍档案登记有误"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find("#correct-form .field-error")), "更正后的值") {
			t.Errorf("correct without a value: got %d %q", p.status, text(p.doc.Find(".field-error")))
		}
		if v, _ := p.doc.Find("#r-note").Html(); v != "户籍档案登记有误" {
			t.Errorf("the refused form keeps the note: got %q", v)
		}
		follow(t, gat.post(second+"/correct", url.Values{"csrf": {gat.csrf()}, "note": {"户籍档案登记有误"}, "correctedValue": {hostile}}), second)
		p = gat.get(second)
		if text(p.doc.Find("#dispute-status")) != "已更正" || text(p.doc.Find("#dispute-corrected")) != hostile || strings.Contains(p.body, hostile) {
			t.Errorf("after correcting: status %q, value %q; want 已更正 and the value escaped", text(p.doc.Find("#dispute-status")), text(p.doc.Find("#dispute-corrected")))
		}
		if got := text(gat.get("/governance/disputes?role=authority").doc.Find("#total")); got != "0" {
			t.Errorf("open disputes after answering: got %q, want 0", got)
		}
		if got := text(gat.get("/governance/disputes?role=authority&status=").doc.Find("#total")); got != "2" {
			t.Errorf("all disputes after answering: got %q, want 2", got)
		}
	})
}

func TestGovernancePlaceholderWithoutIngest(t *testing.T) {
	p := newPlatform(t)
	b := p.browser(t)
	b.signIn("police")
	pg := b.get("/governance")
	if pg.status != http.StatusOK || text(pg.doc.Find(".construction-tag")) != "建设中" {
		t.Errorf("without the ingest service: got %d %q, want the placeholder", pg.status, text(pg.doc.Find(".construction-tag")))
	}
	if pg := b.get("/governance/upload"); pg.status != http.StatusNotFound {
		t.Errorf("upload without the ingest service: got %d, want 404", pg.status)
	}
}

// deliverAs delivers a CSV file as the named account, failing the test
// unless the batch is done.
func deliverAs(t *testing.T, env *ingesttest.Env, user, code, file string) *huitong.Batch {
	t.Helper()
	b, err := env.Ingest.Deliver(env.As(user), code, strings.NewReader(file), ingest.Options{FileName: "data.csv"})
	if err != nil || b.Status != huitong.BatchDone {
		t.Fatalf("deliver to %s as %s: %v", code, user, err)
	}
	return b
}

// download fetches path with the browser's cookies and returns the
// response (body read) without parsing it as HTML.
func (b *browser) download(path string) (*http.Response, []byte) {
	b.t.Helper()
	res, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return res, body
}

func attr(s *goquery.Selection, name string) string { v, _ := s.Attr(name); return v }

// TestGovernanceDisputeCodes: a sex dispute shows both values with their
// GB/T 2261.1 names, in the list and on the dispute's page.
func TestGovernanceDisputeCodes(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	env, base := newGovPlatform(t, db)
	deliverAs(t, env, "gat", env.People, peopleFile())
	deliverAs(t, env, "rs", env.Insured, "GMSFHM,XM,XBDM\n"+citizen(1)+",张三,2\n")
	list, _, err := env.Ingest.Quality.Disputes(env.As("gat"), huitong.DisputeFilter{})
	if err != nil || len(list) != 1 || list[0].ElementName != "性别" {
		t.Fatalf("disputes: got %+v (%v), want one about 性别", list, err)
	}
	gat := govBrowser(t, base, "gat")
	row := gat.get("/governance/disputes?role=authority").doc.Find("tbody tr").First().Text()
	if !strings.Contains(row, "男(1)") || !strings.Contains(row, "女(2)") {
		t.Errorf("list row: got %q, want 男(1) and 女(2)", row)
	}
	p := gat.get(fmt.Sprintf("/governance/disputes/%d", list[0].ID))
	if a, o := text(p.doc.Find("#authority-value")), text(p.doc.Find("#other-value")); a != "男(1)" || o != "女(2)" {
		t.Errorf("dispute page: got %q against %q, want 男(1) against 女(2)", a, o)
	}
}

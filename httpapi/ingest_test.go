package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"huitong"
	"huitong/httpapi"
	"huitong/ingest"
	"huitong/ingest/ingesttest"
	"huitong/store"
	"huitong/store/storetest"
)

// ingestAPI is the API over the ingest test province.
type ingestAPI struct {
	t   *testing.T
	e   *ingesttest.Env
	url string
}

func newIngestAPI(t *testing.T, db *store.DB, cfg ingest.Config) *ingestAPI {
	e := ingesttest.New(t, db, ingesttest.Options{Config: cfg})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &httpapi.Server{Identity: e.Identity, Catalog: e.Catalog, Ingest: e.Ingest, DB: db, Log: log, Version: "test"}
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(httpapi.Middleware(mux, log, nil))
	t.Cleanup(srv.Close)
	return &ingestAPI{t: t, e: e, url: srv.URL}
}

func (a *ingestAPI) token(user string) string {
	a.t.Helper()
	_, body, _ := a.do("POST", "/api/v1/auth/token", "", "application/json", `{"username":"`+user+`","password":"`+ingesttest.Password+`"}`)
	tok, _ := body["token"].(string)
	if tok == "" {
		a.t.Fatalf("login %s: %v", user, body)
	}
	return tok
}

// do sends a request and returns the status, the JSON body (if any) and
// the raw body.
func (a *ingestAPI) do(method, path, token, ctype string, body any) (int, map[string]any, *http.Response) {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.url+path, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(raw, &out)
	}
	return resp.StatusCode, out, resp
}

func person(n int) string {
	return ingesttest.CitizenID("620102", "19900101", n)
}

func sex(id string) string { return map[bool]string{true: "1", false: "2"}[(id[16]-'0')%2 == 1] }

func TestIngestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newIngestAPI(t, db, ingest.Config{MaxSize: 64 << 10})
		gat, rs, op := a.token("gat"), a.token("rs"), a.token("op")
		plain := "/api/v1/resources/" + a.e.People
		escaped := "/api/v1/resources/" + url.PathEscape(a.e.People)
		csv := "公民身份号码,姓名,性别\n" + person(1) + ",张三," + sex(person(1)) + "\n" + person(2) + ",," + sex(person(2)) + "\n"

		status, b, resp := a.do("POST", plain+"/batches?filename=a.csv", gat, "text/csv", csv)
		if status != 201 || b["status"] != "done" || b["accepted"] != 1.0 || b["rejected"] != 1.0 || resp.Header.Get("Location") == "" {
			t.Fatalf("deliver CSV: got %d %v", status, b)
		}
		id := jsonNum(int64(b["id"].(float64)))
		status, b, _ = a.do("GET", "/api/v1/batches/"+id, gat, "", nil)
		if status != 200 || b["status"] != "done" || b["quality"] == nil || b["resource"] != a.e.People || b["received"] != 2.0 {
			t.Fatalf("batch: got %d %v", status, b)
		}
		status, b, _ = a.do("GET", "/api/v1/batches/"+id+"/rejects", gat, "", nil)
		items, _ := b["items"].([]any)
		if status != 200 || len(items) != 1 {
			t.Fatalf("rejects: got %d %v", status, b)
		}
		first := items[0].(map[string]any)
		if first["row"] != 3.0 || first["item"] != "姓名" || first["rule"] != "required" || first["value"] != "" {
			t.Fatalf("reject: got %v", first)
		}
		status, _, resp = a.do("GET", "/api/v1/batches/"+id+"/rejects?format=csv", gat, "", nil)
		raw, _ := io.ReadAll(resp.Body)
		if status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(raw), person(2)) {
			t.Fatalf("rejects CSV: got %d %s %q", status, resp.Header.Get("Content-Type"), raw)
		}
		status, _, resp = a.do("GET", "/api/v1/batches/"+id+"/rejects?format=xlsx", gat, "", nil)
		if _, err := excelize.OpenReader(resp.Body); status != 200 || err != nil {
			t.Fatalf("rejects xlsx: got %d %v", status, err)
		}
		if status, _, _ := a.do("GET", "/api/v1/batches/"+id+"/rejects", rs, "", nil); status != 404 {
			t.Fatalf("rejects of another department: got %d, want 404", status)
		}

		// The escaped code form, JSON lines, and an API key of the provider.
		key, _, err := a.e.Identity.CreateAPIKey(a.e.As("gat-admin"), "户籍系统")
		if err != nil {
			t.Fatal(err)
		}
		status, b, _ = a.do("POST", escaped+"/batches", key, "application/x-ndjson", `{"GMSFHM":"`+person(3)+`","XM":"王五"}`+"\n")
		if status != 201 || b["accepted"] != 1.0 || b["format"] != "ndjson" {
			t.Fatalf("deliver NDJSON with an API key: got %d %v", status, b)
		}

		// Refusals.
		for _, c := range []struct {
			name, path, token, ctype, body, code string
			status                               int
		}{
			{"OtherDepartment", plain + "/batches", rs, "text/csv", csv, "forbidden", 403},
			{"Empty", plain + "/batches", gat, "text/csv", "", "invalid", 400},
			{"Binary", plain + "/batches", gat, "text/csv", "\x00\x01\x02garbage", "invalid", 400},
			{"NoFormat", plain + "/batches", gat, "application/octet-stream", csv, "invalid", 400},
			{"TooLarge", plain + "/batches", gat, "text/csv", "公民身份号码,姓名\n" + strings.Repeat(person(4)+",赵六\n", 4000), "too_large", 413},
			{"NoCredentials", plain + "/batches", "", "text/csv", csv, "unauthorized", 401},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, b, _ := a.do("POST", c.path, c.token, c.ctype, c.body)
				if status != c.status || errCode(b) != c.code {
					t.Fatalf("got %d %v, want %d %s", status, b, c.status, c.code)
				}
			})
		}

		// Records: the provider reads them in both code forms; others are
		// sent to the share request process.
		for _, p := range []string{plain, escaped} {
			status, b, _ = a.do("GET", p+"/records/"+person(1), gat, "", nil)
			if data, _ := b["data"].(map[string]any); status != 200 || data["XM"] != "张三" || b["version"] != 1.0 {
				t.Fatalf("record %s: got %d %v", p, status, b)
			}
		}
		status, b, _ = a.do("GET", plain+"/records/"+person(1), rs, "", nil)
		if status != 403 || !strings.Contains(b["error"].(map[string]any)["message"].(string), "共享申请") {
			t.Fatalf("record for another department: got %d %v", status, b)
		}
		status, b, _ = a.do("GET", plain+"/records/"+person(1)+"?history=true", gat, "", nil)
		if items, _ := b["items"].([]any); status != 200 || len(items) != 1 {
			t.Fatalf("history: got %d %v", status, b)
		}
		if status, _, _ = a.do("GET", plain+"/records/"+person(1)+"?asOf=2000-01-01", gat, "", nil); status != 404 {
			t.Fatalf("as of a date before the delivery: got %d, want 404", status)
		}
		if status, _, _ = a.do("GET", plain+"/records/"+person(1)+"?asOf=yesterday", gat, "", nil); status != 400 {
			t.Fatalf("bad asOf: got %d, want 400", status)
		}
		status, b, _ = a.do("GET", plain+"/records?limit=10", gat, "", nil)
		if items, _ := b["items"].([]any); status != 200 || len(items) != 2 {
			t.Fatalf("records: got %d %v", status, b)
		}
		if status, _, _ = a.do("GET", plain+"/nothing/"+person(1), gat, "", nil); status != 404 {
			t.Fatalf("unknown sub-resource: got %d, want 404", status)
		}

		// Quality, disputes, elements, batches list.
		status, b, _ = a.do("GET", plain+"/quality", rs, "", nil)
		if cur, _ := b["current"].(map[string]any); status != 200 || cur["records"] != 2.0 {
			t.Fatalf("quality: got %d %v", status, b)
		}
		if status, b, _ = a.do("GET", "/api/v1/quality", rs, "", nil); status != 200 || len(b["items"].([]any)) != 1 {
			t.Fatalf("quality overview: got %d %v", status, b)
		}
		status, b, _ = a.do("POST", "/api/v1/resources/"+a.e.Insured+"/batches", rs, "text/csv", "GMSFHM,XM\n"+person(1)+",张叁\n")
		if status != 201 || b["report"].(map[string]any)["disputes"] != 1.0 {
			t.Fatalf("a disagreeing delivery: got %d %v", status, b)
		}
		status, b, _ = a.do("GET", "/api/v1/disputes?status=open", gat, "", nil)
		ds, _ := b["items"].([]any)
		if status != 200 || len(ds) != 1 {
			t.Fatalf("disputes: got %d %v", status, b)
		}
		did := jsonNum(int64(ds[0].(map[string]any)["id"].(float64)))
		if status, _, _ = a.do("POST", "/api/v1/disputes/"+did+"/confirm", rs, "application/json", `{"note":"x"}`); status != 403 {
			t.Fatalf("confirm by the other side: got %d, want 403", status)
		}
		status, b, _ = a.do("POST", "/api/v1/disputes/"+did+"/confirm", gat, "application/json", `{"note":"户籍档案登记为张三"}`)
		if status != 200 || b["status"] != "confirmed" {
			t.Fatalf("confirm: got %d %v", status, b)
		}
		if status, b, _ = a.do("GET", "/api/v1/elements", rs, "", nil); status != 200 || len(b["items"].([]any)) < 10 {
			t.Fatalf("elements: got %d %v", status, b)
		}
		el := `{"code":"HJDZ","name":"户籍地址","rule":"","role":"","authority":"` + a.e.GA + `"}`
		if status, _, _ = a.do("PUT", "/api/v1/elements/HJDZ", gat, "application/json", el); status != 403 {
			t.Fatalf("element by staff: got %d, want 403", status)
		}
		if status, b, _ = a.do("PUT", "/api/v1/elements/HJDZ", op, "application/json", el); status != 200 || b["authority"] != a.e.GA {
			t.Fatalf("element by the operator: got %d %v", status, b)
		}
		if status, b, _ = a.do("PUT", "/api/v1/elements/HJDZ", op, "application/json", `{"code":"HJDZ","name":"户籍地址","rule":"regex:.*"}`); status != 400 {
			t.Fatalf("bad rule: got %d %v", status, b)
		}
		// The national code tables a rule can name; an element takes one.
		if status, b, _ = a.do("GET", "/api/v1/code-tables", rs, "", nil); status != 200 {
			t.Fatalf("code tables: got %d %v", status, b)
		}
		ids := map[string]int{}
		for _, x := range b["items"].([]any) {
			ids[x.(map[string]any)["id"].(string)] = len(x.(map[string]any)["codes"].([]any))
		}
		if ids["GB/T 3304"] != 58 || ids["GB/T 2261.1"] != 4 || ids["GB/T 2261.2"] != 8 {
			t.Fatalf("code tables: got %v", ids)
		}
		if status, _, _ = a.do("GET", "/api/v1/code-tables", "", "", nil); status != 401 {
			t.Fatalf("code tables without a token: got %d, want 401", status)
		}
		if status, b, _ = a.do("PUT", "/api/v1/elements/WHCDDM", op, "application/json", `{"code":"WHCDDM","name":"文化程度","rule":"code:GB/T 4658"}`); status != 400 || !strings.Contains(fmt.Sprint(b), "GB/T 3304") {
			t.Fatalf("unknown code table: got %d %v, want 400 naming the tables there are", status, b)
		}
		if status, b, _ = a.do("PUT", "/api/v1/elements/HYZKDM", op, "application/json", `{"code":"HYZKDM","name":"婚姻状况","rule":"code:GB/T 2261.2"}`); status != 200 || b["rule"] != "code:GB/T 2261.2" {
			t.Fatalf("element with a code table: got %d %v", status, b)
		}
		if status, b, _ = a.do("GET", plain+"/batches", gat, "", nil); status != 200 || b["total"] != 5.0 { // 2 done, 3 failed (empty, binary, too large)
			t.Fatalf("batches: got %d %v", status, b)
		}

		// Pulls: a department admin registers one; the DSN never comes back.
		admin := a.token("gat-admin")
		status, b, _ = a.do("POST", plain+"/pulls", admin, "application/json",
			`{"name":"户籍库","driver":"postgres","dsn":"postgres://etl:Secret-1@10.0.0.5:5432/hukou","query":"SELECT * FROM hk","changeColumn":"gxsj","schedule":"@daily 02:30"}`)
		if status != 201 || strings.Contains(b["dsn"].(string), "Secret-1") {
			t.Fatalf("create pull: got %d %v", status, b)
		}
		pid := jsonNum(int64(b["id"].(float64)))
		if status, b, _ = a.do("PATCH", "/api/v1/pulls/"+pid, admin, "application/json", `{"enabled":false}`); status != 200 || b["enabled"] != false {
			t.Fatalf("disable pull: got %d %v", status, b)
		}
		if status, b, _ = a.do("GET", plain+"/pulls", gat, "", nil); status != 200 || len(b["items"].([]any)) != 1 {
			t.Fatalf("list pulls: got %d %v", status, b)
		}
		if status, _, _ = a.do("DELETE", "/api/v1/pulls/"+pid, gat, "", nil); status != 403 {
			t.Fatalf("delete pull by staff: got %d, want 403", status)
		}
		if status, _, _ = a.do("DELETE", "/api/v1/pulls/"+pid, admin, "", nil); status != 204 {
			t.Fatalf("delete pull: got %d", status)
		}
		_ = huitong.BatchDone
	})
}

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"huitong"
	"huitong/catalog"
	"huitong/gbcode"
	"huitong/httpapi"
	"huitong/identity"
	"huitong/store"
	"huitong/store/storetest"
)

const password = "Gansu-2026-pw"

// env is a running API over a real database with three departments: the
// data authority and two providers, each with staff.
type env struct {
	t                  *testing.T
	url                string
	db                 *store.DB
	authority, gat, rs string
	api                *httpapi.Server
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	ctx := huitong.WithPrincipal(context.Background(), huitong.System)
	ids := identity.New(db, identity.Config{}, nil)
	cat := catalog.New(db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := &env{t: t, db: db,
		authority: gbcode.MakeUSCC('1', '1', "620000", "01360001"),
		gat:       gbcode.MakeUSCC('1', '1', "620000", "01360002"),
		rs:        gbcode.MakeUSCC('1', '1', "620100", "01360003"),
	}
	for _, d := range []*huitong.Department{
		{Code: e.authority, Name: "甘肃省大数据管理局", Jurisdiction: "620000", Authority: true},
		{Code: e.gat, Name: "甘肃省公安厅", Jurisdiction: "620000"},
		{Code: e.rs, Name: "兰州市人力资源和社会保障局", Jurisdiction: "620100"},
	} {
		if err := ids.CreateDepartment(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []*huitong.User{
		{Username: "op", DisplayName: "运维", Department: e.authority, Roles: []huitong.Role{huitong.RoleOperator}},
		{Username: "reviewer", DisplayName: "审核员", Department: e.authority, Roles: []huitong.Role{huitong.RoleReviewer}},
		{Username: "gat", DisplayName: "张伟", Department: e.gat, Roles: []huitong.Role{huitong.RoleStaff}},
		{Username: "gat-admin", DisplayName: "李娜", Department: e.gat, Roles: []huitong.Role{huitong.RoleStaff, huitong.RoleDeptAdmin}},
		{Username: "lz-rs", DisplayName: "王芳", Department: e.rs, Roles: []huitong.Role{huitong.RoleStaff}},
	} {
		if err := ids.CreateUser(ctx, u, password); err != nil {
			t.Fatal(err)
		}
	}
	if err := cat.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	e.api = &httpapi.Server{Identity: ids, Catalog: cat, DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	mux := http.NewServeMux()
	e.api.Register(mux)
	srv := httptest.NewServer(httpapi.Middleware(mux, slog.New(slog.NewTextHandler(io.Discard, nil)), nil))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// call sends a request and decodes the JSON answer into a map.
func (e *env) call(method, path, token string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

func (e *env) login(user string) string {
	e.t.Helper()
	status, body := e.call("POST", "/api/v1/auth/token", "", map[string]string{"username": user, "password": password})
	if status != 200 {
		e.t.Fatalf("login %s: got %d %v", user, status, body)
	}
	return body["token"].(string)
}

func errCode(body map[string]any) string {
	if e, ok := body["error"].(map[string]any); ok {
		c, _ := e["code"].(string)
		return c
	}
	return ""
}

func TestAuth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tok := e.login("gat")
		if status, body := e.call("GET", "/api/v1/me", tok, nil); status != 200 || body["username"] != "gat" || body["department"] != e.gat {
			t.Fatalf("me: got %d %v", status, body)
		}
		for _, c := range []struct {
			name, body string
			status     int
			code       string
		}{
			{"WrongPassword", `{"username":"gat","password":"nope"}`, 401, "unauthorized"},
			{"UnknownUser", `{"username":"ghost","password":"nope"}`, 401, "unauthorized"},
			{"MalformedJSON", `{"username":`, 400, "invalid"},
			{"UnknownField", `{"username":"gat","password":"x","admin":true}`, 400, "invalid"},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, body := e.call("POST", "/api/v1/auth/token", "", c.body)
				if status != c.status || errCode(body) != c.code {
					t.Fatalf("got %d %v, want %d %s", status, body, c.status, c.code)
				}
				if msg, _ := body["error"].(map[string]any)["message"].(string); msg == "" {
					t.Fatalf("error without message: %v", body)
				}
			})
		}
		if status, body := e.call("GET", "/api/v1/resources", "", nil); status != 401 || errCode(body) != "unauthorized" {
			t.Fatalf("no credentials: got %d %v", status, body)
		}
		if status, _ := e.call("GET", "/api/v1/resources", "forged-token", nil); status != 401 {
			t.Fatalf("forged token: got %d, want 401", status)
		}
		// Lockout: five failures lock the account even for the right password.
		for range 5 {
			e.call("POST", "/api/v1/auth/token", "", map[string]string{"username": "lz-rs", "password": "wrong"})
		}
		status, body := e.call("POST", "/api/v1/auth/token", "", map[string]string{"username": "lz-rs", "password": password})
		if status != 429 || errCode(body) != "rate_limited" {
			t.Fatalf("after 5 failures: got %d %v, want 429", status, body)
		}
		// Logout ends the token.
		if status, _ := e.call("DELETE", "/api/v1/auth/token", tok, nil); status != 204 {
			t.Fatalf("logout: got %d", status)
		}
		if status, _ := e.call("GET", "/api/v1/me", tok, nil); status != 401 {
			t.Fatalf("token after logout: got %d, want 401", status)
		}
		entries, err := db.AuditEntries(context.Background(), huitong.AuditFilter{Action: "login", Object: "lz-rs"})
		if err != nil || len(entries) < 6 {
			t.Fatalf("login attempts audited: got %d (%v), want >= 6", len(entries), err)
		}
	})
}

func TestDepartmentsAndUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		op, staff := e.login("op"), e.login("gat")
		status, body := e.call("GET", "/api/v1/departments", staff, nil)
		items, _ := body["items"].([]any)
		if status != 200 || len(items) != 3 {
			t.Fatalf("departments: got %d %v", status, body)
		}
		first := items[0].(map[string]any)
		for _, k := range []string{"code", "name", "jurisdiction", "level"} {
			if first[k] == nil || first[k] == "" {
				t.Fatalf("department lacks %q: %v", k, first)
			}
		}
		status, body = e.call("GET", "/api/v1/users?department="+e.gat, op, nil)
		users, _ := body["items"].([]any)
		if status != 200 || len(users) != 2 {
			t.Fatalf("users: got %d %v", status, body)
		}
		u := users[0].(map[string]any)
		if u["username"] != "gat" || u["department"] != e.gat || len(u["roles"].([]any)) != 1 {
			t.Fatalf("user: got %v", u)
		}
		if _, ok := u["passwordHash"]; ok {
			t.Fatal("password hash exposed")
		}
		if status, _ := e.call("GET", "/api/v1/users?department="+e.gat, staff, nil); status != 403 {
			t.Fatalf("staff listing users: got %d, want 403", status)
		}
		for _, c := range []struct {
			name  string
			body  map[string]any
			code  int
			field string
		}{
			{"BadCheckDigit", map[string]any{"code": "11620000013600020", "name": "甲", "jurisdiction": "620000"}, 400, "code"},
			{"UnknownDivision", map[string]any{"code": gbcode.MakeUSCC('1', '1', "620000", "01360009"), "name": "乙", "jurisdiction": "629999"}, 400, "jurisdiction"},
			{"Duplicate", map[string]any{"code": e.gat, "name": "甘肃省公安厅二", "jurisdiction": "620000"}, 409, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, body := e.call("POST", "/api/v1/departments", op, c.body)
				if status != c.code {
					t.Fatalf("got %d %v, want %d", status, body, c.code)
				}
				if c.field != "" && !strings.Contains(body["error"].(map[string]any)["message"].(string), c.field) {
					t.Fatalf("message does not name field %s: %v", c.field, body)
				}
			})
		}
		if status, _ := e.call("POST", "/api/v1/departments", staff, map[string]any{"code": "x"}); status != 403 {
			t.Fatalf("staff creating department: got %d, want 403", status)
		}
	})
}

func sampleResource(name string) map[string]any {
	return map[string]any{
		"name": name, "abstract": "记录全省户籍人口的基本信息，按日更新。",
		"classification": map[string]string{"class": "1", "item": "01", "category": "001"},
		"format":         "database", "shareType": "conditional", "shareCondition": "用于办理政务服务事项时核验身份",
		"shareMethods": []string{"query", "system"}, "openType": "closed", "updateCycle": "daily",
		"items": []map[string]any{
			{"name": "公民身份号码", "code": "GMSFHM", "type": "C", "length": 18, "key": true, "keyKind": "citizen_id"},
			{"name": "姓名", "code": "XM", "type": "C", "length": 50, "sensitive": true},
			{"name": "出生日期", "code": "CSRQ", "type": "D"},
		},
		"mount": map[string]string{"kind": "table"},
	}
}

func TestResourceLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		staff, other, reviewer, admin := e.login("gat"), e.login("lz-rs"), e.login("reviewer"), e.login("gat-admin")

		status, body := e.call("POST", "/api/v1/resources", staff, sampleResource("户籍人口基本信息"))
		if status != 201 {
			t.Fatalf("create: got %d %v", status, body)
		}
		code := body["code"].(string)
		if !catalog.ValidCode(code) || !strings.HasPrefix(code, "101001/") || body["status"] != "draft" {
			t.Fatalf("create: got code %q status %v", code, body["status"])
		}
		if p := body["provider"].(map[string]any); p["code"] != e.gat || p["name"] != "甘肃省公安厅" {
			t.Fatalf("provider: got %v", p)
		}
		escaped := "/api/v1/resources/" + url.PathEscape(code)
		for _, path := range []string{"/api/v1/resources/" + code, escaped} {
			status, body = e.call("GET", path, staff, nil)
			if status != 200 || body["code"] != code {
				t.Fatalf("GET %s: got %d %v", path, status, body)
			}
		}
		items := body["items"].([]any)
		first := items[0].(map[string]any)
		if first["name"] != "公民身份号码" || first["type"] != "C" || first["key"] != true || first["sensitive"] != true {
			t.Fatalf("items[0]: got %v (a citizen ID key is always sensitive)", first)
		}
		if body["mount"].(map[string]any)["kind"] != "table" {
			t.Fatalf("mount: got %v", body["mount"])
		}
		// A draft is invisible to other departments, and never editable by them.
		if status, _ := e.call("GET", "/api/v1/resources/"+code, other, nil); status != 404 {
			t.Fatalf("other department sees draft: got %d, want 404", status)
		}
		if status, _ := e.call("POST", "/api/v1/resources/"+code+"/submit", other, nil); status != 404 {
			t.Fatalf("other department submits: got %d, want 404", status)
		}
		if status, _ := e.call("POST", "/api/v1/resources/"+code+"/publish", staff, nil); status != 403 {
			t.Fatalf("staff publishes: got %d, want 403", status)
		}
		if status, body = e.call("POST", "/api/v1/resources/"+code+"/submit", staff, nil); status != 200 || body["status"] != "submitted" {
			t.Fatalf("submit: got %d %v", status, body)
		}
		if status, _ := e.call("PUT", "/api/v1/resources/"+code, staff, sampleResource("户籍人口基本信息")); status != 409 {
			t.Fatalf("edit while submitted: got %d, want 409", status)
		}
		if status, body = e.call("POST", "/api/v1/resources/"+code+"/reject", reviewer, map[string]string{}); status != 400 {
			t.Fatalf("reject without reason: got %d %v, want 400", status, body)
		}
		if status, body = e.call("POST", escaped+"/publish", reviewer, nil); status != 200 || body["status"] != "published" {
			t.Fatalf("publish: got %d %v", status, body)
		}
		if status, _ := e.call("GET", "/api/v1/resources/"+code, other, nil); status != 200 {
			t.Fatalf("other department reads published: got %d", status)
		}
		if status, _ := e.call("PUT", "/api/v1/resources/"+code, other, sampleResource("x")); status != 403 {
			t.Fatalf("other department edits published: got %d, want 403", status)
		}

		// Search by a two-character query, with the contract's fields.
		status, body = e.call("GET", "/api/v1/resources?q="+url.QueryEscape("户籍"), other, nil)
		if status != 200 || body["total"].(float64) != 1 {
			t.Fatalf("search: got %d %v", status, body)
		}
		hit := body["items"].([]any)[0].(map[string]any)
		if hit["code"] != code || hit["shareType"] != "conditional" || hit["openType"] != "closed" || hit["updateCycle"] != "daily" || hit["status"] != "published" ||
			hit["provider"].(map[string]any)["name"] != "甘肃省公安厅" {
			t.Fatalf("search hit: got %v", hit)
		}
		if status, body = e.call("GET", "/api/v1/resources?q="+url.QueryEscape("社保"), other, nil); status != 200 || body["total"].(float64) != 0 {
			t.Fatalf("search miss: got %d %v", status, body)
		}

		// Revision: a new draft version; others still see version 1.
		rev := sampleResource("户籍人口基本信息")
		rev["abstract"] = "第二版摘要。"
		if status, body = e.call("PUT", "/api/v1/resources/"+code, staff, rev); status != 200 || body["version"].(float64) != 2 || body["status"] != "draft" {
			t.Fatalf("revise: got %d %v", status, body)
		}
		if _, body = e.call("GET", "/api/v1/resources/"+code, other, nil); body["version"].(float64) != 1 {
			t.Fatalf("other department sees version %v, want 1", body["version"])
		}
		if _, body = e.call("GET", "/api/v1/resources/"+code+"/versions", staff, nil); len(body["items"].([]any)) != 2 {
			t.Fatalf("versions: got %v", body)
		}
		_, body = e.call("GET", "/api/v1/resources/"+code+"/changes", staff, nil)
		var actions []string
		for _, c := range body["items"].([]any) {
			actions = append(actions, c.(map[string]any)["action"].(string)+":"+c.(map[string]any)["actor"].(string))
		}
		if got, want := strings.Join(actions, ","), "create:gat,submit:gat,publish:reviewer,revise:gat"; got != want {
			t.Fatalf("changes: got %s, want %s", got, want)
		}
		// Withdraw: staff may not, the department admin may.
		if status, _ := e.call("POST", "/api/v1/resources/"+code+"/withdraw", staff, map[string]string{"reason": "停用"}); status != 403 {
			t.Fatalf("staff withdraws: got %d, want 403", status)
		}
		if status, body = e.call("POST", "/api/v1/resources/"+code+"/withdraw", admin, map[string]string{"reason": "系统停用"}); status != 200 || body["status"] != "withdrawn" {
			t.Fatalf("withdraw: got %d %v", status, body)
		}
		if status, _ := e.call("GET", "/api/v1/resources/"+code, other, nil); status != 404 {
			t.Fatalf("withdrawn entry visible to others: got %d, want 404", status)
		}
	})
}

func TestResourceBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		staff := e.login("gat")
		if status, _ := e.call("POST", "/api/v1/resources", staff, sampleResource("社会保险参保信息")); status != 201 {
			t.Fatalf("create: got %d", status)
		}
		none := sampleResource("看守所在押人员信息")
		none["shareType"] = "none"
		bigItems := sampleResource("大字段")
		bigItems["abstract"] = strings.Repeat("长", 2<<20/3+10)
		for _, c := range []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"NoneWithoutLegalBasis", none, 400, "legalBasis"},
			{"Duplicate", sampleResource("社会保险参保信息"), 409, ""},
			{"Malformed", `{"name": "x",`, 400, ""},
			{"WrongType", `{"name": 5}`, 400, "name"},
			{"TooLarge", bigItems, 413, ""},
			{"BadEnum", func() map[string]any { r := sampleResource("甲"); r["updateCycle"] = "hourly"; return r }(), 400, "updateCycle"},
			{"TwoKeys", func() map[string]any {
				r := sampleResource("乙")
				r["items"] = []map[string]any{{"name": "a", "type": "C", "key": true}, {"name": "b", "type": "C", "key": true}}
				return r
			}(), 400, "items"},
			{"ControlChars", func() map[string]any { r := sampleResource("丙\u202e"); return r }(), 400, "name"},
			{"OtherProvider", func() map[string]any { r := sampleResource("丁"); r["provider"] = e.rs; return r }(), 403, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, body := e.call("POST", "/api/v1/resources", staff, c.body)
				if status != c.status {
					t.Fatalf("got %d %v, want %d", status, body, c.status)
				}
				if c.field == "" {
					return
				}
				found := false
				for _, f := range body["error"].(map[string]any)["fields"].([]any) {
					if strings.HasPrefix(f.(map[string]any)["field"].(string), c.field) {
						found = true
					}
				}
				if !found {
					t.Fatalf("no field error for %s: %v", c.field, body)
				}
			})
		}
	})
}

func TestAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		staff := e.login("gat")
		status, body := e.call("POST", "/api/v1/apikeys", staff, map[string]string{"name": "人口库对接系统"})
		if status != 201 {
			t.Fatalf("create key: got %d %v", status, body)
		}
		key := body["key"].(string)
		id := int64(body["id"].(float64))
		if status, body = e.call("GET", "/api/v1/resources", key, nil); status != 200 {
			t.Fatalf("key use: got %d %v", status, body)
		}
		_, body = e.call("GET", "/api/v1/apikeys", staff, nil)
		raw, _ := json.Marshal(body)
		if strings.Contains(string(raw), key) {
			t.Fatal("listing reveals the secret")
		}
		if status, _ := e.call("DELETE", "/api/v1/apikeys/"+itoa(id), e.login("lz-rs"), nil); status != 404 {
			t.Fatalf("other department revokes: got %d, want 404", status)
		}
		if status, _ := e.call("DELETE", "/api/v1/apikeys/"+itoa(id), staff, nil); status != 204 {
			t.Fatalf("revoke: got %d", status)
		}
		if status, body = e.call("GET", "/api/v1/resources", key, nil); status != 401 {
			t.Fatalf("revoked key: got %d %v, want 401", status, body)
		}
	})
}

func itoa(n int64) string { return jsonNum(n) }

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestOpenAPICoversRoutes fails when a registered route is missing from
// the OpenAPI document, or the document names a route that does not exist.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                            `json:"openapi"`
		Paths   map[string]map[string]interface{} `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	s := &httpapi.Server{}
	s.Register(http.NewServeMux())
	registered := map[string]bool{}
	for _, r := range s.Routes() {
		method, path, _ := strings.Cut(r, " ")
		registered[strings.ToLower(method)+" "+path] = true
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			if !registered[method+" "+path] {
				t.Errorf("openapi.json documents %s %s, which is not registered", strings.ToUpper(method), path)
			}
		}
	}
}

package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"huitong"
	"huitong/catalog"
	"huitong/gbcode"
	"huitong/httpapi"
	"huitong/identity"
	"huitong/store"
	"huitong/web"
)

// password is every test account's password; it passes the policy.
const password = "Test-pass-2024"

// platform is a real platform (SQLite in a temp dir, the real services,
// the API and the web UI on one mux behind the real middleware) served by
// httptest.
type platform struct {
	srv       *httptest.Server
	db        *store.DB
	ids       *identity.Service
	cat       *catalog.Service
	police    string // 甘肃省公安厅
	civil     string // 甘肃省民政厅
	authority string // 甘肃省大数据管理局
}

func newPlatform(t *testing.T) *platform {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "huitong.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &platform{db: db, ids: identity.New(db, identity.Config{}, nil), cat: catalog.New(db, nil, log)}
	if err := p.cat.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	sys := huitong.WithPrincipal(ctx, huitong.System)
	for _, d := range []struct {
		dst       *string
		name, org string
		authority bool
	}{
		{&p.authority, "甘肃省大数据管理局", "00000001", true},
		{&p.police, "甘肃省公安厅", "00000002", false},
		{&p.civil, "甘肃省民政厅", "00000003", false},
	} {
		dept := &huitong.Department{Code: gbcode.MakeUSCC('1', '1', "620000", d.org), Name: d.name, Jurisdiction: "620000", Authority: d.authority}
		if err := p.ids.CreateDepartment(sys, dept); err != nil {
			t.Fatal(err)
		}
		*d.dst = dept.Code
	}
	for _, u := range []huitong.User{
		{Username: "police", DisplayName: "公安员", Department: p.police, Roles: []huitong.Role{huitong.RoleStaff}},
		{Username: "police-admin", DisplayName: "公安管理员", Department: p.police, Roles: []huitong.Role{huitong.RoleDeptAdmin}},
		{Username: "civil", DisplayName: "民政员", Department: p.civil, Roles: []huitong.Role{huitong.RoleStaff}},
		{Username: "reviewer", DisplayName: "审核员", Department: p.authority, Roles: []huitong.Role{huitong.RoleReviewer}},
	} {
		if err := p.ids.CreateUser(sys, &u, password); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	(&httpapi.Server{Identity: p.ids, Catalog: p.cat, DB: db, Log: log, Version: "test"}).Register(mux)
	(&web.Server{Identity: p.ids, Catalog: p.cat, DB: db, Log: log, Version: "test"}).Register(mux)
	p.srv = httptest.NewServer(httpapi.Middleware(mux, log, nil))
	t.Cleanup(p.srv.Close)
	return p
}

// as returns the principal of a test account, for setting up data through
// the services directly.
func (p *platform) as(t *testing.T, username string) context.Context {
	t.Helper()
	users, err := p.ids.Users(huitong.WithPrincipal(context.Background(), huitong.System), huitong.UserFilter{Username: username})
	if err != nil || len(users) != 1 {
		t.Fatalf("user %s: %v", username, err)
	}
	u := users[0]
	return huitong.WithPrincipal(context.Background(), &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles})
}

// sampleResource is a valid entry of the police department.
func sampleResource(name string) *huitong.Resource {
	return &huitong.Resource{
		Name: name, Abstract: "测试用资源摘要", Classification: huitong.Classification{Class: "3", Item: "01", Category: "001"},
		Format: huitong.FormatDatabase, ShareType: huitong.ShareUnconditional, ShareMethods: []huitong.ShareMethod{huitong.MethodQuery},
		OpenType: huitong.OpenClosed, UpdateCycle: huitong.CycleDaily, Mount: huitong.Mount{Kind: huitong.MountTable},
		Items: []huitong.Item{
			{Name: "公民身份号码", Code: "GMSFHM", Type: huitong.TypeString, Length: 18, Key: true, KeyKind: huitong.KeyCitizenID},
			{Name: "姓名", Code: "XM", Type: huitong.TypeString, Length: 50},
		},
	}
}

// publish registers name for the police department and publishes it.
func (p *platform) publish(t *testing.T, name string) *huitong.Resource {
	t.Helper()
	r := sampleResource(name)
	staff := p.as(t, "police")
	if err := p.cat.Create(staff, r); err != nil {
		t.Fatal(err)
	}
	if _, err := p.cat.Submit(staff, r.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := p.cat.Publish(p.as(t, "reviewer"), r.Code); err != nil {
		t.Fatal(err)
	}
	return r
}

// browser is an HTTP client with cookies that does not follow redirects,
// so tests see each response.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (p *platform) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: p.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is one response with its parsed document.
type page struct {
	status int
	header http.Header
	body   string
	doc    *goquery.Document
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(raw)))
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{status: res.StatusCode, header: res.Header, body: string(raw), doc: doc}
}

func (b *browser) get(path string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form; headers are extra request headers (key, value, ...).
func (b *browser) post(path string, form url.Values, headers ...string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// login signs in through the form, as a browser would.
func (b *browser) login(username, pw string) *page {
	b.t.Helper()
	form := b.get("/login")
	tok, _ := form.doc.Find(`form[action="/login"] input[name=csrf]`).Attr("value")
	return b.post("/login", url.Values{"csrf": {tok}, "username": {username}, "password": {pw}, "next": {"/"}})
}

// signIn signs in and fails the test unless it worked.
func (b *browser) signIn(username string) {
	b.t.Helper()
	if p := b.login(username, password); p.status != http.StatusSeeOther {
		b.t.Fatalf("sign in %s: got status %d, want 303: %s", username, p.status, p.doc.Find("#login-error").Text())
	}
}

// csrf returns the session's CSRF token from any signed-in page.
func (b *browser) csrf() string {
	b.t.Helper()
	tok, ok := b.get("/").doc.Find(`form[action="/logout"] input[name=csrf]`).Attr("value")
	if !ok || tok == "" {
		b.t.Fatal("no CSRF token on the home page")
	}
	return tok
}

func text(s *goquery.Selection) string { return strings.TrimSpace(s.Text()) }

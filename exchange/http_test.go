package exchange_test

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
	"huitong/exchange/exchangetest"
	"huitong/httpapi"
	"huitong/store"
)

// api is the real HTTP API over an exchangetest province.
type api struct {
	t   *testing.T
	e   *exchangetest.Env
	url string
	srv *httpapi.Server
}

func newAPI(t *testing.T, db *store.DB, opt exchangetest.Options) *api {
	t.Helper()
	e := setup(t, db, opt)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &httpapi.Server{Identity: e.Identity, Catalog: e.Catalog, Ingest: e.Ingest, Exchange: e.Exchange, DB: db, Log: log, Version: "test"}
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(httpapi.Middleware(mux, log, nil))
	t.Cleanup(srv.Close)
	return &api{t: t, e: e, url: srv.URL, srv: s}
}

// response is an API answer.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r response) code() string {
	if e, ok := r.body["error"].(map[string]any); ok {
		c, _ := e["code"].(string)
		return c
	}
	return ""
}

func (r response) rule() string {
	if e, ok := r.body["error"].(map[string]any); ok {
		if fs, ok := e["fields"].([]any); ok && len(fs) > 0 {
			rule, _ := fs[0].(map[string]any)["rule"].(string)
			return rule
		}
	}
	return ""
}

// call sends a request with an Authorization header made of auth ("" for
// none; a value without a space is sent as a bearer token).
func (a *api) call(method, path, auth string, body any) response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case auth == "":
	case strings.Contains(auth, " "):
		req.Header.Set("Authorization", auth)
	default:
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(raw) > 0 {
		json.Unmarshal(raw, &out.body)
	}
	return out
}

func (a *api) login(user string) string {
	a.t.Helper()
	r := a.call("POST", "/api/v1/auth/token", "", map[string]string{"username": user, "password": exchangetest.Password})
	if r.status != 200 {
		a.t.Fatalf("login %s: %d %s", user, r.status, r.raw)
	}
	return r.body["token"].(string)
}

// apiKey creates an API key for user's department through the API.
func (a *api) apiKey(user string) (string, int64) {
	a.t.Helper()
	r := a.call("POST", "/api/v1/apikeys", a.login(user), map[string]string{"name": "业务系统"})
	if r.status != 201 {
		a.t.Fatalf("apikey: %d %s", r.status, r.raw)
	}
	return r.body["key"].(string), int64(r.body["id"].(float64))
}

func esc(code string) string { return url.PathEscape(code) }

// auditCount counts exchange audit entries with action and a result other
// than ok.
func auditRefusals(t *testing.T, db *store.DB, action string) int {
	t.Helper()
	list, err := db.AuditEntries(context.Background(), huitong.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range list {
		if e.Result != "ok" {
			n++
		}
	}
	return n
}

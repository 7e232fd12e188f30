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
	"time"

	"github.com/PuerkitoBio/goquery"

	"huitong/exchange/exchangetest"
	"huitong/httpapi"
	"huitong/store"
	"huitong/web"
)

// newExchangePlatform builds the exchange test province (exchangetest) with
// the web pages wired to its exchange service.
func newExchangePlatform(t *testing.T) (*exchangetest.Env, string) {
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
	env, err := exchangetest.Setup(ctx, db, exchangetest.Options{RealClock: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Exchange.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	(&web.Server{Identity: env.Identity, Catalog: env.Catalog, Exchange: env.Exchange, DB: db, Log: log, Version: "test"}).Register(mux)
	srv := httptest.NewServer(httpapi.Middleware(mux, log, nil))
	t.Cleanup(srv.Close)
	return env, srv.URL
}

// xbrowser signs in to the exchange platform as user.
func xbrowser(t *testing.T, base, user string) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	if p := b.login(user, exchangetest.Password); p.status != http.StatusSeeOther {
		t.Fatalf("sign in %s: got status %d, want 303", user, p.status)
	}
	return b
}

func applyForm(b *browser, code string, items ...string) url.Values {
	f := url.Values{"csrf": {b.csrf()}, "resource": {code}, "purpose": {"最低生活保障资格核查"}, "legalBasis": {"《社会救助暂行办法》"},
		"until": {time.Now().AddDate(0, 6, 0).Format(time.DateOnly)}, "expectedVolume": {"100"}}
	f["items"] = items
	return f
}

func TestExchangePages(t *testing.T) {
	env, base := newExchangePlatform(t)
	county := xbrowser(t, base, "county")
	ga := xbrowser(t, base, "ga")

	detail := county.get("/catalog/r/" + env.People)
	href, _ := detail.doc.Find("#apply").Attr("href")
	if u, err := url.Parse(href); err != nil || u.Path != "/exchange/apply" || u.Query().Get("resource") != env.People {
		t.Fatalf("apply link: got %q, want /exchange/apply?resource=%s", href, env.People)
	}
	form := county.get("/exchange/apply?resource=" + url.QueryEscape(env.People))
	if form.status != http.StatusOK || form.doc.Find(`#apply-form input[name=items]`).Length() == 0 {
		t.Fatalf("apply form: got status %d with %d items, want 200 with items", form.status, form.doc.Find(`#apply-form input[name=items]`).Length())
	}
	keys := []string{}
	form.doc.Find(`#apply-form input[name=items]`).Each(func(i int, s *goquery.Selection) {
		if i < 2 {
			keys = append(keys, s.AttrOr("value", ""))
		}
	})

	t.Run("ApplyWithoutCSRF", func(t *testing.T) {
		f := applyForm(county, env.People, keys...)
		f.Set("csrf", "forged")
		if p := county.post("/exchange/apply", f); p.status != http.StatusForbidden {
			t.Errorf("status: got %d, want 403", p.status)
		}
	})
	t.Run("NoneCannotBeApplied", func(t *testing.T) {
		p := county.get("/exchange/apply?resource=" + url.QueryEscape(env.Secret))
		if p.status != http.StatusForbidden || !strings.Contains(text(p.doc.Find("#apply-refused")), "不予共享") {
			t.Errorf("got status %d %q, want 403 with 不予共享", p.status, text(p.doc.Find("#apply-refused")))
		}
		if p.doc.Find("#apply-form").Length() != 0 {
			t.Errorf("got an apply form for a 不予共享 entry, want none")
		}
		p = county.post("/exchange/apply", applyForm(county, env.Secret, "XM"))
		if p.status != http.StatusForbidden {
			t.Errorf("post: got status %d, want 403", p.status)
		}
	})
	t.Run("UsesChoice", func(t *testing.T) {
		checked := []string{}
		form.doc.Find(`#apply-form input[name=uses]`).Each(func(_ int, s *goquery.Selection) {
			if _, ok := s.Attr("checked"); ok {
				checked = append(checked, s.AttrOr("value", ""))
			}
		})
		if n := form.doc.Find(`#apply-form input[name=uses]`).Length(); n != 4 || strings.Join(checked, ",") != "query,verify" {
			t.Errorf("uses: got %d boxes with %v ticked, want 4 with query,verify", n, checked)
		}
		f := applyForm(county, env.People, keys...)
		f["uses"] = []string{"query", "everything"}
		p := county.post("/exchange/apply", f)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find(".field-error")), "everything") {
			t.Errorf("bad use: got status %d %q, want 422 naming it", p.status, text(p.doc.Find(".field-error")))
		}
		if _, ok := p.doc.Find(`#apply-form input[name=uses][value=query]`).Attr("checked"); !ok {
			t.Errorf("the form shown again lost the ticked use")
		}
	})
	t.Run("ApplyFieldErrors", func(t *testing.T) {
		f := applyForm(county, env.People)
		f.Set("purpose", "")
		p := county.post("/exchange/apply", f)
		if p.status != http.StatusUnprocessableEntity || p.doc.Find(".field-error").Length() < 2 {
			t.Errorf("got status %d with %d field errors, want 422 with >= 2", p.status, p.doc.Find(".field-error").Length())
		}
	})

	res := county.post("/exchange/apply", applyForm(county, env.People, keys...))
	if res.status != http.StatusSeeOther {
		t.Fatalf("apply: got status %d, want 303: %s", res.status, text(res.doc.Find(".alert")))
	}
	reqPath := res.header.Get("Location")
	if !strings.HasPrefix(reqPath, "/exchange/requests/") {
		t.Fatalf("apply redirect: got %q, want /exchange/requests/ID", reqPath)
	}
	// The answer is due at the end (24:00 Beijing) of the 10th working day.
	if got := text(county.get(reqPath).doc.Find("dt:contains('答复期限') + dd")); !strings.HasSuffix(got, " 24:00") {
		t.Errorf("due by: got %q, want a date ending 24:00", got)
	}
	if got := text(county.get("/exchange/requests").doc.Find("#requests tbody tr").First().Find("td").Eq(4)); !strings.Contains(got, "待审批") {
		t.Errorf("my requests status: got %q, want 待审批", got)
	}
	pending := ga.get("/exchange/pending")
	if pending.doc.Find(`#requests a[href="`+reqPath+`"]`).Length() != 1 {
		t.Fatalf("provider's pending list lacks %s", reqPath)
	}

	t.Run("OtherDepartmentCannotDecide", func(t *testing.T) {
		other := xbrowser(t, base, "scjg")
		p := other.post(reqPath+"/decide", url.Values{"csrf": {other.csrf()}, "decision": {"approve"}, "items": keys})
		if p.status != http.StatusNotFound && p.status != http.StatusForbidden {
			t.Errorf("unrelated department: got status %d, want 403 or 404", p.status)
		}
		p = county.post(reqPath+"/decide", url.Values{"csrf": {county.csrf()}, "decision": {"approve"}, "items": keys})
		if p.status != http.StatusForbidden {
			t.Errorf("consumer deciding its own request: got status %d, want 403", p.status)
		}
	})
	t.Run("DecideWithoutCSRF", func(t *testing.T) {
		if p := ga.post(reqPath+"/decide", url.Values{"decision": {"approve"}, "items": keys}); p.status != http.StatusForbidden {
			t.Errorf("status: got %d, want 403", p.status)
		}
	})
	t.Run("RefuseWithoutReason", func(t *testing.T) {
		p := ga.post(reqPath+"/decide", url.Values{"csrf": {ga.csrf()}, "decision": {"refuse"}, "reason": {"  "}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find("#refuse-form .field-error")), "理由") {
			t.Errorf("got status %d %q, want 422 with the reason error", p.status, text(p.doc.Find("#refuse-form .field-error")))
		}
	})

	p := ga.post(reqPath+"/decide", url.Values{"csrf": {ga.csrf()}, "decision": {"approve"}, "items": keys[:1]})
	if p.status != http.StatusSeeOther {
		t.Fatalf("approve: got status %d, want 303: %s", p.status, text(p.doc.Find(".alert")))
	}
	show := county.get(reqPath)
	if got := text(show.doc.Find("#req-status")); got != "已同意" {
		t.Errorf("status after approval: got %q, want 已同意", got)
	}
	grantPath, _ := show.doc.Find("#req-grant").Attr("href")
	grant := county.get(grantPath)
	if grant.status != http.StatusOK || text(grant.doc.Find("#grant-status")) != "有效" {
		t.Fatalf("grant %s: got status %d %q, want 200 有效", grantPath, grant.status, text(grant.doc.Find("#grant-status")))
	}
	if got := county.get("/exchange/grants").doc.Find(`#grants a[href="` + grantPath + `"]`).Length(); got != 1 {
		t.Errorf("consumer's grants list links to %s: got %d, want 1", grantPath, got)
	}
	if got := ga.get("/exchange/grants?role=provider").doc.Find(`#grants a[href="` + grantPath + `"]`).Length(); got != 1 {
		t.Errorf("provider's grants list links to %s: got %d, want 1", grantPath, got)
	}

	t.Run("QueryAndUsage", func(t *testing.T) {
		key := env.PeopleKeys[0] // in 城关区, the county consumer's jurisdiction
		id := strings.TrimPrefix(grantPath, "/exchange/grants/")
		q := county.post("/exchange/query", url.Values{"csrf": {county.csrf()}, "grant": {id}, "key": {key}, "purpose": {"低保资格复核"}, "case": {"MZ-2026-0001"}, "mode": {"query"}})
		if q.status != http.StatusOK || q.doc.Find("#query-rows tr").Length() != 1 {
			t.Fatalf("query: got status %d with %d rows (%s), want 200 with 1 row", q.status, q.doc.Find("#query-rows tr").Length(), text(q.doc.Find("#query-error")))
		}
		if p := county.get("/exchange/usage?key=" + key); p.status != http.StatusForbidden {
			t.Errorf("usage by a consumer department: got status %d, want 403", p.status)
		}
		op := xbrowser(t, base, "op")
		u := op.get("/exchange/usage?key=" + url.QueryEscape(key))
		row := u.doc.Find("#usage tbody tr").First()
		if got := text(row.Find(".usage-purpose")); got != "低保资格复核" {
			t.Errorf("usage purpose: got %q, want 低保资格复核 (%s)", got, text(u.doc.Find("#usage-error")))
		}
	})
}

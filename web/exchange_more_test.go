package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"huitong"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/httpapi"
	"huitong/store"
	"huitong/web"
)

// newExchangeClockPlatform is newExchangePlatform on a settable clock that
// starts now, so tests can move time past deadlines. Sessions follow the
// clock too: sign in again after moving it far.
func newExchangeClockPlatform(t *testing.T, cfg exchange.Config) (*exchangetest.Env, string) {
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
	env, err := exchangetest.Setup(ctx, db, exchangetest.Options{Now: time.Now().UTC(), Config: cfg})
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

// grantOf has the provider approve a request of the county civil-affairs
// bureau for items of the population register, with the uses given.
func grantOf(t *testing.T, env *exchangetest.Env, uses ...string) *huitong.Grant {
	t.Helper()
	g, err := env.Grant(context.Background(), "county", "ga", env.People, exchange.RequestInput{
		Items: []string{"姓名", "公民身份号码", "性别", "联系电话"}, Uses: uses, Purpose: "最低生活保障资格审核"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// formPost posts form to path with the session's CSRF token.
func formPost(b *browser, path string, form url.Values) *page {
	b.t.Helper()
	form.Set("csrf", b.csrf())
	return b.post(path, form)
}

func grantURL(g *huitong.Grant) string { return "/exchange/grants/" + strconv.FormatInt(g.ID, 10) }

func TestExchangeGrantManagement(t *testing.T) {
	env, base := newExchangeClockPlatform(t, exchange.Config{})
	g := grantOf(t, env, huitong.UseQuery, huitong.UseVerify)
	path := grantURL(g)
	county, ga, other := xbrowser(t, base, "county"), xbrowser(t, base, "ga"), xbrowser(t, base, "other")

	t.Run("PageForEachSide", func(t *testing.T) {
		p := county.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("consumer: got status %d, want 200", p.status)
		}
		modes := map[string]string{}
		p.doc.Find("#grant-item-rows tbody tr").Each(func(_ int, s *goquery.Selection) {
			modes[text(s.Find("td").Eq(1))] = text(s.Find(".item-mode"))
		})
		if !strings.Contains(modes["GMSFHM"], "脱敏") || modes["XBDM"] != "明文" || !strings.Contains(modes["LXDH"], "脱敏") {
			t.Errorf("item modes: got %v, want GMSFHM and LXDH masked, XBDM plain", modes)
		}
		if got := text(p.doc.Find("#grant-scope")); !strings.Contains(got, "城关区") {
			t.Errorf("scope: got %q, want 城关区", got)
		}
		if p.doc.Find("#manage").Length() != 0 {
			t.Error("consumer sees the management forms, want none")
		}
		p = ga.get(path)
		if p.doc.Find("#limits-form").Length() != 1 || p.doc.Find("#revoke-form").Length() != 1 {
			t.Errorf("provider: got %d limits and %d revoke forms, want 1 each", p.doc.Find("#limits-form").Length(), p.doc.Find("#revoke-form").Length())
		}
		if p := other.get(path); p.status != http.StatusNotFound {
			t.Errorf("another department: got status %d, want 404", p.status)
		}
	})

	t.Run("QuotaUsedAndUses", func(t *testing.T) {
		for _, key := range env.PeopleKeys[:2] {
			if _, _, err := env.Exchange.Get(env.As("county"), exchange.Query{Resource: env.People, Keys: []string{key}, Purpose: "低保资格复核", Case: "MZ-2026-0007"}); err != nil {
				t.Fatal(err)
			}
		}
		p := ga.get(path)
		if got := text(p.doc.Find("#grant-used")); !strings.HasPrefix(got, "2 个主体") {
			t.Errorf("used today: got %q, want 2 个主体", got)
		}
		rows := p.doc.Find("#grant-uses tbody tr")
		if rows.Length() != 2 || text(rows.First().Find(".use-purpose")) != "低保资格复核" || text(rows.First().Find(".use-action")) != "查询" {
			t.Errorf("uses: got %d rows, first %q %q; want 2 rows of 查询 低保资格复核", rows.Length(), text(rows.First().Find(".use-action")), text(rows.First().Find(".use-purpose")))
		}
	})

	t.Run("ErrConsumerAndOthersCannotManage", func(t *testing.T) {
		for _, action := range []string{"revoke", "limits"} {
			form := url.Values{"reason": {"不再需要"}, "confirm": {"yes"}, "dailyQuota": {"1"}, "ratePerSec": {"1"}}
			if p := formPost(county, path+"/"+action, form); p.status != http.StatusForbidden || !strings.Contains(text(p.doc.Find("main")), "提供方") {
				t.Errorf("consumer %s: got status %d %q, want the 403 page", action, p.status, text(p.doc.Find("main h1")))
			}
			if p := formPost(other, path+"/"+action, form); p.status != http.StatusNotFound {
				t.Errorf("another department %s: got status %d, want 404 (the grant is hidden from it)", action, p.status)
			}
		}
		if got, _ := env.Exchange.Grant(env.As("ga"), g.ID); got.Status != huitong.GrantActive || got.DailyQuota != 0 {
			t.Errorf("grant after refused changes: got %s quota %d, want active, unchanged", got.Status, got.DailyQuota)
		}
	})

	t.Run("ErrCSRF", func(t *testing.T) {
		for _, action := range []string{"revoke", "limits", "subscribe", "export", "credential"} {
			p := ga.post(path+"/"+action, url.Values{"csrf": {"forged"}, "reason": {"理由理由"}, "confirm": {"yes"}})
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "安全令牌") {
				t.Errorf("%s with a forged token: got status %d, want 403 with the token message", action, p.status)
			}
		}
		if got, _ := env.Exchange.Grant(env.As("ga"), g.ID); got.Status != huitong.GrantActive {
			t.Errorf("grant after forged posts: got %s, want active", got.Status)
		}
	})

	t.Run("Limits", func(t *testing.T) {
		p := formPost(ga, path+"/limits", url.Values{"dailyQuota": {"abc"}, "ratePerSec": {"-1"}})
		errs := text(p.doc.Find("#limits-form .field-error"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(errs, "每日限额应为整数") {
			t.Errorf("bad quota: got status %d %q, want 422 naming 每日限额", p.status, errs)
		}
		p = formPost(ga, path+"/limits", url.Values{"dailyQuota": {"-5"}, "ratePerSec": {"1e9"}})
		errs = text(p.doc.Find("#limits-form .field-error"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(errs, "每日限额应在") || !strings.Contains(errs, "每秒限速应在") {
			t.Errorf("out of range: got status %d %q, want 422 with both ranges", p.status, errs)
		}
		p = formPost(ga, path+"/limits", url.Values{"dailyQuota": {"3"}, "ratePerSec": {"2.5"}})
		if p.status != http.StatusSeeOther || p.header.Get("Location") != path {
			t.Fatalf("set limits: got status %d to %q, want 303 to %s", p.status, p.header.Get("Location"), path)
		}
		p = ga.get(path)
		if q, r := text(p.doc.Find("#grant-quota")), text(p.doc.Find("#grant-rate")); q != "3 个主体" || r != "2.5 次/秒" {
			t.Errorf("limits shown: got %q %q, want 3 个主体 and 2.5 次/秒", q, r)
		}
		if !strings.Contains(text(p.doc.Find(".flash")), "已调整") {
			t.Errorf("flash: got %q, want the confirmation", text(p.doc.Find(".flash")))
		}
		// Two subjects used today and a quota of 3: two more do not fit.
		_, err := env.Exchange.Batch(env.As("county"), exchange.Query{Resource: env.People, Keys: env.PeopleKeys[2:4], Purpose: "低保资格复核"})
		if huitong.ErrorCode(err) != huitong.ERATELIMIT {
			t.Errorf("batch over the new quota: got %v, want rate limited", err)
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		p := formPost(ga, path+"/revoke", url.Values{"reason": {"  "}})
		errs := text(p.doc.Find("#revoke-form .field-error"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(errs, "撤销理由必填") || !strings.Contains(errs, "确认撤销") {
			t.Errorf("no reason, no confirmation: got status %d %q, want 422 with both", p.status, errs)
		}
		p = formPost(ga, path+"/revoke", url.Values{"reason": {"该部门已不再承担低保审核职责"}})
		if p.status != http.StatusUnprocessableEntity || p.doc.Find("#revoke-form .field-error").Length() != 1 {
			t.Errorf("no confirmation: got status %d, want 422 with one error", p.status)
		}
		if got, _ := env.Exchange.Grant(env.As("ga"), g.ID); got.Status != huitong.GrantActive {
			t.Fatalf("grant after unconfirmed revoke: got %s, want active", got.Status)
		}
		p = formPost(ga, path+"/revoke", url.Values{"reason": {"该部门已不再承担低保审核职责"}, "confirm": {"yes"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("revoke: got status %d, want 303: %s", p.status, text(p.doc.Find("#form-error")))
		}
		p = county.get(path)
		if text(p.doc.Find("#grant-status")) != "已撤销" || text(p.doc.Find("#grant-revoke-reason")) != "该部门已不再承担低保审核职责" {
			t.Errorf("after revoke: got %q %q, want 已撤销 with the reason", text(p.doc.Find("#grant-status")), text(p.doc.Find("#grant-revoke-reason")))
		}
		_, _, err := env.Exchange.Get(env.As("county"), exchange.Query{Resource: env.People, Keys: env.PeopleKeys[:1], Purpose: "低保资格复核", Grant: g.ID})
		if huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("query after revoke: got %v, want forbidden", err)
		}
		if ga.get(path).doc.Find("#revoke-form").Length() != 0 {
			t.Error("revoke form still shown after revoke")
		}
		p = formPost(ga, path+"/revoke", url.Values{"reason": {"再次撤销"}, "confirm": {"yes"}})
		if p.status != http.StatusConflict || !strings.Contains(text(p.doc.Find("#form-error")), "已撤销") {
			t.Errorf("revoke twice: got status %d %q, want 409 已撤销", p.status, text(p.doc.Find("#form-error")))
		}
		list, err := env.DB.AuditEntries(context.Background(), huitong.AuditFilter{Action: "grant.revoke", Limit: 5})
		if err != nil || len(list) != 1 || !strings.Contains(list[0].Detail, "不再承担") {
			t.Errorf("grant.revoke audit: got %d entries %v, want 1 with the reason", len(list), err)
		}
	})
}

func TestExchangeSubscriptionPages(t *testing.T) {
	env, base := newExchangeClockPlatform(t, exchange.Config{})
	g := grantOf(t, env, huitong.UseQuery, huitong.UseSubscribe)
	path := grantURL(g)
	county, ga := xbrowser(t, base, "county"), xbrowser(t, base, "ga")

	p := county.get(path)
	if p.doc.Find("#subscribe-form").Length() != 1 || !strings.Contains(text(p.doc.Find("#sub-status")), "未订阅") {
		t.Fatalf("before subscribing: got %d forms, status %q; want the form and 未订阅", p.doc.Find("#subscribe-form").Length(), text(p.doc.Find("#sub-status")))
	}
	if got := text(p.doc.Find("#sub-subject")); got != env.Exchange.FeedSubject(g.ID) {
		t.Errorf("subject: got %q, want %q", got, env.Exchange.FeedSubject(g.ID))
	}
	if got := text(p.doc.Find("#sub-pull")); !strings.Contains(got, fmt.Sprintf("/api/v1/grants/%d/changes?cursor=", g.ID)) {
		t.Errorf("pull endpoint: got %q", got)
	}

	t.Run("ErrWebhook", func(t *testing.T) {
		for _, tt := range []struct{ name, url, want string }{
			{"NotHTTP", "ftp://hooks.example.gov.cn/x", "https"},
			{"PlainHTTP", "http://hooks.example.gov.cn/x", "https"},
			{"Loopback", "https://127.0.0.1/hook", "内网"},
			{"Private", "https://10.20.30.40/hook", "内网"},
			{"NoHost", "https:///hook", "完整的 https URL"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				p := formPost(county, path+"/subscribe", url.Values{"webhook": {tt.url}})
				errs := text(p.doc.Find("#subscribe-form .field-error"))
				if p.status != http.StatusUnprocessableEntity || !strings.Contains(errs, tt.want) {
					t.Errorf("got status %d %q, want 422 with %q", p.status, errs, tt.want)
				}
				if got, _ := p.doc.Find("#s-webhook").Attr("value"); got != tt.url {
					t.Errorf("webhook kept in the form: got %q, want %q", got, tt.url)
				}
			})
		}
		if _, err := env.Exchange.Subscription(env.As("county"), g.ID); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Errorf("subscription after refusals: got %v, want none", err)
		}
	})

	t.Run("ErrProviderCannotSubscribe", func(t *testing.T) {
		p := formPost(ga, path+"/subscribe", url.Values{})
		if p.status != http.StatusForbidden || !strings.Contains(text(p.doc.Find("#form-error")), "没有共享授权") {
			t.Errorf("got status %d %q, want 403 with the refusal", p.status, text(p.doc.Find("#form-error")))
		}
	})

	t.Run("SubscribeWithoutWebhook", func(t *testing.T) {
		p := formPost(county, path+"/subscribe", url.Values{"webhook": {""}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303: %s", p.status, text(p.doc.Find("#form-error")))
		}
		p = county.get(path)
		if !strings.Contains(text(p.doc.Find("#sub-status")), "订阅中") || p.doc.Find("#new-secret").Length() != 0 {
			t.Errorf("got status %q with %d secrets, want 订阅中 and no secret", text(p.doc.Find("#sub-status")), p.doc.Find("#new-secret").Length())
		}
	})

	t.Run("WebhookSecretShownOnce", func(t *testing.T) {
		hook := "https://hooks.example.gov.cn/huitong/feed"
		p := formPost(county, path+"/subscribe", url.Values{"webhook": {hook}})
		secret := text(p.doc.Find("#new-secret"))
		if p.status != http.StatusOK || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(secret) {
			t.Fatalf("got status %d secret %q, want 200 with 64 hex digits", p.status, secret)
		}
		if got := p.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control: got %q, want no-store", got)
		}
		again := county.get(path)
		if again.doc.Find("#new-secret").Length() != 0 || strings.Contains(again.body, secret) {
			t.Error("the secret shows again on the next visit")
		}
		if got := text(again.doc.Find("#sub-webhook")); got != hook {
			t.Errorf("webhook: got %q, want %q", got, hook)
		}
		if strings.Contains(ga.get(path).body, secret) {
			t.Error("the provider's view shows the secret")
		}
	})

	t.Run("ChangesPreview", func(t *testing.T) {
		if p := formPost(county, path+"/changes", url.Values{"purpose": {""}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find("#subscription .field-error")), "用途") {
			t.Errorf("without purpose: got status %d %q, want 422 naming 用途", p.status, text(p.doc.Find("#subscription .field-error")))
		}
		inCounty := exchangetest.CitizenID("620102", "19900101", 901)
		outside := exchangetest.CitizenID("620702", "19910202", 902)
		csv := "公民身份号码,姓名,性别,出生日期,户籍地址,联系电话\n" +
			inCounty + ",赵新民,1,1990-01-01,甘肃省兰州市城关区张掖路1号,13809310901\n" +
			outside + ",钱文华,2,1991-02-02,甘肃省张掖市甘州区县府街2号,13809310902\n"
		if _, err := env.Deliver(context.Background(), "ga", env.People, csv); err != nil {
			t.Fatal(err)
		}
		p := formPost(county, path+"/changes", url.Values{"purpose": {"低保对象信息变更核对"}, "case": {"MZ-2026-0100"}, "cursor": {"0"}})
		if p.status != http.StatusOK {
			t.Fatalf("preview: got status %d, want 200: %s", p.status, text(p.doc.Find("#form-error")))
		}
		rows := p.doc.Find("#changes tbody tr")
		if rows.Length() != 1 {
			t.Fatalf("changes: got %d rows, want 1 (the subject outside 城关区 left out)", rows.Length())
		}
		row := text(rows.First())
		masked := inCounty[:6] + "********" + inCounty[14:]
		if strings.Contains(row, inCounty) || !strings.Contains(row, masked) || !strings.Contains(row, "138****0901") || strings.Contains(row, "13809310901") {
			t.Errorf("change row: got %q, want the key and ID number as %s and the mobile as 138****0901", row, masked)
		}
		list, err := env.DB.AuditEntries(context.Background(), huitong.AuditFilter{Action: exchange.ActPull, Limit: 10})
		if err != nil || len(list) == 0 || !strings.Contains(list[0].Detail, "低保对象信息变更核对") {
			t.Errorf("pull audit: got %d entries %v, want the purpose recorded", len(list), err)
		}
	})

	t.Run("Unsubscribe", func(t *testing.T) {
		p := formPost(county, path+"/unsubscribe", url.Values{})
		if p.status != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303", p.status)
		}
		p = county.get(path)
		if !strings.Contains(text(p.doc.Find("#sub-status")), "已停止") || p.doc.Find("#unsubscribe-form").Length() != 0 {
			t.Errorf("after unsubscribing: got %q, want 已停止 without the unsubscribe form", text(p.doc.Find("#sub-status")))
		}
		sub, err := env.Exchange.Subscription(env.As("county"), g.ID)
		if err != nil || sub.Active {
			t.Errorf("subscription: got %+v %v, want inactive", sub, err)
		}
	})
}

func TestExchangeExportPage(t *testing.T) {
	env, base := newExchangeClockPlatform(t, exchange.Config{})
	g := grantOf(t, env, huitong.UseQuery, huitong.UseExport)
	plain := grantOf(t, env, huitong.UseQuery)
	path := grantURL(g)
	county, ga := xbrowser(t, base, "county"), xbrowser(t, base, "ga")

	if county.get(path).doc.Find("#export-form").Length() != 1 {
		t.Fatal("consumer: no export form on a grant with the export use")
	}
	if county.get(grantURL(plain)).doc.Find("#export").Length() != 0 {
		t.Error("export section on a grant without the export use")
	}

	t.Run("CSV", func(t *testing.T) {
		p := formPost(county, path+"/export", url.Values{"format": {"csv"}, "purpose": {"低保对象年度复核"}, "case": {"MZ-2026-0200"}})
		if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("got status %d %s, want 200 text/csv: %s", p.status, p.header.Get("Content-Type"), text(p.doc.Find("#form-error")))
		}
		if cd := p.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="grant-`+strconv.FormatInt(g.ID, 10)+"-") || !strings.HasSuffix(cd, `.csv"`) {
			t.Errorf("Content-Disposition: got %q", cd)
		}
		lines := strings.Split(strings.TrimRight(strings.TrimPrefix(p.body, "\ufeff"), "\n"), "\n")
		if lines[0] != "key,XM,GMSFHM,XBDM,LXDH" {
			t.Errorf("header: got %q, want key,XM,GMSFHM,XBDM,LXDH", lines[0])
		}
		// The first half of the people live in 城关区, the county's scope.
		if want := len(env.PeopleKeys) / 2; len(lines)-1 != want {
			t.Errorf("rows: got %d, want %d", len(lines)-1, want)
		}
		if !strings.Contains(lines[1], "********") || strings.Contains(p.body, "13809310000") {
			t.Errorf("first row: got %q, want masked ID and mobile", lines[1])
		}
		list, err := env.DB.AuditEntries(context.Background(), huitong.AuditFilter{Action: exchange.ActExportEnd, Limit: 1})
		if err != nil || len(list) != 1 || !strings.Contains(list[0].Detail, `"count":10`) {
			t.Errorf("export.done audit: got %v %v, want count 10", list, err)
		}
	})

	t.Run("JSON", func(t *testing.T) {
		p := formPost(county, path+"/export", url.Values{"format": {"json"}, "purpose": {"低保对象年度复核"}})
		var doc struct {
			Grant   int64 `json:"grant"`
			Records []struct {
				Key  string            `json:"key"`
				Data map[string]string `json:"data"`
			} `json:"records"`
			Count int `json:"count"`
		}
		if err := json.Unmarshal([]byte(p.body), &doc); err != nil {
			t.Fatalf("got status %d, body not JSON: %v", p.status, err)
		}
		if doc.Grant != g.ID || doc.Count != len(env.PeopleKeys)/2 || len(doc.Records) != doc.Count {
			t.Errorf("got grant %d count %d with %d records", doc.Grant, doc.Count, len(doc.Records))
		}
	})

	t.Run("ErrPurpose", func(t *testing.T) {
		p := formPost(county, path+"/export", url.Values{"format": {"csv"}, "purpose": {""}, "case": {"bad case;DROP"}})
		errs := text(p.doc.Find("#export-form .field-error"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(errs, "用途") || !strings.Contains(errs, "办件编号") {
			t.Errorf("got status %d %q, want 422 naming 用途 and 办件编号", p.status, errs)
		}
	})
	t.Run("ErrFormat", func(t *testing.T) {
		p := formPost(county, path+"/export", url.Values{"format": {"xlsx"}, "purpose": {"低保对象年度复核"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find("#export-form .field-error")), "csv 或 json") {
			t.Errorf("got status %d %q, want 422 naming csv 或 json", p.status, text(p.doc.Find("#export-form .field-error")))
		}
	})
	t.Run("ErrNotGranted", func(t *testing.T) {
		p := formPost(county, grantURL(plain)+"/export", url.Values{"format": {"csv"}, "purpose": {"低保对象年度复核"}})
		if p.status != http.StatusForbidden || !strings.Contains(text(p.doc.Find("#form-error")), "不含批量导出") {
			t.Errorf("got status %d %q, want 403 不含批量导出", p.status, text(p.doc.Find("#form-error")))
		}
	})
	t.Run("ErrProvider", func(t *testing.T) {
		p := formPost(ga, path+"/export", url.Values{"format": {"csv"}, "purpose": {"低保对象年度复核"}})
		if p.status != http.StatusForbidden || strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
			t.Errorf("provider export: got status %d %s, want the 403 page", p.status, p.header.Get("Content-Type"))
		}
	})
}

func TestExchangeCredentialPage(t *testing.T) {
	env, base := newExchangeClockPlatform(t, exchange.Config{})
	g, err := env.Grant(context.Background(), "rs", "mz", env.Marriage, exchange.RequestInput{Items: []string{"姓名", "婚姻状况"}, Purpose: "养老保险遗属待遇核查"})
	if err != nil {
		t.Fatal(err)
	}
	path := grantURL(g)
	admin, staff, consumer := xbrowser(t, base, "mz-admin"), xbrowser(t, base, "mz"), xbrowser(t, base, "rs")

	if p := consumer.get(path); p.doc.Find("#credential").Length() != 0 {
		t.Error("the consumer sees the credential panel")
	}
	if p := staff.get(path); p.doc.Find("#credential-info").Length() != 1 || p.doc.Find("#credential-form").Length() != 0 {
		t.Errorf("provider staff: got %d info, %d forms; want the info without the form", p.doc.Find("#credential-info").Length(), p.doc.Find("#credential-form").Length())
	}
	for who, b := range map[string]*browser{"staff": staff, "consumer": consumer} {
		if p := formPost(b, path+"/credential", url.Values{"header": {"X-Api-Token"}, "value": {"secret-1"}}); p.status != http.StatusForbidden {
			t.Errorf("%s sets the credential: got status %d, want 403", who, p.status)
		}
	}
	p := formPost(admin, path+"/credential", url.Values{"header": {"Cookie"}, "value": {"token-that-must-not-echo"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find("#credential-form .field-error")), "Cookie") || strings.Contains(p.body, "token-that-must-not-echo") {
		t.Errorf("forbidden header: got status %d %q, want 422 naming Cookie without echoing the value", p.status, text(p.doc.Find("#credential-form .field-error")))
	}
	const value = "Bearer mz-upstream-7f3a9c"
	p = formPost(admin, path+"/credential", url.Values{"header": {"X-Api-Token"}, "value": {value}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("set credential: got status %d, want 303: %s", p.status, text(p.doc.Find("#form-error")))
	}
	p = admin.get(path)
	if text(p.doc.Find("#credential-set")) != "已设置" || text(p.doc.Find("#credential-header")) != "X-Api-Token" || strings.Contains(p.body, value) {
		t.Errorf("after setting: got %q %q, want 已设置 X-Api-Token and never the value", text(p.doc.Find("#credential-set")), text(p.doc.Find("#credential-header")))
	}
	if got, _ := p.doc.Find("#c-value").Attr("value"); got != "" {
		t.Errorf("value field: got %q, want empty", got)
	}
	if info, err := env.Exchange.Credential(env.As("mz"), env.Marriage); err != nil || !info.Set || info.Header != "X-Api-Token" {
		t.Errorf("service: got %+v %v", info, err)
	}
}

func TestExchangeOverduePage(t *testing.T) {
	env, base := newExchangeClockPlatform(t, exchange.Config{ResponseDays: 3})
	r, err := env.Exchange.Request(env.As("county"), exchange.RequestInput{Resource: env.People, Items: []string{"姓名"}, Purpose: "临时救助对象核查",
		LegalBasis: "《社会救助暂行办法》", Until: env.Clock.Now().AddDate(0, 6, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"county", "ga", "dsj"} {
		if p := xbrowser(t, base, who).get("/exchange/overdue"); who != "dsj" && p.status != http.StatusForbidden {
			t.Errorf("%s: got status %d, want 403", who, p.status)
		} else if who == "dsj" && (p.status != http.StatusOK || p.doc.Find("#overdue tbody tr.xchg-overdue").Length() != 0) {
			t.Errorf("authority before due: got status %d with %d overdue, want 200 with none", p.status, p.doc.Find("#overdue tbody tr.xchg-overdue").Length())
		}
	}
	if nav := xbrowser(t, base, "ga").get("/"); nav.doc.Find(`.sidenav a[href="/exchange/overdue"]`).Length() != 0 {
		t.Error("nav: a provider sees 逾期督办")
	}

	// Three weeks on: well past three working days, whatever the holidays.
	env.Clock.Add(21 * 24 * time.Hour)
	if _, err := env.Exchange.Escalate(env.As("op")); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"reviewer", "dsj", "op"} {
		b := xbrowser(t, base, who) // sessions from before expired on the moved clock
		p := b.get("/exchange/overdue")
		row := p.doc.Find(`#overdue tbody tr`).FilterFunction(func(_ int, s *goquery.Selection) bool {
			return s.Find(`a[href="/exchange/requests/`+strconv.FormatInt(r.ID, 10)+`"]`).Length() == 1
		})
		if p.status != http.StatusOK || row.Length() != 1 {
			t.Fatalf("%s: got status %d, %d rows for request %d; want 200 and the row", who, p.status, row.Length(), r.ID)
		}
		if got := text(row.Find(".overdue-provider")); got != "甘肃省公安厅" {
			t.Errorf("%s provider: got %q", who, got)
		}
		if got := text(row.Find(".overdue-consumer")); got != "兰州市城关区民政局" {
			t.Errorf("%s consumer: got %q", who, got)
		}
		want := env.Exchange.Calendar().WorkingDaysBetween(r.DueBy.Add(-time.Second), env.Clock.Now())
		if got := text(row.Find(".overdue-days strong")); got != fmt.Sprintf("%d 个工作日", want) || want < 10 {
			t.Errorf("%s days: got %q, want %d 个工作日 (>= 10)", who, got, want)
		}
		if got := text(row.Find(".overdue-state")); !strings.HasPrefix(got, "已转主管部门") {
			t.Errorf("%s state: got %q, want 已转主管部门", who, got)
		}
		if who == "dsj" && b.get("/").doc.Find(`.sidenav a[href="/exchange/overdue"]`).Length() != 1 {
			t.Error("nav: the data authority's staff do not see 逾期督办")
		}
	}
	if p := xbrowser(t, base, "ga").get("/exchange/overdue"); p.status != http.StatusForbidden {
		t.Errorf("provider after escalation: got status %d, want 403", p.status)
	}
}

func TestExchangeUsageSummaryPage(t *testing.T) {
	env, base := newExchangeClockPlatform(t, exchange.Config{})
	grantOf(t, env, huitong.UseQuery)
	for _, key := range env.PeopleKeys[:3] {
		if _, _, err := env.Exchange.Get(env.As("county"), exchange.Query{Resource: env.People, Keys: []string{key}, Purpose: "低保资格复核"}); err != nil {
			t.Fatal(err)
		}
	}
	// A refused use is a use too: outside the county, not found.
	env.Exchange.Get(env.As("county"), exchange.Query{Resource: env.People, Keys: env.PeopleKeys[len(env.PeopleKeys)-1:], Purpose: "低保资格复核"})

	count := func(p *page, action, result string) int {
		n := 0
		p.doc.Find("#usage-summary tbody tr").Each(func(_ int, s *goquery.Selection) {
			if text(s.Find(".sum-action")) == action && text(s.Find(".sum-result")) == result {
				n, _ = strconv.Atoi(text(s.Find(".sum-count")))
			}
		})
		return n
	}
	for _, tt := range []struct{ user, role string }{{"county", "consumer"}, {"ga", "provider"}, {"op", "authority"}} {
		p := xbrowser(t, base, tt.user).get("/exchange/usage/summary?role=" + tt.role)
		if p.status != http.StatusOK {
			t.Fatalf("%s as %s: got status %d", tt.user, tt.role, p.status)
		}
		if ok, miss := count(p, "查询", "成功"), count(p, "查询", "未找到"); ok != 3 || miss != 1 {
			t.Errorf("%s as %s: got %d successful and %d not found queries, want 3 and 1", tt.user, tt.role, ok, miss)
		}
		if got := text(p.doc.Find("#usage-recent .recent-purpose").First()); got != "低保资格复核" {
			t.Errorf("%s recent purpose: got %q", tt.user, got)
		}
		if got, _ := p.doc.Find("#u-from").Attr("value"); got == "" {
			t.Errorf("%s: the default period (the last 30 days) is not shown in the form", tt.user)
		}
	}
	// The provider's view of uses by others: the consumer's own side is empty.
	if p := xbrowser(t, base, "ga").get("/exchange/usage/summary?role=consumer"); count(p, "查询", "成功") != 0 {
		t.Errorf("provider's own uses: got %d, want 0", count(p, "查询", "成功"))
	}
	if p := xbrowser(t, base, "rs").get("/exchange/usage/summary?role=provider"); count(p, "查询", "成功") != 0 {
		t.Errorf("another department as provider: got %d, want 0", count(p, "查询", "成功"))
	}
	if p := xbrowser(t, base, "county").get("/exchange/usage/summary?role=authority"); p.status != http.StatusForbidden {
		t.Errorf("consumer asking for the authority's view: got status %d, want 403", p.status)
	}
	if p := xbrowser(t, base, "county").get("/exchange/usage/summary?from=2026-13-01"); p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p.doc.Find(".field-error")), "起始日期") {
		t.Errorf("bad date: got status %d %q, want 422 naming 起始日期", p.status, text(p.doc.Find(".field-error")))
	}
	tomorrow := env.Clock.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format(time.DateOnly)
	if p := xbrowser(t, base, "county").get("/exchange/usage/summary?from=" + tomorrow); count(p, "查询", "成功") != 0 {
		t.Errorf("from tomorrow: got %d, want 0", count(p, "查询", "成功"))
	}
}

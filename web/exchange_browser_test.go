package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huitong"
	"huitong/app"
	"huitong/exchange"
)

// TestBrowserExchange runs the real platform with the demo province in
// headless Chromium: a provincial department's staff applies for two items
// of another department's conditional table holding records (the first the
// demo has); the provider's staff approves from its queue; the
// consumer creates an API key on /account/keys, and the key reads the
// subject's record through the API with only the granted items; the data
// authority's data-use record page then shows the access.
func TestBrowserExchange(t *testing.T) {
	exe := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	m := app.NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.DataDir = t.TempDir()
	m.Config.Demo = true
	m.Config.DemoResources = 60
	m.LogOut = io.Discard
	if err := m.Run(ctx); err != nil {
		m.Close()
		t.Fatal(err)
	}
	defer m.Close()
	if m.DemoSummary == nil {
		t.Fatal("demo not loaded")
	}
	base := m.URL()
	sys := huitong.WithPrincipal(ctx, huitong.System)

	// A conditional table with records, its provider's staff, and the data
	// authority's staff.
	var provider, consumer, authority string
	accounts := map[string]string{} // department -> a staff account
	for _, a := range m.DemoSummary.Accounts {
		if slices.Contains(a.Roles, huitong.RoleStaff) && accounts[a.Department] == "" {
			accounts[a.Department] = a.Username
		}
	}
	depts, err := m.DB.Departments(ctx, huitong.DepartmentFilter{Level: huitong.LevelProvince})
	if err != nil {
		t.Fatal(err)
	}
	ga := "" // the provider department
	for _, d := range depts {
		if d.Authority {
			authority = accounts[d.Code]
		}
	}
	var res *huitong.Resource
	key := ""
	for offset := 0; res == nil; offset += 200 {
		list, err := m.Catalog.Search(sys, huitong.ResourceFilter{Offset: offset, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list.Items {
			full, err := m.Catalog.Published(sys, r.Code)
			if err != nil || full.ShareType != huitong.ShareConditional || full.Mount.Kind != huitong.MountTable || full.KeyItem() == nil || accounts[full.Provider] == "" {
				continue
			}
			recs, err := m.DB.Records(ctx, r.Code, "", 1, false)
			if err == nil && len(recs) == 1 {
				res, key = full, recs[0].Key
				break
			}
		}
		if len(list.Items) < 200 {
			break
		}
	}
	if res == nil || authority == "" {
		t.Fatalf("the demo lacks a conditional table with records (%v) or the authority's staff (%q)", res != nil, authority)
	}
	provider = accounts[res.Provider]
	t.Logf("resource %s %s of %s, subject %s", res.Code, res.Name, provider, key)
	ga = res.Provider
	// A provincial consumer (its jurisdiction covers every subject) holding
	// no grant on it yet.
	grants, _, err := m.Exchange.Grants(huitong.WithPrincipal(ctx, &huitong.Principal{Roles: []huitong.Role{huitong.RoleOperator}}), exchange.RoleAuthority, huitong.GrantFilter{Resource: res.Code, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	consumerDept := ""
	for _, d := range depts {
		if d.Code == ga || d.Authority || accounts[d.Code] == "" || slices.ContainsFunc(grants, func(g *huitong.Grant) bool { return g.Consumer == d.Code }) {
			continue
		}
		consumer, consumerDept = accounts[d.Code], d.Name
		break
	}
	if consumer == "" {
		t.Fatal("the demo has no provincial department without a grant on the population table")
	}

	bctx, do, textOf := newChrome(t, ctx, exe)
	signIn := func(user string) {
		t.Helper()
		do("sign in "+user,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), user),
			chromedp.SendKeys(chromedp.ID("password"), "demo"),
			chromedp.Click(chromedp.CSS(".login-card button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".who-name")),
		)
	}
	signOut := func() {
		t.Helper()
		do("sign out", chromedp.Click(chromedp.CSS(".logout button")), chromedp.WaitVisible(chromedp.ID("username")))
	}

	// The consumer applies for the first two items from the entry's page.
	signIn(consumer)
	do("open the entry and apply",
		chromedp.Navigate(base+"/catalog/r/"+res.Code),
		chromedp.WaitVisible(chromedp.ID("apply")),
		chromedp.Click(chromedp.ID("apply")),
		chromedp.WaitVisible(chromedp.ID("apply-form")),
	)
	wanted, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#apply-form input[name=items]")).slice(0, 2).map(b => { b.checked = true; return b.value; })`))
	if err != nil || len(wanted) != 2 {
		t.Fatalf("tick two items: got %v (%v), want two", wanted, err)
	}
	do("fill the application",
		chromedp.SendKeys(chromedp.ID("a-purpose"), "社会救助对象身份核查"),
		chromedp.SendKeys(chromedp.ID("a-basis"), "《社会救助暂行办法》第十一条"),
		chromedp.SetValue(chromedp.ID("a-jur"), "*"),
		chromedp.SetValue(chromedp.ID("a-volume"), "200"),
	)
	screenshot(t, bctx, "exchange-apply")
	do("submit", chromedp.Click(chromedp.ID("apply-submit")), chromedp.WaitVisible(chromedp.ID("req-status")))
	if got := textOf("#req-status"); got != "待审批" {
		t.Fatalf("after applying: got status %q, want 待审批 (%s)", got, textOf(".content"))
	}
	reqURL, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	signOut()

	// The provider approves from its queue.
	signIn(provider)
	do("open the queue",
		chromedp.Click(chromedp.CSS(`.sidenav a[href="/exchange/pending"]`)),
		chromedp.WaitVisible(chromedp.ID("requests")),
	)
	screenshot(t, bctx, "exchange-pending")
	do("approve",
		chromedp.Navigate(reqURL),
		chromedp.WaitVisible(chromedp.ID("approve")),
		chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitVisible(chromedp.Search(`//span[@id="req-status"][contains(., "已同意")]`)),
	)
	screenshot(t, bctx, "exchange-approved")
	signOut()

	// The consumer makes an API key and reads the record with it.
	signIn(consumer)
	do("create a key",
		chromedp.Navigate(base+"/account/keys"),
		chromedp.WaitVisible(chromedp.ID("k-name")),
		chromedp.SendKeys(chromedp.ID("k-name"), "社会救助系统"),
		chromedp.Click(chromedp.CSS(`form[action="/account/keys"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("new-secret")),
	)
	secret := textOf("#new-secret")
	signOut()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/resources/"+res.Code+"/records/"+url.PathEscape(key)+"?purpose="+url.QueryEscape("社会救助对象身份核查")+"&case=SJ-2026-0042", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Data map[string]string `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("API read: got status %d (%v), want 200", resp.StatusCode, err)
	}
	for k := range body.Data {
		if !slices.Contains(wanted, k) {
			t.Errorf("API read returned item %s, want only the granted %v", k, wanted)
		}
	}
	if len(body.Data) == 0 {
		t.Errorf("API read returned no items, want the granted %v", wanted)
	}

	// The data authority's staff sees the use on the subject's record.
	signIn(authority)
	do("data-use record",
		chromedp.Click(chromedp.CSS(`.sidenav a[href="/exchange/usage"]`)),
		chromedp.WaitVisible(chromedp.ID("usage-key")),
		chromedp.SendKeys(chromedp.ID("usage-key"), key),
		chromedp.Click(chromedp.ID("usage-submit")),
		chromedp.WaitVisible(chromedp.ID("usage")),
	)
	screenshot(t, bctx, "exchange-usage")
	rows, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#usage tbody tr")).map(r => r.querySelector(".usage-dept").textContent.trim() + "|" + r.querySelector(".usage-purpose").textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if want := consumerDept + "|社会救助对象身份核查"; !slices.Contains(rows, want) {
		t.Errorf("usage rows: got %v, want one %q", rows, want)
	}
}

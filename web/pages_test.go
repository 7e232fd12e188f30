package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"huitong"
	"huitong/store"
)

func TestLoginFailure(t *testing.T) {
	p := newPlatform(t)
	tests := []struct {
		name, user, pass string
		status           int
		want             string
	}{
		{"WrongPassword", "police", "wrong-password", http.StatusUnauthorized, "用户名或密码错误"},
		{"UnknownUser", "nobody", password, http.StatusUnauthorized, "用户名或密码错误"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := p.browser(t)
			res := b.login(tt.user, tt.pass)
			if res.status != tt.status {
				t.Errorf("status: got %d, want %d", res.status, tt.status)
			}
			if got := text(res.doc.Find("#login-error")); got != tt.want {
				t.Errorf("message: got %q, want %q", got, tt.want)
			}
			if got, _ := res.doc.Find("#username").Attr("value"); got != tt.user {
				t.Errorf("username kept: got %q, want %q", got, tt.user)
			}
			if res.doc.Find("#password").AttrOr("value", "") != "" {
				t.Error("password was echoed back into the form")
			}
			if home := b.get("/"); home.status != http.StatusSeeOther {
				t.Errorf("home after failed sign-in: got status %d, want 303 to /login", home.status)
			}
		})
	}
	t.Run("Disabled", func(t *testing.T) {
		err := p.db.Update(context.Background(), func(tx *store.Tx) error {
			u, _, err := tx.FindUserByName(context.Background(), "police-admin")
			if err != nil {
				return err
			}
			u.Disabled = true
			return tx.UpdateUser(context.Background(), u)
		})
		if err != nil {
			t.Fatal(err)
		}
		res := p.browser(t).login("police-admin", password)
		if res.status != http.StatusForbidden {
			t.Errorf("status: got %d, want %d", res.status, http.StatusForbidden)
		}
		if got := text(res.doc.Find("#login-error")); got != "账户已停用" {
			t.Errorf("message: got %q, want 账户已停用", got)
		}
	})
	t.Run("Locked", func(t *testing.T) {
		b := p.browser(t)
		for range 5 {
			b.login("civil", "wrong-password")
		}
		res := b.login("civil", password)
		if res.status != http.StatusTooManyRequests {
			t.Errorf("status: got %d, want %d", res.status, http.StatusTooManyRequests)
		}
		if got := text(res.doc.Find("#login-error")); !strings.HasPrefix(got, "登录失败次数过多，账户已锁定至 ") {
			t.Errorf("message: got %q, want the lock message with its time", got)
		}
	})
}

func TestLoginCSRF(t *testing.T) {
	p := newPlatform(t)
	t.Run("NoCookie", func(t *testing.T) {
		// A cross-site form cannot read or set huitong_csrf, so it posts
		// without the matching cookie.
		b := p.browser(t)
		res := b.post("/login", url.Values{"csrf": {"forged"}, "username": {"police"}, "password": {password}})
		if res.status != http.StatusForbidden {
			t.Errorf("status: got %d, want 403", res.status)
		}
		if home := b.get("/"); home.status != http.StatusSeeOther {
			t.Errorf("home after refused sign-in: got status %d, want 303 to /login", home.status)
		}
	})
	t.Run("WrongOrigin", func(t *testing.T) {
		b := p.browser(t)
		form := b.get("/login")
		tok, _ := form.doc.Find("input[name=csrf]").Attr("value")
		res := b.post("/login", url.Values{"csrf": {tok}, "username": {"police"}, "password": {password}}, "Origin", "https://evil.example")
		if res.status != http.StatusForbidden {
			t.Errorf("status: got %d, want 403", res.status)
		}
	})
}

func TestLoginNext(t *testing.T) {
	p := newPlatform(t)
	tests := []struct{ name, next, want string }{
		{"Relative", "/catalog?q=户籍", "/catalog?q=户籍"},
		{"ProtocolRelative", "//evil.example/x", "/"},
		{"Backslash", "/\\evil.example", "/"},
		{"Absolute", "https://evil.example/", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := p.browser(t)
			form := b.get("/login?next=" + url.QueryEscape(tt.next))
			tok, _ := form.doc.Find("input[name=csrf]").Attr("value")
			next, _ := form.doc.Find("input[name=next]").Attr("value")
			res := b.post("/login", url.Values{"csrf": {tok}, "username": {"police"}, "password": {password}, "next": {next}})
			// http.Redirect percent-encodes non-ASCII bytes.
			if got, _ := url.QueryUnescape(res.header.Get("Location")); got != tt.want {
				t.Errorf("redirect: got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("RedirectToLogin", func(t *testing.T) {
		res := p.browser(t).get("/catalog?q=x")
		if got, want := res.header.Get("Location"), "/login?next="+url.QueryEscape("/catalog?q=x"); res.status != http.StatusSeeOther || got != want {
			t.Errorf("got %d %q, want 303 %q", res.status, got, want)
		}
	})
}

func TestSessionCookie(t *testing.T) {
	p := newPlatform(t)
	b := p.browser(t)
	res := b.login("police", password)
	var c *http.Cookie
	for _, ck := range (&http.Response{Header: res.header}).Cookies() {
		if ck.Name == "huitong_session" && ck.Value != "" {
			c = ck
		}
	}
	if c == nil {
		t.Fatal("no huitong_session cookie set")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("cookie: got HttpOnly=%v SameSite=%v Path=%q, want true Lax /", c.HttpOnly, c.SameSite, c.Path)
	}
	home := b.get("/")
	if got, want := home.header.Get("Content-Security-Policy"), "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"; got != want {
		t.Errorf("CSP: got %q, want %q", got, want)
	}
	if got := text(home.doc.Find(".who-name")); got != "公安员" {
		t.Errorf("top bar name: got %q, want 公安员", got)
	}
	if got := text(home.doc.Find(".brand-org")); got != "甘肃省大数据管理局" {
		t.Errorf("top bar operator: got %q, want 甘肃省大数据管理局", got)
	}
	tok := b.csrf()
	if out := b.post("/logout", url.Values{"csrf": {tok}}); out.status != http.StatusSeeOther {
		t.Fatalf("logout: got status %d, want 303", out.status)
	}
	if home := b.get("/"); home.status != http.StatusSeeOther {
		t.Errorf("home after logout: got status %d, want 303", home.status)
	}
}

func TestCSRF(t *testing.T) {
	p := newPlatform(t)
	b := p.browser(t)
	b.signIn("police")
	tok := b.csrf()
	wrong := tok[:len(tok)-1] + "x" // one character off (not the same token when it ends in x)
	if strings.HasSuffix(tok, "x") {
		wrong = tok[:len(tok)-1] + "y"
	}
	form := url.Values{"name": {"跨站伪造"}, "op": {"save"}}
	tests := []struct {
		name    string
		csrf    string
		headers []string
		status  int
	}{
		{"Missing", "", nil, http.StatusForbidden},
		{"Wrong", wrong, nil, http.StatusForbidden},
		{"OtherOrigin", tok, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"NullOrigin", tok, []string{"Origin", "null"}, http.StatusForbidden},
		{"OK", tok, []string{"Origin", p.srv.URL}, http.StatusUnprocessableEntity}, // passes the checks, fails validation
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if tt.csrf != "" {
				f.Set("csrf", tt.csrf)
			}
			res := b.post("/catalog/new", f, tt.headers...)
			if res.status != tt.status {
				t.Errorf("status: got %d, want %d", res.status, tt.status)
			}
		})
	}
	list, err := p.cat.SearchScope(p.as(t, "police"), huitong.ResourceFilter{}, "working")
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 0 {
		t.Errorf("entries after refused posts: got %d, want 0", list.Total)
	}
}

func TestForbiddenEdit(t *testing.T) {
	p := newPlatform(t)
	r := p.publish(t, "公安人口基础信息")
	draft := sampleResource("公安内部草稿")
	if err := p.cat.Create(p.as(t, "police"), draft); err != nil {
		t.Fatal(err)
	}
	b := p.browser(t)
	b.signIn("civil")
	tok := b.csrf()
	tests := []struct {
		name   string
		do     func() *page
		status int
	}{
		{"ViewPublished", func() *page { return b.get("/catalog/r/" + r.Code) }, http.StatusOK},
		{"EditForm", func() *page { return b.get("/catalog/r/" + r.Code + "/edit") }, http.StatusForbidden},
		{"EditPost", func() *page {
			return b.post("/catalog/r/"+r.Code+"/edit", url.Values{"csrf": {tok}, "op": {"save"}, "name": {"改名"}})
		}, http.StatusForbidden},
		{"Submit", func() *page { return b.post("/catalog/r/"+r.Code+"/submit", url.Values{"csrf": {tok}}) }, http.StatusForbidden},
		{"Withdraw", func() *page {
			return b.post("/catalog/r/"+r.Code+"/withdraw", url.Values{"csrf": {tok}, "reason": {"无理"}})
		}, http.StatusForbidden},
		{"Review", func() *page { return b.get("/catalog/review") }, http.StatusForbidden},
		{"Users", func() *page { return b.get("/admin/users") }, http.StatusForbidden},
		{"OtherDraft", func() *page { return b.get("/catalog/r/" + draft.Code) }, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.do()
			if res.status != tt.status {
				t.Fatalf("status: got %d, want %d", res.status, tt.status)
			}
			if tt.status >= 400 {
				if got := text(res.doc.Find(".error-status")); got != strconv.Itoa(tt.status) {
					t.Errorf("error page status: got %q, want %d", got, tt.status)
				}
				if res.doc.Find(".request-id").Length() != 1 {
					t.Error("error page shows no request id")
				}
			} else if res.doc.Find("#edit").Length() != 0 {
				t.Error("another department's staff sees the edit button")
			}
		})
	}
	got, err := p.cat.Find(p.as(t, "police"), r.Code, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != r.Name || got.Version != 1 {
		t.Errorf("entry after refused edit: got %q v%d, want %q v1", got.Name, got.Version, r.Name)
	}
}

func TestXSS(t *testing.T) {
	p := newPlatform(t)
	const evil = `<script>alert(1)</script>`
	r := sampleResource(evil)
	r.Abstract = `"><img src=x onerror=alert(2)>`
	r.Keywords = []string{`<b>粗体</b>`}
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
	b := p.browser(t)
	b.signIn("civil")
	for _, path := range []string{"/catalog/r/" + r.Code, "/catalog?q=" + url.QueryEscape("alert"), "/catalog", "/catalog/r/" + r.Code + "?version=1"} {
		t.Run(path, func(t *testing.T) {
			res := b.get(path)
			if res.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200", res.status)
			}
			if strings.Contains(res.body, evil) || strings.Contains(res.body, "<img src=x") || strings.Contains(res.body, "<b>粗体") {
				t.Error("user text rendered unescaped")
			}
			res.doc.Find("script").Each(func(_ int, s *goquery.Selection) {
				if src, _ := s.Attr("src"); !strings.HasPrefix(src, "/static/app.js") || text(s) != "" {
					t.Errorf("unexpected script element: src=%q text=%q", src, text(s))
				}
			})
			if res.doc.Find("img").Length() != 0 {
				t.Error("an img element was injected")
			}
			names := res.doc.Find("#resource-name, .result-name")
			if names.Length() == 0 || text(names.First()) != evil {
				t.Errorf("name: got %q, want the literal text %q", text(names.First()), evil)
			}
		})
	}
}

func TestFormValidation(t *testing.T) {
	p := newPlatform(t)
	b := p.browser(t)
	b.signIn("police")
	tok := b.csrf()
	form := url.Values{
		"csrf": {tok}, "op": {"save"}, "rows": {"8"},
		"class": {"3"}, "item": {"1"}, "category": {"001"},
		"name": {""}, "abstract": {"保留的摘要文字"}, "format": {"database"},
		"shareType": {"conditional"}, "shareCondition": {""}, "shareMethods": {"query"},
		"openType": {"closed"}, "updateCycle": {"daily"}, "mountKind": {"api"}, "mountUrl": {"ftp://x"},
		"items.0.name": {"公民身份号码"}, "items.0.type": {"C"}, "items.0.length": {"18"}, "key": {"0"}, "items.0.keyKind": {"citizen_id"},
		"items.3.name": {"姓名"}, "items.3.type": {""}, "items.3.length": {"很长"},
	}
	res := b.post("/catalog/new", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("status: got %d, want 422", res.status)
	}
	tests := []struct{ name, field, want string }{
		{"Name", "#f-name", "信息资源名称必填"},
		{"Item", "#f-classification-item", "信息资源分类“项”应为 2 位数字"},
		{"ShareCondition", "#f-shareCondition", "有条件共享须填写共享条件"},
		{"MountURL", "#f-mount-url", "部门接口地址须为 http(s):// 开头的完整地址"},
		// The blank rows 1 and 2 are dropped, so the second item is row 1.
		{"ItemType", "#f-items-1-type", "数据类型必填"},
		{"ItemLength", "#f-items-1-length", "数据长度应为非负整数"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			field := res.doc.Find(tt.field)
			if field.Length() != 1 {
				t.Fatalf("field %s: got %d elements, want 1", tt.field, field.Length())
			}
			if got, _ := field.Attr("aria-invalid"); got != "true" {
				t.Errorf("aria-invalid: got %q, want true", got)
			}
			msg := text(field.Parent().Find(".field-error"))
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message next to field: got %q, want it to contain %q", msg, tt.want)
			}
			if res.doc.Find(`#error-summary a[href="`+tt.field+`"]`).Length() == 0 {
				t.Errorf("summary has no link to %s", tt.field)
			}
		})
	}
	t.Run("InputKept", func(t *testing.T) {
		if got := text(res.doc.Find("#f-abstract")); got != "保留的摘要文字" {
			t.Errorf("abstract: got %q, want 保留的摘要文字", got)
		}
		if got, _ := res.doc.Find("#f-items-1-length").Attr("value"); got != "很长" {
			t.Errorf("item length: got %q, want 很长", got)
		}
		if _, ok := res.doc.Find("#f-shareType-conditional").Attr("checked"); !ok {
			t.Error("share type radio not kept")
		}
		if _, ok := res.doc.Find("#f-items-0-key").Attr("checked"); !ok {
			t.Error("key radio not kept")
		}
		if got := res.doc.Find("#f-items-0-keyKind option[selected]").AttrOr("value", ""); got != "citizen_id" {
			t.Errorf("key kind: got %q, want citizen_id", got)
		}
		if got := res.doc.Find("tr.item-row").Length(); got != 2+5 {
			t.Errorf("rows: got %d, want 7 (2 filled + 5 blank)", got)
		}
	})
}

func TestMoreRows(t *testing.T) {
	p := newPlatform(t)
	b := p.browser(t)
	b.signIn("police")
	blank := b.get("/catalog/new")
	if got := blank.doc.Find("tr.item-row").Length(); got != 5 {
		t.Fatalf("new form rows: got %d, want 5", got)
	}
	res := b.post("/catalog/new", url.Values{"csrf": {b.csrf()}, "op": {"more"}, "rows": {"5"}, "name": {"未完成"}, "items.0.name": {"甲"}})
	if res.status != http.StatusOK {
		t.Fatalf("status: got %d, want 200", res.status)
	}
	if got := res.doc.Find("tr.item-row").Length(); got != 10 {
		t.Errorf("rows after 更多行: got %d, want 10", got)
	}
	if got, _ := res.doc.Find("#f-items-0-name").Attr("value"); got != "甲" {
		t.Errorf("row 0 name: got %q, want 甲", got)
	}
	if res.doc.Find(".field-error").Length() != 0 {
		t.Error("更多行 showed validation errors")
	}
}

// TestLifecycle drives one entry through the pages: register, submit,
// reject, fix, submit, publish, search, withdraw.
func TestLifecycle(t *testing.T) {
	p := newPlatform(t)
	staff := p.browser(t)
	staff.signIn("police")
	tok := staff.csrf()
	form := url.Values{
		"csrf": {tok}, "op": {"save"}, "rows": {"6"},
		"class": {"3"}, "item": {"01"}, "category": {"001"},
		"name": {"驼铃户籍协查信息"}, "abstract": {"户籍协查"}, "format": {"database"},
		"shareType": {"conditional"}, "shareCondition": {"用于户籍协查"}, "shareMethods": {"query", "service"},
		"openType": {"closed"}, "updateCycle": {"daily"}, "mountKind": {"table"}, "keywords": {"户籍，协查"},
		"items.0.name": {"公民身份号码"}, "items.0.code": {"GMSFHM"}, "items.0.type": {"C"}, "items.0.length": {"18"}, "key": {"0"}, "items.0.keyKind": {"citizen_id"},
		"items.1.name": {"姓名"}, "items.1.type": {"C"}, "items.1.sensitive": {"1"},
	}
	res := staff.post("/catalog/new", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: got status %d, want 303; errors: %s", res.status, text(res.doc.Find("#error-summary")))
	}
	loc := res.header.Get("Location")
	if !strings.HasPrefix(loc, "/catalog/r/301001/") {
		t.Fatalf("create redirect: got %q, want /catalog/r/301001/...", loc)
	}
	detail := staff.get(loc)
	check := func(step string, pg *page, status string) {
		t.Helper()
		if got := text(pg.doc.Find("#status")); got != status {
			t.Errorf("%s: status badge got %q, want %q", step, got, status)
		}
	}
	check("created", detail, "草稿")
	if got := text(detail.doc.Find(".flash")); !strings.Contains(got, "已保存为草稿") {
		t.Errorf("flash: got %q, want it to say 已保存为草稿", got)
	}
	if got := text(detail.doc.Find(".tag-key")); got != "主键 · 公民身份号码" {
		t.Errorf("key item: got %q, want 主键 · 公民身份号码", got)
	}
	if got := text(detail.doc.Find("dd:contains('有条件共享')")); got != "有条件共享" {
		t.Errorf("share type label: got %q", got)
	}

	staff.post(loc+"/submit", url.Values{"csrf": {tok}})
	check("submitted", staff.get(loc), "待审核")
	if pg := staff.get(loc + "/edit"); pg.status != http.StatusSeeOther {
		t.Errorf("edit while under review: got status %d, want 303 back to the detail", pg.status)
	}

	rev := p.browser(t)
	rev.signIn("reviewer")
	rtok := rev.csrf()
	queue := rev.get("/catalog/review")
	if got := text(queue.doc.Find(".result-name")); got != "驼铃户籍协查信息" {
		t.Errorf("review queue: got %q, want the entry", got)
	}
	res = rev.post(loc+"/reject", url.Values{"csrf": {rtok}, "reason": {""}})
	if pg := rev.get(res.header.Get("Location")); !strings.Contains(text(pg.doc.Find(".flash-error")), "退回须说明理由") {
		t.Errorf("reject without reason: got flash %q", text(pg.doc.Find(".flash")))
	}
	rev.post(loc+"/reject", url.Values{"csrf": {rtok}, "reason": {"请补充摘要"}})
	back := staff.get(loc)
	check("rejected", back, "草稿")
	if got := text(back.doc.Find(".alert-warn")); !strings.Contains(got, "请补充摘要") {
		t.Errorf("review note: got %q, want the reason", got)
	}

	edit := staff.get(loc + "/edit")
	if got, _ := edit.doc.Find("#f-items-0-name").Attr("value"); got != "公民身份号码" {
		t.Fatalf("edit form item 0: got %q, want 公民身份号码", got)
	}
	form.Set("abstract", "公安机关户籍协查信息，含身份号码与姓名")
	res = staff.post(loc+"/edit", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("edit: got status %d, want 303; errors: %s", res.status, text(res.doc.Find("#error-summary")))
	}
	staff.post(loc+"/submit", url.Values{"csrf": {tok}})
	rev.post(loc+"/publish", url.Values{"csrf": {rtok}})
	check("published", rev.get(loc), "已发布")

	search := staff.get("/catalog?q=" + url.QueryEscape("驼铃"))
	if got := text(search.doc.Find("#total")); got != "1" {
		t.Errorf("search total: got %s, want 1", got)
	}
	facet := search.doc.Find(`.facet-link:contains('甘肃省公安厅')`)
	if href, _ := facet.Attr("href"); !strings.Contains(href, "provider=") {
		t.Errorf("provider facet link: got %q, want a provider filter", href)
	}

	admin := p.browser(t)
	admin.signIn("police-admin")
	res = admin.post(loc+"/withdraw", url.Values{"csrf": {admin.csrf()}, "reason": {"数据停止维护"}})
	check("withdrawn", admin.get(res.header.Get("Location")), "已撤销")
	if got := text(staff.get("/catalog?q=" + url.QueryEscape("驼铃")).doc.Find("#total")); got != "0" {
		t.Errorf("search after withdrawal: got %s, want 0", got)
	}
	var actions []string
	admin.get(loc).doc.Find("#changes tbody tr td:nth-child(3)").Each(func(_ int, s *goquery.Selection) {
		actions = append(actions, text(s))
	})
	// Newest first.
	if got, want := strings.Join(actions, ","), "撤销,发布,提交审核,修改,退回,提交审核,登记"; got != want {
		t.Errorf("change history: got %s, want %s", got, want)
	}
}

func TestAPIKeys(t *testing.T) {
	p := newPlatform(t)
	b := p.browser(t)
	b.signIn("police")
	tok := b.csrf()
	res := b.post("/account/keys", url.Values{"csrf": {tok}, "name": {"户籍系统"}})
	if res.status != http.StatusOK {
		t.Fatalf("create: got status %d, want 200", res.status)
	}
	secret := text(res.doc.Find("#new-secret"))
	if !strings.HasPrefix(secret, "htk_") {
		t.Fatalf("secret: got %q, want htk_...", secret)
	}
	list := b.get("/account/keys")
	if strings.Contains(list.body, secret) {
		t.Error("the key list shows the secret again")
	}
	if got := list.doc.Find("#keys tbody tr").Length(); got != 1 {
		t.Fatalf("keys listed: got %d, want 1", got)
	}
	// The secret works on the API until revoked.
	call := func() int {
		req, _ := http.NewRequest(http.MethodGet, p.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if got := call(); got != http.StatusOK {
		t.Fatalf("API with new key: got %d, want 200", got)
	}
	action, _ := list.doc.Find(`#keys form`).Attr("action")
	b.post(action, url.Values{"csrf": {tok}})
	if got := call(); got != http.StatusUnauthorized {
		t.Errorf("API with revoked key: got %d, want 401", got)
	}
	if res := b.post("/account/keys", url.Values{"csrf": {tok}, "name": {""}}); res.status != http.StatusUnprocessableEntity || res.doc.Find("#new-secret").Length() != 0 {
		t.Errorf("empty name: got status %d, want 422 and no secret", res.status)
	}
}

func TestPages(t *testing.T) {
	p := newPlatform(t)
	p.publish(t, "公安人口基础信息")
	b := p.browser(t)
	b.signIn("police-admin")
	tests := []struct {
		path   string
		status int
		sel    string
		want   string
	}{
		{"/", http.StatusOK, "#count-published", "1"},
		{"/catalog/mine", http.StatusOK, "#total", "1"},
		{"/admin/departments", http.StatusOK, "td:contains('甘肃省公安厅') + td", "省级"},
		{"/admin/users", http.StatusOK, "#users td.code:contains('police-admin')", "police-admin"},
		{"/exchange", http.StatusOK, ".construction-tag", "建设中"},
		{"/opendata", http.StatusOK, ".construction-tag", "建设中"},
		{"/no/such/page", http.StatusNotFound, "h1", "页面或资源不存在"},
		{"/catalog/r/301001/999999", http.StatusNotFound, ".error-status", "404"},
		{"/catalog?level=galaxy", http.StatusOK, ".alert-warn", "以下筛选条件取值无效，已忽略: 层级“galaxy”"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := b.get(tt.path)
			if res.status != tt.status {
				t.Fatalf("status: got %d, want %d", res.status, tt.status)
			}
			if got := text(res.doc.Find(tt.sel).First()); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.sel, got, tt.want)
			}
		})
	}
}

func TestCreateUser(t *testing.T) {
	p := newPlatform(t)
	b := p.browser(t)
	b.signIn("police-admin")
	page := b.get("/admin/users")
	var offered []string
	page.doc.Find(`input[name=roles]`).Each(func(_ int, s *goquery.Selection) { offered = append(offered, s.AttrOr("value", "")) })
	if got, want := strings.Join(offered, ","), "staff,dept_admin"; got != want {
		t.Errorf("roles a department admin may grant: got %s, want %s", got, want)
	}
	tok := b.csrf()
	res := b.post("/admin/users", url.Values{"csrf": {tok}, "username": {"police2"}, "displayName": {"新同事"}, "roles": {"staff"}, "password": {"short"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("weak password: got status %d, want 422", res.status)
	}
	if got := text(res.doc.Find("#u-password").Parent().Find(".field-error")); got != "密码至少 10 个字符" {
		t.Errorf("password message: got %q, want 密码至少 10 个字符", got)
	}
	if got, _ := res.doc.Find("#u-username").Attr("value"); got != "police2" {
		t.Errorf("username kept: got %q, want police2", got)
	}
	res = b.post("/admin/users", url.Values{"csrf": {tok}, "username": {"police2"}, "displayName": {"新同事"}, "roles": {"staff"}, "password": {password}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: got status %d, want 303: %s", res.status, text(res.doc.Find(".alert-error")))
	}
	if got := text(b.get("/admin/users").doc.Find(`#users td.code:contains('police2') + td`)); got != "新同事" {
		t.Errorf("new account listed: got %q, want 新同事", got)
	}
	other := p.browser(t)
	other.signIn("police2")
	if got := text(other.get("/").doc.Find(".who-dept")); got != "甘肃省公安厅" {
		t.Errorf("new account's department: got %q, want 甘肃省公安厅", got)
	}
}

func TestInternalError(t *testing.T) {
	p := newPlatform(t)
	b := p.browser(t)
	b.signIn("police")
	p.db.Close() // every database read now fails
	res := b.get("/catalog/mine")
	if res.status != http.StatusInternalServerError {
		t.Fatalf("status: got %d, want 500", res.status)
	}
	if got, want := text(res.doc.Find(".request-id")), res.header.Get("X-Request-Id"); got == "" || got != want {
		t.Errorf("request id: got %q, want %q", got, want)
	}
	for _, leak := range []string{"sql", "database", "store:", "identity:"} {
		if strings.Contains(strings.ToLower(res.body), leak) {
			t.Errorf("error page shows internal text %q", leak)
		}
	}
}

func TestStatic(t *testing.T) {
	p := newPlatform(t)
	b := p.browser(t) // not signed in: the sign-in page needs them too
	tests := []struct {
		path, contentType string
		status            int
	}{
		{"/static/app.css", "text/css; charset=utf-8", http.StatusOK},
		{"/static/app.js", "text/javascript; charset=utf-8", http.StatusOK},
		{"/static/", "text/plain; charset=utf-8", http.StatusNotFound},
		{"/static/nope.js", "text/plain; charset=utf-8", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := b.get(tt.path)
			if res.status != tt.status || res.header.Get("Content-Type") != tt.contentType {
				t.Errorf("got %d %q, want %d %q", res.status, res.header.Get("Content-Type"), tt.status, tt.contentType)
			}
		})
	}
}

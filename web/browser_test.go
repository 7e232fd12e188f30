package web_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huitong"
	"huitong/app"
)

// chromium finds the browser: Debian's /usr/bin/chromium, or one on PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium not found: CI must install it (apt-get install chromium)")
	}
	t.Skip("Chromium not found; set CI to make this a failure")
	return ""
}

// screenshot writes a full-page PNG into $HUITONG_SCREENSHOTS, when set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("HUITONG_SCREENSHOTS")
	if dir == "" {
		return
	}
	// The Chinese web font swaps in once fetched: wait for it, so the
	// picture does not show boxes on a machine without CJK fonts.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("screenshot %s: fonts: %v", name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserScenario runs the real platform with the demo province and
// drives headless Chromium through registration, review and search.
func TestBrowserScenario(t *testing.T) {
	exe := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
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

	// A provincial department's staff account (not the data authority's).
	staff := ""
	for _, a := range m.DemoSummary.Accounts {
		if !slices.Contains(a.Roles, huitong.RoleStaff) {
			continue
		}
		d, err := m.Identity.Department(ctx, a.Department)
		if err != nil {
			t.Fatal(err)
		}
		if d.Level == huitong.LevelProvince && !d.Authority {
			staff = a.Username
			break
		}
	}
	if staff == "" {
		t.Fatal("the demo has no provincial staff account")
	}

	bctx, do, textOf := newChrome(t, ctx, exe)
	// waitStatus waits until the detail page shows the status label.
	waitStatus := func(step, label string) {
		t.Helper()
		do(step, chromedp.WaitVisible(chromedp.Search(`//span[@id="status"][contains(., "`+label+`")]`)))
	}
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

	// Staff registers the entry.
	signIn(staff)
	do("open the form",
		chromedp.Click(chromedp.CSS(`.sidenav a[href="/catalog/new"]`)),
		chromedp.WaitVisible(chromedp.ID("f-name")),
		chromedp.SetValue(chromedp.ID("f-classification-class"), "3"),
		chromedp.SendKeys(chromedp.ID("f-classification-item"), "01"),
		chromedp.SendKeys(chromedp.ID("f-classification-category"), "001"),
		chromedp.SendKeys(chromedp.ID("f-name"), "驼铃户籍协查信息"),
		chromedp.SendKeys(chromedp.ID("f-abstract"), "本部门掌握的户籍协查信息，供各部门办理业务时核验申请人户籍。"),
		chromedp.SetValue(chromedp.ID("f-format"), "database"),
		chromedp.SetValue(chromedp.ID("f-updateCycle"), "daily"),
		chromedp.SendKeys(chromedp.ID("f-keywords"), "户籍 协查"),
		chromedp.Click(chromedp.ID("f-shareType-conditional")),
		chromedp.SendKeys(chromedp.ID("f-shareCondition"), "仅限办理户籍相关业务的部门申请使用"),
		chromedp.Click(chromedp.ID("f-shareMethods-query")),
		chromedp.Click(chromedp.ID("f-shareMethods-service")),
		chromedp.Click(chromedp.ID("f-openType-closed")),
		chromedp.SetValue(chromedp.ID("f-mount-kind"), "table"),
	)
	items := []struct{ name, code, typ, length, keyKind string }{
		{"公民身份号码", "GMSFHM", "C", "18", "citizen_id"},
		{"姓名", "XM", "C", "50", ""},
		{"户籍地址", "HJDZ", "C", "200", ""},
		{"户籍登记日期", "HJDJRQ", "D", "", ""},
	}
	for i, it := range items {
		p := "f-items-" + strconv.Itoa(i) + "-"
		do("item "+it.name,
			chromedp.SendKeys(chromedp.ID(p+"name"), it.name),
			chromedp.SendKeys(chromedp.ID(p+"code"), it.code),
			chromedp.SetValue(chromedp.ID(p+"type"), it.typ),
		)
		if it.length != "" {
			do("length "+it.name, chromedp.SendKeys(chromedp.ID(p+"length"), it.length))
		}
		if it.keyKind != "" {
			do("key "+it.name, chromedp.Click(chromedp.ID(p+"key")), chromedp.SetValue(chromedp.ID(p+"keyKind"), it.keyKind))
		}
	}
	// The script adds a sixth row to the five the server rendered; the
	// blank fifth row is not saved, so 备注 becomes the fifth item.
	do("add a row",
		chromedp.Click(chromedp.ID("add-item")),
		chromedp.WaitVisible(chromedp.ID("f-items-5-name")),
		chromedp.SendKeys(chromedp.ID("f-items-5-name"), "备注"),
		chromedp.SetValue(chromedp.ID("f-items-5-type"), "M"),
	)
	screenshot(t, bctx, "form")
	do("save", chromedp.Click(chromedp.ID("save")))
	waitStatus("saved as draft", "草稿")
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(loc, base)
	if !strings.HasPrefix(path, "/catalog/r/301001/") {
		t.Fatalf("after save: got %s, want the detail page of a 301001 entry", loc)
	}
	if got := textOf("#resource-name"); got != "驼铃户籍协查信息" {
		t.Errorf("detail name: got %q, want 驼铃户籍协查信息", got)
	}
	if got := textOf(".items-table tbody tr:nth-child(5) td:nth-child(2)"); got != "备注" {
		t.Errorf("row added by script: got %q, want 备注", got)
	}
	if got := textOf(".tag-key"); got != "主键 · 公民身份号码" {
		t.Errorf("key item: got %q, want 主键 · 公民身份号码", got)
	}
	do("submit", chromedp.Click(chromedp.ID("submit")))
	waitStatus("submitted", "待审核")
	do("sign out", chromedp.Click(chromedp.CSS(".logout button")), chromedp.WaitVisible(chromedp.ID("username")))

	// The reviewer publishes it.
	signIn("reviewer")
	do("review queue",
		chromedp.Click(chromedp.CSS(`.sidenav a[href="/catalog/review"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a.result-name[href="`+path+`"]`)),
		chromedp.Click(chromedp.CSS(`a.result-name[href="`+path+`"]`)),
		chromedp.WaitVisible(chromedp.ID("publish")),
		chromedp.Click(chromedp.ID("publish")),
	)
	waitStatus("published", "已发布")
	screenshot(t, bctx, "detail")

	// Search finds it, and the common word finds more.
	do("search 驼铃",
		chromedp.Click(chromedp.CSS(`.sidenav a[href="/catalog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.searchbar input[name=q]`)),
		chromedp.SendKeys(chromedp.CSS(`.searchbar input[name=q]`), "驼铃"),
		chromedp.Click(chromedp.CSS(`.searchbar button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@class="total"][contains(., "共 1 条")]`)),
	)
	if got := textOf(".result-name"); got != "驼铃户籍协查信息" {
		t.Errorf("search 驼铃: got %q, want 驼铃户籍协查信息", got)
	}
	screenshot(t, bctx, "search")
	do("search 户籍",
		chromedp.SetValue(chromedp.CSS(`.searchbar input[name=q]`), "户籍"),
		chromedp.Click(chromedp.CSS(`.searchbar button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//input[@name="q"][@value="户籍"]`)),
	)
	total, err := strconv.Atoi(textOf("#total"))
	if err != nil || total < 1 {
		t.Errorf("search 户籍: got total %q, want at least 1", textOf("#total"))
	}
}

// newChrome starts headless Chromium (exe) for a browser test, with the
// flags this closed network needs and a fresh profile, and returns its
// context, a step runner that fails the test with the step's name, and a
// reader of an element's text. Chromium stops when the test ends.
func newChrome(t *testing.T, ctx context.Context, exe string) (context.Context, func(step string, actions ...chromedp.Action[chromedp.Void]), func(sel string) string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	textOf := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	return bctx, do, textOf
}

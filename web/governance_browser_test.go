package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"huitong"
	"huitong/app"
	"huitong/ingest/ingesttest"
)

// TestBrowserGovernance is the aggregation issue's acceptance test in
// headless Chromium on the real platform with the demo province: 公安厅's
// staff uploads a GBK-encoded CSV with valid rows and rows with errors (a
// wrong check digit, an impossible date, a missing required name) into a
// table resource of its department, sees the batch report with the right
// counts and the rejects listed, and downloads the rejects as CSV with the
// browser's own session, naming each bad row and its rule.
func TestBrowserGovernance(t *testing.T) {
	exe := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	m := app.NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.DataDir = t.TempDir()
	m.Config.Demo = true
	m.Config.DemoResources = 20
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

	// 公安厅's staff account, and the reviewer who publishes.
	var staff, reviewer *huitong.Principal
	for _, a := range m.DemoSummary.Accounts {
		p := &huitong.Principal{Username: a.Username, Department: a.Department, Roles: a.Roles}
		if a.DepartmentName == "甘肃省公安厅" && slices.Contains(a.Roles, huitong.RoleStaff) && staff == nil {
			staff = p
		}
		if slices.Contains(a.Roles, huitong.RoleReviewer) && reviewer == nil {
			reviewer = p
		}
	}
	if staff == nil || reviewer == nil {
		t.Fatal("the demo lacks 公安厅's staff or a reviewer")
	}
	// A fresh table resource of 公安厅, published through the catalog.
	res := &huitong.Resource{Name: "流动人口居住登记信息", Abstract: "公安机关登记的流动人口居住信息，供各部门核验居住情况。",
		Classification: huitong.Classification{Class: "3", Item: "01", Category: "001"}, Format: huitong.FormatDatabase,
		ShareType: huitong.ShareConditional, ShareCondition: "经审核同意后使用", ShareMethods: []huitong.ShareMethod{huitong.MethodQuery},
		OpenType: huitong.OpenClosed, UpdateCycle: huitong.CycleDaily, Mount: huitong.Mount{Kind: huitong.MountTable},
		Items: []huitong.Item{
			{Name: "公民身份号码", Code: "GMSFHM", Type: huitong.TypeString, Length: 18, Key: true, KeyKind: huitong.KeyCitizenID},
			{Name: "姓名", Code: "XM", Type: huitong.TypeString, Length: 50, Required: true},
			{Name: "出生日期", Code: "CSRQ", Type: "D", Length: 8},
			{Name: "居住地址", Code: "JZDZ", Type: huitong.TypeString, Length: 200},
		}}
	sctx := huitong.WithPrincipal(ctx, staff)
	if err := m.Catalog.Create(sctx, res); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Catalog.Submit(sctx, res.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Catalog.Publish(huitong.WithPrincipal(ctx, reviewer), res.Code); err != nil {
		t.Fatal(err)
	}

	// The file, in GBK as many department systems export it: rows 2-5
	// valid, 6 a wrong check digit, 7 an impossible date, 8 no name.
	id := func(n int) string { return ingesttest.CitizenID("620102", "19850312", n) }
	wrong := id(5)[:17] + map[bool]string{true: "0", false: "1"}[id(5)[17] != '0']
	lines := []string{
		"公民身份号码,姓名,出生日期,居住地址",
		id(1) + ",马晓东,1985-03-12,兰州市城关区庆阳路 12 号",
		id(2) + ",何雪梅,1985-03-12,兰州市城关区张掖路 8 号",
		id(3) + ",丁振宏,1985-03-12,兰州市城关区酒泉路 31 号",
		id(4) + ",苏佳琪,1985-03-12,兰州市七里河区西津西路 5 号",
		wrong + ",郭海燕,1985-03-12,兰州市安宁区北滨河路 2 号",
		id(6) + ",尹建国,1985-02-30,兰州市西固区玉门街 17 号",
		id(7) + ",,1985-03-12,兰州市红古区平安路 9 号",
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(strings.Join(lines, "\r\n") + "\r\n")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "流动人口-上报.csv")
	if err := os.WriteFile(file, []byte(gbk), 0o644); err != nil {
		t.Fatal(err)
	}

	bctx, do, textOf := newChrome(t, ctx, exe)
	do("sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), staff.Username),
		chromedp.SendKeys(chromedp.ID("password"), "demo"),
		chromedp.Click(chromedp.CSS(".login-card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".who-name")),
	)
	do("open 数据上报",
		chromedp.Click(chromedp.CSS(`.sidenav a[href="/governance/upload"]`)),
		chromedp.WaitVisible(chromedp.ID("upload-form")),
		chromedp.SetValue(chromedp.ID("u-resource"), res.Code),
		chromedp.Click(chromedp.ID("u-mode-incremental")),
		chromedp.SetUploadFiles(chromedp.ID("u-file"), []string{file}),
	)
	screenshot(t, bctx, "governance-upload")
	do("upload", chromedp.Click(chromedp.ID("upload-submit")), chromedp.WaitVisible(chromedp.ID("batch-status")))
	for sel, want := range map[string]string{"#batch-status": "已完成", "#count-received": "7", "#count-accepted": "4", "#count-rejected": "3"} {
		if got := textOf(sel); got != want {
			t.Errorf("batch report %s: got %q, want %q", sel, got, want)
		}
	}
	rows, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#reject-list tbody tr")).map(r => r.cells[0].textContent.trim() + "|" + r.cells[1].textContent.trim() + "|" + r.querySelector("code").textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rejects: %v", rows)
	if !slices.Contains(rows, "6|公民身份号码|citizen_id.checkdigit") || !slices.Contains(rows, "8|姓名|required") ||
		!slices.ContainsFunc(rows, func(r string) bool { return strings.HasPrefix(r, "7|出生日期|") }) {
		t.Errorf("rejects listed: got %v, want rows 6 (check digit), 7 (date) and 8 (required name)", rows)
	}
	if enc := textOf(".elements"); !strings.Contains(enc, "gb") {
		t.Errorf("batch report: the detected encoding should be GBK/GB18030, got %q", enc)
	}
	screenshot(t, bctx, "governance-batch")

	// Download the rejects with the browser's own session, as a click would.
	type download struct {
		Status      int    `json:"status"`
		Type        string `json:"type"`
		Disposition string `json:"disposition"`
		Body        string `json:"body"`
	}
	dl, err := chromedp.Run(bctx, chromedp.Evaluate[download](`fetch(document.getElementById("download-csv").href).then(async r => ({status: r.status, type: r.headers.get("Content-Type"), disposition: r.headers.get("Content-Disposition"), body: await r.text()}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if dl.Status != 200 || dl.Type != "text/csv; charset=utf-8" || !strings.HasPrefix(dl.Disposition, "attachment;") {
		t.Fatalf("download: got %d %q %q", dl.Status, dl.Type, dl.Disposition)
	}
	recs, err := csv.NewReader(bytes.NewReader([]byte(strings.TrimPrefix(dl.Body, "\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || strings.Join(recs[0], ",") != "行号,公民身份号码,姓名,出生日期,居住地址,错误说明" {
		t.Fatalf("rejects CSV: got %q, want the header and 3 rows", recs)
	}
	byRow := map[string][]string{}
	for _, r := range recs[1:] {
		byRow[r[0]] = r
	}
	for row, want := range map[string]string{"6": "[citizen_id.checkdigit]", "8": "[required]", "7": "出生日期"} {
		if r := byRow[row]; r == nil || !strings.Contains(r[5], want) {
			t.Errorf("rejects CSV row %s: got %q, want its rule (%s)", row, r, want)
		}
	}
	if r := byRow["6"]; r != nil && (r[1] != wrong || r[2] != "郭海燕") {
		t.Errorf("rejects CSV row 6: got %q, want the row as delivered, decoded from GBK", r)
	}

	// The resource's quality page and the overview show the delivery.
	do("resource quality",
		chromedp.Click(chromedp.CSS(`.subhead a[href^="/governance/resources/"]`)),
		chromedp.WaitVisible(chromedp.ID("current-quality")),
	)
	if got := textOf("#record-count"); got != "4" {
		t.Errorf("resource page records: got %q, want 4", got)
	}
	screenshot(t, bctx, "governance-resource")
	do("overview",
		chromedp.Click(chromedp.CSS(`.sidenav a[href="/governance"]`)),
		chromedp.WaitVisible(chromedp.ID("gov-resources")),
	)
	if got := textOf("#gov-resources"); !strings.Contains(got, "流动人口居住登记信息") {
		t.Errorf("overview: the new resource is missing: %q", got)
	}
	screenshot(t, bctx, "governance-overview")

	// The demo's 户籍 resource has a month of deliveries: a real trend.
	if ok, _ := chromedp.Run(bctx, chromedp.Evaluate[bool](`!!Array.from(document.querySelectorAll("#gov-resources a")).find(a => a.textContent === "户籍人口基本信息")`)); ok {
		do("demo resource",
			chromedp.Click(chromedp.Search(`//table[@id="gov-resources"]//a[text()="户籍人口基本信息"]`)),
			chromedp.WaitVisible(chromedp.ID("trend-chart")),
		)
		if n, _ := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#trend-chart circle").length`)); n < 2 {
			t.Errorf("demo 户籍 trend: got %d snapshots, want the month of deliveries", n)
		}
		screenshot(t, bctx, "governance-resource-demo")
	}

	// 公安厅 is the authority for names: it confirms one dispute.
	do("disputes",
		chromedp.Click(chromedp.CSS(`.sidenav a[href="/governance/disputes"]`)),
		chromedp.WaitVisible(chromedp.ID("dispute-filter")),
	)
	screenshot(t, bctx, "governance-disputes")
	if n, _ := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#disputes tbody tr").length`)); n > 0 {
		do("confirm a dispute",
			chromedp.Click(chromedp.CSS(`#disputes tbody tr:first-child td:first-child a`)),
			chromedp.WaitVisible(chromedp.ID("confirm-form")),
			chromedp.SendKeys(chromedp.ID("c-note"), "经核查户籍档案，登记无误"),
			chromedp.Click(chromedp.ID("confirm")),
			chromedp.WaitVisible(chromedp.Search(`//span[@id="dispute-status"][contains(., "已确认原值")]`)),
		)
		screenshot(t, bctx, "governance-dispute")
	} else {
		t.Errorf("the demo routes no open dispute to 公安厅")
	}
	signOut := func() {
		t.Helper()
		do("sign out", chromedp.Click(chromedp.CSS(".logout button")), chromedp.WaitVisible(chromedp.ID("username")))
	}
	signIn := func(user string) {
		t.Helper()
		do("sign in "+user,
			chromedp.SendKeys(chromedp.ID("username"), user),
			chromedp.SendKeys(chromedp.ID("password"), "demo"),
			chromedp.Click(chromedp.CSS(".login-card button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".who-name")),
		)
	}

	// 公安厅's admin registers a pull; the password never comes back.
	admin := ""
	for _, a := range m.DemoSummary.Accounts {
		if a.Department == staff.Department && slices.Contains(a.Roles, huitong.RoleDeptAdmin) {
			admin = a.Username
			break
		}
	}
	signOut()
	signIn(admin)
	do("register a pull",
		chromedp.Navigate(base+"/governance/pulls"),
		chromedp.WaitVisible(chromedp.ID("pull-form")),
		chromedp.SetValue(chromedp.ID("p-resource"), res.Code),
		chromedp.SendKeys(chromedp.ID("p-name"), "流动人口业务库"),
		chromedp.SendKeys(chromedp.ID("p-dsn"), "postgres://ldrk:Ld-pw-2026@127.0.0.1:1/ldrk?connect_timeout=2"),
		chromedp.SendKeys(chromedp.ID("p-query"), "SELECT sfzh AS 公民身份号码, xm AS 姓名, csrq AS 出生日期, jzdz AS 居住地址, gxsj FROM ldrk_jzdj"),
		chromedp.SendKeys(chromedp.ID("p-change"), "gxsj"),
		chromedp.Click(chromedp.ID("pull-submit")),
		chromedp.WaitVisible(chromedp.ID("pulls")),
	)
	if got := textOf("#pulls"); !strings.Contains(got, "ldrk@127.0.0.1:1/ldrk") || strings.Contains(got, "Ld-pw-2026") {
		t.Errorf("pulls list: got %q, want the DSN without its password", got)
	}
	screenshot(t, bctx, "governance-pulls")
	signOut()

	// The data authority sees the province, sorted by validity.
	signIn(reviewer.Username)
	do("province overview",
		chromedp.Navigate(base+"/governance"),
		chromedp.WaitVisible(chromedp.ID("gov-province")),
		chromedp.Click(chromedp.CSS(`#gov-province a[data-sort="validity"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#gov-province a.active[data-sort="validity"]`)),
	)
	screenshot(t, bctx, "governance-province")
}

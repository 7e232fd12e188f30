package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"huitong"
	"huitong/app"
	"huitong/gbcode"
)

// TestBrowserCertificates runs the real platform with the demo province in
// headless Chromium: the market regulator's staff issues a business
// licence through the form; signed out, the public verify page shows it
// valid and rejects a tampered export with the reason; signed in again,
// the holder's wallet shows it, a show code is made, and the code verifies
// once and is refused the second time as already used.
//
// Every click that leads to another page goes through clickNav, which
// waits for that page to load: the next step's element may be on the old
// page too (see clickNav), and typing into a page that is being replaced
// loses the keys.
func TestBrowserCertificates(t *testing.T) {
	exe := chromium(t)
	// The demo load and some twenty page loads: a few seconds on a quiet
	// machine, several times that on a loaded one.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
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

	// 甘肃省市场监督管理局's staff may issue 营业执照 (the demo's
	// issuer rule: provincial departments named …市场监督管理局).
	const staff = "scjg"
	found := false
	for _, a := range m.DemoSummary.Accounts {
		if a.Username == staff && a.DepartmentName == "甘肃省市场监督管理局" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the demo has no account %s of 甘肃省市场监督管理局", staff)
	}
	types, err := m.Certs.Types(ctx)
	if err != nil {
		t.Fatal(err)
	}
	licence := ""
	var licenceType *huitong.CertType
	for _, ty := range types {
		if ty.Name == "营业执照" {
			licence, licenceType = ty.Code, ty
		}
	}
	if licence == "" {
		t.Fatal("the demo has no 营业执照 type")
	}
	holderName, holderID := "兰州驼铃商贸有限公司", gbcode.MakeUSCC('9', '1', "620102", "MA7WEB01")

	bctx, do, textOf := newChrome(t, ctx, exe)
	signIn := func(user string) {
		t.Helper()
		do("sign in "+user,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), user),
			chromedp.SendKeys(chromedp.ID("password"), "demo"),
			clickNav(chromedp.CSS(".login-card button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".who-name")),
		)
	}
	signOut := func() {
		t.Helper()
		do("sign out", clickNav(chromedp.CSS(".logout button")), chromedp.WaitVisible(chromedp.ID("username")))
	}

	// Staff issues the licence through the form generated from the type.
	signIn(staff)
	do("open 证照签发",
		clickNav(chromedp.CSS(`.sidenav a[href="/certs/issue"]`)),
		chromedp.WaitVisible(chromedp.ID("pick-type")),
		chromedp.SetValue(chromedp.ID("pick-type"), licence),
		clickNav(chromedp.ID("pick")),
		chromedp.WaitVisible(chromedp.ID("issue-form")),
	)
	do("fill the form",
		chromedp.SendKeys(chromedp.ID("f-holderName"), holderName),
		chromedp.SendKeys(chromedp.ID("f-holderId"), holderID),
		chromedp.SendKeys(chromedp.ID("f-data-lx"), "有限责任公司(自然人投资或控股)"),
		chromedp.SendKeys(chromedp.ID("f-data-fddbr"), "王芳"),
		chromedp.SendKeys(chromedp.ID("f-data-zczb"), "300.00"),
		chromedp.SetValue(chromedp.ID("f-data-clrq"), "2024-05-20"),
		chromedp.SendKeys(chromedp.ID("f-data-yyqx"), "长期"),
		chromedp.SendKeys(chromedp.ID("f-data-zs"), "甘肃省兰州市城关区雁滩路88号"),
		chromedp.SendKeys(chromedp.ID("f-data-jyfw"), "日用百货销售；文具用品零售；工艺美术品及收藏品零售(象牙及其制品除外)。"),
	)
	// A refused form comes back with its error summary: fail with it at
	// once rather than wait for a certificate page that will not come.
	do("issue", clickNav(chromedp.ID("issue")))
	if refused, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("error-summary") ? document.getElementById("error-summary").innerText + " (fields: " + [...document.querySelectorAll("[aria-invalid=true]")].map(e => e.id).join(" ") + ")" : ""`)); refused != "" {
		t.Fatalf("issue: the form was refused: %s", refused)
	}
	do("certificate page", chromedp.WaitVisible(chromedp.Search(`//span[@id="cert-status"][contains(., "有效")]`)))
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(loc, base+"/certs/c/")
	if !strings.HasPrefix(id, gbcode.CertIDPrefix+licence+".") {
		t.Fatalf("after issuing: got %s, want the page of a 营业执照", loc)
	}
	if got := textOf("#cert-holder"); got != holderName {
		t.Errorf("holder: got %q, want %q", got, holderName)
	}
	if got := textOf("#signature-verdict"); got != "签名有效，证照有效" {
		t.Errorf("signature: got %q, want 签名有效，证照有效", got)
	}
	do("seal picture", chromedp.WaitVisible(chromedp.CSS(".cert-side img.seal-picture")))
	screenshot(t, bctx, "cert-detail")

	// The PDF and the export file, fetched as the page's own links would.
	pdfType, err := chromedp.Run(bctx, chromedp.Evaluate[string](`fetch(document.getElementById("download-pdf").href).then(r => r.status + " " + r.headers.get("content-type"))`, chromedp.EvalAwaitPromise))
	if err != nil || pdfType != "200 application/pdf" {
		t.Errorf("PDF link: got %q (%v), want 200 application/pdf", pdfType, err)
	}
	exported, err := chromedp.Run(bctx, chromedp.Evaluate[string](`fetch(document.getElementById("download-export").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download the export: %v", err)
	}
	if dir := os.Getenv("HUITONG_SCREENSHOTS"); dir != "" {
		users, err := m.Identity.Users(huitong.WithPrincipal(ctx, huitong.System), huitong.UserFilter{Username: staff})
		if err != nil || len(users) != 1 {
			t.Fatalf("user %s: %v", staff, err)
		}
		u := users[0]
		pdf, err := m.Certs.PDF(huitong.WithPrincipal(ctx, &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles}), id)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cert.pdf"), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	signOut()

	// Signed out, the public page verifies it.
	do("verify by identifier",
		chromedp.Navigate(base+"/verify"),
		chromedp.WaitVisible(chromedp.ID("verify-id-input")),
		chromedp.SendKeys(chromedp.ID("verify-id-input"), id),
		clickNav(chromedp.ID("verify-by-id")),
		chromedp.WaitVisible(chromedp.ID("verdict")),
	)
	if got := textOf("#verdict-title"); got != "✔ 证照有效" {
		t.Errorf("verdict: got %q, want ✔ 证照有效", got)
	}
	if got := textOf("#verify-status"); got != "有效" {
		t.Errorf("status at verification: got %q, want 有效", got)
	}
	if got := textOf("#verify-holder-id"); got != gbcode.MaskUSCC(holderID) {
		t.Errorf("holder code: got %q, want masked %q", got, gbcode.MaskUSCC(holderID))
	}
	// The public page's Chinese fallback font comes from the platform
	// (not blocked by the page's CSP, nor behind a sign-in): loading it
	// fails on a 404, a refused request or a file the browser cannot use.
	faces, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.fonts.load('16px "Huitong CJK"', "证照核验").then(fs => fs.map(f => f.family + " " + f.status).join(","))`, chromedp.EvalAwaitPromise))
	if err != nil || faces != `"Huitong CJK" loaded` && faces != "Huitong CJK loaded" {
		t.Errorf("web font: got %q (%v), want Huitong CJK loaded", faces, err)
	}
	screenshot(t, bctx, "cert-verify")

	// One character of the signed payload changed: rejected, with why.
	var e map[string]any
	if err := json.Unmarshal([]byte(exported), &e); err != nil {
		t.Fatalf("export file: %v", err)
	}
	payload, err := base64.StdEncoding.DecodeString(e["payload"].(string))
	if err != nil || !bytes.Contains(payload, []byte(`"300.00"`)) {
		t.Fatalf("export payload: got %.80q (%v), want the registered capital 300.00", payload, err)
	}
	e["payload"] = base64.StdEncoding.EncodeToString(bytes.Replace(payload, []byte(`"300.00"`), []byte(`"900.00"`), 1))
	tampered, _ := json.Marshal(e)
	file := filepath.Join(t.TempDir(), "tampered.json")
	if err := os.WriteFile(file, tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	do("upload the tampered export",
		chromedp.Navigate(base+"/verify"),
		chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		clickNav(chromedp.ID("verify-file")),
		chromedp.WaitVisible(chromedp.ID("verdict")),
	)
	if got := textOf("#verdict-title"); got != "✘ 证照无效" {
		t.Errorf("tampered verdict: got %q, want ✘ 证照无效", got)
	}
	if got := textOf("#reasons"); !strings.Contains(got, "签名验证失败") || !strings.Contains(got, "cert.signature") {
		t.Errorf("tampered reasons: got %q, want the signature failure (cert.signature)", got)
	}
	screenshot(t, bctx, "cert-tampered")

	// Signed in again: a batch from an Excel workbook as a clerk saves it
	// (a title row above the header, dates as date cells), then the
	// holder's wallet and a show code.
	signIn(staff)
	book := filepath.Join(t.TempDir(), "营业执照批量.xlsx")
	if err := os.WriteFile(book, licenceWorkbook(t, licenceType, 2), 0o644); err != nil {
		t.Fatal(err)
	}
	do("batch from Excel",
		chromedp.Navigate(base+"/certs/issue?type="+licence),
		chromedp.WaitVisible(chromedp.ID("batch-file")),
		chromedp.SetUploadFiles(chromedp.ID("batch-file"), []string{book}),
		clickNav(chromedp.ID("batch-submit")),
		chromedp.WaitVisible(chromedp.ID("batch-report")),
	)
	if got := textOf("#batch-issued"); got != "2" {
		t.Errorf("Excel batch: got %q issued (%s), want 2", got, textOf("#batch-report"))
	}
	screenshot(t, bctx, "cert-batch-excel")
	do("open the wallet",
		clickNav(chromedp.CSS(`.sidenav a[href="/certs/wallet"]`)),
		chromedp.WaitVisible(chromedp.ID("wallet-holder")),
		chromedp.SendKeys(chromedp.ID("wallet-holder"), holderID),
		clickNav(chromedp.ID("wallet-open")),
		chromedp.WaitVisible(chromedp.ID("wallet")),
	)
	if got := textOf("#wallet a.result-name"); got != "营业执照" {
		t.Errorf("wallet: got %q, want 营业执照", got)
	}
	if href, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS("#wallet a.result-name"), "href")); err != nil || href.Value != "/certs/c/"+id {
		t.Errorf("wallet link: got %q (%v), want /certs/c/%s", href.Value, err, id)
	}
	screenshot(t, bctx, "cert-wallet")
	do("亮证", clickNav(chromedp.CSS("#wallet .show-button")), chromedp.WaitVisible(chromedp.ID("show-qr")))
	code := textOf("#show-code")
	if len(code) != 6 {
		t.Fatalf("show code: got %q, want six digits", code)
	}
	if got := textOf("#show-expires"); got == "" {
		t.Error("show code expiry: got none")
	}
	// The page's link (the QR code's) leads to this server, whatever port
	// it listens on.
	showURL := textOf("#show-url")
	if showURL != base+"/verify/show?code="+code {
		t.Errorf("show link: got %q, want %s/verify/show?code=%s", showURL, base, code)
	}
	screenshot(t, bctx, "cert-show")

	// At the window, staff open the company's own sign-in: a one-time
	// activation code, handed over on paper.
	do("open the holder's sign-in",
		chromedp.Navigate(base+"/certs/wallet?holder="+holderID),
		chromedp.WaitVisible(chromedp.ID("holder-open")),
		clickNav(chromedp.ID("holder-open")),
		chromedp.WaitVisible(chromedp.ID("activation-code")),
	)
	activation := textOf("#activation-code")
	if len(activation) != 14 {
		t.Fatalf("activation code: got %q, want XXXX-XXXX-XXXX", activation)
	}
	screenshot(t, bctx, "cert-holder-open")
	signOut()

	// The company activates its wallet, signs in, sees its licence and
	// shows it; the holder's session opens no staff page.
	const holderPassword = "Tuoling-2026!"
	do("activate",
		chromedp.Navigate(base+"/my/activate"),
		chromedp.WaitVisible(chromedp.ID("activation-code")),
		chromedp.SendKeys(chromedp.ID("holder-id"), holderID),
		chromedp.SendKeys(chromedp.ID("activation-code"), activation),
		chromedp.SendKeys(chromedp.ID("new-password"), holderPassword),
		chromedp.SendKeys(chromedp.ID("new-password2"), holderPassword),
		clickNav(chromedp.ID("activate")),
		chromedp.WaitVisible(chromedp.ID("activated")),
	)
	do("holder sign-in",
		chromedp.SendKeys(chromedp.ID("holder-id"), holderID),
		chromedp.SendKeys(chromedp.ID("holder-password"), holderPassword),
		clickNav(chromedp.ID("holder-login")),
		chromedp.WaitVisible(chromedp.ID("my-wallet")),
	)
	if got := textOf("#my-wallet tbody"); !strings.Contains(got, "营业执照") || !strings.Contains(got, "甘肃省市场监督管理局") {
		t.Errorf("holder's wallet: got %q, want the licence from 甘肃省市场监督管理局", got)
	}
	if got := textOf("#holder-name"); got != holderName {
		t.Errorf("holder bar: got %q, want %s", got, holderName)
	}
	screenshot(t, bctx, "cert-my-wallet")
	do("holder's 亮证", clickNav(chromedp.CSS("#my-wallet .show-button")), chromedp.WaitVisible(chromedp.ID("show-qr")))
	holderCode := textOf("#show-code")
	if len(holderCode) != 6 || holderCode == code {
		t.Fatalf("holder's show code: got %q, want six new digits", holderCode)
	}
	do("holder opens a staff page", chromedp.Navigate(base+"/certs/wallet"), chromedp.WaitVisible(chromedp.ID("username")))
	do("holder's code verified",
		chromedp.Navigate(base+"/verify/show?code="+holderCode),
		chromedp.WaitVisible(chromedp.ID("show-code-input")),
		clickNav(chromedp.ID("show-verify")),
		chromedp.WaitVisible(chromedp.ID("verdict")),
	)
	if got := textOf("#verdict-title"); got != "✔ 证照有效" {
		t.Errorf("holder's show code: got %q, want ✔ 证照有效", got)
	}
	do("holder signs out",
		chromedp.Navigate(base+"/my"),
		chromedp.WaitVisible(chromedp.ID("holder-logout")),
		clickNav(chromedp.ID("holder-logout")),
		chromedp.WaitVisible(chromedp.ID("holder-login")),
	)

	// The verifier follows the QR code's link: once valid, then used.
	verifyCode := func(step string) {
		t.Helper()
		do(step,
			chromedp.Navigate(showURL),
			chromedp.WaitVisible(chromedp.ID("show-code-input")),
			clickNav(chromedp.ID("show-verify")),
			chromedp.WaitVisible(chromedp.ID("verdict")),
		)
	}
	// A handheld scanner at the window types the link into the identifier
	// field and presses Enter: the show-code form comes up filled in.
	do("scan the show code",
		chromedp.Navigate(base+"/verify"),
		chromedp.WaitVisible(chromedp.ID("verify-id-input")),
		chromedp.SendKeys(chromedp.ID("verify-id-input"), showURL+"\n"),
		chromedp.WaitVisible(chromedp.ID("show-code-input")),
	)
	if v, err := chromedp.Run(bctx, chromedp.Value(chromedp.ID("show-code-input"))); err != nil || v != code {
		t.Errorf("scanned show link: form holds %q (%v), want %s", v, err, code)
	}
	verifyCode("verify the show code")
	if got := textOf("#verdict-title"); got != "✔ 证照有效" {
		t.Errorf("show code, first time: got %q, want ✔ 证照有效", got)
	}
	if got := textOf(`#verify-data dd[data-item="fddbr"]`); got != "王芳" {
		t.Errorf("data shown to the verifier: got %q, want 王芳", got)
	}
	verifyCode("verify the show code again")
	if got := textOf("#verdict-title"); got != "✘ 亮证码已使用" {
		t.Errorf("show code, second time: got %q, want ✘ 亮证码已使用", got)
	}
	if got := textOf("#refusal-rule"); got != "cert.show_used" {
		t.Errorf("refusal rule: got %q, want cert.show_used", got)
	}

	// 住建厅, granted queries on the certificate library (电子证照库) by
	// the demo, finds the new licence through the exchange's 联机查询.
	signIn("zjt")
	do("open 联机查询", chromedp.Navigate(base+"/exchange/query"), chromedp.WaitVisible(chromedp.ID("q-grant")))
	grant, err := chromedp.Run(bctx, chromedp.Evaluate[string](`([...document.querySelectorAll("#q-grant option")].find(o => o.textContent.includes("电子证照库")) || {value: ""}).value`))
	if err != nil || grant == "" {
		t.Fatalf("联机查询: no grant on 电子证照库 (%v)", err)
	}
	do("query the library",
		chromedp.SetValue(chromedp.ID("q-grant"), grant),
		chromedp.SendKeys(chromedp.ID("q-key"), holderID),
		chromedp.SendKeys(chromedp.ID("q-purpose"), "建筑业企业资质审批：核验营业执照"),
		clickNav(chromedp.ID("q-submit")),
		chromedp.WaitVisible(chromedp.ID("query-result")),
	)
	rows := textOf("#query-result")
	if !strings.Contains(rows, id) || !strings.Contains(rows, "营业执照") || !strings.Contains(rows, "有效") || strings.Contains(rows, holderName) {
		t.Errorf("library query: got %q, want the licence %s, valid, and the holder's name masked", rows, id)
	}
	screenshot(t, bctx, "cert-library-query")
	hits, err := m.Catalog.Search(huitong.WithPrincipal(ctx, huitong.System), huitong.ResourceFilter{Query: "电子证照库", Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var libCode string
	for _, r := range hits.Items {
		if r.Name == "电子证照库" {
			libCode = r.Code
		}
	}
	do("the library's catalog entry", chromedp.Navigate(base+"/catalog/r/"+libCode), chromedp.WaitVisible(chromedp.ID("mount-url")))
	if got := textOf("#mount-url"); !strings.Contains(got, "/api/v1/certificate-library") || !strings.Contains(got, "平台内置 · 电子证照库") {
		t.Errorf("mount of 电子证照库: got %q", got)
	}
}

// clickNav clicks the element sel and waits until the page the click leads
// to has replaced the current one and finished loading. chromedp's Click
// returns as soon as the click is dispatched, while the old page is still
// shown, so waiting for an element of the next page is not enough when the
// old page has one too: the issue page already shows the form of a staff
// member's only type before the type is picked, and the form filled in
// then was thrown away when the picked page arrived, so the issue was
// refused (and the test timed out waiting for the certificate page).
// The old page is marked with a window property that the new page's
// window does not have.
func clickNav[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.Evaluate[bool](`window.huitongOldPage = true`)(ctx, t); err != nil {
			return chromedp.Void{}, fmt.Errorf("mark the page: %w", err)
		}
		if _, err := chromedp.Click(sel)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		for {
			// Evaluate fails while the old page is being torn down; poll on.
			loaded, err := chromedp.Evaluate[bool](`window.huitongOldPage === undefined && document.readyState === "complete"`)(ctx, t)
			if err == nil && loaded {
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("no new page after the click: %w", ctx.Err())
			case <-time.After(25 * time.Millisecond):
			}
		}
	}
}

// licenceWorkbook is an Excel batch of n certificates of type t: a title
// row, the header of the type's item names, and rows with a value of each
// item's type (dates as date cells).
func licenceWorkbook(t *testing.T, ty *huitong.CertType, n int) []byte {
	t.Helper()
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	header := []any{"持证主体名称", "持证主体代码"}
	for _, it := range ty.Items {
		header = append(header, it.Name)
	}
	f.SetSheetRow(sheet, "A1", &[]any{"营业执照批量签发清单"})
	f.SetSheetRow(sheet, "A2", &header)
	dates, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		row := []any{fmt.Sprintf("兰州批量%d号商贸有限公司", i), gbcode.MakeUSCC('9', '1', "620102", fmt.Sprintf("MA7XLE%02d", i))}
		for _, it := range ty.Items {
			switch it.Type {
			case huitong.TypeDate:
				row = append(row, time.Date(2023, 4, i+1, 0, 0, 0, 0, time.UTC))
			case huitong.TypeMoney, huitong.TypeNumber:
				row = append(row, "100.00")
			case huitong.TypeInteger:
				row = append(row, 1)
			case huitong.TypeBool:
				row = append(row, "是")
			default:
				row = append(row, "批量")
			}
		}
		f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+3), &row)
		for j, it := range ty.Items {
			if it.Type == huitong.TypeDate {
				cell, _ := excelize.CoordinatesToCellName(j+3, i+3)
				f.SetCellStyle(sheet, cell, cell, dates)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

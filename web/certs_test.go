package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"huitong"
	"huitong/catalog"
	"huitong/cert"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/httpapi"
	"huitong/identity"
	"huitong/store"
	"huitong/web"
)

// certPlatform is a platform with the certificate library: the provincial
// market regulator (staff scjg, admin scjg-admin) may issue 营业执照 and
// has a seal; the police (staff police) may issue nothing.
type certPlatform struct {
	*platform
	certs   *cert.Service
	market  string
	licence *huitong.CertType
}

func newCertPlatform(t *testing.T) *certPlatform {
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
	key := make([]byte, gm.MasterKeySize)
	rand.Read(key)
	keys, err := gm.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	p := &certPlatform{platform: &platform{db: db, ids: identity.New(db, identity.Config{}, nil), cat: catalog.New(db, nil, log)}}
	p.certs = cert.New(db, keys, cert.Config{PublicURL: "https://hall.example", ShowCodeTTL: 7 * time.Minute}, nil, log)
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
		{&p.market, "甘肃省市场监督管理局", "00000004", false},
	} {
		dept := &huitong.Department{Code: gbcode.MakeUSCC('1', '1', "620000", d.org), Name: d.name, Jurisdiction: "620000", Authority: d.authority}
		if err := p.ids.CreateDepartment(sys, dept); err != nil {
			t.Fatal(err)
		}
		*d.dst = dept.Code
	}
	for _, u := range []huitong.User{
		{Username: "scjg", DisplayName: "市场监管员", Department: p.market, Roles: []huitong.Role{huitong.RoleStaff}},
		{Username: "scjg-admin", DisplayName: "市场监管管理员", Department: p.market, Roles: []huitong.Role{huitong.RoleDeptAdmin}},
		{Username: "police", DisplayName: "公安员", Department: p.police, Roles: []huitong.Role{huitong.RoleStaff}},
	} {
		if err := p.ids.CreateUser(sys, &u, password); err != nil {
			t.Fatal(err)
		}
	}
	p.licence = &huitong.CertType{Definer: gbcode.MakeUSCC('1', '1', "100000", "00000013"), DefinerName: "国家市场监督管理总局", Name: "营业执照",
		HolderKind: huitong.HolderEntity, Validity: huitong.CertValidity{Permanent: true}, Issuers: []string{p.market},
		Items: []huitong.CertItem{
			{Code: "fddbr", Name: "法定代表人", Type: huitong.TypeString, Required: true, Length: 20},
			{Code: "zczb", Name: "注册资本(万元)", Type: huitong.TypeMoney},
			{Code: "clrq", Name: "成立日期", Type: huitong.TypeDate, Required: true},
			{Code: "jyfw", Name: "经营范围", Type: huitong.TypeMemo},
		}}
	if err := p.certs.CreateType(sys, p.licence); err != nil {
		t.Fatal(err)
	}
	if _, err := p.certs.CreateSeal(p.as(t, "scjg-admin"), cert.SealRequest{}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	(&httpapi.Server{Identity: p.ids, Catalog: p.cat, Certs: p.certs, DB: db, Log: log, Version: "test"}).Register(mux)
	(&web.Server{Identity: p.ids, Catalog: p.cat, Certs: p.certs, DB: db, Log: log, Version: "test"}).Register(mux)
	p.srv = httptest.NewServer(httpapi.Middleware(mux, log, nil))
	t.Cleanup(p.srv.Close)
	return p
}

// company returns a valid unified social credit code of a Lanzhou company.
func company(n int) string {
	return gbcode.MakeUSCC('9', '1', "620100", fmt.Sprintf("MA7%05d", n))
}

// issue issues a licence to company n as scjg.
func (p *certPlatform) issue(t *testing.T, n int, data map[string]string) *huitong.Certificate {
	t.Helper()
	d := map[string]string{"fddbr": "张伟", "zczb": "500.00", "clrq": "2019-06-18", "jyfw": "日用百货销售"}
	for k, v := range data {
		d[k] = v
	}
	c, err := p.certs.Issue(p.as(t, "scjg"), &huitong.IssueRequest{TypeCode: p.licence.Code, HolderName: "兰州汇通商贸有限公司", HolderID: company(n), Data: d})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// postFile posts a multipart form with one file to path.
func (b *browser) postFile(path string, fields url.Values, field, name string, content []byte) *page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		b.t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func TestCertVerifyPublic(t *testing.T) {
	p := newCertPlatform(t)
	valid := p.issue(t, 1, nil)
	revoked := p.issue(t, 2, nil)
	if _, err := p.certs.Revoke(p.as(t, "scjg"), revoked.ID, "企业申请注销登记"); err != nil {
		t.Fatal(err)
	}
	// A well-formed identifier (right check character) that was never issued.
	unknown := gbcode.CertIDPrefix + p.licence.Code + "." + p.market + ".20269999999.001." + string(gbcode.CertIDCheck(p.licence.Code+p.market+"20269999999001"))
	tests := []struct {
		name, id       string
		status         int
		verdict, title string
		rule           string // a reason or refusal rule that must show
	}{
		{"Valid", valid.ID, http.StatusOK, "verdict-ok", "✔ 证照有效", ""},
		{"Revoked", revoked.ID, http.StatusOK, "verdict-bad", "✘ 证照无效", cert.RuleRevoked},
		{"Unknown", unknown, http.StatusNotFound, "verdict-bad", "✘ 查无此证", "cert.not_found"},
		{"CheckCharacter", valid.ID[:len(valid.ID)-1] + "Z", http.StatusBadRequest, "verdict-bad", "✘ 证照标识无效", cert.RuleIdentifier},
	}
	b := p.browser(t) // never signed in
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.get("/verify/" + tt.id)
			if res.status != tt.status {
				t.Fatalf("status: got %d, want %d", res.status, tt.status)
			}
			v := res.doc.Find("#verdict")
			if !v.HasClass(tt.verdict) {
				t.Errorf("verdict class: got %q, want %s", v.AttrOr("class", ""), tt.verdict)
			}
			if got := text(res.doc.Find("#verdict-title")); got != tt.title {
				t.Errorf("verdict: got %q, want %q", got, tt.title)
			}
			if tt.rule != "" && !strings.Contains(text(res.doc.Find(".reason-rule, #refusal-rule")), tt.rule) {
				t.Errorf("rules: got %q, want %s", text(res.doc.Find(".reason-rule, #refusal-rule")), tt.rule)
			}
		})
	}
	t.Run("ValidDetails", func(t *testing.T) {
		res := b.get("/verify/" + valid.ID)
		if got := text(res.doc.Find("#verify-status")); got != "有效" {
			t.Errorf("status: got %q, want 有效", got)
		}
		if got, want := text(res.doc.Find("#verify-holder-id")), gbcode.MaskUSCC(valid.HolderID); got != want || got == valid.HolderID {
			t.Errorf("holder code: got %q, want masked %q", got, want)
		}
		if got := text(res.doc.Find("#verify-issuer")); !strings.HasPrefix(got, "甘肃省市场监督管理局") {
			t.Errorf("issuer: got %q, want 甘肃省市场监督管理局 …", got)
		}
		src, _ := res.doc.Find("img.seal-picture").Attr("src")
		if want := "/certs/seals/" + valid.SealID + "/picture"; src != want {
			t.Fatalf("seal picture: got %q, want %q", src, want)
		}
		pic := b.get(src)
		if pic.status != http.StatusOK || pic.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(pic.body, "\x89PNG") {
			t.Errorf("seal picture: got %d %s, want 200 image/png", pic.status, pic.header.Get("Content-Type"))
		}
	})
	t.Run("RevokedReason", func(t *testing.T) {
		res := b.get("/verify/" + revoked.ID)
		if got := text(res.doc.Find("#verify-status")); got != "已注销" {
			t.Errorf("status: got %q, want 已注销", got)
		}
		if got := text(res.doc.Find("#reasons .reason-text")); got != "证照已注销" {
			t.Errorf("reason: got %q, want 证照已注销", got)
		}
		if got := text(res.doc.Find("#check-signature")); !strings.HasPrefix(got, "✔") {
			t.Errorf("signature check of a revoked certificate: got %q, want it passed", got)
		}
	})
	t.Run("FormRedirect", func(t *testing.T) {
		res := b.get("/verify?id=" + url.QueryEscape(" "+valid.ID+" "))
		if got, want := res.header.Get("Location"), "/verify/"+valid.ID; res.status != http.StatusSeeOther || got != want {
			t.Errorf("got %d %q, want 303 %q", res.status, got, want)
		}
	})
}

func TestCertVerifyFile(t *testing.T) {
	p := newCertPlatform(t)
	c := p.issue(t, 1, map[string]string{"zczb": "500.00"})
	e, err := p.certs.Export(p.as(t, "scjg"), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(e)
	payload, _ := base64.StdEncoding.DecodeString(e.Payload)
	e.Payload = base64.StdEncoding.EncodeToString(bytes.Replace(payload, []byte(`"500.00"`), []byte(`"900.00"`), 1))
	tampered, _ := json.Marshal(e)
	tests := []struct {
		name    string
		file    []byte
		status  int
		verdict string
		rule    string
	}{
		{"Genuine", good, http.StatusOK, "✔ 证照有效", ""},
		{"Tampered", tampered, http.StatusOK, "✘ 证照无效", cert.RuleSignature},
		{"NotAnExport", []byte(`{"hello":"world"}`), http.StatusBadRequest, "✘ 文件无法核验", cert.RuleFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := p.browser(t).postFile("/verify", nil, "file", "cert.json", tt.file)
			if res.status != tt.status {
				t.Fatalf("status: got %d, want %d: %s", res.status, tt.status, text(res.doc.Find("#verdict")))
			}
			if got := text(res.doc.Find("#verdict-title")); got != tt.verdict {
				t.Errorf("verdict: got %q, want %q", got, tt.verdict)
			}
			if tt.rule != "" && !strings.Contains(text(res.doc.Find(".reason-rule, #refusal-rule")), tt.rule) {
				t.Errorf("rules: got %q, want %s", text(res.doc.Find(".reason-rule, #refusal-rule")), tt.rule)
			}
		})
	}
}

func TestCertShowCode(t *testing.T) {
	p := newCertPlatform(t)
	c := p.issue(t, 1, nil)
	staff := p.browser(t)
	staff.signIn("scjg")
	wallet := staff.get("/certs/wallet?holder=" + strings.ToLower(c.HolderID))
	if got := text(wallet.doc.Find("#wallet a.result-name")); got != "营业执照" {
		t.Fatalf("wallet: got %q, want 营业执照", got)
	}
	res := staff.post("/certs/c/"+c.ID+"/show", url.Values{"csrf": {staff.csrf()}, "holder": {c.HolderID}})
	code := text(res.doc.Find("#show-code"))
	if res.status != http.StatusOK || len(code) != 6 {
		t.Fatalf("show code: got %d %q, want 200 and six digits", res.status, code)
	}
	if src, _ := res.doc.Find("#show-qr").Attr("src"); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Errorf("QR code: got src %.40q, want a data: PNG", src)
	}
	if got, want := text(res.doc.Find("#show-url")), "https://hall.example/verify/show?code="+code; got != want {
		t.Errorf("QR URL: got %q, want %q", got, want)
	}
	verifier := p.browser(t)
	// The QR code's link fills the form in but does not spend the code.
	if v, _ := verifier.get("/verify/show?code=" + code).doc.Find("#show-code-input").Attr("value"); v != code {
		t.Errorf("prefilled code: got %q, want %q", v, code)
	}
	// A handheld scanner types the QR code's link into the identifier
	// field: the show code's link leads to the same form, the certificate's
	// to its verdict.
	scan := func(text string) string {
		t.Helper()
		res := verifier.get("/verify?id=" + url.QueryEscape(text))
		if res.status != http.StatusSeeOther {
			t.Fatalf("scan %q: got %d, want 303", text, res.status)
		}
		return res.header.Get("Location")
	}
	showLink := scan("https://hall.example/verify/show?code=" + code)
	if v, _ := verifier.get(showLink).doc.Find("#show-code-input").Attr("value"); showLink != "/verify/show?code="+code || v != code {
		t.Errorf("scanned show link: went to %q, code %q; want the form filled in with %q", showLink, v, code)
	}
	certLink := scan(" https://hall.example/verify/" + c.ID + "\r\n")
	if got := text(verifier.get(certLink).doc.Find("#verdict-title")); got != "✔ 证照有效" {
		t.Errorf("scanned certificate link: went to %q, got %q, want ✔ 证照有效", certLink, got)
	}
	tests := []struct {
		name   string
		status int
		title  string
		rule   string
	}{
		{"First", http.StatusOK, "✔ 证照有效", ""},
		{"Second", http.StatusConflict, "✘ 亮证码已使用", cert.RuleShowUsed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := verifier.post("/verify/show", url.Values{"code": {code}})
			if res.status != tt.status {
				t.Fatalf("status: got %d, want %d", res.status, tt.status)
			}
			if got := text(res.doc.Find("#verdict-title")); got != tt.title {
				t.Errorf("verdict: got %q, want %q", got, tt.title)
			}
			if tt.rule != "" {
				if got := text(res.doc.Find("#refusal-rule")); got != tt.rule {
					t.Errorf("rule: got %q, want %s", got, tt.rule)
				}
			} else if got := text(res.doc.Find(`#verify-data dd[data-item="fddbr"]`)); got != "张伟" {
				t.Errorf("data shown to the verifier: got %q, want 张伟", got)
			}
		})
	}
}

func TestCertSealsForbidden(t *testing.T) {
	p := newCertPlatform(t)
	staff := p.browser(t)
	staff.signIn("scjg")
	if n := staff.get("/").doc.Find(`.sidenav a[href="/certs/seals"]`).Length(); n != 0 {
		t.Errorf("staff navigation: got %d links to 印章管理, want 0", n)
	}
	tok := staff.csrf()
	tests := []struct {
		name string
		do   func() *page
	}{
		{"List", func() *page { return staff.get("/certs/seals") }},
		{"Create", func() *page { return staff.post("/certs/seals", url.Values{"csrf": {tok}, "type": {"certificate"}}) }},
		{"RevokeForm", func() *page { return staff.get("/certs/seals/" + p.market + "0001/revoke") }},
		{"Revoke", func() *page {
			return staff.post("/certs/seals/"+p.market+"0001/revoke", url.Values{"csrf": {tok}, "reason": {"x"}, "confirm": {"on"}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.do()
			if res.status != http.StatusForbidden {
				t.Fatalf("status: got %d, want 403", res.status)
			}
			if got := text(res.doc.Find("h1")); got != "无权访问" {
				t.Errorf("heading: got %q, want 无权访问", got)
			}
		})
	}
	seals, err := p.certs.Seals(p.as(t, "scjg-admin"), "")
	if err != nil || len(seals) != 1 || seals[0].Status != huitong.SealActive {
		t.Fatalf("seals after refused acts: got %d (%v), want the one active seal", len(seals), err)
	}
	t.Run("Admin", func(t *testing.T) {
		admin := p.browser(t)
		admin.signIn("scjg-admin")
		res := admin.get("/certs/seals")
		if res.status != http.StatusOK {
			t.Fatalf("status: got %d, want 200", res.status)
		}
		if src, _ := res.doc.Find("#seals img.seal-thumb").Attr("src"); src != "/certs/seals/"+seals[0].ID+"/picture" {
			t.Errorf("seal picture: got %q, want the seal's picture", src)
		}
		// Revoking asks for a confirmation first.
		res = admin.post("/certs/seals/"+seals[0].ID+"/revoke", url.Values{"csrf": {admin.csrf()}, "reason": {"密钥疑似泄露"}})
		if res.status != http.StatusUnprocessableEntity || res.doc.Find("#confirm-error").Length() != 1 {
			t.Errorf("revoke without confirmation: got %d, want 422 and the confirmation error", res.status)
		}
		res = admin.post("/certs/seals/"+seals[0].ID+"/revoke", url.Values{"csrf": {admin.csrf()}, "reason": {"密钥疑似泄露"}, "confirm": {"on"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("revoke: got %d, want 303", res.status)
		}
		if got := text(admin.get("/certs/seals").doc.Find("#seals .badge")); got != "已吊销" {
			t.Errorf("status after revoking: got %q, want 已吊销", got)
		}
	})
}

func TestCertIssueCSRF(t *testing.T) {
	p := newCertPlatform(t)
	b := p.browser(t)
	b.signIn("scjg")
	form := b.get("/certs/issue?type=" + p.licence.Code)
	if n := form.doc.Find(`#issue-form [name^="data."]`).Length(); n != len(p.licence.Items) {
		t.Fatalf("generated inputs: got %d, want %d", n, len(p.licence.Items))
	}
	if typ, _ := form.doc.Find("#f-data-clrq").Attr("type"); typ != "date" {
		t.Errorf("date item input: got type %q, want date", typ)
	}
	fields := url.Values{"type": {p.licence.Code}, "holderName": {"兰州汇通商贸有限公司"}, "holderId": {company(7)},
		"data.fddbr": {"张伟"}, "data.clrq": {"2019-06-18"}}
	with := func(extra ...string) url.Values {
		v := url.Values{}
		for k, vs := range fields {
			v[k] = vs
		}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	tok := b.csrf()
	tests := []struct {
		name    string
		form    url.Values
		headers []string
	}{
		{"NoToken", with(), nil},
		{"WrongToken", with("csrf", "forged"), nil},
		{"OtherOrigin", with("csrf", tok), []string{"Origin", "https://evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res := b.post("/certs/issue", tt.form, tt.headers...); res.status != http.StatusForbidden {
				t.Errorf("status: got %d, want 403", res.status)
			}
		})
	}
	count := func() int {
		list, err := p.certs.List(p.as(t, "scjg"), huitong.CertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return list.Total
	}
	if n := count(); n != 0 {
		t.Fatalf("certificates after refused posts: got %d, want 0", n)
	}
	res := b.post("/certs/issue", with("csrf", tok))
	if loc := res.header.Get("Location"); res.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/certs/c/"+gbcode.CertIDPrefix) {
		t.Fatalf("issue: got %d %q, want 303 to the certificate: %s", res.status, loc, text(res.doc.Find("#error-summary")))
	}
	if n := count(); n != 1 {
		t.Errorf("certificates: got %d, want 1", n)
	}
	t.Run("FieldErrors", func(t *testing.T) {
		res := b.post("/certs/issue", with("csrf", tok, "holderId", "91620100MA7000000X", "data.clrq", "2019-13-45"))
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status: got %d, want 422", res.status)
		}
		if got := text(res.doc.Find("#f-data-clrq").Parent().Find(".field-error")); !strings.Contains(got, "成立日期") {
			t.Errorf("date error: got %q, want a message naming 成立日期", got)
		}
		if res.doc.Find("#f-holderId").Parent().Find(".field-error").Length() != 1 {
			t.Error("holder code error: got none next to the field, want one")
		}
		if v, _ := res.doc.Find("#f-data-fddbr").Attr("value"); v != "张伟" {
			t.Errorf("typed value kept: got %q, want 张伟", v)
		}
	})
}

func TestCertBatchReport(t *testing.T) {
	p := newCertPlatform(t)
	b := p.browser(t)
	b.signIn("scjg")
	csv := "持证主体名称,持证主体代码,法定代表人,成立日期,经营范围\n" +
		"甲公司," + company(11) + ",张三,2020-01-02,零售\n" +
		"乙公司,91620100MA7000000X,李四,2020-01-02,零售\n" +
		"丙公司," + company(13) + ",,2020-02-30,零售\n"
	tests := []struct {
		name    string
		partial bool
		issued  string
		rows    [][]string // row, field label, rule
	}{
		{"AllOrNothing", false, "0", [][]string{{"3", "持证主体代码", cert.RuleHolderID}, {"4", "法定代表人", "required"}, {"4", "成立日期", "date"}}},
		{"Partial", true, "1", [][]string{{"3", "持证主体代码", cert.RuleHolderID}, {"4", "法定代表人", "required"}, {"4", "成立日期", "date"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := url.Values{"csrf": {b.csrf()}, "type": {p.licence.Code}}
			if tt.partial {
				fields.Set("partial", "on")
			}
			res := b.postFile("/certs/issue/batch", fields, "file", "licences.csv", []byte(csv))
			if res.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200", res.status)
			}
			if got := text(res.doc.Find("#batch-issued")); got != tt.issued {
				t.Errorf("issued: got %q, want %s (%s)", got, tt.issued, text(res.doc.Find("#batch-summary")))
			}
			var got [][]string
			res.doc.Find("#batch-errors tbody tr").Each(func(_ int, tr *goquery.Selection) {
				td := tr.Find("td")
				got = append(got, []string{text(td.Eq(0)), text(td.Eq(1)), text(td.Eq(2))})
			})
			if len(got) != len(tt.rows) {
				t.Fatalf("report rows: got %v, want %v", got, tt.rows)
			}
			for i := range got {
				if strings.Join(got[i], "|") != strings.Join(tt.rows[i], "|") {
					t.Errorf("report row %d: got %v, want %v", i, got[i], tt.rows[i])
				}
			}
		})
	}
	t.Run("ExcelAndGBK", func(t *testing.T) {
		f := excelize.NewFile()
		f.SetSheetRow("Sheet1", "A1", &[]any{"持证主体名称", "持证主体代码", "法定代表人", "成立日期"})
		f.SetSheetRow("Sheet1", "A2", &[]any{"丁公司", company(14), "周八", "2020-01-02"})
		var xlsx bytes.Buffer
		f.Write(&xlsx)
		gbk, _ := simplifiedchinese.GBK.NewEncoder().String("持证主体名称,持证主体代码,法定代表人,成立日期\r\n戊公司," + company(15) + ",吴九,2020-01-02\r\n")
		for name, file := range map[string][]byte{"licences.xlsx": xlsx.Bytes(), "licences-gbk.csv": []byte(gbk)} {
			res := b.postFile("/certs/issue/batch", url.Values{"csrf": {b.csrf()}, "type": {p.licence.Code}}, "file", name, file)
			if got := text(res.doc.Find("#batch-issued")); res.status != http.StatusOK || got != "1" {
				t.Errorf("%s: got %d, issued %q, want 1 (%s)", name, res.status, got, text(res.doc.Find(".flash")))
			}
		}
	})
	t.Run("CSRF", func(t *testing.T) {
		res := b.postFile("/certs/issue/batch", url.Values{"type": {p.licence.Code}}, "file", "licences.csv", []byte(csv))
		if res.status != http.StatusForbidden {
			t.Errorf("status: got %d, want 403", res.status)
		}
	})
}

func TestCertXSS(t *testing.T) {
	p := newCertPlatform(t)
	const script = `<script>alert("证照")</script>`
	const img = `<img src=x onerror=alert(1)>`
	c, err := p.certs.Issue(p.as(t, "scjg"), &huitong.IssueRequest{TypeCode: p.licence.Code, HolderName: img + "有限公司", HolderID: company(3),
		Data: map[string]string{"fddbr": "张伟", "clrq": "2019-06-18", "jyfw": script}})
	if err != nil {
		t.Fatal(err)
	}
	b := p.browser(t)
	b.signIn("scjg")
	pages := []struct {
		name, path, sel, want string
	}{
		{"Detail", "/certs/c/" + c.ID, `#cert-data dd[data-item="jyfw"]`, script},
		{"DetailHolder", "/certs/c/" + c.ID, "#cert-holder", img + "有限公司"},
		{"List", "/certs", "#certs tbody td:nth-child(2)", img + "有限公司"},
		{"Wallet", "/certs/wallet?holder=" + c.HolderID, "#wallet tbody td:nth-child(2)", img + "有限公司"},
		{"Verify", "/verify/" + c.ID, "#verify-holder", img + "有限公司"},
	}
	for _, tt := range pages {
		t.Run(tt.name, func(t *testing.T) {
			res := b.get(tt.path)
			if got := text(res.doc.Find(tt.sel)); got != tt.want {
				t.Errorf("%s: got %q, want the text %q", tt.sel, got, tt.want)
			}
			if strings.Contains(res.body, "<script>alert") || strings.Contains(res.body, "<img src=x") {
				t.Error("certificate data rendered as markup")
			}
			if n := res.doc.Find("script:not([src])").Length(); n != 0 {
				t.Errorf("inline scripts: got %d, want 0", n)
			}
		})
	}
}

func TestCertTypeForm(t *testing.T) {
	p := newCertPlatform(t)
	if res := func() *page { b := p.browser(t); b.signIn("scjg"); return b.get("/certs/types/new") }(); res.status != http.StatusForbidden {
		t.Errorf("staff opening the type form: got %d, want 403", res.status)
	}
	b := p.browser(t)
	b.signIn("scjg-admin")
	form := url.Values{"csrf": {b.csrf()}, "name": {"计量器具许可证"}, "holderKind": {"entity"}, "months": {"36"}, "maxMonths": {"36"},
		"items.0.code": {"qjmc"}, "items.0.name": {"器具名称"}, "items.0.type": {"C"}, "items.0.required": {"on"},
		"items.3.code": {"1bad"}, "items.3.name": {"型号"}, "items.3.type": {"C"},
		"issuers": {"甘肃省市场监督管理局"}, "rules.0.level": {"prefecture"}, "rules.0.suffix": {"市场监督管理局"}}
	t.Run("Invalid", func(t *testing.T) {
		res := b.post("/certs/types/new", form)
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status: got %d, want 422", res.status)
		}
		// Blank rows are dropped: the bad code is in the second row.
		if got := text(res.doc.Find("#t-items-1-code").Parent().Find(".field-error")); !strings.Contains(got, "1bad") {
			t.Errorf("row error: got %q, want the message about 1bad", got)
		}
		if v, _ := res.doc.Find("#t-items-0-name").Attr("value"); v != "器具名称" {
			t.Errorf("typed row kept: got %q, want 器具名称", v)
		}
	})
	form.Set("items.3.code", "xh")
	res := b.post("/certs/types/new", form)
	loc := res.header.Get("Location")
	if want := "/certs/types/" + p.market + "001"; res.status != http.StatusSeeOther || loc != want {
		t.Fatalf("create: got %d %q, want 303 %q: %s", res.status, loc, want, text(res.doc.Find("#error-summary")))
	}
	page := b.get(loc)
	if got := text(page.doc.Find("#type-name")); got != "计量器具许可证" {
		t.Errorf("type name: got %q, want 计量器具许可证", got)
	}
	if got := page.doc.Find("#type-items tbody tr").Length(); got != 2 {
		t.Errorf("items: got %d, want 2", got)
	}
	ty, err := p.certs.Type(context.Background(), p.market+"001")
	if err != nil {
		t.Fatal(err)
	}
	if len(ty.Issuers) != 1 || ty.Issuers[0] != p.market || len(ty.IssuerRules) != 1 || ty.Validity.Months != 36 {
		t.Errorf("stored type: got issuers %v rules %v validity %+v, want the market regulator, one rule, 36 months", ty.Issuers, ty.IssuerRules, ty.Validity)
	}
	if page.doc.Find("#edit-type").Length() != 1 {
		t.Error("edit button for the defining department's admin: got none")
	}
}

func TestCertRevokeReissue(t *testing.T) {
	p := newCertPlatform(t)
	c := p.issue(t, 1, nil)
	b := p.browser(t)
	b.signIn("scjg")
	tok := b.csrf()
	form := b.get("/certs/c/" + c.ID + "/reissue")
	if v, _ := form.doc.Find("#f-data-fddbr").Attr("value"); v != "张伟" {
		t.Fatalf("reissue form: got 法定代表人 %q, want the current 张伟", v)
	}
	res := b.post("/certs/c/"+c.ID+"/reissue", url.Values{"csrf": {tok}, "holderName": {"兰州汇通商贸有限公司"},
		"data.fddbr": {"李娜"}, "data.clrq": {"2019-06-18"}, "data.zczb": {"800.00"}})
	next := strings.TrimPrefix(res.header.Get("Location"), "/certs/c/")
	if res.status != http.StatusSeeOther || !strings.HasSuffix(next[:len(next)-2], ".002") {
		t.Fatalf("reissue: got %d %q, want 303 to version 002: %s", res.status, next, text(res.doc.Find("#error-summary")))
	}
	if got := text(b.get("/certs/c/" + c.ID).doc.Find("#cert-status")); got != "已被新版本取代" {
		t.Errorf("old version: got %q, want 已被新版本取代", got)
	}
	tests := []struct {
		name, reason string
		flash        string
		status       string
	}{
		{"NoReason", "", "注销证照须说明原因", "有效"},
		{"Revoke", "企业申请注销登记", "已注销", "已注销"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.post("/certs/c/"+next+"/revoke", url.Values{"csrf": {tok}, "reason": {tt.reason}})
			page := b.get("/certs/c/" + next)
			if got := text(page.doc.Find(".flash")); !strings.Contains(got, tt.flash) {
				t.Errorf("flash: got %q, want it to contain %q", got, tt.flash)
			}
			if got := text(page.doc.Find("#cert-status")); got != tt.status {
				t.Errorf("status: got %q, want %q", got, tt.status)
			}
		})
	}
	if n := b.get("/certs/c/" + next).doc.Find("#revoke, #reissue").Length(); n != 0 {
		t.Errorf("buttons on a revoked certificate: got %d, want none", n)
	}
}

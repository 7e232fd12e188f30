package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"huitong"
)

// TestHolderPages: the holder's pages refuse the unsigned, staff sessions
// and forms without their token; a holder's session opens its own pages
// under /my only, and another holder's certificate is not found.
func TestHolderPages(t *testing.T) {
	p := newCertPlatform(t)
	mine, err := p.certs.Issue(p.as(t, "scjg"), &huitong.IssueRequest{TypeCode: p.licence.Code, HolderName: "兰州驼铃商贸有限公司", HolderID: company(21),
		Data: map[string]string{"fddbr": "张伟", "clrq": "2019-06-18", "jyfw": "零售"}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := p.certs.Issue(p.as(t, "scjg"), &huitong.IssueRequest{TypeCode: p.licence.Code, HolderName: "兰州别家有限公司", HolderID: company(22),
		Data: map[string]string{"fddbr": "李四", "clrq": "2019-06-18", "jyfw": "零售"}})
	if err != nil {
		t.Fatal(err)
	}

	// Staff signed in: still no holder pages; the window opens the account.
	staff := p.browser(t)
	staff.signIn("scjg")
	if res := staff.get("/my"); res.status != http.StatusSeeOther || res.header.Get("Location") != "/my/login" {
		t.Errorf("staff session on /my: got %d %s, want to /my/login", res.status, res.header.Get("Location"))
	}
	if res := staff.post("/certs/wallet/open", url.Values{"holder": {company(21)}}); res.status != http.StatusForbidden {
		t.Errorf("open without the CSRF token: got %d, want 403", res.status)
	}
	res := staff.post("/certs/wallet/open", url.Values{"csrf": {staff.csrf()}, "holder": {company(23)}})
	if loc := res.header.Get("Location"); res.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/certs/wallet") {
		t.Errorf("open for a holder without certificates: got %d %s, want back to the wallet", res.status, loc)
	}
	res = staff.post("/certs/wallet/open", url.Values{"csrf": {staff.csrf()}, "holder": {company(21)}})
	code := text(res.doc.Find("#activation-code"))
	if res.status != http.StatusOK || len(code) != 14 {
		t.Fatalf("open: got %d, code %q", res.status, code)
	}

	h := p.browser(t)
	form := h.get("/my/activate")
	tok, _ := form.doc.Find(`form[action="/my/activate"] input[name=csrf]`).Attr("value")
	const pw = "Tuoling-2026!"
	if res := h.post("/my/activate", url.Values{"holderId": {company(21)}, "code": {code}, "password": {pw}, "password2": {pw}}); res.status != http.StatusForbidden {
		t.Errorf("activate without the token: got %d, want 403", res.status)
	}
	if res := h.post("/my/activate", url.Values{"csrf": {tok}, "holderId": {company(21)}, "code": {code}, "password": {pw}, "password2": {pw + "x"}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("passwords that differ: got %d, want 422", res.status)
	}
	if res := h.post("/my/activate", url.Values{"csrf": {tok}, "holderId": {company(21)}, "code": {code}, "password": {pw}, "password2": {pw}}); res.status != http.StatusSeeOther {
		t.Fatalf("activate: got %d: %s", res.status, text(res.doc.Find("#activate-error")))
	}
	res = h.post("/my/login", url.Values{"csrf": {tok}, "holderId": {company(21)}, "password": {"Wrong-password-1"}})
	if res.status != http.StatusUnauthorized || !strings.Contains(text(res.doc.Find("#login-error")), "证件号码或密码错误") {
		t.Errorf("wrong password: got %d %q", res.status, text(res.doc.Find("#login-error")))
	}
	res = h.post("/my/login", url.Values{"csrf": {tok}, "holderId": {company(21)}, "password": {pw}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/my" {
		t.Fatalf("holder sign-in: got %d %s", res.status, res.header.Get("Location"))
	}
	for _, c := range res.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "huitong_holder=") && (!strings.Contains(c, "Path=/my") || !strings.Contains(c, "HttpOnly")) {
			t.Errorf("holder cookie: got %q, want HttpOnly and Path=/my", c)
		}
	}
	wallet := h.get("/my")
	if wallet.status != http.StatusOK || wallet.doc.Find("#my-wallet tbody tr").Length() != 1 {
		t.Fatalf("own wallet: got %d with %d rows", wallet.status, wallet.doc.Find("#my-wallet tbody tr").Length())
	}
	if !strings.Contains(wallet.doc.Find("main").Text(), "7 分钟内有效") {
		t.Errorf("own wallet: the show-code lifetime is not the configured 7 minutes")
	}
	csrf, _ := wallet.doc.Find(`form[action="/my/logout"] input[name=csrf]`).Attr("value")
	if res := h.get("/certs/wallet"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
		t.Errorf("holder on a staff page: got %d %s, want to /login", res.status, res.header.Get("Location"))
	}
	if res := h.get("/my/c/" + mine.ID + "/pdf"); res.status != http.StatusOK || res.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("own PDF: got %d %s", res.status, res.header.Get("Content-Type"))
	}
	if res := h.get("/my/c/" + other.ID + "/pdf"); res.status != http.StatusNotFound {
		t.Errorf("another's PDF: got %d, want 404", res.status)
	}
	if res := h.post("/my/c/"+other.ID+"/show", url.Values{"csrf": {csrf}}); res.status != http.StatusNotFound {
		t.Errorf("show another's: got %d, want 404", res.status)
	}
	if res := h.post("/my/c/"+mine.ID+"/show", url.Values{}); res.status != http.StatusForbidden {
		t.Errorf("show without the token: got %d, want 403", res.status)
	}
	if res := h.post("/my/c/"+mine.ID+"/show", url.Values{"csrf": {csrf}}); res.status != http.StatusOK || len(text(res.doc.Find("#show-code"))) != 6 {
		t.Errorf("show own: got %d, code %q", res.status, text(res.doc.Find("#show-code")))
	}
	if res := h.post("/my/logout", url.Values{"csrf": {csrf}}); res.status != http.StatusSeeOther {
		t.Errorf("sign out: got %d", res.status)
	}
	if res := h.get("/my"); res.status != http.StatusSeeOther {
		t.Errorf("after signing out: got %d, want a redirect to sign in", res.status)
	}
}

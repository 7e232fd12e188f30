package cert_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"huitong"
	"huitong/catalog"
	"huitong/cert"
	"huitong/gm"
	"huitong/httpapi"
	"huitong/identity"
	"huitong/ingest"
	"huitong/store"
	"huitong/store/storetest"
)

// TestAPI drives the certificate routes over real HTTP, as integrators
// rely on them (the contract in the issue).
func TestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		call, login := serveAPI(t, db, e)
		op, scjg, gat := login("op"), login("scjg"), login("gat")

		status, out, _ := call("GET", "/api/v1/certificate-types", "", "", nil)
		items, _ := out["items"].([]any)
		if status != 200 || len(items) != 2 {
			t.Fatalf("types: got %d %v, want 200 and 2 types", status, out)
		}
		first := items[0].(map[string]any)
		for _, k := range []string{"code", "name", "holderKind", "items"} {
			if _, ok := first[k]; !ok {
				t.Errorf("type lacks %q: %v", k, first)
			}
		}

		if status, _, _ := call("POST", "/api/v1/certificates", "", "application/json", jsonBody(e.licenceReq(1))); status != 401 {
			t.Errorf("issue without credentials: got %d, want 401", status)
		}
		status, out, _ = call("POST", "/api/v1/certificates", scjg, "application/json", jsonBody(e.licenceReq(1)))
		id, _ := out["id"].(string)
		if status != 201 || !strings.HasPrefix(id, "1.2.156.3005.2.") {
			t.Fatalf("issue: got %d %v, want 201 and an identifier", status, out)
		}
		if status, out, _ = call("POST", "/api/v1/certificates", gat, "application/json", jsonBody(e.licenceReq(2))); status != 403 {
			t.Errorf("unauthorised department: got %d %v, want 403", status, out)
		}

		status, out, _ = call("GET", "/api/v1/certificates?holder="+company(1), op, "", nil)
		if items, _ := out["items"].([]any); status != 200 || out["total"] != float64(1) || len(items) != 1 ||
			items[0].(map[string]any)["id"] != id || items[0].(map[string]any)["status"] != "valid" || items[0].(map[string]any)["holder"] != company(1) {
			t.Errorf("list by holder: got %d %v", status, out)
		}

		status, out, _ = call("GET", "/api/v1/certificates/"+id+"/verify", "", "", nil)
		checks, _ := out["checks"].(map[string]any)
		if status != 200 || out["valid"] != true || checks["signature"] != true || checks["seal"] != true || checks["status"] != true ||
			out["issuer"].(map[string]any)["code"] != e.market {
			t.Errorf("verify: got %d %v", status, out)
		}
		bad := id[:len(id)-1] + map[bool]string{true: "1", false: "0"}[id[len(id)-1] == '0']
		if status, out, _ = call("GET", "/api/v1/certificates/"+bad+"/verify", "", "", nil); status != 400 {
			t.Errorf("wrong check character: got %d %v, want 400", status, out)
		}

		status, out, raw := call("GET", "/api/v1/certificates/"+id+"/export", gat, "", nil)
		payload, _ := base64.StdEncoding.DecodeString(out["payload"].(string))
		sig, _ := base64.StdEncoding.DecodeString(out["signature"].(string))
		pub, err := gm.ParsePublicKeyPEM([]byte(out["publicKey"].(string)))
		if status != 200 || err != nil || !pub.Verify(payload, sig) {
			t.Errorf("export: got %d, key %v, want a signature that verifies", status, err)
		}
		if status, out, _ = call("POST", "/api/v1/certificates/verify", "", "application/json", raw); status != 200 || out["valid"] != true {
			t.Errorf("verify file: got %d %v", status, out)
		}

		status, _, pdf := call("GET", "/api/v1/certificates/"+id+"/pdf", scjg, "", nil)
		if status != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Errorf("pdf: got %d %.20q", status, pdf)
		}

		status, out, _ = call("POST", "/api/v1/certificates/"+id+"/show", gat, "application/json", nil)
		code, _ := out["code"].(string)
		if status != 201 || len(code) != 6 || out["qr"] == "" || out["expiresAt"] == nil {
			t.Fatalf("show: got %d %v", status, out)
		}
		if status, out, _ = call("POST", "/api/v1/show-codes/verify", "", "application/json", jsonBody(map[string]string{"code": code})); status != 200 || out["valid"] != true || out["data"] == nil {
			t.Errorf("redeem: got %d %v", status, out)
		}
		if status, out, _ = call("POST", "/api/v1/show-codes/verify", "", "application/json", jsonBody(map[string]string{"code": code})); status != 409 {
			t.Errorf("replay: got %d %v, want 409", status, out)
		}

		status, out, _ = call("GET", "/api/v1/wallet?holder="+company(1), gat, "", nil)
		if status != 200 || out["total"] != float64(1) {
			t.Errorf("wallet: got %d %v", status, out)
		}

		csv := "持证主体名称,持证主体代码,法定代表人,成立日期\n甲公司," + company(50) + ",王五,2020-01-01\n乙公司,91620100MA7000000X,赵六,2020-13-01\n"
		status, out, _ = call("POST", "/api/v1/certificates/batch?type="+e.licence.Code, scjg, "text/csv", []byte(csv))
		errs, _ := out["errors"].([]any)
		if status != 200 || out["issued"] != float64(0) || len(errs) != 2 {
			t.Errorf("batch: got %d %v, want a report with 2 errors on row 3 and nothing issued", status, out)
		}
		// The same as a workbook, told by its media type, and as GBK.
		f := excelize.NewFile()
		f.SetSheetRow("Sheet1", "A1", &[]any{"持证主体名称", "持证主体代码", "法定代表人", "成立日期"})
		f.SetSheetRow("Sheet1", "A2", &[]any{"甲公司", company(51), "王五", "2020-01-01"})
		var xlsx bytes.Buffer
		f.Write(&xlsx)
		status, out, _ = call("POST", "/api/v1/certificates/batch?type="+e.licence.Code, scjg, ingest.XLSXType, xlsx.Bytes())
		if ids, _ := out["ids"].([]any); status != 200 || out["issued"] != float64(1) || len(ids) != 1 {
			t.Errorf("Excel batch: got %d %v, want one issued", status, out)
		}
		gbk, _ := simplifiedchinese.GBK.NewEncoder().String("持证主体名称,持证主体代码,法定代表人,成立日期\r\n乙公司," + company(52) + ",赵六,2020-01-01\r\n")
		status, out, _ = call("POST", "/api/v1/certificates/batch?type="+e.licence.Code, scjg, "text/csv", []byte(gbk))
		if status != 200 || out["issued"] != float64(1) {
			t.Errorf("GBK batch: got %d %v, want one issued", status, out)
		}

		status, out, _ = call("POST", "/api/v1/certificates/"+id+"/revoke", scjg, "application/json", jsonBody(map[string]string{"reason": "吊销"}))
		if status != 200 || out["status"] != "revoked" {
			t.Errorf("revoke: got %d %v", status, out)
		}
		if _, out, _ = call("GET", "/api/v1/certificates/"+id+"/verify", "", "", nil); out["valid"] != false || out["status"] != "revoked" {
			t.Errorf("verify after revocation: got %v", out)
		}
	})
}

const apiPassword = "Gansu-2026-pw"

// apiCall sends a request to the test API: status, the JSON answer as a
// map and the raw body.
type apiCall func(method, path, token, ctype string, body []byte) (int, map[string]any, []byte)

// serveAPI starts the whole API over real HTTP on e's certificate
// service, with staff users op (operator), scjg (market regulation) and
// gat (police), and returns a caller and a staff sign-in.
func serveAPI(t *testing.T, db *store.DB, e *env) (call apiCall, login func(user string) string) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ids := identity.New(db, identity.Config{}, e.clk)
	sys := huitong.WithPrincipal(context.Background(), huitong.System)
	for _, u := range []*huitong.User{
		{Username: "op", DisplayName: "运维", Department: e.dsj, Roles: []huitong.Role{huitong.RoleOperator}},
		{Username: "scjg", DisplayName: "张伟", Department: e.market, Roles: []huitong.Role{huitong.RoleStaff}},
		{Username: "gat", DisplayName: "李娜", Department: e.police, Roles: []huitong.Role{huitong.RoleStaff}},
	} {
		if err := ids.CreateUser(sys, u, apiPassword); err != nil {
			t.Fatal(err)
		}
	}
	api := &httpapi.Server{Identity: ids, Catalog: catalog.New(db, nil, quiet), Certs: e.s, DB: db, Log: quiet, Version: "test"}
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(httpapi.Middleware(mux, quiet, nil))
	t.Cleanup(srv.Close)
	call = func(method, path, token, ctype string, body []byte) (int, map[string]any, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		if body != nil {
			req.Header.Set("Content-Type", ctype)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		json.Unmarshal(raw, &out)
		return resp.StatusCode, out, raw
	}
	login = func(user string) string {
		t.Helper()
		_, out, _ := call("POST", "/api/v1/auth/token", "", "application/json", jsonBody(map[string]string{"username": user, "password": apiPassword}))
		tok, _ := out["token"].(string)
		if tok == "" {
			t.Fatalf("login %s: %v", user, out)
		}
		return tok
	}
	return call, login
}

func jsonBody(v any) []byte { b, _ := json.Marshal(v); return b }

// TestHolderAPI drives the holder's own API over real HTTP: a window
// opens the account, the holder activates it, signs in, lists, reads,
// exports, downloads and shows its own certificates, and is kept apart
// from staff routes and from other holders' certificates.
func TestHolderAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		call, login := serveAPI(t, db, e)
		scjg, gat := login("scjg"), login("gat")
		issue := func(n int) string {
			_, out, _ := call("POST", "/api/v1/certificates", scjg, "application/json", jsonBody(e.licenceReq(n)))
			id, _ := out["id"].(string)
			if id == "" {
				t.Fatalf("issue: %v", out)
			}
			return id
		}
		mine, other := issue(60), issue(61)

		open := func(token, holder string) (int, map[string]any) {
			status, out, _ := call("POST", "/api/v1/holder-accounts", token, "application/json", jsonBody(map[string]string{"holder": holder}))
			return status, out
		}
		if status, _ := open("", company(60)); status != 401 {
			t.Errorf("open without credentials: got %d, want 401", status)
		}
		if status, out := open(gat, company(62)); status != 409 {
			t.Errorf("open for a holder without certificates: got %d %v, want 409", status, out)
		}
		if status, out := open(gat, "91620100MA7000000X"); status != 400 {
			t.Errorf("open for a bad credit code: got %d %v, want 400", status, out)
		}
		status, opened := open(gat, company(60))
		code, _ := opened["code"].(string)
		if status != 201 || len(code) != 14 || opened["holderId"] == company(60) {
			t.Fatalf("open: got %d %v, want 201 with a code and the holder masked", status, opened)
		}

		activate := func(code, pw string) (int, map[string]any) {
			status, out, _ := call("POST", "/api/v1/holder/activate", "", "application/json",
				jsonBody(map[string]string{"holderId": company(60), "code": code, "password": pw}))
			return status, out
		}
		const hpw = "Holder-2026-pw"
		if status, out := activate(code, "short"); status != 400 {
			t.Errorf("activate with a weak password: got %d %v, want 400", status, out)
		}
		if status, out := activate("AAAA-BBBB-CCCC", hpw); status != 401 {
			t.Errorf("activate with a wrong code: got %d %v, want 401", status, out)
		}
		if status, out := activate(code, hpw); status != 204 {
			t.Fatalf("activate: got %d %v, want 204", status, out)
		}
		if status, out := activate(code, hpw+"x"); status != 401 {
			t.Errorf("activation code used twice: got %d %v, want 401", status, out)
		}

		signIn := func(pw string) (int, map[string]any) {
			status, out, _ := call("POST", "/api/v1/holder/token", "", "application/json", jsonBody(map[string]string{"holderId": company(60), "password": pw}))
			return status, out
		}
		if status, out := signIn("wrong-" + hpw); status != 401 || out["token"] != nil {
			t.Errorf("holder sign-in with a wrong password: got %d %v, want 401", status, out)
		}
		status, out := signIn(hpw)
		tok, _ := out["token"].(string)
		if me, _ := out["holder"].(map[string]any); status != 200 || tok == "" || me["holder"] != company(60) || me["holderKind"] != "entity" {
			t.Fatalf("holder sign-in: got %d %v", status, out)
		}

		// Holder and staff tokens live apart.
		if status, _, _ := call("GET", "/api/v1/certificates?holder="+company(60), tok, "", nil); status != 401 {
			t.Errorf("holder token on a staff route: got %d, want 401", status)
		}
		if status, _, _ := call("GET", "/api/v1/wallet?holder="+company(61), tok, "", nil); status != 401 {
			t.Errorf("holder token on the staff wallet: got %d, want 401", status)
		}
		if status, _, _ := call("GET", "/api/v1/holder/certificates", scjg, "", nil); status != 401 {
			t.Errorf("staff token on the holder API: got %d, want 401", status)
		}
		if status, _, _ := call("GET", "/api/v1/holder/certificates", "", "", nil); status != 401 {
			t.Errorf("holder API without a token: got %d, want 401", status)
		}

		status, out, _ = call("GET", "/api/v1/holder/certificates", tok, "", nil)
		items, _ := out["items"].([]any)
		if status != 200 || out["total"] != float64(1) || len(items) != 1 || items[0].(map[string]any)["id"] != mine ||
			items[0].(map[string]any)["holder"] != company(60) {
			t.Fatalf("own certificates: got %d %v", status, out)
		}
		if status, out, _ = call("GET", "/api/v1/holder/certificates/"+mine, tok, "", nil); status != 200 || out["id"] != mine {
			t.Errorf("own certificate: got %d %v", status, out)
		}
		for _, r := range []struct{ method, path string }{
			{"GET", "/api/v1/holder/certificates/" + other},
			{"GET", "/api/v1/holder/certificates/" + other + "/export"},
			{"GET", "/api/v1/holder/certificates/" + other + "/pdf"},
			{"POST", "/api/v1/holder/certificates/" + other + "/show"},
		} {
			if status, out, _ := call(r.method, r.path, tok, "application/json", nil); status != 404 {
				t.Errorf("%s %s (another holder's): got %d %v, want 404", r.method, r.path, status, out)
			}
		}

		status, out, _ = call("GET", "/api/v1/holder/certificates/"+mine+"/export", tok, "", nil)
		payload, _ := base64.StdEncoding.DecodeString(fmt.Sprint(out["payload"]))
		sig, _ := base64.StdEncoding.DecodeString(fmt.Sprint(out["signature"]))
		pub, err := gm.ParsePublicKeyPEM([]byte(fmt.Sprint(out["publicKey"])))
		if status != 200 || err != nil || !pub.Verify(payload, sig) {
			t.Errorf("own export: got %d, key %v, want a signature that verifies", status, err)
		}
		if status, _, pdf := call("GET", "/api/v1/holder/certificates/"+mine+"/pdf", tok, "", nil); status != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Errorf("own pdf: got %d %.20q", status, pdf)
		}
		status, out, _ = call("POST", "/api/v1/holder/certificates/"+mine+"/show", tok, "application/json", nil)
		show, _ := out["code"].(string)
		if status != 201 || len(show) != 6 {
			t.Fatalf("own show: got %d %v", status, out)
		}
		if status, out, _ = call("POST", "/api/v1/show-codes/verify", "", "application/json", jsonBody(map[string]string{"code": show})); status != 200 || out["valid"] != true {
			t.Errorf("redeem the holder's show code: got %d %v", status, out)
		}

		// The holder's acts are audited under its account, never its ID number.
		var n int
		if err := db.View(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE actor LIKE 'holder:%' AND action IN ('cert.wallet', 'cert.export', 'cert.pdf', 'cert.show')`).Scan(&n)
		}); err != nil || n < 4 {
			t.Errorf("holder audit: %d entries (%v), want at least 4", n, err)
		}
		if err := db.View(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE actor LIKE 'holder:%' AND (actor || object || detail) LIKE ?`, "%"+company(60)+"%").Scan(&n)
		}); err != nil || n != 0 {
			t.Errorf("holder audit: %d entries name the credit code (%v), want none", n, err)
		}

		if status, _, _ := call("DELETE", "/api/v1/holder/token", tok, "", nil); status != 204 {
			t.Errorf("holder sign-out: got %d, want 204", status)
		}
		if status, _, _ := call("GET", "/api/v1/holder/me", tok, "", nil); status != 401 {
			t.Errorf("token after sign-out: got %d, want 401", status)
		}

		// Five wrong passwords lock the account: even the right one is refused.
		for range 5 {
			signIn("wrong-" + hpw)
		}
		if status, out := signIn(hpw); status != 429 {
			t.Errorf("sign-in while locked: got %d %v, want 429", status, out)
		}
	})
}

package cert_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
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
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		ids := identity.New(db, identity.Config{}, e.clk)
		sys := huitong.WithPrincipal(context.Background(), huitong.System)
		const pw = "Gansu-2026-pw"
		for _, u := range []*huitong.User{
			{Username: "op", DisplayName: "运维", Department: e.dsj, Roles: []huitong.Role{huitong.RoleOperator}},
			{Username: "scjg", DisplayName: "张伟", Department: e.market, Roles: []huitong.Role{huitong.RoleStaff}},
			{Username: "gat", DisplayName: "李娜", Department: e.police, Roles: []huitong.Role{huitong.RoleStaff}},
		} {
			if err := ids.CreateUser(sys, u, pw); err != nil {
				t.Fatal(err)
			}
		}
		api := &httpapi.Server{Identity: ids, Catalog: catalog.New(db, nil, quiet), Certs: e.s, DB: db, Log: quiet, Version: "test"}
		mux := http.NewServeMux()
		api.Register(mux)
		srv := httptest.NewServer(httpapi.Middleware(mux, quiet, nil))
		defer srv.Close()

		call := func(method, path, token, ctype string, body []byte) (int, map[string]any, []byte) {
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
		jsonBody := func(v any) []byte { b, _ := json.Marshal(v); return b }
		login := func(user string) string {
			_, out, _ := call("POST", "/api/v1/auth/token", "", "application/json", jsonBody(map[string]string{"username": user, "password": pw}))
			tok, _ := out["token"].(string)
			if tok == "" {
				t.Fatalf("login %s: %v", user, out)
			}
			return tok
		}
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

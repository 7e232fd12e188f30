package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"huitong/app"
	"huitong/store/storetest"
)

// startDemo runs the real platform with a small demo on a free port.
func startDemo(t *testing.T, engine string) *app.Main {
	t.Helper()
	m := app.NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.DataDir = t.TempDir()
	m.Config.Demo = true
	m.Config.DemoResources = 60
	if engine == "postgres" {
		m.Config.DB = storetest.DSN(t, engine)
	}
	m.LogOut = io.Discard
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// startBare runs the real platform without the demo on a free port, with
// publicURL as its configured public URL.
func startBare(t *testing.T, publicURL string) *app.Main {
	t.Helper()
	m := app.NewMain()
	m.Config.Addr, m.Config.DataDir, m.LogOut = "127.0.0.1:0", t.TempDir(), io.Discard
	m.Config.PublicURL = publicURL
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func get(t *testing.T, m *app.Main, path, token string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", m.URL()+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

func login(t *testing.T, m *app.Main, user, pass string) (int, string) {
	t.Helper()
	resp, err := http.Post(m.URL()+"/api/v1/auth/token", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+pass+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Token
}

// TestDemoContract checks the contract integrators rely on, against the
// real platform with the demo loaded, on each engine.
func TestDemoContract(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			m := startDemo(t, engine)
			if status := get(t, m, "/healthz", "", nil); status != 200 {
				t.Fatalf("healthz: got %d", status)
			}
			if status, _ := login(t, m, "admin", "wrong"); status != 401 {
				t.Fatalf("wrong password: got %d, want 401", status)
			}
			status, admin := login(t, m, "admin", "demo")
			if status != 200 || admin == "" {
				t.Fatalf("admin/demo: got %d", status)
			}
			var depts struct {
				Items []struct{ Code, Name, Jurisdiction, Level string }
			}
			get(t, m, "/api/v1/departments", admin, &depts)
			levels, prefectures := map[string]int{}, map[string]bool{}
			var gat string
			for _, d := range depts.Items {
				levels[d.Level]++
				if d.Level == "prefecture" {
					prefectures[d.Jurisdiction] = true
				}
				if d.Name == "甘肃省公安厅" {
					gat = d.Code
				}
			}
			if len(prefectures) != 14 || levels["province"] < 20 || levels["county"] == 0 || gat == "" {
				t.Fatalf("demo departments: levels %v, %d prefectures", levels, len(prefectures))
			}
			var users struct {
				Items []struct {
					Username, Department string
					Roles                []string
				}
			}
			get(t, m, "/api/v1/users?department="+gat, admin, &users)
			if len(users.Items) < 2 || users.Items[0].Department != gat || len(users.Items[0].Roles) == 0 {
				t.Fatalf("users of 公安厅: got %+v", users.Items)
			}
			// Every demo staff account signs in with demo.
			if status, _ := login(t, m, users.Items[0].Username, "demo"); status != 200 {
				t.Fatalf("%s/demo: got %d", users.Items[0].Username, status)
			}
			var list struct {
				Items []struct {
					Code, Name, ShareType, OpenType, UpdateCycle, Status string
					Provider                                             struct{ Code, Name string }
				}
				Total int
			}
			get(t, m, "/api/v1/resources?q="+url.QueryEscape("户籍"), admin, &list)
			if list.Total == 0 || list.Items[0].Provider.Name == "" || list.Items[0].ShareType == "" || list.Items[0].Status != "published" {
				t.Fatalf("search 户籍: got %+v", list)
			}
			var res struct {
				Items []struct {
					Name, Type     string
					Sensitive, Key bool
				}
				Mount struct{ Kind string }
			}
			get(t, m, "/api/v1/resources/"+list.Items[0].Code, admin, &res)
			if len(res.Items) == 0 || res.Mount.Kind == "" {
				t.Fatalf("resource detail: got %+v", res)
			}
			// 住建厅, granted queries on the certificate library by the demo,
			// reads a company's certificates through the exchange.
			var lib struct{ Items []struct{ Code string } }
			get(t, m, "/api/v1/resources?q="+url.QueryEscape("电子证照库"), admin, &lib)
			var certs struct {
				Items []struct{ ID, Holder, HolderKind, TypeName string }
			}
			var company string
			for offset := 0; company == "" && offset < 10000; offset += 1000 {
				get(t, m, fmt.Sprintf("/api/v1/certificates?limit=1000&offset=%d", offset), admin, &certs)
				for _, c := range certs.Items {
					if c.HolderKind == "entity" {
						company = c.Holder
						break
					}
				}
			}
			get(t, m, "/api/v1/certificates?holder="+company, admin, &certs)
			var mine []string
			for _, c := range certs.Items {
				mine = append(mine, c.ID)
			}
			if len(lib.Items) == 0 || company == "" {
				t.Fatalf("电子证照库 %+v, no company holding a certificate in %d", lib.Items, len(certs.Items))
			}
			_, zjt := login(t, m, "zjt", "demo")
			req, _ := http.NewRequest("POST", m.URL()+"/api/v1/resources/"+url.PathEscape(lib.Items[0].Code)+"/query",
				strings.NewReader(`{"keys":["`+company+`"],"purpose":"建筑业企业资质审批核验营业执照"}`))
			req.Header.Set("Authorization", "Bearer "+zjt)
			req.Header.Set("Content-Type", "application/json")
			qr, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var answer struct {
				Items []struct {
					Found bool
					Data  map[string]string
				}
			}
			json.NewDecoder(qr.Body).Decode(&answer)
			qr.Body.Close()
			if qr.StatusCode != 200 || len(answer.Items) != 1 || !answer.Items[0].Found {
				t.Fatalf("library query: got %d %+v", qr.StatusCode, answer)
			}
			for _, id := range mine {
				if !strings.Contains(answer.Items[0].Data["ZZBS"], id) {
					t.Errorf("library query: 证照标识 %q lacks %s", answer.Items[0].Data["ZZBS"], id)
				}
			}
			var doc struct{ OpenAPI string }
			if get(t, m, "/api/v1/openapi.json", "", &doc); !strings.HasPrefix(doc.OpenAPI, "3.") {
				t.Fatalf("openapi: got %q", doc.OpenAPI)
			}
			resp, err := http.Get(m.URL() + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), `huitong_http_requests_total{code="200",route="GET /api/v1/departments"}`) {
				t.Fatalf("metrics lack the request counter:\n%.500s", body)
			}
		})
	}
}

// TestNoDemoNoAccounts: without --demo nothing is seeded and no default
// password exists.
func TestNoDemoNoAccounts(t *testing.T) {
	m := startBare(t, "")
	if status, _ := login(t, m, "admin", "demo"); status != 401 {
		t.Fatalf("admin/demo without demo: got %d, want 401", status)
	}
}

// TestPublicURL: QR codes lead to the configured public URL, or else to
// the address the server listens on (here a free port, not 8080).
func TestPublicURL(t *testing.T) {
	m := startBare(t, "")
	if got, want := m.Certs.VerifyURL("X"), m.URL()+"/verify/X"; got != want || strings.HasSuffix(m.URL(), ":8080") {
		t.Errorf("unconfigured: got %s, want %s (the listening address)", got, want)
	}

	m2 := startBare(t, "https://zwfw.example.gov.cn")
	if got := m2.Certs.VerifyURL("X"); got != "https://zwfw.example.gov.cn/verify/X" {
		t.Errorf("configured: got %s", got)
	}
}

func TestPublicURLRefused(t *testing.T) {
	for _, u := range []string{"zwfw.example.gov.cn", "ftp://example.gov.cn", "https://", "https://example.gov.cn/", "https://example.gov.cn?x=1", "https://u:p@example.gov.cn", "https://example.gov.cn#top", "http://exa mple.cn"} {
		c := app.DefaultConfig()
		c.PublicURL = u
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "public URL") {
			t.Errorf("%q: got %v, want a public URL error", u, err)
		}
	}
	c := app.DefaultConfig()
	if err := c.FromEnv(func(k string) string {
		if k == "HUITONG_PUBLIC_URL" {
			return "https://zwfw.example.gov.cn:8443/huitong"
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil || c.PublicURL != "https://zwfw.example.gov.cn:8443/huitong" {
		t.Errorf("from the environment: %q, %v", c.PublicURL, err)
	}
}

package exchange_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/httpapi"
	"huitong/store"
	"huitong/store/storetest"
)

// endpoint is one exchange endpoint of the security matrix.
type endpoint struct {
	name   string
	action string // audit action of its uses and refusals
	// call uses the endpoint with a credential ("" = none) as consumer of
	// grant, for subject key, asking for items (nil = the grant's).
	call func(a *api, cred string, grant int64, key string, items []string) response
	// outside is what a subject outside the grant's jurisdiction gets:
	// "refused" (404), "answer" (200, found false, no data) or "omitted"
	// (bulk endpoints leave it out).
	outside string
	// item: an item not granted is "refused" (403) or "omitted".
	item string
}

func endpoints(people string) []endpoint {
	purpose := "purpose=" + url.QueryEscape("最低生活保障资格审核") + "&case=GS2026-0001"
	return []endpoint{
		{"Record", exchange.ActQuery, func(a *api, cred string, g int64, key string, items []string) response {
			p := fmt.Sprintf("/api/v1/resources/%s/records/%s?%s&grant=%d", esc(people), url.PathEscape(key), purpose, g)
			if items != nil {
				p += "&items=" + url.QueryEscape(strings.Join(items, ","))
			}
			return a.call("GET", p, cred, nil)
		}, "refused", "refused"},
		{"Batch", exchange.ActQuery, func(a *api, cred string, g int64, key string, items []string) response {
			return a.call("POST", "/api/v1/resources/"+esc(people)+"/query", cred, map[string]any{"keys": []string{key}, "items": items, "purpose": "批量核查", "grant": g})
		}, "answer", "refused"},
		{"Verify", exchange.ActVerify, func(a *api, cred string, g int64, key string, items []string) response {
			values := map[string]string{"姓名": "张三"}
			if items != nil {
				values = map[string]string{items[0]: "x"}
			}
			return a.call("POST", "/api/v1/resources/"+esc(people)+"/verify", cred, map[string]any{"key": key, "values": values, "purpose": "身份核验", "grant": g})
		}, "refused", "refused"},
		{"Pull", exchange.ActPull, func(a *api, cred string, g int64, key string, items []string) response {
			return a.call("GET", fmt.Sprintf("/api/v1/grants/%d/changes?%s", g, purpose), cred, nil)
		}, "omitted", "omitted"},
		{"Export", exchange.ActExport, func(a *api, cred string, g int64, key string, items []string) response {
			return a.call("GET", fmt.Sprintf("/api/v1/grants/%d/export?format=json&%s", g, purpose), cred, nil)
		}, "omitted", "omitted"},
		{"Subscribe", exchange.ActSubscribe, func(a *api, cred string, g int64, key string, items []string) response {
			return a.call("POST", fmt.Sprintf("/api/v1/grants/%d/subscription", g), cred, map[string]any{})
		}, "omitted", "omitted"},
	}
}

// TestSecurityMatrix runs every exchange endpoint against every kind of
// refusal and checks the status, the error code and rule, and that the
// refusal is in the audit chain.
func TestSecurityMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		eps := func(people string) []endpoint {
			list := endpoints(people)
			if !slices.Contains(routes(t, db), "GET /api/v1/resources/{code}/records/{key}") {
				t.Log("the records route (httpapi/ingest.go) is not registered yet: left out")
				list = list[1:]
			}
			return list
		}
		a := newAPI(t, db, exchangetest.Options{})
		e := a.e
		ctx := context.Background()
		uses := []string{"query", "verify", "subscribe", "export"}
		items := []string{"XM", "GMSFHM", "XBDM", "CSRQ"}
		grant := func(consumer string, until time.Time) int64 {
			g, err := e.Grant(ctx, consumer, "ga", e.People, exchange.RequestInput{Items: items, Uses: uses, Until: until})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.Exchange.Subscribe(e.As(consumer), g.ID, "", ""); err != nil {
				t.Fatal(err)
			}
			return g.ID
		}
		year := e.Clock.Now().AddDate(1, 0, 0)
		gCounty := grant("county", year) // 620102
		gQuota := grant("rs", year)      // limited below
		gExpiring := grant("scjg", e.Clock.Now().Add(48*time.Hour))
		gRevokedKey := grant("mz", year)
		kCounty, _ := a.apiKey("county")
		kOther, _ := a.apiKey("other")
		kQuota, _ := a.apiKey("rs")
		kExpiring, _ := a.apiKey("scjg")
		kRevoked, revokedID := a.apiKey("mz")
		for _, ep := range eps(e.People) { // each works before anything is refused
			if ep.name == "Subscribe" {
				continue
			}
			if r := ep.call(a, kRevoked, gRevokedKey, e.PeopleKeys[0], nil); r.status != 200 && r.status != 201 {
				t.Fatalf("%s before revocation: got %d %s", ep.name, r.status, r.raw)
			}
		}
		if r := a.call("DELETE", fmt.Sprintf("/api/v1/apikeys/%d", revokedID), a.login("mz-admin"), nil); r.status != 204 {
			t.Fatalf("revoke key: %d %s", r.status, r.raw)
		}
		// Revocation takes effect once the key cache entry expires.
		e.Clock.Add(e.Exchange.Config().CacheTTL + time.Second)
		if _, err := e.Exchange.SetLimits(e.As("ga"), gQuota, 1, 1); err != nil {
			t.Fatal(err)
		}
		if r := endpoints(e.People)[1].call(a, kQuota, gQuota, e.PeopleKeys[0], nil); r.status != 200 {
			t.Fatalf("first use under quota: %d %s", r.status, r.raw)
		}
		inside, outside := e.PeopleKeys[0], e.PeopleKeys[len(e.PeopleKeys)-1]

		type cond struct {
			name   string
			cred   string
			grant  int64
			key    string
			items  []string
			before func()
			status int
			code   string
			rule   string
		}
		conds := []cond{
			{name: "NoCredentials", cred: "", grant: gCounty, key: inside, status: 401, code: "unauthorized", rule: "auth.required"},
			{name: "ForgedKey", cred: "htk_" + strings.Repeat("A", 43), grant: gCounty, key: inside, status: 401, code: "unauthorized", rule: "auth.invalid"},
			{name: "ForgedToken", cred: "eyJhbGciOiJub25lIn0.e30.", grant: gCounty, key: inside, status: 401, code: "unauthorized", rule: "auth.invalid"},
			{name: "MalformedHeader", cred: "Basic YWRtaW46ZGVtbw==", grant: gCounty, key: inside, status: 401, code: "unauthorized", rule: "auth.invalid"},
			{name: "RevokedKey", cred: kRevoked, grant: gRevokedKey, key: inside, status: 401, code: "unauthorized", rule: "auth.invalid"},
			{name: "OtherDepartment", cred: kOther, grant: gCounty, key: inside, status: 403, code: "forbidden", rule: "grant.none"},
			{name: "OutsideJurisdiction", cred: kCounty, grant: gCounty, key: outside, status: 404, code: "not_found", rule: "subject.not_found"},
			{name: "ItemNotGranted", cred: kCounty, grant: gCounty, key: inside, items: []string{"HJDZ"}, status: 403, code: "forbidden", rule: "item.not_granted"},
			{name: "OverQuota", cred: kQuota, grant: gQuota, key: inside, status: 429, code: "rate_limited"},
			{name: "ExpiredGrant", cred: kExpiring, grant: gExpiring, key: inside, before: func() { e.Clock.Add(72 * time.Hour) }, status: 403, code: "forbidden", rule: "grant.expired"},
		}
		for _, c := range conds {
			if c.before != nil {
				c.before()
			}
			for _, ep := range eps(e.People) {
				t.Run(c.name+"/"+ep.name, func(t *testing.T) {
					before := auditRefusals(t, db, ep.action)
					r := ep.call(a, c.cred, c.grant, c.key, c.items)
					expect := "refused"
					switch c.name {
					case "OutsideJurisdiction":
						expect = ep.outside
					case "ItemNotGranted":
						expect = ep.item
					}
					switch expect {
					case "answer":
						if r.status != 200 || !strings.Contains(string(r.raw), `"found":false`) || strings.Contains(string(r.raw), `"data"`) {
							t.Fatalf("got %d %s, want 200 with found false and no data", r.status, r.raw)
						}
						return
					case "omitted":
						// Bulk endpoints leave out what is not granted: the
						// use succeeds without the subject or the item.
						if r.status != 200 && r.status != 201 {
							t.Fatalf("got %d %s, want success without it", r.status, r.raw)
						}
						if strings.Contains(string(r.raw), outside) || strings.Contains(string(r.raw), `"HJDZ"`) {
							t.Fatalf("answer contains what is not granted: %s", r.raw)
						}
						return
					}
					if r.status != c.status || r.code() != c.code || (c.rule != "" && r.rule() != c.rule) {
						t.Fatalf("got %d %s/%s %s, want %d %s/%s", r.status, r.code(), r.rule(), r.raw, c.status, c.code, c.rule)
					}
					if c.status == 429 && r.header.Get("Retry-After") == "" {
						t.Errorf("429 without Retry-After")
					}
					if got := auditRefusals(t, db, ep.action); got != before+1 {
						t.Errorf("refusal audited: got %d refusals, want %d", got, before+1)
					}
				})
			}
		}

		t.Run("Injection", func(t *testing.T) {
			hasRecords := len(eps(e.People)) == len(endpoints(e.People))
			for _, key := range []string{"' OR '1'='1", "620102196001010012; DROP TABLE records", "../../../../etc/passwd", "<script>alert(1)</script>",
				strings.Repeat("9", 300), "%00", "620102\x00196001010011"} {
				r := a.call("POST", "/api/v1/resources/"+esc(e.People)+"/verify", kCounty, map[string]any{"key": key, "values": map[string]string{"姓名": "张三"}, "purpose": "身份核验"})
				if r.status != 400 || r.rule() != "key.invalid" {
					t.Errorf("verify key %q: got %d %s, want 400 key.invalid", key, r.status, r.raw)
				}
				if !hasRecords {
					continue
				}
				r = a.call("GET", "/api/v1/resources/"+esc(e.People)+"/records/"+url.PathEscape(key)+"?purpose=%E6%A0%B8%E6%9F%A5", kCounty, nil)
				if r.status != 400 || r.rule() != "key.invalid" {
					t.Errorf("record key %q: got %d %s, want 400 key.invalid", key, r.status, r.raw)
				}
			}
			for _, p := range []string{"", "a", "核查\x07", strings.Repeat("用", 201)} {
				r := a.call("GET", fmt.Sprintf("/api/v1/grants/%d/changes?purpose=%s", gCounty, url.QueryEscape(p)), kCounty, nil)
				if r.status != 400 {
					t.Errorf("purpose %q: got %d %s, want 400", p, r.status, r.raw)
				}
			}
			r := a.call("POST", "/api/v1/resources/"+esc(e.People)+"/verify", kCounty, map[string]any{"key": inside, "values": map[string]string{"姓名": "张三"}, "purpose": "身份核验", "case": "1' UNION SELECT hash FROM api_keys--"})
			if r.status != 400 || r.rule() != "format" {
				t.Errorf("case injection: got %d %s", r.status, r.raw)
			}
			r = a.call("POST", "/api/v1/resources/"+esc(e.People)+"/query", kCounty, `{"keys":["`+inside+`"],"purpose":"核查","admin":true}`)
			if r.status != 400 {
				t.Errorf("unknown field: got %d %s", r.status, r.raw)
			}
			tok := a.login("county")
			a.call("DELETE", "/api/v1/auth/token", tok, nil)
			if r := endpoints(e.People)[1].call(a, tok, gCounty, inside, nil); r.status != 401 {
				t.Errorf("replayed token after logout: got %d %s", r.status, r.raw)
			}
			if r := endpoints(e.People)[1].call(a, kRevoked, gRevokedKey, inside, nil); r.status != 401 {
				t.Errorf("replayed revoked key: got %d %s", r.status, r.raw)
			}
		})
		if rep, err := db.VerifyAuditAll(ctx); err != nil {
			t.Fatalf("audit chain after the matrix: %+v %v", rep, err)
		}
	})
}

// routes lists the routes a full API server registers.
func routes(t *testing.T, db *store.DB) []string {
	s := &httpapi.Server{}
	s.Register(http.NewServeMux())
	return s.Routes()
}

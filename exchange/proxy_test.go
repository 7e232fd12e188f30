package exchange_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"huitong"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/gbcode"
	"huitong/store"
	"huitong/store/storetest"
)

// provider is a department's own API on loopback: the marriage register.
type provider struct {
	srv     *httptest.Server
	mu      sync.Mutex
	auth    []string // Authorization headers received
	calls   atomic.Int64
	delay   atomic.Int64 // nanoseconds to wait before answering
	fail    atomic.Bool  // answer 500
	huge    atomic.Bool  // answer a body over the limit
	records map[string]map[string]any
}

func newProvider(t *testing.T) *provider {
	p := &provider{records: map[string]map[string]any{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.calls.Add(1)
		p.mu.Lock()
		p.auth = append(p.auth, r.Header.Get("Authorization"))
		p.mu.Unlock()
		if d := p.delay.Load(); d > 0 {
			select {
			case <-time.After(time.Duration(d)):
			case <-r.Context().Done():
				return
			}
		}
		if p.fail.Load() {
			http.Error(w, "database down", http.StatusInternalServerError)
			return
		}
		if r.Header.Get("Authorization") != "Bearer provider-secret-7f3a" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, "/marriage/")
		rec, ok := p.records[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if p.huge.Load() {
			fmt.Fprintf(w, `{"data":{"XM":"x","padding":"%s"}}`, strings.Repeat("x", 2<<20))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"code": 0, "data": rec, "trace": map[string]any{"nodes": []any{1, 2, map[string]any{"deep": true}}}})
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func TestAPIMountedGateway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		prov := newProvider(t)
		a := newAPI(t, db, exchangetest.Options{ProviderURL: prov.srv.URL + "/marriage/{key}",
			Config: exchange.Config{ProxyTimeout: 200 * time.Millisecond, BreakerFailures: 3, BreakerCooldown: time.Minute}})
		e := a.e
		married := e.PeopleKeys[0]
		prov.records[married] = map[string]any{"GMSFHM": married, "姓名": "王伟", "HYZK": "已婚", "DJRQ": "2015-10-01", "DJJG": "兰州市城关区民政局", "ZJHM": 123}
		if _, err := e.Grant(t.Context(), "county", "mz", e.Marriage, exchange.RequestInput{Items: []string{"XM", "HYZK", "DJRQ"}}); err != nil {
			t.Fatal(err)
		}
		key, _ := a.apiKey("county")
		query := func(k string) response {
			return a.call("POST", "/api/v1/resources/"+esc(e.Marriage)+"/query", key, map[string]any{"keys": []string{k}, "purpose": "婚姻状况核查"})
		}

		t.Run("ErrCredentialOnlyByProvider", func(t *testing.T) {
			r := a.call("PUT", "/api/v1/resource-credentials", a.login("county"), map[string]string{"resource": e.Marriage, "value": "Bearer stolen"})
			if r.status != 403 {
				t.Fatalf("consumer sets credential: got %d %s", r.status, r.raw)
			}
			r = a.call("PUT", "/api/v1/resource-credentials", a.login("mz"), map[string]string{"resource": e.Marriage, "header": "Host", "value": "x"})
			if r.status != 400 {
				t.Fatalf("credential in Host: got %d %s", r.status, r.raw)
			}
		})
		r := a.call("PUT", "/api/v1/resource-credentials", a.login("mz"), map[string]string{"resource": e.Marriage, "value": "Bearer provider-secret-7f3a"})
		if r.status != 200 || r.body["set"] != true || strings.Contains(string(r.raw), "provider-secret") {
			t.Fatalf("set credential: got %d %s", r.status, r.raw)
		}
		if raw, _ := json.Marshal(r.body); strings.Contains(string(raw), "7f3a") {
			t.Fatal("credential value shown")
		}
		var sealed string
		db.QueryRowContext(t.Context(), `SELECT sealed FROM api_credentials WHERE resource = ?`, e.Marriage).Scan(&sealed)
		if sealed == "" || strings.Contains(sealed, "provider-secret") {
			t.Fatalf("credential stored in clear: %q", sealed)
		}

		t.Run("OK", func(t *testing.T) {
			r := query(married)
			items, _ := r.body["items"].([]any)
			if r.status != 200 || len(items) != 1 {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
			data, _ := items[0].(map[string]any)["data"].(map[string]any)
			want := map[string]any{"XM": gbcode.MaskName("王伟"), "HYZK": "已婚", "DJRQ": "2015-10-01"}
			if fmt.Sprint(data) != fmt.Sprint(want) {
				t.Fatalf("got %v, want %v (granted items only, masked)", data, want)
			}
			if strings.Contains(string(r.raw), "provider-secret") || strings.Contains(string(r.raw), "DJJG") || strings.Contains(string(r.raw), "trace") {
				t.Fatalf("answer leaks: %s", r.raw)
			}
			prov.mu.Lock()
			got := prov.auth[len(prov.auth)-1]
			prov.mu.Unlock()
			if got != "Bearer provider-secret-7f3a" {
				t.Fatalf("provider got Authorization %q", got)
			}
			entry, d := lastEntry(t, db, exchange.ActQuery)
			if entry.Result != "ok" || d["via"] != "api" || entry.Object != e.Marriage {
				t.Errorf("audit: got %+v %v", entry, d)
			}
		})
		t.Run("ErrOutsideJurisdiction", func(t *testing.T) {
			far := e.PeopleKeys[len(e.PeopleKeys)-1]
			prov.records[far] = map[string]any{"XM": "李四", "HYZK": "未婚"}
			before := prov.calls.Load()
			r := query(far)
			if r.status != 200 || !strings.Contains(string(r.raw), `"found":false`) || strings.Contains(string(r.raw), "未婚") {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
			if prov.calls.Load() != before+1 {
				t.Errorf("provider calls: got %d, want %d", prov.calls.Load(), before+1)
			}
		})
		t.Run("NotFound", func(t *testing.T) {
			r := query(exchangetest.CitizenID("620102", "19880808", 808))
			if r.status != 200 || !strings.Contains(string(r.raw), `"found":false`) {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
		})
		t.Run("ErrTooLarge", func(t *testing.T) {
			prov.huge.Store(true)
			defer prov.huge.Store(false)
			r := query(married)
			if r.status != 503 || r.rule() != "upstream.too_large" {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
		})
		t.Run("ErrTimeoutThenCircuitOpen", func(t *testing.T) {
			prov.delay.Store(int64(time.Second))
			defer prov.delay.Store(0)
			start := time.Now()
			r := query(married)
			if r.status != 503 || r.rule() != "upstream.timeout" || time.Since(start) > 900*time.Millisecond {
				t.Fatalf("got %d %s after %s", r.status, r.raw, time.Since(start))
			}
			prov.delay.Store(0)
			prov.fail.Store(true)
			defer prov.fail.Store(false)
			if r := query(married); r.status != 503 || r.rule() != "upstream.status" {
				t.Fatalf("provider 500: got %d %s", r.status, r.raw)
			}
			// Three failures in a row (too large, timeout, 500) opened the
			// circuit: no call goes out.
			before := prov.calls.Load()
			r = query(married)
			if r.status != 503 || r.rule() != "upstream.circuit_open" || prov.calls.Load() != before {
				t.Fatalf("got %d %s with %d calls, want circuit_open without calling", r.status, r.raw, prov.calls.Load()-before)
			}
			info := a.call("GET", "/api/v1/resource-credentials?resource="+esc(e.Marriage), a.login("mz"), nil)
			if info.body["circuit"] != "open" {
				t.Errorf("circuit state: got %v", info.body)
			}
			entry, d := lastEntry(t, db, exchange.ActQuery)
			if entry.Result != "unavailable" || d["reason"] != "upstream.circuit_open" {
				t.Errorf("audit of the failure: got %s %v", entry.Result, d)
			}
		})
		t.Run("HalfOpenRecovers", func(t *testing.T) {
			e.Clock.Add(2 * time.Minute)
			if r := query(married); r.status != 200 {
				t.Fatalf("after cooldown: got %d %s", r.status, r.raw)
			}
		})
		if _, _, err := e.Exchange.Get(e.As("rs"), q(e.Marriage, married)); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("consumer without grant: got %v", err)
		}
	})
}

// A resource mounted at a path the platform serves itself (the certificate
// library) is answered in process by its LocalSource, under the same
// grant, scope, projection, masking and audit as a department's API.
func TestPlatformSource(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db, exchangetest.Options{ProviderURL: "https://mz.example.gov.cn/marriage/{key}"})
		e := a.e
		ctx := t.Context()
		if _, err := e.Publish(ctx, e.MZ, &huitong.Resource{Name: "未知平台接口", ShareType: huitong.ShareConditional, ShareCondition: "x",
			UpdateCycle: huitong.CycleRealtime, Format: huitong.FormatService, ShareMethods: []huitong.ShareMethod{huitong.MethodService},
			Classification: huitong.Classification{Class: "1", Item: "05", Category: "001"},
			Mount:          huitong.Mount{Kind: huitong.MountAPI, URL: "/api/v1/everything"},
			Items:          []huitong.Item{{Name: "持证主体代码", Code: "CZZTDM", Type: "C", Length: 18, Key: true, KeyKind: huitong.KeyOther}}}); !strings.Contains(fmt.Sprint(err), "/api/v1/certificate-library") {
			t.Fatalf("unknown platform path: got %v, want a refusal naming the paths there are", err)
		}
		lib, err := e.Publish(ctx, e.MZ, &huitong.Resource{Name: "电子证照库", ShareType: huitong.ShareConditional, ShareCondition: "按持证主体查询",
			UpdateCycle: huitong.CycleRealtime, Format: huitong.FormatService, ShareMethods: []huitong.ShareMethod{huitong.MethodService},
			Classification: huitong.Classification{Class: "1", Item: "05", Category: "001"},
			Mount:          huitong.Mount{Kind: huitong.MountAPI, URL: "/api/v1/certificate-library"},
			Items: []huitong.Item{
				{Name: "持证主体代码", Code: "CZZTDM", Type: "C", Length: 18, Key: true, KeyKind: huitong.KeyOther, Sensitive: true},
				{Name: "持证主体", Code: "CZZT", Type: "C", Length: 200, Sensitive: true},
				{Name: "证照名称", Code: "ZZMC", Type: "C", Length: 2000},
				{Name: "证照状态", Code: "ZZZT", Type: "C", Length: 2000},
			}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Grant(ctx, "county", "mz", lib, exchange.RequestInput{Items: []string{"CZZT", "ZZMC"}}); err != nil {
			t.Fatal(err)
		}
		near, far := e.PeopleKeys[0], e.PeopleKeys[len(e.PeopleKeys)-1]
		key, _ := a.apiKey("county")
		query := func(k string) response {
			return a.call("POST", "/api/v1/resources/"+esc(lib)+"/query", key, map[string]any{"keys": []string{k}, "purpose": "免提交结婚证"})
		}
		answer := func(r response) (map[string]any, string) {
			items, _ := r.body["items"].([]any)
			if r.status != 200 || len(items) != 1 {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
			it := items[0].(map[string]any)
			data, _ := it["data"].(map[string]any)
			reason, _ := it["error"].(string)
			return data, reason
		}

		// Before the platform serves the path: unavailable, not a crash.
		if r := query(near); r.status != 503 || r.rule() != "upstream.local" {
			t.Fatalf("unserved path: got %d %s", r.status, r.raw)
		}

		var calls atomic.Int64
		e.Exchange.ServeLocal("/api/v1/certificate-library", func(ctx context.Context, k string) (map[string]string, string, error) {
			calls.Add(1)
			if k != near && k != far {
				return nil, "", huitong.Errorf(huitong.ENOTFOUND, "没有证照")
			}
			return map[string]string{"CZZTDM": k, "CZZT": "王芳", "ZZMC": "结婚证；居民身份证", "ZZZT": "有效；有效", "SECRET": "x"}, k[:6], nil
		})
		data, reason := answer(query(near))
		if reason != "" || len(data) != 2 || data["ZZMC"] != "结婚证；居民身份证" || data["CZZT"] == "王芳" || data["CZZT"] == "" {
			t.Fatalf("granted query: got %v %q, want the granted items only, 持证主体 masked", data, reason)
		}
		entry, d := lastEntry(t, db, exchange.ActQuery)
		if entry.Result != "ok" || d["via"] != "platform" || entry.Object != lib {
			t.Errorf("audit: got %+v %v", entry, d)
		}
		// Outside the county grant's jurisdiction (as the source says), and
		// unknown: the consumer sees neither apart, the audit trail does.
		for k, why := range map[string]string{far: "subject.out_of_scope", e.PeopleKeys[1]: "subject.not_found"} {
			r := query(k)
			if data, _ := answer(r); len(data) != 0 || !strings.Contains(string(r.raw), `"found":false`) {
				t.Errorf("%s: got %s", why, r.raw)
			}
			if _, d := lastEntry(t, db, exchange.ActQuery); d["reason"] != why {
				t.Errorf("%s: audit reason %v", why, d["reason"])
			}
		}
		// A platform source takes no credential.
		if r := a.call("PUT", "/api/v1/resource-credentials", a.login("mz"), map[string]string{"resource": lib, "value": "Bearer x"}); r.status != 400 || r.rule() != "mount.kind" {
			t.Errorf("credential for a platform source: got %d %s", r.status, r.raw)
		}
		// No grant, no call.
		before := calls.Load()
		other, _ := a.apiKey("other")
		if r := a.call("POST", "/api/v1/resources/"+esc(lib)+"/query", other, map[string]any{"keys": []string{near}, "purpose": "核查证照"}); r.status != 403 || calls.Load() != before {
			t.Errorf("without a grant: got %d %s, %d calls", r.status, r.raw, calls.Load()-before)
		}
	})
}

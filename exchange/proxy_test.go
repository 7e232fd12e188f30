package exchange_test

import (
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

package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"huitong/app"
	"huitong/audit"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/gm"
	"huitong/ingest"
	"huitong/store"
)

// benchExchange measures the query path of sharing and exchange against a
// static-JSON baseline served by the same binary, in one run, on loopback
// (see docs/performance.md):
//
//   - baseline: GET /api/v1/version, a static JSON answer through the same
//     middleware (request id, access log, metrics);
//   - query: GET /api/v1/resources/{code}/records/{key} with a consumer's
//     API key: authentication, grant check, jurisdiction, masking, and the
//     chained audit entry committed (group commit) before the answer;
//   - verify: POST /api/v1/resources/{code}/verify, the same path comparing
//     two items;
//   - audit verify: huitong audit verify's check of the chain just written,
//     against raw SM3 over the same bytes.
func benchExchange(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench exchange", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", "", "PostgreSQL DSN to benchmark on (default: a SQLite file in a temporary directory); its schema must be empty")
	dur := fs.Duration("duration", 5*time.Second, "how long each side is measured")
	workers := fs.Int("workers", 32, "concurrent HTTP clients")
	people := fs.Int("people", 5000, "records in the queried resource")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the measured requests to this file")
	only := fs.Int("only", -1, "measure only this side (0 baseline, 1 query, 2 query POST, 3 verify), for profiling")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "huitong-bench-exchange-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	master := make([]byte, gm.MasterKeySize)
	rand.Read(master)
	cfg := app.DefaultConfig()
	cfg.DataDir, cfg.DB, cfg.LogLevel, cfg.Addr, cfg.MasterKey = dir, *dsn, "error", "127.0.0.1:0", hex.EncodeToString(master)
	keys, err := gm.ParseKeyring(cfg.MasterKey)
	if err != nil {
		return err
	}

	// The province, set up through the services on the same database.
	t := time.Now()
	setupDB, err := store.Open(ctx, cfg.DSN())
	if err != nil {
		return err
	}
	if _, err := setupDB.Migrate(ctx); err != nil {
		setupDB.Close()
		return err
	}
	env, err := exchangetest.Setup(ctx, setupDB, exchangetest.Options{RealClock: true, People: *people, Keyring: keys})
	if err != nil {
		setupDB.Close()
		return err
	}
	if _, err := env.Grant(ctx, "rs", "ga", env.People, exchange.RequestInput{Items: []string{"XM", "GMSFHM", "XBDM", "CSRQ", "LXDH"}, Uses: []string{"query", "verify"}}); err != nil {
		setupDB.Close()
		return err
	}
	apiKey, _, err := env.APIKey("rs")
	if err != nil {
		setupDB.Close()
		return err
	}
	keysToAsk, resource := env.PeopleKeys, env.People
	env.Exchange.Close()
	setupDB.Close()

	gcPercent, _ := app.TuneGC() // as serve does
	m := app.NewMain()
	m.Config, m.LogOut = cfg, io.Discard
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	defer m.Close()
	if m.API.Ingest == nil { // the records route needs the ingest service
		m.API.Ingest = ingest.New(m.DB, m.Catalog, m.Keyring, ingest.Config{}, nil, m.Log)
	}
	fmt.Fprintf(stdout, "huitong bench exchange on %s: %d records, %d clients, %s per side, GOMAXPROCS=%d, GOGC=%s, %s/%s (setup %s)\n",
		m.DB.Engine, len(keysToAsk), *workers, *dur, runtime.GOMAXPROCS(0), cmp.Or(os.Getenv("GOGC"), strconv.Itoa(gcPercent)), runtime.GOOS, runtime.GOARCH, time.Since(t).Round(time.Millisecond))

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: *workers * 2, MaxIdleConnsPerHost: *workers * 2, IdleConnTimeout: time.Minute}}
	base := m.URL()
	do := func(req *http.Request) error {
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s %s: %d", req.Method, req.URL.Path, resp.StatusCode)
		}
		return nil
	}
	purpose := "?purpose=" + url.QueryEscape("养老保险待遇资格认证") + "&case=BENCH-2026"
	// The clients write the POST bodies around a quoted key: the client's
	// work is in each side's CPU per request, and encoding a map per
	// request (as the first version did) cost the POST sides a few µs the
	// GET sides did not pay.
	body := func(before, key, after string) []byte {
		k, _ := json.Marshal(key)
		return append(append(append(make([]byte, 0, len(before)+len(k)+len(after)), before...), k...), after...)
	}
	recordPath := base + "/api/v1/resources/" + url.PathEscape(resource) + "/records/"
	sides := []struct {
		name string
		fn   func(key string) error
	}{
		{"static JSON (baseline)", func(string) error {
			req, _ := http.NewRequest("GET", base+"/api/v1/version", nil)
			return do(req)
		}},
		{"query one subject", func(key string) error {
			req, _ := http.NewRequest("GET", recordPath+key+purpose, nil)
			req.Header.Set("Authorization", "Bearer "+apiKey)
			return do(req)
		}},
		{"query one (POST, cached key)", func(key string) error {
			b := body(`{"keys":[`, key, `],"purpose":"养老保险待遇资格认证","case":"BENCH-2026"}`)
			req, _ := http.NewRequest("POST", base+"/api/v1/resources/"+url.PathEscape(resource)+"/query", bytes.NewReader(b))
			req.Header.Set("Authorization", "Bearer "+apiKey)
			req.Header.Set("Content-Type", "application/json")
			return do(req)
		}},
		{"verify one subject", func(key string) error {
			b := body(`{"key":`, key, `,"values":{"姓名":"王伟","性别":"1"},"purpose":"养老保险待遇资格认证"}`)
			req, _ := http.NewRequest("POST", base+"/api/v1/resources/"+url.PathEscape(resource)+"/verify", bytes.NewReader(b))
			req.Header.Set("Authorization", "Bearer "+apiKey)
			req.Header.Set("Content-Type", "application/json")
			return do(req)
		}},
	}
	// Every side must work before it is timed.
	for _, s := range sides {
		if err := s.fn(keysToAsk[0]); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	// The sides take turns in short rounds, so that a change in the
	// machine's load during the run weighs on all of them alike.
	_, before := m.Exchange.JournalStats()
	commits0, _ := m.Exchange.JournalStats()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if *only >= 0 && *only < len(sides) {
		sides = sides[*only : *only+1]
	}
	results := interleave(*dur, *workers, keysToAsk, len(sides), func(i int) func(string) error { return sides[i].fn })
	if len(results) < 4 {
		for i, s := range sides {
			fmt.Fprintf(stdout, "%-28s %10.0f %10s %10s %8d %9s\n", s.name, results[i].qps, results[i].p50, results[i].p99, results[i].errors, results[i].cpu.Round(time.Microsecond))
		}
		return nil
	}
	if *profile != "" {
		pprof.StopCPUProfile()
	}
	commits1, after := m.Exchange.JournalStats()
	fmt.Fprintf(stdout, "\n%-28s %10s %10s %10s %8s %8s %9s %9s\n", "request", "requests/s", "p50", "p99", "errors", "ratio", "CPU/req", "CPU ratio")
	for i, s := range sides {
		fmt.Fprintf(stdout, "%-28s %10.0f %10s %10s %8d %7.2fx %9s %8.2fx\n", s.name, results[i].qps, results[i].p50, results[i].p99, results[i].errors,
			results[i].qps/results[0].qps, results[i].cpu.Round(time.Microsecond), float64(results[0].cpu)/float64(results[i].cpu))
	}
	fmt.Fprintln(stdout, "(CPU/req: this process's CPU time per request, HTTP client included; its ratio is what the requests/s ratio tends to on an otherwise idle machine)")
	if n := commits1 - commits0; n > 0 {
		fmt.Fprintf(stdout, "audit entries written: %d in %d group commits (%.1f entries per commit)\n", after-before, n, float64(after-before)/float64(n))
	}

	// huitong audit verify against raw SM3 over the same bytes.
	var msgs [][]byte
	var total int
	for e, err := range m.DB.AuditRange(ctx, "main", 1, 1<<62) {
		if err != nil {
			return err
		}
		b := audit.AppendCanonical([]byte(e.PrevHash), e)
		total += len(b)
		msgs = append(msgs, b)
	}
	runtime.GC()
	t = time.Now()
	for _, b := range msgs {
		sm3.Sum(b)
	}
	raw := time.Since(t)
	// The same bytes through gm.SM3Many, the multi-message SM3 that
	// verification hashes with (eight messages a vector instruction on
	// amd64 with AVX2), on one goroutine: what hashing alone costs
	// verification.
	sums := make([][32]byte, len(msgs))
	t = time.Now()
	for i := 0; i < len(msgs); i += 256 {
		gm.SM3Many(msgs[i:min(i+256, len(msgs))], sums[i:])
	}
	many := time.Since(t)
	if *profile != "" {
		f, err := os.Create(*profile + ".verify")
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	t = time.Now()
	rep, err := m.DB.VerifyAuditAll(ctx)
	verify := time.Since(t)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	fmt.Fprintf(stdout, "\naudit verify: %d entries (%.1f MiB) in %s = %.0f entries/s; raw SM3 over the same bytes %s = %.0f entries/s; ratio %.2fx\n",
		rep.Entries, float64(total)/(1<<20), verify.Round(time.Millisecond), float64(rep.Entries)/verify.Seconds(),
		raw.Round(time.Millisecond), float64(len(msgs))/raw.Seconds(), raw.Seconds()/verify.Seconds())
	fmt.Fprintf(stdout, "(the same bytes through gm.SM3Many, the multi-message SM3 verification hashes with, on one goroutine: %s = %.0f entries/s; verify is %.2fx of that)\n",
		many.Round(time.Millisecond), float64(len(msgs))/many.Seconds(), many.Seconds()/verify.Seconds())
	fmt.Fprintln(stdout, "ratios: query "+strconv.FormatFloat(results[1].qps/results[0].qps, 'f', 2, 64)+"x ("+
		strconv.FormatFloat(results[2].qps/results[0].qps, 'f', 2, 64)+"x with the cached key), verify "+
		strconv.FormatFloat(results[3].qps/results[0].qps, 'f', 2, 64)+"x of the baseline (targets: SQLite 0.35x, PostgreSQL 0.18x); audit verify "+
		strconv.FormatFloat(raw.Seconds()/verify.Seconds(), 'f', 2, 64)+"x of raw SM3 (target 0.5x)")
	return nil
}

// interleave measures n sides in rounds of 250 ms, side after side, for d
// per side in total, and merges each side's rounds.
func interleave(d time.Duration, workers int, keys []string, n int, side func(i int) func(string) error) []result {
	const round = 250 * time.Millisecond
	rounds := max(int(d/round), 1)
	lat := make([][]time.Duration, n)
	errs := make([]int64, n)
	elapsed := make([]time.Duration, n)
	cpu := make([]time.Duration, n)
	for r := range rounds {
		for i := range n {
			runtime.GC()
			start, cpu0 := time.Now(), processCPU()
			l, e := runSide(round, workers, keys, r*7919, side(i))
			elapsed[i] += time.Since(start)
			cpu[i] += processCPU() - cpu0
			lat[i] = append(lat[i], l...)
			errs[i] += e
		}
	}
	out := make([]result, n)
	for i := range n {
		slices.Sort(lat[i])
		out[i] = result{qps: float64(len(lat[i])) / elapsed[i].Seconds(), errors: errs[i]}
		if len(lat[i]) > 0 {
			out[i].cpu = cpu[i] / time.Duration(len(lat[i]))
			out[i].p50 = lat[i][len(lat[i])/2].Round(time.Microsecond)
			out[i].p99 = lat[i][len(lat[i])*99/100].Round(time.Microsecond)
		}
	}
	return out
}

// runSide calls fn from workers goroutines for d and returns the latencies.
func runSide(d time.Duration, workers int, keys []string, offset int, fn func(string) error) ([]time.Duration, int64) {
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			for i := offset + w*131; time.Now().Before(deadline); i++ {
				t := time.Now()
				if err := fn(keys[i%len(keys)]); err != nil {
					errs.Add(1)
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lat, errs.Load()
}

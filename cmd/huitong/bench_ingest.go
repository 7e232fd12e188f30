package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"huitong"
	"huitong/ingest"
	"huitong/ingest/ingesttest"
	"huitong/quality"
	"huitong/store"
)

// benchIngest measures data aggregation (see docs/performance.md):
//
//   - throughput: a CSV of --rows people (10 columns, ID numbers in random
//     order) delivered through the whole pipeline (parse, validate, clean,
//     upsert with history checks), against a raw insert of the same rows,
//     already encoded, into the same table without validation, in one run;
//   - memory: the peak memory of delivering a generated file of --size;
//   - conflicts: one-source-per-element reconciliation between two
//     resources of N subjects each, for every N in --conflicts.
func benchIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rows := fs.Int("rows", 1000000, "rows of the throughput file")
	dsn := fs.String("db", "", "PostgreSQL DSN to benchmark on (default: a SQLite file in a temporary directory); its schema must be empty")
	phase := fs.String("phase", "throughput,conflicts", "phases to run: throughput, memory, conflicts (comma-separated)")
	size := fs.String("size", "1GiB", "memory phase: size of the generated file")
	sizes := fs.String("conflicts", "100000,1000000", "conflicts phase: subjects per resource, comma-separated")
	chunk := fs.Int("chunk", 0, "rows per transaction (default: the ingest default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "huitong-bench-ingest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	target := *dsn
	if target == "" {
		target = filepath.Join(dir, "bench.db")
	}
	db, err := store.Open(ctx, target)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	cfg := ingest.DefaultConfig()
	if *chunk > 0 {
		cfg.ChunkRows = *chunk
	}
	env, err := ingesttest.Setup(db, ingesttest.Options{Config: cfg, Now: time.Now()})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "huitong bench ingest on %s, GOMAXPROCS=%d, %s/%s, chunk %d rows\n", db.Engine, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, env.Ingest.Config().ChunkRows)
	for _, p := range strings.Split(*phase, ",") {
		switch strings.TrimSpace(p) {
		case "throughput":
			err = benchThroughput(ctx, env, dir, *rows, stdout)
		case "memory":
			var n int64
			if n, err = parseBytes(*size); err == nil {
				err = benchMemory(ctx, env, n, stdout)
			}
		case "conflicts":
			err = benchConflicts(ctx, env, *sizes, stdout)
		default:
			err = fmt.Errorf("unknown phase %q", p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		sfx string
		n   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"GB", 1e9}, {"MB", 1e6}} {
		if strings.HasSuffix(s, u.sfx) {
			s, mult = strings.TrimSuffix(s, u.sfx), u.n
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

func benchThroughput(ctx context.Context, env *ingesttest.Env, dir string, n int, stdout io.Writer) error {
	path := filepath.Join(dir, "people.csv")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	t := time.Now()
	if err := ingesttest.WritePeople(f, n, 1); err != nil {
		f.Close()
		return err
	}
	f.Close()
	st, _ := os.Stat(path)
	fmt.Fprintf(stdout, "\nthroughput: %d rows x %d columns, %.1f MiB CSV, generated in %s\n", n, len(ingesttest.PeopleHeader), float64(st.Size())/(1<<20), time.Since(t).Round(time.Millisecond))

	// Baseline: the same rows, encoded beforehand, inserted into the same
	// table with the same statements (COPY on PostgreSQL) and chunks.
	res, err := env.Catalog.Published(env.As("gat"), env.People)
	if err != nil {
		return err
	}
	raw, err := encodeRaw(path, res)
	if err != nil {
		return err
	}
	baseline := res.Code + "-raw"
	chunk := env.Ingest.Config().ChunkRows
	runtime.GC()
	t = time.Now()
	for start := 0; start < len(raw); start += chunk {
		part := raw[start:min(start+chunk, len(raw))]
		err := env.DB.Ingest(ctx, func(tx *store.IngestTx) error {
			seq, err := tx.NextRecordSeqs(ctx, baseline, len(part))
			if err != nil {
				return err
			}
			for i := range part {
				part[i].Seq = seq + int64(i)
			}
			return tx.InsertRecords(ctx, baseline, part)
		})
		if err != nil {
			return err
		}
	}
	rawTime := time.Since(t)
	raw = nil
	runtime.GC()

	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	t = time.Now()
	var committed time.Duration // when the last chunk was committed
	b, err := env.Ingest.Deliver(env.As("gat"), env.People, bufio.NewReaderSize(in, 1<<20), ingest.Options{FileName: "people.csv", Source: "cli",
		Progress: func(p ingest.Progress) {
			if !p.Done {
				committed = time.Since(t)
			}
		}})
	if err != nil {
		return err
	}
	total := time.Since(t)
	rawRate, valRate := float64(n)/rawTime.Seconds(), float64(b.Accepted)/committed.Seconds()
	fmt.Fprintf(stdout, "  raw insert (no validation):        %8s  %9.0f rows/s\n", rawTime.Round(time.Millisecond), rawRate)
	fmt.Fprintf(stdout, "  validated ingest (all committed):  %8s  %9.0f rows/s  (accepted %d, rejected %d)\n",
		committed.Round(time.Millisecond), valRate, b.Accepted, b.Rejected)
	fmt.Fprintf(stdout, "  ... then the quality passes:       %8s  (near duplicates, conflicts, score; batch done after %s, %.0f rows/s)\n",
		(total - committed).Round(time.Millisecond), total.Round(time.Millisecond), float64(b.Accepted)/total.Seconds())
	fmt.Fprintf(stdout, "  ratio validated/raw: %.2f (%.2f counting the quality passes)\n", valRate/rawRate, float64(b.Accepted)/total.Seconds()/rawRate)
	return nil
}

// encodeRaw reads the file into records as the pipeline would store them,
// without any checks.
func encodeRaw(path string, res *huitong.Resource) ([]store.RecordRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, err
	}
	header = append([]string(nil), header...)
	codes := map[string]string{}
	for _, it := range res.Items {
		codes[it.Name] = quality.DataKey(&it)
	}
	at := time.Now().UTC()
	var out []store.RecordRow
	data := map[string]string{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		clear(data)
		for i, v := range rec {
			if v != "" {
				data[codes[header[i]]] = v
			}
		}
		b, _ := json.Marshal(data)
		sum := sha256.Sum256(b)
		out = append(out, store.RecordRow{Key: rec[0], Data: string(b), Hash: hex.EncodeToString(sum[:16]), Jurisdiction: rec[0][:6],
			MatchKey: quality.MatchKey(rec[1], rec[3]), Version: 1, Batch: 0, Filled: len(data), At: at})
	}
	return out, nil
}

// benchMemory delivers a generated file of size bytes, streamed (never on
// disk), sampling the Go heap, and reports the peak heap and the process's
// peak resident set (VmHWM). Run it as its own phase so that the other
// phases' memory does not count.
func benchMemory(ctx context.Context, env *ingesttest.Env, size int64, stdout io.Writer) error {
	rowBytes := int64(100) // fewer than one generated row (110-120 bytes): the reader cuts at size
	n := int(size / rowBytes * 11 / 10)
	src := &limited{r: ingesttest.PeopleReader(n, 2), n: size}
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	t := time.Now()
	b, err := env.Ingest.Deliver(env.As("gat"), env.People, src, ingest.Options{FileName: "people-stream.csv", Source: "cli"})
	close(done)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nmemory: delivered %.2f GiB streamed (%d rows accepted, %d rejected) in %s\n",
		float64(b.Size)/(1<<30), b.Accepted, b.Rejected, time.Since(t).Round(time.Millisecond))
	fmt.Fprintf(stdout, "  peak Go heap in use: %.0f MiB; peak resident set (VmHWM): %s\n", float64(peak.Load())/(1<<20), vmHWM())
	return nil
}

// limited passes r through up to n bytes, ending at a line end.
type limited struct {
	r    io.Reader
	n    int64
	done bool
}

func (l *limited) Read(p []byte) (int, error) {
	if l.done {
		return 0, io.EOF
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	if l.n <= 0 {
		if i := strings.LastIndexByte(string(p[:k]), '\n'); i >= 0 {
			k = i + 1
		}
		l.done = true
		return k, nil
	}
	return k, err
}

func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "n/a"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
		}
	}
	return "n/a"
}

// benchConflicts times reconciliation of an authoritative resource
// (公安厅's 户籍) against another department's (人社厅's 参保) holding the
// same N subjects with 1% of names and 0.5% of sexes different.
func benchConflicts(ctx context.Context, env *ingesttest.Env, list string, stdout io.Writer) error {
	fmt.Fprintf(stdout, "\nconflicts: reconcile two resources of N subjects (1%% names and 0.5%% sexes differ)\n")
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("--conflicts: %w", err)
		}
		for _, q := range []string{`DELETE FROM records`, `DELETE FROM record_seqs`, `DELETE FROM disputes`} {
			if _, err := env.DB.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		g := ingesttest.NewGen(n, 3)
		at := time.Now().UTC()
		var auth, other []store.RecordRow
		flush := func(code string, rows []store.RecordRow) error {
			return env.DB.Ingest(ctx, func(tx *store.IngestTx) error {
				seq, err := tx.NextRecordSeqs(ctx, code, len(rows))
				if err != nil {
					return err
				}
				for i := range rows {
					rows[i].Seq = seq + int64(i)
				}
				return tx.InsertRecords(ctx, code, rows)
			})
		}
		t := time.Now()
		for i := range n {
			p := g.Person(i)
			a, _ := json.Marshal(map[string]string{"GMSFHM": p[0], "XM": p[1], "XBDM": p[2], "CSRQ": p[3]})
			name, sex := p[1], p[2]
			if i%100 == 7 {
				name += "某"
			}
			if i%200 == 11 {
				sex = map[string]string{"1": "2", "2": "1"}[sex]
			}
			o, _ := json.Marshal(map[string]string{"GMSFHM": p[0], "XM": name, "XBDM": sex})
			auth = append(auth, store.RecordRow{Key: p[0], Data: string(a), Hash: "a", Version: 1, At: at})
			other = append(other, store.RecordRow{Key: p[0], Data: string(o), Hash: "o", Version: 1, At: at})
			if len(auth) == 5000 || i == n-1 {
				if err := flush(env.People, auth); err != nil {
					return err
				}
				if err := flush(env.Insured, other); err != nil {
					return err
				}
				auth, other = auth[:0], other[:0]
			}
		}
		load := time.Since(t)
		res, err := env.Catalog.Published(env.As("rs"), env.Insured)
		if err != nil {
			return err
		}
		// The floor: reading both resources in stored order, nothing else;
		// then reconciliation, three times from no disputes (the machine
		// may be shared: the best of three is reported).
		t = time.Now()
		for _, code := range []string{env.People, env.Insured} {
			if err := env.DB.ScanRecordsStored(ctx, code, func(string, []byte) error { return nil }); err != nil {
				return err
			}
		}
		scan := time.Since(t)
		var best time.Duration
		var opened int
		for range 3 {
			if _, err := env.DB.ExecContext(ctx, `DELETE FROM disputes`); err != nil {
				return err
			}
			runtime.GC()
			t = time.Now()
			if opened, _, err = env.Ingest.Quality.Reconcile(ctx, res, 0); err != nil {
				return err
			}
			if d := time.Since(t); best == 0 || d < best {
				best = d
			}
		}
		fmt.Fprintf(stdout, "  N = %8d: reconcile %8s (%5.0f ns/subject), %d disputes opened; reading both alone %s (loaded in %s)\n",
			n, best.Round(time.Millisecond), float64(best.Nanoseconds())/float64(n), opened, scan.Round(time.Millisecond), load.Round(time.Millisecond))
	}
	return nil
}

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
	"runtime/pprof"
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
//     encoded without checks, into the same table, the two taking turns
//     chunk by chunk in one run;
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
	profile := fs.String("cpuprofile", "", "write a CPU profile of each measured part to PREFIX.part: .both (throughput; the raw side's samples carry the label side=raw), .memory, .reconcile-N")
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
	prof := func(part string) (stop func(), err error) { return ingestProfile(*profile, part) }
	for _, p := range strings.Split(*phase, ",") {
		switch strings.TrimSpace(p) {
		case "throughput":
			err = benchThroughput(ctx, env, dir, *rows, prof, stdout)
		case "memory":
			var n int64
			if n, err = parseBytes(*size); err == nil {
				err = benchMemory(ctx, env, n, prof, stdout)
			}
		case "conflicts":
			err = benchConflicts(ctx, env, *sizes, prof, stdout)
		default:
			err = fmt.Errorf("unknown phase %q", p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ingestProfile starts a CPU profile written to prefix.part and returns
// what stops it; without a prefix it does nothing.
func ingestProfile(prefix, part string) (stop func(), err error) {
	if prefix == "" {
		return func() {}, nil
	}
	f, err := os.Create(prefix + "." + part)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
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

func benchThroughput(ctx context.Context, env *ingesttest.Env, dir string, n int, prof func(string) (func(), error), stdout io.Writer) error {
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

	// Baseline: the same rows, encoded as the pipeline stores them but
	// without any check, inserted into the same table with the same
	// statements (COPY on PostgreSQL), the same change sequences and the
	// same chunks, one transaction each. The two sides take turns chunk by
	// chunk: after the delivery commits chunk i, the baseline inserts the
	// same rows under another resource code. Both sides so see the same
	// load on a shared machine and a table of the same size; run one after
	// the other, the second would write into a table twice as big and the
	// machine's load would drift between them.
	res, err := env.Catalog.Published(env.As("gat"), env.People)
	if err != nil {
		return err
	}
	rawIn, err := os.Open(path)
	if err != nil {
		return err
	}
	defer rawIn.Close()
	raw, err := newRawEncoder(rawIn, res)
	if err != nil {
		return err
	}
	baseline := res.Code + "-raw"
	insertRaw := func(part []store.RecordRow) error {
		return env.DB.Ingest(ctx, func(tx *store.IngestTx) error {
			seq, err := tx.NextRecordSeqs(ctx, baseline, len(part))
			if err != nil {
				return err
			}
			for i := range part {
				part[i].Seq = seq + int64(i)
			}
			return tx.InsertRecords(ctx, baseline, part)
		})
	}

	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	stop, err := prof("both")
	if err != nil {
		return err
	}
	runtime.GC()
	var (
		rawTime, aside   time.Duration // the baseline's inserts; everything done in its turns
		rawCPU, asideCPU time.Duration
		rawRows          int
		committed        time.Duration // the delivery's time when it committed its last chunk, less the baseline's turns
		rawErr           error
	)
	cpu0 := processCPU()
	t = time.Now()
	b, err := env.Ingest.Deliver(env.As("gat"), env.People, bufio.NewReaderSize(in, 1<<20), ingest.Options{FileName: "people.csv", Source: "cli",
		Progress: func(p ingest.Progress) {
			if p.Done || rawErr != nil {
				return
			}
			t0, c0 := time.Now(), processCPU()
			committed = t0.Sub(t) - aside
			var part []store.RecordRow
			if part, rawErr = raw.next(p.Received - rawRows); rawErr != nil {
				return
			}
			t1, c1 := time.Now(), processCPU()
			pprof.Do(ctx, pprof.Labels("side", "raw"), func(context.Context) { rawErr = insertRaw(part) })
			rawTime, rawCPU = rawTime+time.Since(t1), rawCPU+processCPU()-c1
			rawRows += len(part)
			aside, asideCPU = aside+time.Since(t0), asideCPU+processCPU()-c0
		}})
	total, totalCPU := time.Since(t)-aside, processCPU()-cpu0-asideCPU
	stop()
	if err != nil {
		return err
	}
	if rawErr != nil {
		return fmt.Errorf("baseline: %w", rawErr)
	}
	if rawRows != n || b.Accepted != n {
		return fmt.Errorf("baseline inserted %d rows, delivery accepted %d, of %d", rawRows, b.Accepted, n)
	}
	rawRate, valRate := float64(rawRows)/rawTime.Seconds(), float64(b.Accepted)/committed.Seconds()
	fmt.Fprintf(stdout, "  raw insert (no validation):        %9s  %9.0f rows/s\n", rawTime.Round(time.Millisecond), rawRate)
	fmt.Fprintf(stdout, "  validated ingest (all committed):  %9s  %9.0f rows/s  (accepted %d, rejected %d)\n",
		committed.Round(time.Millisecond), valRate, b.Accepted, b.Rejected)
	fmt.Fprintf(stdout, "  ... then the quality passes:       %9s  (near duplicates, conflicts, score; batch done after %s, %.0f rows/s)\n",
		(total - committed).Round(time.Millisecond), total.Round(time.Millisecond), float64(b.Accepted)/total.Seconds())
	fmt.Fprintf(stdout, "  ratio validated/raw: %.2f (%.2f counting the quality passes)\n", valRate/rawRate, float64(b.Accepted)/total.Seconds()/rawRate)
	fmt.Fprintf(stdout, "  CPU time of this process: raw %s (%.1f us/row), validated %s (%.1f us/row, quality passes included)%s\n",
		rawCPU.Round(time.Millisecond), float64(rawCPU.Microseconds())/float64(rawRows), totalCPU.Round(time.Millisecond),
		float64(totalCPU.Microseconds())/float64(b.Accepted), map[bool]string{true: "; the database server's is not counted", false: ""}[env.DB.Engine == store.Postgres])
	return nil
}

// rawEncoder reads the file into records as the pipeline would store
// them, without any checks.
type rawEncoder struct {
	r      *csv.Reader
	header []string
	codes  map[string]string
	data   map[string]string
	at     time.Time
}

func newRawEncoder(f io.Reader, res *huitong.Resource) (*rawEncoder, error) {
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, err
	}
	e := &rawEncoder{r: r, header: append([]string(nil), header...), codes: map[string]string{}, data: map[string]string{}, at: time.Now().UTC()}
	for _, it := range res.Items {
		e.codes[it.Name] = quality.DataKey(&it)
	}
	return e, nil
}

// next returns the next n rows as records.
func (e *rawEncoder) next(n int) ([]store.RecordRow, error) {
	out := make([]store.RecordRow, 0, n)
	for range n {
		rec, err := e.r.Read()
		if err != nil {
			return nil, err
		}
		clear(e.data)
		for i, v := range rec {
			if v != "" {
				e.data[e.codes[e.header[i]]] = v
			}
		}
		b, _ := json.Marshal(e.data)
		sum := sha256.Sum256(b)
		out = append(out, store.RecordRow{Key: rec[0], Data: string(b), Hash: hex.EncodeToString(sum[:16]), Jurisdiction: rec[0][:6],
			MatchKey: quality.MatchKey(rec[1], rec[3]), Version: 1, Batch: 0, Filled: len(e.data), At: e.at})
	}
	return out, nil
}

// benchMemory delivers a generated file of size bytes, streamed (never on
// disk), sampling the Go heap, and reports the peak heap and the process's
// peak resident set (VmHWM). Run it as its own phase so that the other
// phases' memory does not count.
func benchMemory(ctx context.Context, env *ingesttest.Env, size int64, prof func(string) (func(), error), stdout io.Writer) error {
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
	stop, err := prof("memory")
	if err != nil {
		return err
	}
	t := time.Now()
	b, err := env.Ingest.Deliver(env.As("gat"), env.People, src, ingest.Options{FileName: "people-stream.csv", Source: "cli"})
	stop()
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
func benchConflicts(ctx context.Context, env *ingesttest.Env, list string, prof func(string) (func(), error), stdout io.Writer) error {
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
		// The floor, reading both resources in stored order and nothing
		// else, takes turns with reconciliation from no disputes, three
		// times each; the machine may be shared, so the best of three is
		// reported, with the CPU time this process used in that round.
		var scan, best, scanCPU, bestCPU time.Duration
		var opened int
		stop, err := prof(fmt.Sprintf("reconcile-%d", n))
		if err != nil {
			return err
		}
		for range 3 {
			runtime.GC()
			t, c := time.Now(), processCPU()
			for _, code := range []string{env.People, env.Insured} {
				if err := env.DB.ScanRecordsStored(ctx, code, func(string, []byte) error { return nil }); err != nil {
					return err
				}
			}
			if d := time.Since(t); scan == 0 || d < scan {
				scan, scanCPU = d, processCPU()-c
			}
			if _, err := env.DB.ExecContext(ctx, `DELETE FROM disputes`); err != nil {
				return err
			}
			runtime.GC()
			t, c = time.Now(), processCPU()
			if opened, _, err = env.Ingest.Quality.Reconcile(ctx, res, 0); err != nil {
				return err
			}
			if d := time.Since(t); best == 0 || d < best {
				best, bestCPU = d, processCPU()-c
			}
		}
		stop()
		perSubject := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
		fmt.Fprintf(stdout, "  N = %8d: reconcile %8s (%5.0f ns/subject, CPU %5.0f ns/subject), %d disputes opened\n",
			n, best.Round(time.Millisecond), perSubject(best), perSubject(bestCPU), opened)
		fmt.Fprintf(stdout, "  %12s reading both alone %8s (%5.0f ns/subject, CPU %5.0f ns/subject); loaded in %s\n",
			"", scan.Round(time.Millisecond), perSubject(scan), perSubject(scanCPU), load.Round(time.Millisecond))
	}
	return nil
}

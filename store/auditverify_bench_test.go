package store_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"huitong"
	"huitong/audit"
	"huitong/store/storetest"
)

// BenchmarkVerifyAudit is huitong audit verify over 100,000 exchange-like
// entries against raw SM3 over the same bytes, in one run (huitong bench
// exchange measures it on the entries its query rounds wrote).
// It runs on each engine of storetest.Engines.
func BenchmarkVerifyAudit(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) { benchVerifyAudit(b, engine) })
	}
}

func benchVerifyAudit(b *testing.B, engine string) {
	db := storetest.Open(b, engine)
	app := db.NewAuditAppender()
	const n = 100_000
	for i := 0; i < n; i += 500 {
		es := make([]*huitong.AuditEntry, 500)
		for j := range es {
			es[j] = &huitong.AuditEntry{At: time.Now(), Actor: "key:12", Department: "11620000MB0000001X", Action: "exchange.query", Object: "301001/000001", Result: "ok",
				Detail: fmt.Sprintf(`{"case":"BENCH-2026","grant":3,"items":["XM","GMSFHM","XBDM","CSRQ","LXDH"],"latencyMs":0.%03d,"purpose":"养老保险待遇资格认证","requestId":"01JF%020d","subject":"%064x","subjectMasked":"620102********%04d"}`, j, i+j, i+j, j)}
		}
		must(b, app.Append(ctx, es, nil, nil))
	}
	app.Close()
	var msgs [][]byte
	for e, err := range db.AuditRange(ctx, "main", 1, 1<<62) {
		must(b, err)
		msgs = append(msgs, audit.AppendCanonical([]byte(e.PrevHash), e))
	}
	b.ResetTimer()
	var raw, ver, cpu time.Duration
	for range b.N {
		t := time.Now()
		for _, m := range msgs {
			sm3.Sum(m)
		}
		raw += time.Since(t)
		// A write empties the readers' page caches, as the writes before a
		// verification do: each round reads the log cold (from the
		// operating system's cache), as huitong audit verify does.
		if _, err := db.ExecContext(ctx, `UPDATE audit_heads SET seq = seq WHERE chain = 'main'`); err != nil {
			b.Fatal(err)
		}
		t, c := time.Now(), processCPU()
		rep, err := db.VerifyAuditAll(ctx)
		ver += time.Since(t)
		cpu += processCPU() - c
		if err != nil || rep.Entries != n {
			b.Fatalf("verified %d, %v", rep.Entries, err)
		}
	}
	b.ReportMetric(raw.Seconds()/ver.Seconds(), "ratio")
	b.ReportMetric(float64(ver.Nanoseconds())/float64(b.N*n), "verify-ns/entry")
	b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N*n), "sm3-ns/entry")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "verify-cpu-ns/entry")
}

// processCPU returns the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package exchange_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"huitong"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/store/storetest"
)

// BenchmarkGet is the service's part of the query path, without HTTP:
// purpose, grant, key, record, masking and the group-committed audit
// entry, from parallel goroutines (huitong bench exchange measures the
// whole path).
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b, "sqlite")
	env, err := exchangetest.Setup(ctx, db, exchangetest.Options{RealClock: true, People: 2000})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Exchange.Close()
	if _, err := env.Grant(ctx, "rs", "ga", env.People, exchange.RequestInput{Items: []string{"XM", "GMSFHM", "XBDM", "CSRQ", "LXDH"}, Uses: []string{"query", "verify"}}); err != nil {
		b.Fatal(err)
	}
	_, p, err := env.APIKey("rs")
	if err != nil {
		b.Fatal(err)
	}
	pctx := huitong.WithPrincipal(ctx, p)
	b.SetParallelism(16)
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			key := env.PeopleKeys[i%len(env.PeopleKeys)]
			i += 7
			q := exchange.Query{Resource: env.People, Keys: []string{key}, Purpose: "养老保险待遇资格认证", Case: "BENCH-2026"}
			if _, _, err := env.Exchange.Get(pctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// processCPU returns the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

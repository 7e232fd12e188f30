package cert_test

import (
	"math/rand/v2"
	"testing"

	"huitong/cert"
	"huitong/store"
	"huitong/store/storetest"
)

// BenchmarkVerify is Verify by identifier on SQLite, from parallel
// goroutines, over 100,000 certificates (as huitong bench cert): more than
// fit the readers' page caches.
func BenchmarkVerify(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	e := setup(b, db, cert.Config{})
	rows := make([]cert.BatchRow, 100000)
	for i := range rows {
		rows[i] = cert.BatchRow{Row: i + 1, Req: *e.licenceReq(i)}
	}
	rep, err := e.s.IssueBatch(e.market1, e.licence.Code, rows, cert.BatchOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ids := rep.IDs
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if v, err := e.s.Verify(e.op, ids[rand.IntN(len(ids))]); err != nil || !v.Valid {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkIssueBatch issues b.N certificates in one batch on SQLite.
func BenchmarkIssueBatch(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	e := setup(b, db, cert.Config{})
	rows := make([]cert.BatchRow, b.N)
	for i := range rows {
		rows[i] = cert.BatchRow{Row: i + 1, Req: *e.licenceReq(i % 90000)}
	}
	b.ResetTimer()
	rep, err := e.s.IssueBatch(e.market1, e.licence.Code, rows, cert.BatchOptions{})
	if err != nil || rep.Issued != b.N {
		b.Fatalf("got %v %v", rep.Errors, err)
	}
}

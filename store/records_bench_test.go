package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"huitong/store"
)

// BenchmarkFindRecord measures the query path's point read of one record
// among 5,000 on SQLite, alone and while a writer commits small
// transactions (as the audit journal does under load), which makes every
// reader start its next read with an empty page cache.
func BenchmarkFindRecord(b *testing.B) {
	for _, writes := range []bool{false, true} {
		b.Run(fmt.Sprintf("writes=%v", writes), func(b *testing.B) {
			ctx := context.Background()
			db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			const n = 5000
			data := `{"姓名":"王伟","性别":"1","出生日期":"1980-01-01","住址":"甘肃省兰州市城关区庆阳路 1 号","民族":"汉族","联系电话":"13800000000"}`
			for i := range n {
				if _, err := db.ExecContext(ctx, `INSERT INTO records (resource, rkey, data, hash, jurisdiction, version, deleted, seq, batch_id, filled, match_key, flags, updated_at)
					VALUES ('R', ?, ?, 'h', '620102', 1, FALSE, ?, 1, 6, '', 0, ?)`, fmt.Sprintf("k%06d", i), data, i+1, time.Now().UTC()); err != nil {
					b.Fatal(err)
				}
			}
			stop := make(chan struct{})
			done := make(chan struct{})
			var wrote atomic.Int64
			go func() {
				defer close(done)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if !writes {
						return
					}
					db.ExecContext(ctx, `INSERT INTO records (resource, rkey, data, hash, jurisdiction, version, deleted, seq, batch_id, filled, match_key, flags, updated_at)
						VALUES ('W', ?, ?, 'h', '620102', 1, FALSE, ?, 1, 6, '', 0, ?)`, fmt.Sprintf("w%08d", i), data, i+1, time.Now().UTC())
					wrote.Add(1)
					time.Sleep(200 * time.Microsecond)
				}
			}()
			var i atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := fmt.Sprintf("k%06d", (i.Add(7919))%n)
					if _, _, err := db.FindRecordData(ctx, "R", k); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			close(stop)
			<-done
			b.ReportMetric(float64(wrote.Load())/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

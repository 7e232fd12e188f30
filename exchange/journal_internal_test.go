package exchange

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"huitong"
	"huitong/store"
	"huitong/store/storetest"
)

// The journal answers a request only once its entries are committed, in
// one chain that verifies, under concurrent requests: on PostgreSQL with
// commits pipelined, including when a batch in the pipeline fails (its
// bad entry is refused, the others in it and in the batches sealed after
// it are appended afresh).
func TestJournalConcurrentWithFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		j := newJournal(db, 512, 2, "main", slog.New(slog.NewTextHandler(io.Discard, nil)))
		defer j.close()
		ctx := context.Background()
		const clients, each = 16, 40
		var mu sync.Mutex
		answered := map[string]bool{} // detail -> committed
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					detail := fmt.Sprintf(`{"c":%d,"i":%d}`, c, i)
					if c == 3 && i%10 == 5 {
						detail = fmt.Sprintf("{\"bad\":\"\xff\xfe%d\"}\x00", i) // refused by PostgreSQL (NUL, invalid UTF-8)
					}
					e := &huitong.AuditEntry{Chain: "main", At: time.Now(), Actor: "key:1", Department: "d", Action: ActQuery, Object: "r", Result: "ok", Detail: detail}
					err := j.append(ctx, &appendReq{entries: []*huitong.AuditEntry{e}})
					mu.Lock()
					answered[detail] = err == nil
					mu.Unlock()
					if err == nil && (e.Seq == 0 || e.Hash == "") {
						t.Errorf("answered without a sealed entry: %+v", e)
					}
				}
			}()
		}
		wg.Wait()
		rep, err := db.VerifyAuditAll(ctx)
		if err != nil {
			t.Fatalf("chain: %+v %v", rep, err)
		}
		stored := map[string]bool{}
		for e, err := range db.AuditRange(ctx, "main", 1, 1<<40) {
			if err != nil {
				t.Fatal(err)
			}
			if stored[e.Detail] {
				t.Errorf("entry %s stored twice", e.Detail)
			}
			stored[e.Detail] = true
		}
		ok := 0
		for d, committed := range answered {
			if committed != stored[d] {
				t.Errorf("%q: answered ok %v, stored %v", d, committed, stored[d])
			}
			if committed {
				ok++
			}
		}
		want := clients * each
		if db.Engine == store.Postgres {
			want -= 4 // SQLite keeps any bytes
		}
		if db.Engine == store.Postgres && j.relanded.Load() == 0 {
			t.Error("no pipelined commit failed and was appended again")
		}
		if ok != want || int64(ok) != rep.Entries {
			t.Fatalf("%d answered ok, %d entries verified, of %d", ok, rep.Entries, clients*each)
		}
	})
}

package store_test

import (
	"fmt"
	"testing"
	"time"

	"huitong"
	"huitong/store"
	"huitong/store/storetest"
)

// The appender seals a batch onto the head it last wrote and writes it
// with a guard; when another writer moved the head in between, the guard
// writes nothing and the batch is appended on the fresh head. The chain
// verifies either way.
func TestAuditAppenderGuardedHead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		app := db.NewAuditAppender()
		defer app.Close()
		batch := func(tag string, n int) []*huitong.AuditEntry {
			es := make([]*huitong.AuditEntry, n)
			for i := range es {
				es[i] = &huitong.AuditEntry{At: time.Now(), Actor: "key:1", Department: "d", Action: "exchange.query",
					Object: "301001/000001", Result: "ok", Detail: fmt.Sprintf(`{"purpose":"%s 用途 <&> %d"}`, tag, i)}
			}
			return es
		}
		must(t, app.Append(ctx, batch("first", 3), nil, nil)) // reads the head
		must(t, app.Append(ctx, batch("second", 40), nil, nil))
		must(t, app.Append(ctx, batch("third", 1), nil, nil))
		if app.Guarded != 2 || app.Missed != 0 {
			t.Fatalf("guarded %d missed %d, want 2 and 0", app.Guarded, app.Missed)
		}
		// Another writer appends to the same chain: the next batch's guard
		// misses and it goes through the locked path, after those entries.
		must(t, db.Audit(ctx, &huitong.AuditEntry{Actor: "admin", Action: "grant.revoke", Object: "7"}))
		fourth := batch("fourth", 5)
		must(t, app.Append(ctx, fourth, nil, nil))
		if app.Missed != 1 {
			t.Fatalf("missed %d, want 1", app.Missed)
		}
		if fourth[0].Seq != 3+40+1+1+1 || fourth[4].Seq != 50 {
			t.Fatalf("fourth batch at %d..%d, want 46..50", fourth[0].Seq, fourth[4].Seq)
		}
		must(t, app.Append(ctx, batch("fifth", 2), nil, nil))
		if app.Guarded != 3 {
			t.Fatalf("guarded %d, want 3", app.Guarded)
		}
		rep, err := db.VerifyAuditAll(ctx)
		if err != nil || rep.Entries != 52 {
			t.Fatalf("verified %+v, err %v; want 52 entries", rep, err)
		}
		// What was written is what was sealed.
		got, err := db.FindAuditEntry(ctx, store.DefaultChain, fourth[2].Seq)
		if err != nil || got.Hash != fourth[2].Hash || got.Detail != fourth[2].Detail {
			t.Fatalf("stored %+v (err %v), sealed %+v", got, err, fourth[2])
		}
	})
}

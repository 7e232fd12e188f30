package store_test

import (
	"fmt"
	"strings"
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

// Verification reads the log in pages of 4,096 entries checked in
// parallel: a broken link, an edited hash or a missing entry is found and
// named wherever it is, inside a page or at a page's edge.
func TestVerifyAuditAcrossPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		app := db.NewAuditAppender()
		defer app.Close()
		for i := 0; i < 9000; i += 1000 {
			es := make([]*huitong.AuditEntry, 1000)
			for j := range es {
				es[j] = &huitong.AuditEntry{At: time.Now(), Actor: "key:1", Department: "d", Action: "exchange.query", Object: "r", Detail: fmt.Sprintf(`{"n":%d}`, i+j)}
			}
			must(t, app.Append(ctx, es, nil, nil))
		}
		if rep, err := db.VerifyAuditAll(ctx); err != nil || rep.Entries != 9000 {
			t.Fatalf("intact: %+v %v", rep, err)
		}
		for _, tc := range []struct {
			name, set, undo string
			seq             int64
			want            string
		}{
			{"link inside a page", `prev_hash = 'x' || prev_hash`, `prev_hash = substr(prev_hash, 2)`, 100, "previous hash"},
			{"link at a page's start", `prev_hash = 'x' || prev_hash`, `prev_hash = substr(prev_hash, 2)`, 4097, "previous hash"},
			{"hash at a page's end", `hash = 'x' || hash`, `hash = substr(hash, 2)`, 4096, "does not match its contents"},
			{"hash of the last entry", `hash = 'x' || hash`, `hash = substr(hash, 2)`, 9000, "does not match its contents"},
			{"missing entry", `seq = seq + 100000`, `seq = seq - 100000`, 5000, "missing"},
		} {
			must(t, db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE audit_log SET `+tc.set+` WHERE chain = 'main' AND seq = ?`, tc.seq)
				return err
			}))
			rep, err := db.VerifyAuditAll(ctx)
			if err == nil || rep.BadSeq != tc.seq || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: got bad %d, %v; want bad %d and %q", tc.name, rep.BadSeq, err, tc.seq, tc.want)
			}
			undoSeq := tc.seq
			if tc.name == "missing entry" {
				undoSeq += 100000
			}
			must(t, db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE audit_log SET `+tc.undo+` WHERE chain = 'main' AND seq = ?`, undoSeq)
				return err
			}))
			if rep, err := db.VerifyAuditAll(ctx); err != nil || rep.Entries != 9000 {
				t.Fatalf("%s undone: %+v %v", tc.name, rep, err)
			}
		}
	})
}

package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"huitong"
	"huitong/store"
	"huitong/store/storetest"
)

// write stores rows in one chunk transaction the way the ingest pipeline
// does: new keys inserted, existing ones replaced with history.
func write(t *testing.T, db *store.DB, resource string, at time.Time, insert, replace []store.RecordRow) {
	t.Helper()
	err := db.Ingest(context.Background(), func(tx *store.IngestTx) error {
		seq, err := tx.NextRecordSeqs(context.Background(), resource, len(insert)+len(replace))
		if err != nil {
			return err
		}
		for i := range insert {
			insert[i].Seq, insert[i].At, seq = seq, at, seq+1
		}
		for i := range replace {
			replace[i].Seq, replace[i].At, seq = seq, at, seq+1
		}
		if err := tx.InsertRecords(context.Background(), resource, insert); err != nil {
			return err
		}
		return tx.ReplaceRecords(context.Background(), resource, replace, at)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRecordReads covers the read API the sharing capability relies on:
// by key, as of a time, the history, and the change feed by sequence.
func TestRecordReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const res = "101001/000001"
		t1 := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
		t2, t3 := t1.Add(24*time.Hour), t1.Add(48*time.Hour)
		write(t, db, res, t1, []store.RecordRow{
			{Key: "A", Data: `{"XM":"甲"}`, Hash: "h1", Jurisdiction: "620102", Version: 1, Filled: 1, Batch: 1},
			{Key: "B", Data: `{"XM":"乙"}`, Hash: "h2", Version: 1, Filled: 1, Flags: 1, Batch: 1},
		}, nil)
		write(t, db, res, t2, nil, []store.RecordRow{{Key: "A", Data: `{"XM":"甲甲","CSRQ":"1990-01-01"}`, Hash: "h3", Jurisdiction: "620102", Version: 2, Filled: 2, Batch: 2}})
		write(t, db, res, t3, nil, []store.RecordRow{{Key: "B", Data: `{}`, Version: 2, Deleted: true, Batch: 3}})

		a, err := db.FindRecord(ctx, res, "A")
		if err != nil || a.Version != 2 || a.Data["XM"] != "甲甲" || a.Jurisdiction != "620102" || !a.UpdatedAt.Equal(t2) {
			t.Fatalf("FindRecord: got %+v %v", a, err)
		}
		if _, err := db.FindRecord(ctx, res, "B"); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Fatalf("deleted record: got %v, want not found", err)
		}
		for _, c := range []struct {
			name, key string
			at        time.Time
			version   int
			code      string
		}{
			{"BeforeAll", "A", t1.Add(-time.Second), 0, huitong.ENOTFOUND},
			{"FirstVersion", "A", t1, 1, ""},
			{"JustBeforeChange", "A", t2.Add(-time.Nanosecond), 1, ""},
			{"SecondVersion", "A", t3, 2, ""},
			{"BeforeDeletion", "B", t2, 1, ""},
			{"AfterDeletion", "B", t3, 0, huitong.ENOTFOUND},
			{"NoSuchKey", "C", t3, 0, huitong.ENOTFOUND},
		} {
			t.Run(c.name, func(t *testing.T) {
				r, err := db.RecordAsOf(ctx, res, c.key, c.at)
				if huitong.ErrorCode(err) != c.code || (c.code == "" && r.Version != c.version) {
					t.Fatalf("got %v %v, want version %d / %q", r, err, c.version, c.code)
				}
			})
		}
		hist, err := db.RecordHistory(ctx, res, "A")
		if err != nil || len(hist) != 2 || hist[0].Version != 1 || !hist[0].ValidTo.Equal(t2) || hist[1].Version != 2 || !hist[1].ValidTo.IsZero() {
			t.Fatalf("RecordHistory: got %+v %v", hist, err)
		}
		feed, err := db.RecordsChangedSince(ctx, res, 0, 10)
		if err != nil || len(feed) != 2 || feed[0].Key != "A" || feed[1].Key != "B" || !feed[1].Deleted || feed[0].Seq >= feed[1].Seq {
			t.Fatalf("RecordsChangedSince(0): got %+v %v; want A (seq 3) then B deleted (seq 4)", feed, err)
		}
		if feed, _ := db.RecordsChangedSince(ctx, res, feed[1].Seq, 10); len(feed) != 0 {
			t.Fatalf("nothing after the last sequence: got %d", len(feed))
		}
		if last, _ := db.LastRecordSeq(ctx, res); last != 4 {
			t.Fatalf("LastRecordSeq: got %d, want 4", last)
		}
		st, err := db.RecordStats(ctx, res)
		if err != nil || st != (store.RecordStats{Records: 1, Deleted: 1, Filled: 2, Flagged: 0}) {
			t.Fatalf("RecordStats: got %+v %v", st, err)
		}
		if err := db.Ingest(ctx, func(tx *store.IngestTx) error {
			if _, err := tx.NextRecordSeqs(ctx, res, 1); err != nil {
				return err
			}
			return tx.InsertRecords(ctx, res, []store.RecordRow{{Key: "A", Data: "{}", Version: 1}})
		}); huitong.ErrorCode(err) != huitong.ECONFLICT {
			t.Fatalf("inserting an existing key: got %v, want conflict", err)
		}
	})
}

// TestLeases: one holder at a time; an expired lease is taken over; a
// lost lease cannot be renewed.
func TestLeases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if ok, _, err := db.AcquireLease(ctx, "pull:1", "a", now, now.Add(time.Minute)); !ok || err != nil {
			t.Fatalf("first: got %v %v", ok, err)
		}
		if ok, holder, _ := db.AcquireLease(ctx, "pull:1", "b", now.Add(30*time.Second), now.Add(90*time.Second)); ok || holder != "a" {
			t.Fatalf("second while held: got %v %q, want refused naming a", ok, holder)
		}
		if ok, _, _ := db.AcquireLease(ctx, "pull:1", "a", now, now.Add(2*time.Minute)); !ok {
			t.Fatal("the holder takes it again")
		}
		if ok, _, _ := db.AcquireLease(ctx, "pull:1", "b", now.Add(3*time.Minute), now.Add(4*time.Minute)); !ok {
			t.Fatal("expired: b takes over")
		}
		err := db.Update(ctx, func(tx *store.Tx) error { return tx.RenewLease(ctx, "pull:1", "a", now.Add(time.Hour)) })
		if huitong.ErrorCode(err) != huitong.ECONFLICT {
			t.Fatalf("renewing a lost lease: got %v, want conflict", err)
		}
		if err := db.ReleaseLease(ctx, "pull:1", "b"); err != nil {
			t.Fatal(err)
		}
		if holder, _, _ := db.LeaseHolder(ctx, "pull:1"); holder != "" {
			t.Fatalf("after release: held by %q", holder)
		}
	})
}

// FindRecordData, the read of every use of shared data (on SQLite through
// readers of its own): values and jurisdiction; deleted and missing
// records not found; a change committed after a reader opened is seen at
// once; hostile keys are only values; concurrent reads agree; after Close
// it fails rather than reading freed memory.
func TestFindRecordData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const res = "101001/000001"
		at := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
		write(t, db, res, at, []store.RecordRow{
			{Key: "A", Data: `{"XM":"甲","ZZ":"兰州\"路\\1号"}`, Hash: "h1", Jurisdiction: "620102", Version: 1, Filled: 1, Batch: 1},
			{Key: "B", Data: `{"XM":"乙"}`, Hash: "h2", Version: 1, Filled: 1, Batch: 1},
		}, nil)
		data, j, err := db.FindRecordData(ctx, res, "A")
		if err != nil || data["XM"] != "甲" || data["ZZ"] != `兰州"路\1号` || j != "620102" || len(data) != 2 {
			t.Fatalf("A: %v %q %v", data, j, err)
		}
		for _, key := range []string{"C", "A' OR '1'='1", ""} {
			if _, _, err := db.FindRecordData(ctx, res, key); huitong.ErrorCode(err) != huitong.ENOTFOUND {
				t.Fatalf("key %q: got %v, want not found", key, err)
			}
		}
		if _, _, err := db.FindRecordData(ctx, "101001/000002", "A"); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Fatalf("other resource: got %v, want not found", err)
		}
		write(t, db, res, at.Add(time.Hour), nil, []store.RecordRow{
			{Key: "A", Data: `{"XM":"甲乙"}`, Hash: "h3", Jurisdiction: "620103", Version: 2, Filled: 1, Batch: 2},
			{Key: "B", Data: `{}`, Version: 2, Deleted: true, Batch: 2},
		})
		if data, j, err := db.FindRecordData(ctx, res, "A"); err != nil || data["XM"] != "甲乙" || j != "620103" {
			t.Fatalf("A after the change: %v %q %v", data, j, err)
		}
		if _, _, err := db.FindRecordData(ctx, res, "B"); huitong.ErrorCode(err) != huitong.ENOTFOUND || !strings.Contains(err.Error(), "已删除") {
			t.Fatalf("deleted B: got %v", err)
		}
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 200 {
					if data, _, err := db.FindRecordData(ctx, res, "A"); err != nil || data["XM"] != "甲乙" {
						t.Errorf("concurrent read: %v %v", data, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		db.Close()
		if _, _, err := db.FindRecordData(ctx, res, "A"); err == nil {
			t.Fatal("read after Close succeeded")
		}
	})
}

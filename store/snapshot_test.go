package store_test

import (
	"database/sql"
	"testing"
	"time"

	"huitong"
	"huitong/store"
	"huitong/store/storetest"
)

// openSnapshotTest opens a SQLite database holding certs, its certificate
// lookup, and a second connection pool on the same file that writes
// around the store (as another process would).
func openSnapshotTest(t *testing.T, certs []*huitong.Certificate) (*store.DB, *store.CertLookup, *sql.DB) {
	t.Helper()
	path := storetest.DSN(t, store.SQLite)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storeCerts(t, db, certs)
	l, err := db.PrepareCertLookup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return db, l, other
}

// TestSnapshotFresh holds the verification read to the state as of the
// read while its readers keep their snapshots between reads: a status
// written just before a read, through the store or through another
// connection pool, is what the read returns, every time, and the readers
// do reuse their snapshots while nothing is written.
func TestSnapshotFresh(t *testing.T) {
	certs := testCerts(20)
	db, l, other := openSnapshotTest(t, certs)
	read := func(c *huitong.Certificate) huitong.CertStatus {
		t.Helper()
		got, err := l.Signed(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	for i := range 400 {
		c := certs[i%len(certs)]
		want := huitong.CertValid
		if read(c) == huitong.CertValid {
			want = huitong.CertRevoked
		}
		if i%2 == 0 {
			cc := *c
			cc.Status = want
			if err := db.Update(ctx, func(tx *store.Tx) error { return tx.SetCertificateStatus(ctx, &cc) }); err != nil {
				t.Fatal(err)
			}
		} else if _, err := other.ExecContext(ctx, `UPDATE certificates SET status = ? WHERE id = ?`, string(want), c.ID); err != nil {
			t.Fatal(err)
		}
		if got := read(c); got != want {
			t.Fatalf("round %d (%s): read %q just after writing %q", i, map[bool]string{true: "store", false: "other connection"}[i%2 == 0], got, want)
		}
	}

	begun := l.SnapshotsBegun()
	for i := range 200 {
		read(certs[i%len(certs)])
	}
	if n := l.SnapshotsBegun() - begun; n > 20 {
		t.Fatalf("200 reads of an unchanged database began %d snapshots, want them reused", n)
	}
}

// TestSnapshotReleased shows that an idle reader does not keep its
// snapshot: soon after the last read, a checkpoint that must wait for
// every reader of the log (TRUNCATE) finds none.
func TestSnapshotReleased(t *testing.T) {
	certs := testCerts(5)
	_, l, other := openSnapshotTest(t, certs)
	if _, err := l.Signed(ctx, certs[0].ID); err != nil {
		t.Fatal(err)
	}
	// A write the open snapshot predates: the snapshot now pins the log.
	if _, err := other.ExecContext(ctx, `UPDATE certificates SET status = 'revoked' WHERE id = ?`, certs[1].ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := other.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var busy, logFrames, done int
		if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
			t.Fatal(err)
		}
		err = conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done)
		conn.ExecContext(ctx, `PRAGMA busy_timeout = 10000`)
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the log is still pinned by a reader 5 s after its last read")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

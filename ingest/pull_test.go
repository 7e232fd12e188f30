package ingest_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"huitong"
	"huitong/ingest"
	"huitong/ingest/ingesttest"
	"huitong/store"
	"huitong/store/storetest"
)

// source is a department's own database holding 户籍 rows.
type source struct {
	driver, dsn string
	db          *sql.DB
	table       string
}

func (s *source) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if s.driver == ingest.DriverPostgres {
		n := 0
		q = strings.Map(func(r rune) rune { return r }, q)
		var b strings.Builder
		for _, r := range q {
			if r == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
				continue
			}
			b.WriteRune(r)
		}
		q = b.String()
	}
	if _, err := s.db.Exec(strings.ReplaceAll(q, "TBL", s.table), args...); err != nil {
		t.Fatalf("source: %s: %v", q, err)
	}
}

// postgresSource makes a table in a schema of its own on the test server,
// reached with a DSN carrying a password (ignored by the test server's
// trust authentication) so that its sealing can be checked.
func postgresSource(t *testing.T) *source {
	dsn := storetest.DSN(t, store.Postgres)
	u, _ := url.Parse(dsn)
	u.User = url.UserPassword(u.User.Username(), "s3cret-pw")
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &source{driver: ingest.DriverPostgres, dsn: u.String(), db: db, table: "hukou"}
	s.exec(t, `CREATE TABLE TBL (sfzh TEXT PRIMARY KEY, xm TEXT, xb TEXT, csrq DATE, gxsj TIMESTAMPTZ NOT NULL)`)
	return s
}

// mysqlSource makes a table in the MariaDB/MySQL database named by
// HUITONG_TEST_MYSQL (user:password@tcp(host:3306)/db), or skips.
func mysqlSource(t *testing.T) *source {
	dsn := os.Getenv("HUITONG_TEST_MYSQL")
	if dsn == "" {
		t.Skip("HUITONG_TEST_MYSQL not set")
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &source{driver: ingest.DriverMySQL, dsn: dsn, db: db, table: fmt.Sprintf("hukou_%d", time.Now().UnixNano())}
	s.exec(t, `CREATE TABLE TBL (sfzh VARCHAR(18) PRIMARY KEY, xm VARCHAR(50), xb CHAR(1), csrq DATE, gxsj DATETIME(6) NOT NULL) DEFAULT CHARSET=utf8mb4`)
	t.Cleanup(func() { db.Exec("DROP TABLE " + s.table) })
	return s
}

func TestPullPostgres(t *testing.T) {
	if storetest.PostgresDSN() == "" {
		t.Skip("HUITONG_TEST_POSTGRES not set")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) { testPull(t, db, postgresSource(t)) })
}

func TestPullMySQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { testPull(t, db, mysqlSource(t)) })
}

// testPull registers an incremental pull, runs it from two instances at
// once (one runs it), changes the source and runs it again (only the
// changed rows come), and checks the credentials are sealed.
func testPull(t *testing.T, db *store.DB, src *source) {
	e := ingesttest.New(t, db, ingesttest.Options{})
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := range 3 {
		src.exec(t, `INSERT INTO TBL (sfzh, xm, xb, csrq, gxsj) VALUES (?, ?, ?, ?, ?)`, person(i), fmt.Sprintf("人%d", i), sexOf(person(i)),
			person(i)[6:10]+"-"+person(i)[10:12]+"-"+person(i)[12:14], base.Add(time.Duration(i)*time.Minute))
	}
	query := `SELECT sfzh AS 公民身份号码, xm AS XM, xb AS 性别, csrq AS 出生日期, gxsj FROM ` + src.table
	if _, err := e.Ingest.CreatePull(e.As("gat"), e.People, &huitong.Pull{Name: "户籍库", Driver: src.driver, Query: query, ChangeColumn: "gxsj", Schedule: "@every 1h"}, src.dsn); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
		t.Fatalf("staff registering credentials: got %v, want forbidden (department admins only)", err)
	}
	for _, bad := range []struct {
		field string
		pull  huitong.Pull
	}{
		{"query", huitong.Pull{Name: "x", Driver: src.driver, Query: "DELETE FROM t", Schedule: "@hourly"}},
		{"schedule", huitong.Pull{Name: "x", Driver: src.driver, Query: query, Schedule: "every day"}},
		{"changeColumn", huitong.Pull{Name: "x", Driver: src.driver, Query: query, Schedule: "@hourly", ChangeColumn: "gxsj; DROP"}},
		{"driver", huitong.Pull{Name: "x", Driver: "oracle", Query: query, Schedule: "@hourly"}},
	} {
		_, err := e.Ingest.CreatePull(e.As("gat-admin"), e.People, &bad.pull, src.dsn)
		if f := huitong.ErrorFields(err); len(f) == 0 || f[0].Field != bad.field {
			t.Fatalf("bad %s: got %v", bad.field, err)
		}
	}
	p, err := e.Ingest.CreatePull(e.As("gat-admin"), e.People, &huitong.Pull{Name: "户籍库", Driver: src.driver, Query: query, ChangeColumn: "gxsj", Schedule: "@every 1h"}, src.dsn)
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := db.QueryRowContext(ctx, `SELECT dsn FROM ingest_pulls WHERE id = ?`, p.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	secret := "s3cret-pw"
	if src.driver == ingest.DriverMySQL {
		secret = src.dsn
	}
	if strings.Contains(stored, secret) || strings.Contains(p.DSNDisplay, "s3cret") || stored == "" {
		t.Fatalf("credentials: stored %q, shown %q; want sealed and the password never shown", stored, p.DSNDisplay)
	}

	// Two instances on one database run the due pulls at once: one runs it.
	other := ingest.New(db, e.Catalog, e.Keys, ingest.Config{}, e.Clock, e.Log)
	var wg sync.WaitGroup
	results := make([][]*huitong.Batch, 2)
	for i, s := range []*ingest.Service{e.Ingest, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = s.RunDue(ctx)
		}()
	}
	wg.Wait()
	if n := len(results[0]) + len(results[1]); n != 1 {
		t.Fatalf("two instances: %d batches, want exactly 1", n)
	}
	b := append(results[0], results[1]...)[0]
	if b.Status != huitong.BatchDone || b.Inserted != 3 || b.Source != "pull" {
		t.Fatalf("first pull: got %+v", b)
	}
	if rec, err := db.FindRecord(ctx, e.People, person(1)); err != nil || rec.Data["XM"] != "人1" || rec.Data["CSRQ"] != person(1)[6:10]+"-"+person(1)[10:12]+"-"+person(1)[12:14] {
		t.Fatalf("pulled record: got %v %v", rec, err)
	}
	if again, _ := e.Ingest.RunDue(ctx); len(again) != 0 {
		t.Fatalf("not due again within the hour: got %d batches", len(again))
	}

	// Incremental: a changed row and a new one; the boundary row comes
	// again and is unchanged.
	src.exec(t, `UPDATE TBL SET xm = ?, gxsj = ? WHERE sfzh = ?`, "人1改", base.Add(time.Hour), person(1))
	src.exec(t, `INSERT INTO TBL (sfzh, xm, xb, csrq, gxsj) VALUES (?, ?, ?, NULL, ?)`, person(9), "人9", sexOf(person(9)), base.Add(2*time.Hour))
	e.Clock.Add(61 * time.Minute)
	batches, err := e.Ingest.RunDue(ctx)
	if err != nil || len(batches) != 1 {
		t.Fatalf("second run: got %v %v", batches, err)
	}
	b = batches[0]
	if b.Received != 3 || b.Updated != 1 || b.Inserted != 1 || b.Unchanged != 1 {
		t.Fatalf("incremental pull: received %d, updated %d, inserted %d, unchanged %d; want 3, 1, 1, 1", b.Received, b.Updated, b.Inserted, b.Unchanged)
	}
	pl, err := e.Ingest.Pull(e.As("gat"), p.ID)
	if err != nil || pl.Runs != 2 || pl.LastBatch != b.ID || pl.Cursor == "" || pl.LastStatus != "done" {
		t.Fatalf("pull state: got %+v %v", pl, err)
	}

	// A broken source: the pull records the failure, the data stays.
	if _, err := e.Ingest.UpdatePull(e.As("gat-admin"), p.ID, ingest.PullUpdate{Query: ptr("SELECT nonexistent FROM " + src.table)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Ingest.RunPull(e.As("gat"), p.ID); err == nil {
		t.Fatal("a failing query: want an error")
	}
	pl, _ = e.Ingest.Pull(e.As("gat"), p.ID)
	if pl.LastStatus != "failed" || pl.LastError == "" || count(t, db, e.People) != 4 {
		t.Fatalf("failed pull: got %+v, %d records", pl, count(t, db, e.People))
	}
	if err := e.Ingest.DeletePull(e.As("gat-admin"), p.ID); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// Package storetest opens real databases for tests: a SQLite file in a
// temporary directory always, and PostgreSQL when HUITONG_TEST_POSTGRES holds
// a DSN (CI sets it). Each PostgreSQL test gets a schema of its own, dropped
// afterwards, so tests run in parallel against one server.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"huitong/store"
)

// PostgresDSN returns the DSN of the test server, or "".
func PostgresDSN() string { return os.Getenv("HUITONG_TEST_POSTGRES") }

// Each runs fn once per available engine as a subtest named after it, each
// time on a fresh, migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, engine := range Engines() {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine))
		})
	}
}

// Engines lists the engines available to tests.
func Engines() []string {
	if PostgresDSN() != "" {
		return []string{store.SQLite, store.Postgres}
	}
	return []string{store.SQLite}
}

// Open returns a fresh migrated database of the given engine, closed (and
// for PostgreSQL dropped) when the test ends.
func Open(t testing.TB, engine string) *store.DB {
	t.Helper()
	ctx := context.Background()
	dsn := DSN(t, engine)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return db
}

// DSN returns a DSN for a fresh empty database of the given engine: a file
// in t.TempDir() or a new PostgreSQL schema dropped at cleanup.
func DSN(t testing.TB, engine string) string {
	t.Helper()
	if engine == store.SQLite {
		return filepath.Join(t.TempDir(), "huitong.db")
	}
	base := PostgresDSN()
	if base == "" {
		t.Skip("HUITONG_TEST_POSTGRES not set")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("HUITONG_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

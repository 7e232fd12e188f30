// Package store is huitong's storage: one database/sql implementation that
// runs on SQLite (modernc.org/sqlite, the embedded default) and PostgreSQL
// (pgx). Queries are written once with ? placeholders and rebound for
// PostgreSQL; migrations are embedded, one folder per engine. A behaviour
// that differs between the engines is a bug, and the conformance tests run
// every test against both.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"huitong"
)

//go:embed migrations
var migrations embed.FS

// Engine names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is an open database. On SQLite it holds one writer connection and a
// pool of readers over the same WAL-mode file; on PostgreSQL both are one pool.
type DB struct {
	Engine string
	w, r   *sql.DB
	dsn    string
	Now    func() time.Time

	stmts     sync.Map   // query text -> *sql.Stmt on the reader pool
	records   *libPool   // SQLite: FindRecordData's readers (recordlookup.go)
	pgRecords *pgRecords // PostgreSQL: the same
}

// Open opens dsn: a postgres:// or postgresql:// URL for PostgreSQL, anything
// else is a SQLite file path. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{dsn: dsn, Now: func() time.Time { return time.Now().UTC() }}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.Engine = Postgres
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		// As many idle connections as open ones: with fewer, a burst of
		// requests above the idle count closes connections after each
		// query and opens new ones for the next, and each new PostgreSQL
		// connection is a new server process (profiled: it capped the
		// exchange query path).
		pool.SetMaxOpenConns(32)
		pool.SetMaxIdleConns(32)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.w, db.r = pool, pool
		db.pgRecords = newPGRecords(dsn)
	} else {
		db.Engine = SQLite
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("store: create data directory: %w", err)
			}
		}
		// Pragmas per connection (PocketBase core/db_connect.go): WAL for
		// concurrent readers, NORMAL sync is durable in WAL mode against
		// process crashes, foreign keys on, and a busy timeout instead of
		// SQLITE_BUSY errors. The writer takes its lock at BEGIN.
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
		w, err := sql.Open("sqlite", "file:"+dsn+"?"+pragmas+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		// Readers get a larger page cache (64 MiB each). No memory-mapped
		// reads: with a writer active, SQLite remaps after every write, which
		// profiles showed costing more than it saves.
		r, err := sql.Open("sqlite", "file:"+dsn+"?"+pragmas+"&_pragma=query_only(1)&_pragma=cache_size(-65536)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		r.SetMaxOpenConns(8)
		r.SetMaxIdleConns(8) // keep readers (and their page caches) open between requests
		db.w, db.r = w, r
		db.records = newLibPool(dsn, recordQuery, 2, recordReaderMmap)
	}
	if err := db.w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect %s: %w", db.Engine, err)
	}
	return db, nil
}

// Close closes every connection.
func (db *DB) Close() error {
	var err error
	db.stmts.Range(func(k, v any) bool {
		err = errors.Join(err, v.(*sql.Stmt).Close())
		db.stmts.Delete(k)
		return true
	})
	if db.records != nil {
		db.records.close()
	}
	if db.pgRecords != nil {
		db.pgRecords.close()
	}
	err = errors.Join(err, db.w.Close())
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

// Rebind turns ? placeholders into $1, $2 ... on PostgreSQL. Question marks
// inside single-quoted literals are left alone.
func (db *DB) Rebind(q string) string {
	if db.Engine != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Tx is a transaction whose Exec and Query methods take ? placeholders.
type Tx struct {
	tx *sql.Tx
	db *DB
}

// ExecContext runs a statement.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.Rebind(q), args...)
}

// QueryContext runs a query; close the rows.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.Rebind(q), args...)
}

// QueryRowContext runs a query returning at most one row.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.Rebind(q), args...)
}

// DB returns the database the transaction belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// Update runs fn in a write transaction and commits when fn returns nil.
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	return db.run(ctx, db.w, false, fn)
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return db.run(ctx, db.r, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(tx *Tx) error) error {
	var opts *sql.TxOptions
	if readOnly && db.Engine == Postgres {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&Tx{tx: sqlTx, db: db}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// QueryContext runs a read query outside a transaction; close the rows.
func (db *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.r.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRowContext runs a read query returning at most one row.
func (db *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return db.r.QueryRowContext(ctx, db.Rebind(q), args...)
}

// queryRowPrepared is QueryRowContext through a statement prepared once on
// the reader pool and kept for the life of the DB: for the hot reads of the
// query path, where parsing the SQL again on every call (the SQLite driver
// keeps no statement cache) cost more than the read itself. q must be a
// constant.
func (db *DB) queryRowPrepared(ctx context.Context, q string, args ...any) *sql.Row {
	if v, ok := db.stmts.Load(q); ok {
		return v.(*sql.Stmt).QueryRowContext(ctx, args...)
	}
	st, err := db.r.PrepareContext(ctx, db.Rebind(q))
	if err != nil {
		// Let the plain path report the error in its usual form.
		return db.r.QueryRowContext(ctx, db.Rebind(q), args...)
	}
	if v, loaded := db.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		st = v.(*sql.Stmt)
	}
	return st.QueryRowContext(ctx, args...)
}

// ExecContext runs one write statement in its own transaction.
func (db *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.w.ExecContext(ctx, db.Rebind(q), args...)
}

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations, each in its own transaction, in file-name order.
// On PostgreSQL an advisory lock keeps concurrent instances from racing.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	dir := "migrations/" + db.Engine
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)

	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if db.Engine == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(736819201)`); err != nil {
			return nil, fmt.Errorf("store: migrate lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(736819201)`)
	}
	ts := "TIMESTAMP"
	if db.Engine == Postgres {
		ts = "TIMESTAMPTZ"
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at `+ts+` NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	done := map[string]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		done[v] = true
	}
	rows.Close()
	for _, name := range names {
		if done[name] {
			continue
		}
		body, err := migrations.ReadFile(dir + "/" + name)
		if err != nil {
			return applied, err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return applied, fmt.Errorf("store: migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("store: migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), name, db.Now()); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("store: migrate %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return applied, fmt.Errorf("store: migrate %s: %w", name, err)
		}
		applied = append(applied, name)
	}
	return applied, nil
}

// Redacted returns the DSN with any password removed, for logs.
func (db *DB) Redacted() string {
	if db.Engine != Postgres {
		return db.dsn
	}
	u, err := url.Parse(db.dsn)
	if err != nil {
		return "postgres://(unparseable)"
	}
	return u.Redacted()
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// notFound turns sql.ErrNoRows into an ENOTFOUND error.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return huitong.Errorf(huitong.ENOTFOUND, format, args...)
	}
	return err
}

// NullTime converts a zero time to NULL.
func NullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

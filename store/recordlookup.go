package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"huitong"
)

// The record read of every use of shared data (FindRecordData) runs, on
// SQLite, on connections of its own opened through the SQLite library
// directly, as certificate verification does (see sqliteReader in
// certlookup.go, whose reasons hold here too): the query is prepared once
// per connection and its arguments copied into C buffers the connection
// keeps, with none of the per-query work of database/sql and the driver.
//
// The connections do not map the file into memory (certificate lookups
// do): on the query path the audit journal commits hundreds of times a
// second, and after each commit SQLite drops a connection's whole mapping
// at its next read and maps it again (pagerBeginReadTransaction). Profiled
// in huitong bench exchange, the unmapping alone took 7.5 % of the CPU and
// the read twice what it takes with preads into the connection's page
// cache (emptied by the same commits, but refilled with a few preads).

// recordQuery is what FindRecordData reads.
const recordQuery = `SELECT data, jurisdiction, deleted FROM records WHERE resource = ? AND rkey = ?`

// recordReaderMmap is how much of the file a record reader maps: nothing.
const recordReaderMmap = 0

// libReader is a read-only SQLite connection with one prepared statement,
// used by one goroutine at a time (so opened without SQLite's connection
// mutex). Its C memory is freed by close.
type libReader struct {
	tls  *libc.TLS
	db   uintptr // sqlite3*
	stmt uintptr // sqlite3_stmt*
	bufs []libBuf
	snap snapshot // the open read transaction of a snapshot pool's reader
}

// libBuf is a C buffer holding one bound argument.
type libBuf struct {
	p uintptr
	n int
}

// openLibReader opens path read-only and prepares query, which takes
// params text parameters.
func openLibReader(path, query string, params int, mmap int64) (r *libReader, err error) {
	r = &libReader{tls: libc.NewTLS(), bufs: make([]libBuf, params)}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	out := libc.Xmalloc(r.tls, 8) // the sqlite3** or sqlite3_stmt** out parameter
	if out == 0 {
		return nil, errors.New("out of memory")
	}
	defer libc.Xfree(r.tls, out)
	zPath, err := libc.CString(path)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(r.tls, zPath)
	rc := sqlite3.Xsqlite3_open_v2(r.tls, zPath, out, sqlite3.SQLITE_OPEN_READONLY|sqlite3.SQLITE_OPEN_NOMUTEX, 0)
	r.db = uintptr(binary.NativeEndian.Uint64(libc.GoBytes(out, 8)))
	if rc != sqlite3.SQLITE_OK {
		return nil, r.errorf("open %s", rc, path)
	}
	for _, q := range []string{`PRAGMA busy_timeout = 10000`, `PRAGMA query_only = 1`, fmt.Sprintf(`PRAGMA mmap_size = %d`, mmap), `PRAGMA cache_size = -8192`} {
		if err := r.exec(q); err != nil {
			return nil, err
		}
	}
	zQuery, err := libc.CString(query)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(r.tls, zQuery)
	if rc := sqlite3.Xsqlite3_prepare_v2(r.tls, r.db, zQuery, -1, out, 0); rc != sqlite3.SQLITE_OK {
		return nil, r.errorf("prepare", rc)
	}
	r.stmt = uintptr(binary.NativeEndian.Uint64(libc.GoBytes(out, 8)))
	return r, nil
}

func (r *libReader) exec(q string) error {
	z, err := libc.CString(q)
	if err != nil {
		return err
	}
	defer libc.Xfree(r.tls, z)
	if rc := sqlite3.Xsqlite3_exec(r.tls, r.db, z, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return r.errorf("%s", rc, q)
	}
	return nil
}

// errorf is an error naming what failed, SQLite's result code and message.
func (r *libReader) errorf(format string, rc int32, args ...any) error {
	msg := ""
	if r.db != 0 {
		msg = libc.GoString(sqlite3.Xsqlite3_errmsg(r.tls, r.db))
	}
	return fmt.Errorf("sqlite: %s: %s (%d)", fmt.Sprintf(format, args...), msg, rc)
}

// query binds args (strings, bound as text, or int64) and steps the
// statement once: false when there is no row. On true the row's columns
// can be read until the next step or reset, which the caller must call in
// any case once done.
func (r *libReader) query(args ...any) (bool, error) {
	for i, arg := range args {
		switch a := arg.(type) {
		case string:
			b := &r.bufs[i]
			if len(a) > b.n {
				if b.p != 0 {
					libc.Xfree(r.tls, b.p)
				}
				b.n = max(128, len(a))
				if b.p = libc.Xmalloc(r.tls, libc.Tsize_t(b.n)); b.p == 0 {
					b.n = 0
					return false, errors.New("out of memory")
				}
			}
			copy(libc.GoBytes(b.p, len(a)), a)
			// SQLITE_STATIC (0): the buffer holds the value until the reset.
			if rc := sqlite3.Xsqlite3_bind_text(r.tls, r.stmt, int32(i+1), b.p, int32(len(a)), 0); rc != sqlite3.SQLITE_OK {
				return false, r.errorf("bind", rc)
			}
		case int64:
			if rc := sqlite3.Xsqlite3_bind_int64(r.tls, r.stmt, int32(i+1), a); rc != sqlite3.SQLITE_OK {
				return false, r.errorf("bind", rc)
			}
		default:
			return false, fmt.Errorf("sqlite: argument %d is a %T", i+1, arg)
		}
	}
	return r.next()
}

// next steps to the next row: false when there is none.
func (r *libReader) next() (bool, error) {
	switch rc := sqlite3.Xsqlite3_step(r.tls, r.stmt); rc {
	case sqlite3.SQLITE_DONE:
		return false, nil
	case sqlite3.SQLITE_ROW:
		return true, nil
	default:
		return false, r.errorf("step", rc)
	}
}

// text returns column i of the current row as bytes valid until reset.
func (r *libReader) text(i int) ([]byte, error) {
	if t := sqlite3.Xsqlite3_column_type(r.tls, r.stmt, int32(i)); t != sqlite3.SQLITE_TEXT && t != sqlite3.SQLITE_BLOB {
		return nil, fmt.Errorf("sqlite: column %d has type %d, not text", i, t)
	}
	p := sqlite3.Xsqlite3_column_text(r.tls, r.stmt, int32(i))
	n := int(sqlite3.Xsqlite3_column_bytes(r.tls, r.stmt, int32(i)))
	if n == 0 {
		return nil, nil
	}
	return libc.GoBytes(p, n), nil
}

// int64At returns column i of the current row as an integer.
func (r *libReader) int64At(i int) int64 {
	return sqlite3.Xsqlite3_column_int64(r.tls, r.stmt, int32(i))
}

// reset ends the read transaction the step began.
func (r *libReader) reset() { sqlite3.Xsqlite3_reset(r.tls, r.stmt) }

func (r *libReader) close() {
	if r.tls == nil {
		return
	}
	if r.stmt != 0 {
		sqlite3.Xsqlite3_finalize(r.tls, r.stmt)
	}
	if r.db != 0 {
		sqlite3.Xsqlite3_close_v2(r.tls, r.db)
	}
	for _, b := range r.bufs {
		if b.p != 0 {
			libc.Xfree(r.tls, b.p)
		}
	}
	r.tls.Close()
	*r = libReader{}
}

// libPool holds readers of one query, opened as needed. A read holds one
// of the slots of busy and takes the most recently used idle reader, or
// opens one: the readers in use stay few and warm (each has a page cache
// of its own, emptied by other connections' commits), where a queue would
// rotate through all of them.
type libPool struct {
	path, query string
	params      int
	mmap        int64 // PRAGMA mmap_size of each reader
	busy        chan struct{}
	mu          sync.Mutex
	idle        []*libReader
	closed      bool

	// A snapshot pool's readers keep their read transaction from one read
	// to the next while nothing is committed (see snapshot.go).
	watch   *walWatch    // nil unless a snapshot pool
	janitor *time.Timer  // ends idle readers' snapshots; nil when none is due
	begun   atomic.Int64 // snapshots begun
}

// errPoolClosed is what a read on a closed pool returns.
var errPoolClosed = errors.New("store: database closed")

func newLibPool(path, query string, params int, mmap int64) *libPool {
	return &libPool{path: path, query: query, params: params, mmap: mmap, busy: make(chan struct{}, max(4, runtime.GOMAXPROCS(0)))}
}

// newSnapshotPool is newLibPool whose readers reuse their snapshot while
// the database is unchanged.
func newSnapshotPool(path, query string, params int, mmap int64) *libPool {
	p := newLibPool(path, query, params, mmap)
	p.watch = newWALWatch(path)
	return p
}

// with runs fn on a reader; a reader whose fn failed is closed rather than
// reused.
func (p *libPool) with(fn func(r *libReader) error) (err error) {
	p.busy <- struct{}{}
	defer func() { <-p.busy }()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errPoolClosed
	}
	var r *libReader
	if n := len(p.idle); n > 0 {
		r, p.idle = p.idle[n-1], p.idle[:n-1]
	}
	p.mu.Unlock()
	if r == nil {
		if r, err = openLibReader(p.path, p.query, p.params, p.mmap); err != nil {
			return fmt.Errorf("store: open reader: %w", err)
		}
	}
	defer func() {
		p.mu.Lock()
		if err != nil || p.closed {
			r.close()
		} else {
			p.idle = append(p.idle, r)
			if r.snap.open {
				r.snap.used = time.Now()
				if p.janitor == nil {
					p.janitor = time.AfterFunc(snapshotMaxAge, p.snapshotJanitor)
				}
			}
		}
		p.mu.Unlock()
	}()
	if p.watch != nil {
		if err := r.fresh(p); err != nil {
			return err
		}
	}
	return fn(r)
}

// close closes the idle readers; the reads in flight close theirs.
func (p *libPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, r := range p.idle {
		r.close()
	}
	p.idle = nil
	if p.janitor != nil {
		p.janitor.Stop()
		p.janitor = nil
	}
	if p.watch != nil {
		p.watch.close()
	}
}

// findRecordLib is FindRecordData on SQLite.
func (db *DB) findRecordLib(resource, key string) (map[string]string, string, error) {
	var values map[string]string
	var jurisdiction string
	var found, deleted bool
	err := db.records.with(func(r *libReader) error {
		ok, err := r.query(resource, key)
		defer r.reset()
		if err != nil || !ok {
			return err
		}
		found = true
		data, err := r.text(0)
		if err != nil {
			return err
		}
		j, err := r.text(1)
		if err != nil {
			return err
		}
		jurisdiction, deleted = string(j), r.int64At(2) != 0
		if !deleted {
			if values, err = decodeFlat(data); err != nil {
				return fmt.Errorf("store: record %s %s: decode data: %w", resource, key, err)
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, "", err
	case !found:
		return nil, "", huitong.Errorf(huitong.ENOTFOUND, "资源 %s 中没有主键为 %s 的记录", resource, key)
	case deleted:
		return nil, "", huitong.Errorf(huitong.ENOTFOUND, "资源 %s 中主键为 %s 的记录已删除", resource, key)
	}
	return values, jurisdiction, nil
}

// pgRecords holds PostgreSQL connections of FindRecordData's own, used
// through pgx directly (its statement cache prepares the query once per
// connection): on the query path database/sql's pool and the driver
// adapter around each read cost more CPU than the read's own encoding.
type pgRecords struct {
	dsn  string
	busy chan struct{} // a slot per connection that may be open at once
	mu   sync.Mutex
	idle []*pgx.Conn // the most recently used last
	shut bool
}

func newPGRecords(dsn string) *pgRecords {
	return &pgRecords{dsn: dsn, busy: make(chan struct{}, max(8, 2*runtime.GOMAXPROCS(0)))}
}

// with runs fn on a connection: the most recently used idle one, or one
// opened afresh when none is idle. (Taking slots in turn opened a new
// connection for each of the first eight reads: a server process started,
// and the statements parsed and planned, for every one of them; a
// verification of the audit log, a few dozen reads, paid that eight
// times.) A connection whose fn failed other than with no rows is closed.
func (p *pgRecords) with(ctx context.Context, fn func(c *pgx.Conn) error) (err error) {
	select {
	case p.busy <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.busy }()
	p.mu.Lock()
	if p.shut {
		p.mu.Unlock()
		return errPoolClosed
	}
	var c *pgx.Conn
	if n := len(p.idle); n > 0 {
		c, p.idle = p.idle[n-1], p.idle[:n-1]
	}
	p.mu.Unlock()
	if c == nil {
		cfg, err := pgx.ParseConfig(p.dsn)
		if err != nil {
			return fmt.Errorf("store: connect: %w", err)
		}
		// The connections' queries are lookups by key and walks of a key
		// range in key order, which an index scan answers as they are.
		// Without statistics (a table just filled, autovacuum late or
		// off) the planner took a bitmap scan and a sort for the walk of
		// the audit log, two to three times the server's work.
		cfg.RuntimeParams["enable_bitmapscan"] = "off"
		if c, err = pgx.ConnectConfig(ctx, cfg); err != nil {
			return fmt.Errorf("store: connect: %w", err)
		}
	}
	defer func() {
		p.mu.Lock()
		if p.shut || err != nil && !errors.Is(err, pgx.ErrNoRows) {
			c.Close(context.Background())
		} else {
			p.idle = append(p.idle, c)
		}
		p.mu.Unlock()
	}()
	return fn(c)
}

// close refuses further reads and closes the idle connections; a read
// under way closes its connection when it ends.
func (p *pgRecords) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shut = true
	for _, c := range p.idle {
		c.Close(context.Background())
	}
	p.idle = nil
}

// findRecordPG is FindRecordData on PostgreSQL.
func (db *DB) findRecordPG(ctx context.Context, resource, key string) (map[string]string, string, error) {
	var data []byte
	var jurisdiction string
	var deleted bool
	err := db.pgRecords.with(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT data, jurisdiction, deleted FROM records WHERE resource = $1 AND rkey = $2`, resource, key).Scan(&data, &jurisdiction, &deleted)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", huitong.Errorf(huitong.ENOTFOUND, "资源 %s 中没有主键为 %s 的记录", resource, key)
	} else if err != nil {
		return nil, "", err
	}
	if deleted {
		return nil, "", huitong.Errorf(huitong.ENOTFOUND, "资源 %s 中主键为 %s 的记录已删除", resource, key)
	}
	values, err := decodeFlat(data)
	if err != nil {
		return nil, "", fmt.Errorf("store: record %s %s: decode data: %w", resource, key, err)
	}
	return values, jurisdiction, nil
}

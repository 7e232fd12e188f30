package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"huitong"
)

// CertLookup reads certificates by identifier through prepared
// statements: verification, the platform's public hot path, runs through
// it. Close it when done.
//
// On SQLite it reads through connections of its own, which map the
// database file into memory (mmap_size): a lookup then takes the few pages
// it needs straight from the operating system's page cache, without a
// pread system call and a copy into a per-connection page cache for each.
// With a library larger than the readers' page caches those were most of
// the cost of a verification. A point lookup touches a handful of pages,
// so the remapping SQLite does after other connections write costs it
// little, unlike the table scans of the shared readers.
//
// Signed, the read of every verification, goes further on SQLite: see
// sqliteReader.
type CertLookup struct {
	pool        *sql.DB // SQLite: the lookup's own readers; nil on PostgreSQL
	stmt, brief *sql.Stmt

	// SQLite: Signed's readers. A read holds one of the slots of busy and
	// takes the most recently used idle reader, or opens one: the readers
	// in use stay few and warm (each maps the file for itself, and takes
	// a page fault on its first touch of each page), where a queue would
	// rotate through all of them.
	path   string
	busy   chan struct{} // nil on PostgreSQL
	mu     sync.Mutex
	idle   []*sqliteReader
	closed bool
}

// certLookupMmap is how much of the database file a lookup connection
// maps: beyond it, pages are read with pread as usual.
const certLookupMmap = 1 << 30

// signedQuery is what verification reads of a certificate.
const signedQuery = `SELECT status, superseded_by, payload, signature FROM certificates WHERE id = ?`

// PrepareCertLookup opens the lookup's readers (SQLite) and prepares its
// statements.
func (db *DB) PrepareCertLookup(ctx context.Context) (*CertLookup, error) {
	l := &CertLookup{}
	pool := db.r
	if db.Engine == SQLite {
		var err error
		l.pool, err = sql.Open("sqlite", "file:"+db.dsn+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)"+
			fmt.Sprintf("&_pragma=mmap_size(%d)", certLookupMmap)+"&_pragma=cache_size(-8192)&_time_format=sqlite")
		if err != nil {
			return nil, fmt.Errorf("store: open certificate lookup: %w", err)
		}
		n := max(4, runtime.GOMAXPROCS(0))
		l.pool.SetMaxOpenConns(n)
		l.pool.SetMaxIdleConns(n)
		l.pool.SetConnMaxIdleTime(5 * time.Minute)
		pool = l.pool
		l.path, l.busy = db.dsn, make(chan struct{}, n)
	}
	var err error
	if l.stmt, err = pool.PrepareContext(ctx, db.Rebind(`SELECT `+certColumns+` FROM certificates WHERE id = ?`)); err == nil {
		l.brief, err = pool.PrepareContext(ctx, db.Rebind(signedQuery))
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("store: prepare certificate lookup: %w", err)
	}
	return l, nil
}

// Find returns one certificate with its payload and signature.
func (l *CertLookup) Find(ctx context.Context, id string) (*huitong.Certificate, error) {
	c, err := scanCert(l.stmt.QueryRowContext(ctx, id))
	if err != nil {
		return nil, notFound(err, "证照不存在: %s", id)
	}
	return c, nil
}

// SignedCert is what verification reads of a certificate: the stored
// status and successor, the signed payload as the text it is stored as,
// and the signature.
type SignedCert struct {
	ID           string
	Status       huitong.CertStatus
	SupersededBy string
	Payload      string
	Signature    []byte
}

// SignedOf returns the SignedCert part of c.
func SignedOf(c *huitong.Certificate) SignedCert {
	return SignedCert{ID: c.ID, Status: c.Status, SupersededBy: c.SupersededBy, Payload: string(c.Payload), Signature: c.Signature}
}

// Signed returns what verification needs of a certificate, as stored at
// the moment of the call. ENOTFOUND when there is none.
//
// The read ignores ctx's cancellation: a point read by primary key takes
// microseconds, and watching a cancellable context costs database/sql a
// goroutine per query.
func (l *CertLookup) Signed(ctx context.Context, id string) (SignedCert, error) {
	c := SignedCert{ID: id}
	var status, sig string
	if l.busy != nil {
		found, err := l.readSigned(id, &c, &status, &sig)
		if err != nil {
			return c, fmt.Errorf("store: certificate %s: %w", id, err)
		}
		if !found {
			return c, huitong.Errorf(huitong.ENOTFOUND, "证照不存在: %s", id)
		}
	} else if err := l.brief.QueryRowContext(context.WithoutCancel(ctx), id).Scan(&status, &c.SupersededBy, &c.Payload, &sig); err != nil {
		return c, notFound(err, "证照不存在: %s", id)
	}
	c.Status = huitong.CertStatus(status)
	var err error
	if c.Signature, err = base64.StdEncoding.DecodeString(sig); err != nil {
		return c, fmt.Errorf("store: certificate %s: signature: %w", id, err)
	}
	return c, nil
}

// readSigned runs the Signed query on one of the lookup's SQLite readers.
// A reader that failed is closed rather than reused.
func (l *CertLookup) readSigned(id string, c *SignedCert, status, sig *string) (found bool, err error) {
	l.busy <- struct{}{}
	defer func() { <-l.busy }()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false, errors.New("certificate lookup closed")
	}
	var r *sqliteReader
	if n := len(l.idle); n > 0 {
		r, l.idle = l.idle[n-1], l.idle[:n-1]
	}
	l.mu.Unlock()
	if r == nil {
		if r, err = openSQLiteReader(l.path); err != nil {
			return false, fmt.Errorf("open reader: %w", err)
		}
	}
	defer func() {
		l.mu.Lock()
		if err != nil || l.closed {
			r.close()
		} else {
			l.idle = append(l.idle, r)
		}
		l.mu.Unlock()
	}()
	return r.signed(id, [...]*string{status, &c.SupersededBy, &c.Payload, sig})
}

// Close releases the prepared statements and the lookup's readers.
func (l *CertLookup) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{l.stmt, l.brief} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	l.mu.Lock()
	l.closed = true // the reads in flight close their readers
	for _, r := range l.idle {
		r.close()
	}
	l.idle = nil
	l.mu.Unlock()
	if l.pool != nil {
		errs = append(errs, l.pool.Close())
	}
	return errors.Join(errs...)
}

// sqliteReader is a read-only SQLite connection of its own, opened and
// queried through the SQLite library directly (modernc.org/sqlite/lib, the
// library under the database/sql driver), with the Signed query prepared
// on it. Per verification that saves what the two Go layers above the
// library cost around a read of about ten microseconds: database/sql's
// pool bookkeeping, Rows and argument conversion, and the driver's
// per-query allocations (its rows, the column names, a C copy of the
// argument, the declared type of every text column read). Measured in
// alternation over 100,000 certificates (one goroutine, a loaded
// machine): 11-13 µs of CPU a read, against 15-18 µs through the driver's
// own connections.
//
// A reader is used by one goroutine at a time (CertLookup.idle), so it
// is opened without SQLite's connection mutex.
//
// NB: the C memory here (the connection, the statement, buf) is freed
// only by close.
type sqliteReader struct {
	tls  *libc.TLS
	db   uintptr // sqlite3*
	stmt uintptr // sqlite3_stmt* of signedQuery
	buf  uintptr // the identifier bound to the statement
	cap  int     // of buf
}

// openSQLiteReader opens the database file at path read-only with the
// lookup's settings and prepares signedQuery.
func openSQLiteReader(path string) (r *sqliteReader, err error) {
	r = &sqliteReader{tls: libc.NewTLS()}
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
	for _, q := range []string{`PRAGMA busy_timeout = 10000`, `PRAGMA query_only = 1`, fmt.Sprintf(`PRAGMA mmap_size = %d`, certLookupMmap), `PRAGMA cache_size = -8192`} {
		if err := r.exec(q); err != nil {
			return nil, err
		}
	}
	zQuery, err := libc.CString(signedQuery)
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

func (r *sqliteReader) exec(q string) error {
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
func (r *sqliteReader) errorf(format string, rc int32, args ...any) error {
	msg := ""
	if r.db != 0 {
		msg = libc.GoString(sqlite3.Xsqlite3_errmsg(r.tls, r.db))
	}
	return fmt.Errorf("sqlite: %s: %s (%d)", fmt.Sprintf(format, args...), msg, rc)
}

// signed runs signedQuery for id and copies the row's four columns into
// to. found is false when there is no such row.
func (r *sqliteReader) signed(id string, to [4]*string) (found bool, err error) {
	if len(id) > r.cap {
		if r.buf != 0 {
			libc.Xfree(r.tls, r.buf)
		}
		r.cap = max(128, len(id))
		if r.buf = libc.Xmalloc(r.tls, libc.Tsize_t(r.cap)); r.buf == 0 {
			r.cap = 0
			return false, errors.New("out of memory")
		}
	}
	copy(libc.GoBytes(r.buf, len(id)), id)
	// SQLITE_STATIC (0): buf holds the value until the reset below.
	if rc := sqlite3.Xsqlite3_bind_text(r.tls, r.stmt, 1, r.buf, int32(len(id)), 0); rc != sqlite3.SQLITE_OK {
		return false, r.errorf("bind", rc)
	}
	// The reset ends the read transaction the step began, whatever
	// happened; its result repeats the step's error, if any.
	defer sqlite3.Xsqlite3_reset(r.tls, r.stmt)
	switch rc := sqlite3.Xsqlite3_step(r.tls, r.stmt); rc {
	case sqlite3.SQLITE_DONE:
		return false, nil
	case sqlite3.SQLITE_ROW:
	default:
		return false, r.errorf("step", rc)
	}
	for i, dst := range to {
		if t := sqlite3.Xsqlite3_column_type(r.tls, r.stmt, int32(i)); t != sqlite3.SQLITE_TEXT && t != sqlite3.SQLITE_BLOB {
			return false, fmt.Errorf("sqlite: column %d has type %d, not text", i, t)
		}
		p := sqlite3.Xsqlite3_column_text(r.tls, r.stmt, int32(i))
		n := int(sqlite3.Xsqlite3_column_bytes(r.tls, r.stmt, int32(i)))
		*dst = ""
		if n > 0 {
			*dst = string(libc.GoBytes(p, n)) // a copy: p is valid until the reset
		}
	}
	return true, nil
}

func (r *sqliteReader) close() {
	if r.tls == nil {
		return
	}
	if r.stmt != 0 {
		sqlite3.Xsqlite3_finalize(r.tls, r.stmt)
	}
	if r.db != 0 {
		sqlite3.Xsqlite3_close_v2(r.tls, r.db)
	}
	if r.buf != 0 {
		libc.Xfree(r.tls, r.buf)
	}
	r.tls.Close()
	*r = sqliteReader{}
}

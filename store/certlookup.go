package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"time"

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
// libReader.
type CertLookup struct {
	pool        *sql.DB // SQLite: the lookup's own readers; nil on PostgreSQL
	stmt, brief *sql.Stmt

	// SQLite: Signed's readers (libPool: the most recently used first, so
	// the readers in use stay few and warm; each maps the file for itself
	// and takes a page fault on its first touch of each page).
	signed *libPool // nil on PostgreSQL
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
		l.signed = newSnapshotPool(db.dsn, signedQuery, 1, certLookupMmap)
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
	if l.signed != nil {
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
	err = l.signed.with(func(r *libReader) error {
		ok, err := r.query(id)
		defer r.reset()
		if err != nil || !ok {
			return err
		}
		found = true
		for i, dst := range [...]*string{status, &c.SupersededBy, &c.Payload, sig} {
			b, err := r.text(i)
			if err != nil {
				return err
			}
			*dst = string(b) // a copy: b is valid until the reset
		}
		return nil
	})
	if errors.Is(err, errPoolClosed) {
		err = errors.New("certificate lookup closed")
	}
	return found, err
}

// SnapshotsBegun counts the read transactions Signed's readers have begun
// (SQLite; 0 on PostgreSQL): fewer than reads while the database is
// unchanged.
func (l *CertLookup) SnapshotsBegun() int64 {
	if l.signed == nil {
		return 0
	}
	return l.signed.begun.Load()
}

// Close releases the prepared statements and the lookup's readers.
func (l *CertLookup) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{l.stmt, l.brief} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if l.signed != nil {
		l.signed.close() // the reads in flight close their readers
	}
	if l.pool != nil {
		errs = append(errs, l.pool.Close())
	}
	return errors.Join(errs...)
}

// The Signed read on SQLite (libReader, recordlookup.go) saves what the
// two Go layers above the SQLite library cost around a read of about ten
// microseconds: database/sql's pool bookkeeping, Rows and argument
// conversion, and the driver's per-query allocations (its rows, the column
// names, a C copy of the argument, the declared type of every text column
// read). Measured in alternation over 100,000 certificates (one goroutine,
// a loaded machine): 11-13 µs of CPU a read, against 15-18 µs through the
// driver's own connections.

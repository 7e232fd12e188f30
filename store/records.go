package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"huitong"
)

// The read API of the records of table-mounted resources. The current
// version of every subject is one row of records, keyed by (resource code,
// normalised key); earlier versions are in record_history with their
// validity interval. Keys are normalised by the caller (see
// ingest.NormalizeKey): these methods compare them byte for byte.

const recordColumns = `resource, rkey, data, hash, jurisdiction, version, deleted, seq, batch_id, updated_at`

func scanRecord(s interface{ Scan(...any) error }) (*huitong.Record, error) {
	var r huitong.Record
	var data string
	if err := s.Scan(&r.Resource, &r.Key, &data, &r.Hash, &r.Jurisdiction, &r.Version, &r.Deleted, &r.Seq, &r.Batch, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	r.ValidFrom = r.UpdatedAt
	if err := json.Unmarshal([]byte(data), &r.Data); err != nil {
		return nil, fmt.Errorf("store: record %s %s: decode data: %w", r.Resource, r.Key, err)
	}
	return &r, nil
}

// FindRecord returns the current record of key in resource. ENOTFOUND when
// there is none or it was deleted by a full delivery. It is one indexed
// read on the reader pool, meant for answering queries.
func (db *DB) FindRecord(ctx context.Context, resource, key string) (*huitong.Record, error) {
	r, err := scanRecord(db.queryRowPrepared(ctx, `SELECT `+recordColumns+` FROM records WHERE resource = ? AND rkey = ?`, resource, key))
	if err != nil {
		return nil, notFound(err, "资源 %s 中没有主键为 %s 的记录", resource, key)
	}
	if r.Deleted {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "资源 %s 中主键为 %s 的记录已于 %s 删除", resource, key, r.UpdatedAt.Format(time.DateOnly))
	}
	return r, nil
}

// RecordAsOf returns the version of key's record that was current at t:
// the current version if it took effect at or before t, else the history
// version whose interval [validFrom, validTo) holds t. ENOTFOUND when the
// record did not exist yet or stood deleted at t.
func (db *DB) RecordAsOf(ctx context.Context, resource, key string, t time.Time) (*huitong.Record, error) {
	cur, err := scanRecord(db.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM records WHERE resource = ? AND rkey = ?`, resource, key))
	if err != nil {
		return nil, notFound(err, "资源 %s 中没有主键为 %s 的记录", resource, key)
	}
	r := cur
	if cur.UpdatedAt.After(t) {
		r, err = scanHistory(db.QueryRowContext(ctx, `SELECT `+historyColumns+` FROM record_history
			WHERE resource = ? AND rkey = ? AND valid_from <= ? AND valid_to > ? ORDER BY version DESC LIMIT 1`, resource, key, t.UTC(), t.UTC()))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, huitong.Errorf(huitong.ENOTFOUND, "资源 %s 中主键为 %s 的记录在 %s 时尚不存在", resource, key, t.Format(time.DateTime))
		} else if err != nil {
			return nil, err
		}
	}
	if r.Deleted {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "资源 %s 中主键为 %s 的记录在 %s 时已删除", resource, key, t.Format(time.DateTime))
	}
	return r, nil
}

const historyColumns = `resource, rkey, data, hash, jurisdiction, version, deleted, seq, batch_id, valid_from, valid_to`

func scanHistory(s interface{ Scan(...any) error }) (*huitong.Record, error) {
	var r huitong.Record
	var data string
	if err := s.Scan(&r.Resource, &r.Key, &data, &r.Hash, &r.Jurisdiction, &r.Version, &r.Deleted, &r.Seq, &r.Batch, &r.ValidFrom, &r.ValidTo); err != nil {
		return nil, err
	}
	r.ValidFrom, r.ValidTo = r.ValidFrom.UTC(), r.ValidTo.UTC()
	r.UpdatedAt = r.ValidFrom
	if err := json.Unmarshal([]byte(data), &r.Data); err != nil {
		return nil, fmt.Errorf("store: record history %s %s: decode data: %w", r.Resource, r.Key, err)
	}
	return &r, nil
}

// RecordHistory returns every version of key's record, oldest first, the
// current one last (with a zero ValidTo). ENOTFOUND when there is none.
func (db *DB) RecordHistory(ctx context.Context, resource, key string) ([]*huitong.Record, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+historyColumns+` FROM record_history WHERE resource = ? AND rkey = ? ORDER BY version`, resource, key)
	if err != nil {
		return nil, fmt.Errorf("store: record history: %w", err)
	}
	var out []*huitong.Record
	for rows.Next() {
		r, err := scanHistory(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cur, err := scanRecord(db.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM records WHERE resource = ? AND rkey = ?`, resource, key))
	if err != nil {
		return nil, notFound(err, "资源 %s 中没有主键为 %s 的记录", resource, key)
	}
	return append(out, cur), nil
}

// RecordsChangedSince returns the records of resource written after change
// sequence seq, in sequence order, at most limit (default 1000), deleted
// ones included so that a change feed sees deletions. Feed readers keep the
// last Seq they saw and ask again from there. Writers of one resource are
// serialised and take sequences in commit order, so no committed change is
// ever skipped.
func (db *DB) RecordsChangedSince(ctx context.Context, resource string, seq int64, limit int) ([]*huitong.Record, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT `+recordColumns+` FROM records WHERE resource = ? AND seq > ? ORDER BY seq LIMIT %d`, limit), resource, seq)
	if err != nil {
		return nil, fmt.Errorf("store: records changed: %w", err)
	}
	defer rows.Close()
	var out []*huitong.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LastRecordSeq returns the last change sequence handed out in resource, 0
// when it has no records.
func (db *DB) LastRecordSeq(ctx context.Context, resource string) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT seq FROM record_seqs WHERE resource = ?`, resource).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// Records lists current records of resource ordered by key, starting after
// the key after ("" for the first page), at most limit (default 50).
// Deleted records are left out unless withDeleted.
func (db *DB) Records(ctx context.Context, resource, after string, limit int, withDeleted bool) ([]*huitong.Record, error) {
	if limit <= 0 {
		limit = 50
	}
	q := `SELECT ` + recordColumns + ` FROM records WHERE resource = ? AND rkey > ?`
	if !withDeleted {
		q += ` AND deleted = FALSE`
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(q+` ORDER BY rkey LIMIT %d`, limit), resource, after)
	if err != nil {
		return nil, fmt.Errorf("store: records: %w", err)
	}
	defer rows.Close()
	var out []*huitong.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecordStats is a summary of a resource's current records.
type RecordStats struct {
	Records int   // not deleted
	Deleted int   // deleted by full deliveries
	Filled  int64 // sum of filled item values over the records
	Flagged int   // records with a consistency warning
}

// RecordStats returns the running totals of resource's records, kept by
// every write (no scan).
func (db *DB) RecordStats(ctx context.Context, resource string) (RecordStats, error) {
	var s RecordStats
	err := db.QueryRowContext(ctx, `SELECT records, deleted, filled, flagged FROM record_seqs WHERE resource = ?`, resource).Scan(&s.Records, &s.Deleted, &s.Filled, &s.Flagged)
	if errors.Is(err, sql.ErrNoRows) {
		return RecordStats{}, nil
	} else if err != nil {
		return s, fmt.Errorf("store: record stats: %w", err)
	}
	return s, nil
}

// ScanRecords calls fn with the key and the raw JSON data of every current,
// not deleted record of resource in key order. It streams: memory stays
// flat whatever the size of the resource. fn's slices are only valid during
// the call.
func (db *DB) ScanRecords(ctx context.Context, resource string, fn func(key string, data []byte) error) error {
	rows, err := db.scan(ctx, `SELECT rkey, data FROM records WHERE resource = ? AND deleted = FALSE ORDER BY rkey`, resource)
	if err != nil {
		return fmt.Errorf("store: scan records: %w", err)
	}
	defer rows.Close()
	var key string
	var data sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&key, &data); err != nil {
			return err
		}
		if err := fn(key, data); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanKeys calls fn with every current, not deleted key of resource in key
// order.
func (db *DB) ScanKeys(ctx context.Context, resource string, fn func(key string) error) error {
	rows, err := db.scan(ctx, `SELECT rkey FROM records WHERE resource = ? AND deleted = FALSE ORDER BY rkey`, resource)
	if err != nil {
		return fmt.Errorf("store: scan keys: %w", err)
	}
	defer rows.Close()
	var key string
	for rows.Next() {
		if err := rows.Scan(&key); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ResourcesWithRecords lists the codes of resources that hold records.
func (db *DB) ResourcesWithRecords(ctx context.Context) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT resource FROM record_seqs ORDER BY resource`)
	if err != nil {
		return nil, fmt.Errorf("store: resources with records: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RecordCursor walks the current, not deleted records of a resource in key
// order without holding them in memory.
type RecordCursor struct {
	rows *scanRows
	key  string
	data sql.RawBytes
	err  error
}

// OpenRecordCursor starts a walk over resource's records; Close it.
func (db *DB) OpenRecordCursor(ctx context.Context, resource string) (*RecordCursor, error) {
	rows, err := db.scan(ctx, `SELECT rkey, data FROM records WHERE resource = ? AND deleted = FALSE ORDER BY rkey`, resource)
	if err != nil {
		return nil, fmt.Errorf("store: record cursor: %w", err)
	}
	return &RecordCursor{rows: rows}, nil
}

// Next moves to the next record; false at the end or on error (see Err).
func (c *RecordCursor) Next() bool {
	if c.err != nil || !c.rows.Next() {
		return false
	}
	if c.err = c.rows.Scan(&c.key, &c.data); c.err != nil {
		return false
	}
	return true
}

// Key is the current record's key.
func (c *RecordCursor) Key() string { return c.key }

// Data is the current record's JSON data, valid until the next call to Next.
func (c *RecordCursor) Data() []byte { return c.data }

// Err returns the error that ended the walk, if any.
func (c *RecordCursor) Err() error {
	if c.err != nil {
		return c.err
	}
	return c.rows.Err()
}

// Close ends the walk.
func (c *RecordCursor) Close() error { return c.rows.Close() }

// ScanRecordsStored calls fn with the key and raw JSON data of every
// current, not deleted record of resource in the order they are stored,
// which reads the table sequentially (ScanRecords' key order reads rows
// stored in arrival order at random once the table outgrows the cache).
// On SQLite it scans the whole table (NOT INDEXED), on PostgreSQL the
// planner picks a sequential or bitmap scan.
func (db *DB) ScanRecordsStored(ctx context.Context, resource string, fn func(key string, data []byte) error) error {
	q := `SELECT rkey, data FROM records WHERE resource = ? AND deleted = FALSE`
	if db.Engine == SQLite {
		q = `SELECT rkey, data FROM records NOT INDEXED WHERE resource = ? AND deleted = FALSE`
	}
	rows, err := db.scan(ctx, q, resource)
	if err != nil {
		return fmt.Errorf("store: scan records: %w", err)
	}
	defer rows.Close()
	var key string
	var data sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&key, &data); err != nil {
			return err
		}
		if err := fn(key, data); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanRows is the result of a scan over a whole resource, with what to do
// when it is closed.
type scanRows struct {
	*sql.Rows
	done func()
}

func (r *scanRows) Close() error {
	err := r.Rows.Close()
	r.done()
	return err
}

// scan runs a query that reads a whole resource. On SQLite it runs on a
// reader whose page cache is held to 4 MiB for the query and shrunk after,
// so that a pass over millions of records does not leave a reader holding
// its full cache (64 MiB each) of pages nobody will read again.
func (db *DB) scan(ctx context.Context, q string, args ...any) (*scanRows, error) {
	if db.Engine != SQLite {
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		return &scanRows{Rows: rows, done: func() {}}, nil
	}
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var size int64
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&size); err != nil {
		conn.Close()
		return nil, err
	}
	restore := func() {
		bg := context.WithoutCancel(ctx)
		conn.ExecContext(bg, `PRAGMA shrink_memory`)
		conn.ExecContext(bg, fmt.Sprintf(`PRAGMA cache_size = %d`, size))
		conn.Close()
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -4096`); err != nil {
		restore()
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		restore()
		return nil, err
	}
	return &scanRows{Rows: rows, done: restore}, nil
}

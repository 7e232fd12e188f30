package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"huitong"
)

// IngestTx is a write transaction pinned to one connection, for loading
// records chunk by chunk. On PostgreSQL new records go in with COPY
// (pgx CopyFrom through the stdlib connection's Raw), in the same
// transaction as the rest of the chunk.
type IngestTx struct {
	*Tx
	conn *sql.Conn
}

// Ingest runs fn in a write transaction on one connection and commits when
// fn returns nil.
func (db *DB) Ingest(ctx context.Context, fn func(tx *IngestTx) error) error {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: ingest conn: %w", err)
	}
	defer conn.Close()
	if db.Engine == SQLite {
		// Loading touches index pages all over the file: SQLite's default
		// 2 MiB page cache would reread them from the OS for every chunk.
		// Multi-row INSERTs keep a statement journal (to undo one failing
		// statement); in memory rather than in a temporary file.
		if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 8000`); err != nil {
			return fmt.Errorf("store: loading pragmas: %w", err)
		}
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&IngestTx{Tx: &Tx{tx: sqlTx, db: db}, conn: conn}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// RecordState is what the writer needs to know about an existing record.
type RecordState struct {
	Hash      string
	Version   int
	Deleted   bool
	Batch     int64
	UpdatedAt time.Time
}

// statsOf is what rows add to a resource's totals.
func statsOf(rows []RecordRow) RecordStats {
	var d RecordStats
	for i := range rows {
		if rows[i].Deleted {
			d.Deleted++
			continue
		}
		d.Records++
		d.Filled += int64(rows[i].Filled)
		if rows[i].Flags != 0 {
			d.Flagged++
		}
	}
	return d
}

// addStats adds d to the running totals of resource (its row exists: the
// writer took sequences first).
func (tx *Tx) addStats(ctx context.Context, resource string, d RecordStats) error {
	if d == (RecordStats{}) {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE record_seqs SET records = records + ?, deleted = deleted + ?, filled = filled + ?, flagged = flagged + ? WHERE resource = ?`,
		d.Records, d.Deleted, d.Filled, d.Flagged, resource)
	if err != nil {
		return fmt.Errorf("store: record totals: %w", err)
	}
	return nil
}

// RecordStates returns the state of the records of resource with the given
// keys; keys without a record are absent from the map.
func (tx *Tx) RecordStates(ctx context.Context, resource string, keys []string) (map[string]RecordState, error) {
	out := make(map[string]RecordState, len(keys))
	const group = 500
	for start := 0; start < len(keys); start += group {
		part := keys[start:min(start+group, len(keys))]
		var rows *sql.Rows
		var err error
		if tx.db.Engine == Postgres {
			// An array parameter keeps one plan whatever the count; a
			// plan cached while the table was small would scan it all.
			rows, err = tx.QueryContext(ctx, `SELECT rkey, hash, version, deleted, batch_id, updated_at FROM records WHERE resource = ? AND rkey = ANY(?)`, resource, part)
		} else {
			args := make([]any, 0, len(part)+1)
			args = append(args, resource)
			for _, k := range part {
				args = append(args, k)
			}
			rows, err = tx.QueryContext(ctx, `SELECT rkey, hash, version, deleted, batch_id, updated_at FROM records WHERE resource = ? AND rkey IN (`+placeholders(len(part))+`)`, args...)
		}
		if err != nil {
			return nil, fmt.Errorf("store: record states: %w", err)
		}
		for rows.Next() {
			var k string
			var s RecordState
			if err := rows.Scan(&k, &s.Hash, &s.Version, &s.Deleted, &s.Batch, &s.UpdatedAt); err != nil {
				rows.Close()
				return nil, err
			}
			out[k] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// NextRecordSeqs reserves n change sequences of resource and returns the
// first; the caller uses first .. first+n-1. The row lock it takes on
// PostgreSQL (and SQLite's single writer) serialises writers of one
// resource until commit, so sequences become visible in order.
func (tx *Tx) NextRecordSeqs(ctx context.Context, resource string, n int) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, `INSERT INTO record_seqs (resource, seq) VALUES (?, ?)
		ON CONFLICT (resource) DO UPDATE SET seq = record_seqs.seq + excluded.seq RETURNING seq`, resource, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("store: record sequence: %w", err)
	}
	return last - int64(n) + 1, nil
}

// RecordRow is one record version to write.
type RecordRow struct {
	Key          string
	Data         string // canonical JSON object
	Hash         string
	Jurisdiction string
	MatchKey     string
	Version      int
	Deleted      bool
	Seq          int64
	Batch        int64
	Filled       int
	Flags        int
	At           time.Time
}

var recordWriteColumns = []string{"resource", "rkey", "data", "hash", "jurisdiction", "version", "deleted", "seq", "batch_id", "filled", "match_key", "flags", "updated_at"}

func (r *RecordRow) args(resource string) []any {
	return []any{resource, r.Key, r.Data, r.Hash, r.Jurisdiction, r.Version, r.Deleted, r.Seq, r.Batch, r.Filled, r.MatchKey, r.Flags, r.At}
}

// InsertRecords adds new records to resource; none of their keys may have
// a record yet. PostgreSQL uses COPY; SQLite multi-row INSERTs.
func (tx *IngestTx) InsertRecords(ctx context.Context, resource string, rows []RecordRow) error {
	if len(rows) == 0 {
		return nil
	}
	if err := tx.addStats(ctx, resource, statsOf(rows)); err != nil {
		return err
	}
	if tx.db.Engine == Postgres {
		err := tx.conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("store: copy: driver connection is %T, not pgx", dc)
			}
			_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"records"}, recordWriteColumns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				return rows[i].args(resource), nil
			}))
			return err
		})
		if IsUniqueViolation(err) {
			return huitong.Errorf(huitong.ECONFLICT, "记录已存在")
		} else if err != nil {
			return fmt.Errorf("store: copy records: %w", err)
		}
		return nil
	}
	return tx.writeRecords(ctx, resource, rows, "")
}

// writeRecords INSERTs rows, with suffix (an ON CONFLICT clause) appended:
// on SQLite one prepared single-row statement run per row (a multi-row
// INSERT that might fail half-way keeps a statement journal, which costs
// more than the calls), on PostgreSQL multi-row statements.
func (tx *Tx) writeRecords(ctx context.Context, resource string, rows []RecordRow, suffix string) error {
	const group = 400
	cols := len(recordWriteColumns)
	one := "(" + placeholders(cols) + ")"
	head := `INSERT INTO records (` + strings.Join(recordWriteColumns, ", ") + `) VALUES `
	if tx.db.Engine == SQLite {
		stmt, err := tx.tx.PrepareContext(ctx, head+one+suffix)
		if err != nil {
			return fmt.Errorf("store: write records: %w", err)
		}
		defer stmt.Close()
		// NB: given a context that can be cancelled, the SQLite driver
		// starts a goroutine per statement to interrupt it, which costs
		// more than inserting one row. The rows run under a context
		// without cancellation; cancellation is checked every 256 rows.
		ectx := context.WithoutCancel(ctx)
		for i := range rows {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if _, err := stmt.ExecContext(ectx, rows[i].args(resource)...); err != nil {
				if IsUniqueViolation(err) {
					return huitong.Errorf(huitong.ECONFLICT, "记录已存在: %s", rows[i].Key)
				}
				return fmt.Errorf("store: write records: %w", err)
			}
		}
		return nil
	}
	var full string
	for start := 0; start < len(rows); start += group {
		part := rows[start:min(start+group, len(rows))]
		var q string
		if len(part) == group && full != "" {
			q = full
		} else {
			q = head + strings.Repeat(one+", ", len(part)-1) + one + suffix
			if len(part) == group {
				full = q
			}
		}
		args := make([]any, 0, len(part)*cols)
		for i := range part {
			args = append(args, part[i].args(resource)...)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			if IsUniqueViolation(err) {
				return huitong.Errorf(huitong.ECONFLICT, "记录已存在")
			}
			return fmt.Errorf("store: write records: %w", err)
		}
	}
	return nil
}

// ReplaceRecords moves the current versions of rows' keys into the history,
// valid until at, and writes rows over them. Every row's key must have a
// record.
func (tx *Tx) ReplaceRecords(ctx context.Context, resource string, rows []RecordRow, at time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	const group = 400
	const archive = `INSERT INTO record_history (resource, rkey, version, data, hash, jurisdiction, deleted, seq, batch_id, valid_from, valid_to)
		SELECT resource, rkey, version, data, hash, jurisdiction, deleted, seq, batch_id, updated_at, ? FROM records WHERE resource = ? AND `
	for start := 0; start < len(rows); start += group {
		part := rows[start:min(start+group, len(rows))]
		keys := make([]string, len(part))
		for i := range part {
			keys[i] = part[i].Key
		}
		var err error
		var old RecordStats
		const sums = `SELECT COALESCE(SUM(CASE WHEN deleted THEN 0 ELSE 1 END), 0), COALESCE(SUM(CASE WHEN deleted THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN deleted THEN 0 ELSE filled END), 0), COALESCE(SUM(CASE WHEN NOT deleted AND flags <> 0 THEN 1 ELSE 0 END), 0)
			FROM records WHERE resource = ? AND `
		if tx.db.Engine == Postgres {
			// An array parameter keeps one plan whatever the count; a
			// plan cached while the table was small would scan it all.
			err = tx.QueryRowContext(ctx, sums+`rkey = ANY(?)`, resource, keys).Scan(&old.Records, &old.Deleted, &old.Filled, &old.Flagged)
			if err == nil {
				_, err = tx.ExecContext(ctx, archive+`rkey = ANY(?)`, at, resource, keys)
			}
		} else {
			args := make([]any, 0, len(part)+2)
			args = append(args, at, resource)
			for _, k := range keys {
				args = append(args, k)
			}
			in := `rkey IN (` + placeholders(len(part)) + `)`
			err = tx.QueryRowContext(ctx, sums+in, args[1:]...).Scan(&old.Records, &old.Deleted, &old.Filled, &old.Flagged)
			if err == nil {
				_, err = tx.ExecContext(ctx, archive+in, args...)
			}
		}
		if err != nil {
			return fmt.Errorf("store: archive records: %w", err)
		}
		d := statsOf(part)
		d.Records, d.Deleted, d.Filled, d.Flagged = d.Records-old.Records, d.Deleted-old.Deleted, d.Filled-old.Filled, d.Flagged-old.Flagged
		if err := tx.addStats(ctx, resource, d); err != nil {
			return err
		}
	}
	return tx.writeRecords(ctx, resource, rows, ` ON CONFLICT (resource, rkey) DO UPDATE SET data = excluded.data, hash = excluded.hash,
		jurisdiction = excluded.jurisdiction, version = excluded.version, deleted = excluded.deleted, seq = excluded.seq,
		batch_id = excluded.batch_id, filled = excluded.filled, match_key = excluded.match_key, flags = excluded.flags, updated_at = excluded.updated_at`)
}

// --- batches ---

const batchColumns = `id, resource, provider, source, format, mode, file_name, sheet, encoding, size, content_hash, status,
	received, accepted, rejected, inserted, updated, unchanged, deleted, warnings, duplicate_of, report, quality, error, created_by, started_at, finished_at`

func scanBatch(s interface{ Scan(...any) error }) (*huitong.Batch, error) {
	var b huitong.Batch
	var mode, status, report, quality string
	var finished sql.NullTime
	if err := s.Scan(&b.ID, &b.Resource, &b.Provider, &b.Source, &b.Format, &mode, &b.FileName, &b.Sheet, &b.Encoding, &b.Size, &b.ContentHash, &status,
		&b.Received, &b.Accepted, &b.Rejected, &b.Inserted, &b.Updated, &b.Unchanged, &b.Deleted, &b.Warnings, &b.DuplicateOf,
		&report, &quality, &b.Error, &b.CreatedBy, &b.StartedAt, &finished); err != nil {
		return nil, err
	}
	b.Mode, b.Status = huitong.DeliveryMode(mode), huitong.BatchStatus(status)
	b.StartedAt = b.StartedAt.UTC()
	if finished.Valid {
		b.FinishedAt = finished.Time.UTC()
	}
	if report != "" {
		if err := json.Unmarshal([]byte(report), &b.Report); err != nil {
			return nil, fmt.Errorf("store: batch %d report: %w", b.ID, err)
		}
	}
	if quality != "" {
		b.Quality = new(huitong.QualityScore)
		if err := json.Unmarshal([]byte(quality), b.Quality); err != nil {
			return nil, fmt.Errorf("store: batch %d quality: %w", b.ID, err)
		}
	}
	return &b, nil
}

// InsertBatch records a new batch and sets b.ID.
func (tx *Tx) InsertBatch(ctx context.Context, b *huitong.Batch) error {
	report, err := json.Marshal(b.Report)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO ingest_batches (resource, provider, source, format, mode, file_name, sheet, encoding, status, report, created_by, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		b.Resource, b.Provider, b.Source, b.Format, string(b.Mode), b.FileName, b.Sheet, b.Encoding, string(b.Status), string(report), b.CreatedBy, b.StartedAt).Scan(&b.ID)
	if err != nil {
		return fmt.Errorf("store: insert batch: %w", err)
	}
	return nil
}

// SaveBatchProgress stores b's counters, size and encoding, and how many
// rejects are stored; call it in the transaction that writes the rows the
// counters count.
func (tx *Tx) SaveBatchProgress(ctx context.Context, b *huitong.Batch, storedRejects int) error {
	_, err := tx.ExecContext(ctx, `UPDATE ingest_batches SET size = ?, encoding = ?, received = ?, accepted = ?, rejected = ?, inserted = ?, updated = ?,
		unchanged = ?, deleted = ?, warnings = ?, stored_rejects = ? WHERE id = ?`,
		b.Size, b.Encoding, b.Received, b.Accepted, b.Rejected, b.Inserted, b.Updated, b.Unchanged, b.Deleted, b.Warnings, storedRejects, b.ID)
	if err != nil {
		return fmt.Errorf("store: batch progress: %w", err)
	}
	return nil
}

// FinishBatch stores the final state of b: status, counters, report,
// quality, error, content hash and finish time.
func (tx *Tx) FinishBatch(ctx context.Context, b *huitong.Batch) error {
	report, err := json.Marshal(b.Report)
	if err != nil {
		return err
	}
	quality := ""
	if b.Quality != nil {
		q, err := json.Marshal(b.Quality)
		if err != nil {
			return err
		}
		quality = string(q)
	}
	_, err = tx.ExecContext(ctx, `UPDATE ingest_batches SET status = ?, size = ?, encoding = ?, sheet = ?, content_hash = ?, received = ?, accepted = ?, rejected = ?,
		inserted = ?, updated = ?, unchanged = ?, deleted = ?, warnings = ?, duplicate_of = ?, report = ?, quality = ?, error = ?, finished_at = ? WHERE id = ?`,
		string(b.Status), b.Size, b.Encoding, b.Sheet, b.ContentHash, b.Received, b.Accepted, b.Rejected, b.Inserted, b.Updated, b.Unchanged, b.Deleted, b.Warnings,
		b.DuplicateOf, string(report), quality, b.Error, NullTime(b.FinishedAt), b.ID)
	if err != nil {
		return fmt.Errorf("store: finish batch: %w", err)
	}
	return nil
}

// FindBatch returns batch id.
func (db *DB) FindBatch(ctx context.Context, id int64) (*huitong.Batch, error) {
	b, err := scanBatch(db.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM ingest_batches WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "批次不存在: %d", id)
	}
	return b, nil
}

// BatchFilter selects batches.
type BatchFilter struct {
	Resource      string
	Provider      string
	Status        huitong.BatchStatus
	Offset, Limit int
}

// Batches lists batches matching f, newest first, with the total count.
func (db *DB) Batches(ctx context.Context, f BatchFilter) ([]*huitong.Batch, int, error) {
	where := ` WHERE 1=1`
	var args []any
	for _, c := range []struct{ col, v string }{{"resource", f.Resource}, {"provider", f.Provider}, {"status", string(f.Status)}} {
		if c.v != "" {
			where += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	var total int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ingest_batches`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count batches: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT `+batchColumns+` FROM ingest_batches`+where+` ORDER BY id DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: batches: %w", err)
	}
	defer rows.Close()
	var out []*huitong.Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, b)
	}
	return out, total, rows.Err()
}

// DoneBatchByHash returns the id of the earliest finished batch of resource
// whose content had this hash, or 0.
func (db *DB) DoneBatchByHash(ctx context.Context, resource, hash string) (int64, error) {
	var id int64
	err := db.QueryRowContext(ctx, `SELECT id FROM ingest_batches WHERE resource = ? AND content_hash = ? AND status = 'done' ORDER BY id LIMIT 1`, resource, hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// LastDelivery returns when the last finished batch of resource before
// batch started (zero when there was none).
func (db *DB) LastDelivery(ctx context.Context, resource string, before int64) (time.Time, error) {
	var t time.Time
	err := db.QueryRowContext(ctx, `SELECT started_at FROM ingest_batches WHERE resource = ? AND status = 'done' AND id < ? ORDER BY started_at DESC LIMIT 1`, resource, before).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, fmt.Errorf("store: last delivery: %w", err)
	}
	return t.UTC(), nil
}

// BatchTotals sums received and accepted rows of resource's finished
// batches started at or after since.
func (db *DB) BatchTotals(ctx context.Context, resource string, since time.Time) (received, accepted int, err error) {
	err = db.QueryRowContext(ctx, `SELECT COALESCE(SUM(received), 0), COALESCE(SUM(accepted), 0) FROM ingest_batches WHERE resource = ? AND status = 'done' AND started_at >= ?`,
		resource, since.UTC()).Scan(&received, &accepted)
	return received, accepted, err
}

// FailOrphanedBatches marks failed every running batch whose resource lease
// is no longer held by it (its worker died), and returns them.
func (db *DB) FailOrphanedBatches(ctx context.Context, now time.Time, message string) ([]*huitong.Batch, error) {
	var out []*huitong.Batch
	err := db.Update(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+batchColumns+` FROM ingest_batches b WHERE status = 'running' AND NOT EXISTS (
			SELECT 1 FROM ingest_leases l WHERE l.name = 'resource:' || b.resource AND l.holder = 'batch:' || CAST(b.id AS TEXT) AND l.expires_at > ?)`, now.UTC())
		if err != nil {
			return fmt.Errorf("store: orphaned batches: %w", err)
		}
		for rows.Next() {
			b, err := scanBatch(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, b := range out {
			b.Status, b.Error, b.FinishedAt = huitong.BatchFailed, message, now
			if err := tx.FinishBatch(ctx, b); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: "system", Action: "ingest.fail", Object: b.Resource,
				Detail: fmt.Sprintf(`{"accepted":%d,"batch":%d,"reason":"orphaned"}`, b.Accepted, b.ID), Result: "failed"}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// --- rejects ---

// InsertRejects stores rejects of batch numbered from first.
func (tx *Tx) InsertRejects(ctx context.Context, batch int64, first int, rejects []huitong.Reject) error {
	const group = 300
	for start := 0; start < len(rejects); start += group {
		part := rejects[start:min(start+group, len(rejects))]
		args := make([]any, 0, len(part)*9)
		for i, r := range part {
			cells := ""
			if r.Cells != nil {
				b, err := json.Marshal(r.Cells)
				if err != nil {
					return err
				}
				cells = string(b)
			}
			args = append(args, batch, first+start+i, r.Row, r.Item, r.Rule, r.Value, r.Message, r.Severity, cells)
		}
		q := `INSERT INTO ingest_rejects (batch_id, n, row_num, item, rule, value, message, severity, cells) VALUES ` +
			strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(part)-1) + "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: insert rejects: %w", err)
		}
	}
	return nil
}

// Rejects lists the stored rejects of batch with the given severity ("" for
// all) in the order found, with the total stored.
func (db *DB) Rejects(ctx context.Context, batch int64, severity string, offset, limit int) ([]huitong.Reject, int, error) {
	where, args := ` WHERE batch_id = ?`, []any{batch}
	if severity != "" {
		where += ` AND severity = ?`
		args = append(args, severity)
	}
	var total int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ingest_rejects`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count rejects: %w", err)
	}
	if limit <= 0 {
		limit = 100
	}
	out := []huitong.Reject{}
	err := db.eachReject(ctx, fmt.Sprintf(where+` ORDER BY n LIMIT %d OFFSET %d`, limit, max(offset, 0)), args, func(r huitong.Reject) error {
		out = append(out, r)
		return nil
	})
	return out, total, err
}

// EachReject calls fn for every stored reject of batch with the given
// severity ("" for all), in order, streaming.
func (db *DB) EachReject(ctx context.Context, batch int64, severity string, fn func(r huitong.Reject) error) error {
	where, args := ` WHERE batch_id = ?`, []any{batch}
	if severity != "" {
		where += ` AND severity = ?`
		args = append(args, severity)
	}
	return db.eachReject(ctx, where+` ORDER BY n`, args, fn)
}

func (db *DB) eachReject(ctx context.Context, tail string, args []any, fn func(r huitong.Reject) error) error {
	rows, err := db.QueryContext(ctx, `SELECT batch_id, row_num, item, rule, value, message, severity, cells FROM ingest_rejects`+tail, args...)
	if err != nil {
		return fmt.Errorf("store: rejects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r huitong.Reject
		var cells string
		if err := rows.Scan(&r.Batch, &r.Row, &r.Item, &r.Rule, &r.Value, &r.Message, &r.Severity, &cells); err != nil {
			return err
		}
		if cells != "" {
			if err := json.Unmarshal([]byte(cells), &r.Cells); err != nil {
				return fmt.Errorf("store: reject cells: %w", err)
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// --- leases ---

// AcquireLease takes the lease name for holder until until, if it is free,
// expired, or already holder's. It returns whether holder has it and, when
// not, who does.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (ok bool, current string, err error) {
	err = db.Update(ctx, func(tx *Tx) error {
		ok, current, err = tx.AcquireLease(ctx, name, holder, now, until)
		return err
	})
	return ok, current, err
}

// AcquireLease is the transactional form of DB.AcquireLease.
func (tx *Tx) AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, string, error) {
	var got string
	err := tx.QueryRowContext(ctx, `INSERT INTO ingest_leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE ingest_leases.expires_at <= ? OR ingest_leases.holder = excluded.holder RETURNING holder`, name, holder, until.UTC(), now.UTC()).Scan(&got)
	if err == nil {
		return true, holder, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, "", fmt.Errorf("store: acquire lease %s: %w", name, err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT holder FROM ingest_leases WHERE name = ?`, name).Scan(&got); err != nil {
		return false, "", fmt.Errorf("store: lease %s: %w", name, err)
	}
	return false, got, nil
}

// RenewLease extends holder's lease name until until. ECONFLICT when the
// lease is no longer holder's (it expired and was taken over).
func (tx *Tx) RenewLease(ctx context.Context, name, holder string, until time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE ingest_leases SET expires_at = ? WHERE name = ? AND holder = ?`, until.UTC(), name, holder)
	if err != nil {
		return fmt.Errorf("store: renew lease %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ECONFLICT, "租约 %s 已失效，被其他实例接管", name)
	}
	return nil
}

// ReleaseLease gives up holder's lease name; releasing a lease one does
// not hold does nothing.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := db.ExecContext(ctx, `DELETE FROM ingest_leases WHERE name = ? AND holder = ?`, name, holder)
	if err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns who holds lease name and until when ("" when nobody).
func (db *DB) LeaseHolder(ctx context.Context, name string) (string, time.Time, error) {
	var h string
	var t time.Time
	err := db.QueryRowContext(ctx, `SELECT holder, expires_at FROM ingest_leases WHERE name = ?`, name).Scan(&h, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	return h, t.UTC(), err
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"huitong"
)

// Scheduled pulls. The DSN is stored sealed by the caller (store never sees
// the master key); these methods move the sealed text as it is.

const pullColumns = `id, resource, provider, name, driver, dsn_display, query, change_column, mode, schedule, cursor_value, cursor_type,
	enabled, next_run_at, last_run_at, last_batch, last_status, last_error, runs, created_by, created_at, updated_at`

func scanPull(s interface{ Scan(...any) error }) (*huitong.Pull, error) {
	var p huitong.Pull
	var mode string
	var last sql.NullTime
	if err := s.Scan(&p.ID, &p.Resource, &p.Provider, &p.Name, &p.Driver, &p.DSNDisplay, &p.Query, &p.ChangeColumn, &mode, &p.Schedule, &p.Cursor, &p.CursorType,
		&p.Enabled, &p.NextRunAt, &last, &p.LastBatch, &p.LastStatus, &p.LastError, &p.Runs, &p.CreatedBy, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.Mode = huitong.DeliveryMode(mode)
	p.NextRunAt, p.CreatedAt, p.UpdatedAt = p.NextRunAt.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if last.Valid {
		p.LastRunAt = last.Time.UTC()
	}
	return &p, nil
}

// InsertPull records p with its sealed DSN and sets p.ID.
func (tx *Tx) InsertPull(ctx context.Context, p *huitong.Pull, sealedDSN string) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO ingest_pulls (resource, provider, name, driver, dsn, dsn_display, query, change_column, mode, schedule,
		enabled, next_run_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Resource, p.Provider, p.Name, p.Driver, sealedDSN, p.DSNDisplay, p.Query, p.ChangeColumn, string(p.Mode), p.Schedule,
		p.Enabled, p.NextRunAt.UTC(), p.CreatedBy, p.CreatedAt.UTC(), p.UpdatedAt.UTC()).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("store: insert pull: %w", err)
	}
	return nil
}

// SetPullDSN replaces the sealed DSN of pull id.
func (tx *Tx) SetPullDSN(ctx context.Context, id int64, sealedDSN, display string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE ingest_pulls SET dsn = ?, dsn_display = ? WHERE id = ?`, sealedDSN, display, id); err != nil {
		return fmt.Errorf("store: pull dsn: %w", err)
	}
	return nil
}

// UpdatePull stores the editable fields of p (not the DSN) and its run state.
func (tx *Tx) UpdatePull(ctx context.Context, p *huitong.Pull) error {
	_, err := tx.ExecContext(ctx, `UPDATE ingest_pulls SET name = ?, query = ?, change_column = ?, mode = ?, schedule = ?, cursor_value = ?, cursor_type = ?,
		enabled = ?, next_run_at = ?, last_run_at = ?, last_batch = ?, last_status = ?, last_error = ?, runs = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.Query, p.ChangeColumn, string(p.Mode), p.Schedule, p.Cursor, p.CursorType, p.Enabled, p.NextRunAt.UTC(), NullTime(p.LastRunAt),
		p.LastBatch, p.LastStatus, p.LastError, p.Runs, p.UpdatedAt.UTC(), p.ID)
	if err != nil {
		return fmt.Errorf("store: update pull: %w", err)
	}
	return nil
}

// DeletePull removes pull id.
func (tx *Tx) DeletePull(ctx context.Context, id int64) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM ingest_pulls WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("store: delete pull: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ENOTFOUND, "定时抽取任务不存在: %d", id)
	}
	return nil
}

// FindPull returns pull id and its sealed DSN.
func (tx *Tx) FindPull(ctx context.Context, id int64) (*huitong.Pull, string, error) {
	row := tx.QueryRowContext(ctx, `SELECT `+pullColumns+`, dsn FROM ingest_pulls WHERE id = ?`, id)
	var sealed string
	p, err := scanPull(scanTail{row, &sealed})
	if err != nil {
		return nil, "", notFound(err, "定时抽取任务不存在: %d", id)
	}
	return p, sealed, nil
}

// FindPull returns pull id and its sealed DSN.
func (db *DB) FindPull(ctx context.Context, id int64) (p *huitong.Pull, sealed string, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		p, sealed, err = tx.FindPull(ctx, id)
		return err
	})
	return p, sealed, err
}

// scanTail scans the leading columns into scanPull's targets and the last
// one into tail.
type scanTail struct {
	s    interface{ Scan(...any) error }
	tail any
}

func (t scanTail) Scan(dest ...any) error { return t.s.Scan(append(dest, t.tail)...) }

// Pulls lists the pulls of resource ("" for all), by id.
func (db *DB) Pulls(ctx context.Context, resource string) ([]*huitong.Pull, error) {
	q, args := `SELECT `+pullColumns+` FROM ingest_pulls`, []any{}
	if resource != "" {
		q += ` WHERE resource = ?`
		args = append(args, resource)
	}
	rows, err := db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: pulls: %w", err)
	}
	defer rows.Close()
	var out []*huitong.Pull
	for rows.Next() {
		p, err := scanPull(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DuePulls lists the ids of enabled pulls whose next run is at or before now.
func (db *DB) DuePulls(ctx context.Context, now time.Time) ([]int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT id FROM ingest_pulls WHERE enabled = TRUE AND next_run_at <= ? ORDER BY next_run_at`, now.UTC())
	if err != nil {
		return nil, fmt.Errorf("store: due pulls: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"huitong"
	"huitong/audit"
)

// DefaultChain is the audit chain an instance appends to unless configured
// otherwise. Several instances each append to their own chain.
const DefaultChain = "main"

// withAuditDefaults fills what an entry may leave out: the default chain,
// the time (now), an empty detail ({}), the result ok.
func withAuditDefaults(e *huitong.AuditEntry, now time.Time) {
	if e.Chain == "" {
		e.Chain = DefaultChain
	}
	if e.At.IsZero() {
		e.At = now
	}
	if e.Detail == "" {
		e.Detail = "{}"
	}
	if e.Result == "" {
		e.Result = "ok"
	}
}

// AppendAudit appends e to its chain (DefaultChain when e.Chain is empty)
// inside tx, so the entry commits or rolls back with the act it records.
// The head row is updated first, which serialises appends to one chain on
// PostgreSQL (row lock) as SQLite's single writer does.
func (tx *Tx) AppendAudit(ctx context.Context, e *huitong.AuditEntry) error {
	withAuditDefaults(e, tx.db.Now())
	var seq int64
	var prev string
	err := tx.QueryRowContext(ctx, `UPDATE audit_heads SET seq = seq + 1 WHERE chain = ? RETURNING seq, hash`, e.Chain).Scan(&seq, &prev)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: audit head: %w", err)
		}
		seq, prev = 1, audit.Genesis
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_heads (chain, seq, hash) VALUES (?, 1, ?)`, e.Chain, prev); err != nil {
			return fmt.Errorf("store: audit head: %w", err)
		}
	}
	e.Seq = seq
	audit.Seal(prev, e)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (chain, seq, at, actor, department, action, object, result, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Chain, e.Seq, e.At, e.Actor, e.Department, e.Action, e.Object, e.Result, e.Detail, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_heads SET hash = ? WHERE chain = ?`, e.Hash, e.Chain); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	return nil
}

// Audit appends one entry in a transaction of its own.
func (db *DB) Audit(ctx context.Context, e *huitong.AuditEntry) error {
	return db.Update(ctx, func(tx *Tx) error { return tx.AppendAudit(ctx, e) })
}

const auditColumns = `chain, seq, at, actor, department, action, object, result, detail, prev_hash, hash`

func scanAudit(s interface{ Scan(...any) error }) (*huitong.AuditEntry, error) {
	var e huitong.AuditEntry
	if err := s.Scan(&e.Chain, &e.Seq, &e.At, &e.Actor, &e.Department, &e.Action, &e.Object, &e.Result, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At = e.At.UTC()
	return &e, nil
}

// AuditEntries lists entries matching f, newest first.
func (db *DB) AuditEntries(ctx context.Context, f huitong.AuditFilter) ([]*huitong.AuditEntry, error) {
	q := `SELECT ` + auditColumns + ` FROM audit_log WHERE 1=1`
	var args []any
	for _, c := range []struct{ col, v string }{{"object", f.Object}, {"actor", f.Actor}, {"department", f.Department}, {"action", f.Action}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q += fmt.Sprintf(` ORDER BY at DESC, seq DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0))
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit entries: %w", err)
	}
	defer rows.Close()
	var out []*huitong.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// VerifyAudit walks every chain in sequence order and checks each link,
// reading in pages so memory stays flat. It returns the number of entries
// verified, and on failure the chain and sequence number of the first bad
// entry.
func (db *DB) VerifyAudit(ctx context.Context) (n int64, badChain string, badSeq int64, err error) {
	chains, err := db.auditChains(ctx)
	if err != nil {
		return 0, "", 0, err
	}
	for _, chain := range chains {
		prev, next := audit.Genesis, int64(1)
		for {
			rows, err := db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE chain = ? AND seq >= ? ORDER BY seq LIMIT 5000`, chain, next)
			if err != nil {
				return n, "", 0, fmt.Errorf("store: verify audit: %w", err)
			}
			var page []*huitong.AuditEntry
			for rows.Next() {
				e, err := scanAudit(rows)
				if err != nil {
					rows.Close()
					return n, "", 0, err
				}
				page = append(page, e)
			}
			rows.Close()
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				if e.Seq != next {
					return n, chain, next, fmt.Errorf("audit: chain %s: entry %d is missing", chain, next)
				}
				next++
			}
			if seq, err := audit.Verify(prev, page); err != nil {
				return n + seq - page[0].Seq, chain, seq, err
			}
			n += int64(len(page))
			prev = page[len(page)-1].Hash
		}
		var headSeq int64
		var headHash string
		if err := db.QueryRowContext(ctx, `SELECT seq, hash FROM audit_heads WHERE chain = ?`, chain).Scan(&headSeq, &headHash); err == nil {
			if headSeq != next-1 || headHash != prev {
				return n, chain, next, fmt.Errorf("audit: chain %s: head says %d entries ending %s, log has %d ending %s (entries removed from the end?)", chain, headSeq, short(headHash), next-1, short(prev))
			}
		}
	}
	return n, "", 0, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func (db *DB) auditChains(ctx context.Context) ([]string, error) {
	// The log's chains are found by skipping from one to the next along
	// the primary key (chain, seq), one index probe each: SELECT DISTINCT
	// read the whole log (a tenth of a verification's time on PostgreSQL).
	// Chains in the log without a head are listed too: a deleted head row
	// must not hide a chain from verification.
	rows, err := db.QueryContext(ctx, `WITH RECURSIVE c (chain) AS (
			SELECT MIN(chain) FROM audit_log
			UNION ALL
			SELECT (SELECT MIN(l.chain) FROM audit_log l WHERE l.chain > c.chain) FROM c WHERE c.chain IS NOT NULL)
		SELECT chain FROM c WHERE chain IS NOT NULL UNION SELECT chain FROM audit_heads ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("store: audit chains: %w", err)
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

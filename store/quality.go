package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"huitong"
)

// --- data element register ---

// DataElements lists the register, by code.
func (db *DB) DataElements(ctx context.Context) ([]*huitong.DataElement, error) {
	rows, err := db.QueryContext(ctx, `SELECT code, name, aliases, rule, role, authority, updated_by, updated_at FROM data_elements ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("store: data elements: %w", err)
	}
	defer rows.Close()
	var out []*huitong.DataElement
	for rows.Next() {
		var e huitong.DataElement
		var aliases string
		var at sql.NullTime
		if err := rows.Scan(&e.Code, &e.Name, &aliases, &e.Rule, &e.Role, &e.Authority, &e.UpdatedBy, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(aliases), &e.Aliases); err != nil {
			return nil, fmt.Errorf("store: data element %s aliases: %w", e.Code, err)
		}
		if at.Valid {
			e.UpdatedAt = at.Time.UTC()
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// SaveDataElement inserts or replaces e.
func (tx *Tx) SaveDataElement(ctx context.Context, e *huitong.DataElement) error {
	aliases := e.Aliases
	if aliases == nil {
		aliases = []string{}
	}
	a, err := json.Marshal(aliases)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO data_elements (code, name, aliases, rule, role, authority, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, aliases = excluded.aliases, rule = excluded.rule, role = excluded.role,
		authority = excluded.authority, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		e.Code, e.Name, string(a), e.Rule, e.Role, e.Authority, e.UpdatedBy, NullTime(e.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: save data element: %w", err)
	}
	return nil
}

// DeleteDataElement removes code from the register. ENOTFOUND when absent.
func (tx *Tx) DeleteDataElement(ctx context.Context, code string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM data_elements WHERE code = ?`, code)
	if err != nil {
		return fmt.Errorf("store: delete data element: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ENOTFOUND, "数据元不存在: %s", code)
	}
	return nil
}

// --- quality scores ---

// InsertQualityScore stores a snapshot of a resource's quality.
func (db *DB) InsertQualityScore(ctx context.Context, s *huitong.QualityScore) error {
	_, err := db.ExecContext(ctx, `INSERT INTO quality_scores (resource, batch_id, at, records, completeness, validity, uniqueness, consistency, timeliness, overall)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Resource, s.Batch, s.At.UTC(), s.Records, s.Completeness, s.Validity, s.Uniqueness, s.Consistency, s.Timeliness, s.Overall)
	if err != nil {
		return fmt.Errorf("store: insert quality score: %w", err)
	}
	return nil
}

const scoreColumns = `resource, batch_id, at, records, completeness, validity, uniqueness, consistency, timeliness, overall`

func scanScore(s interface{ Scan(...any) error }) (*huitong.QualityScore, error) {
	var q huitong.QualityScore
	if err := s.Scan(&q.Resource, &q.Batch, &q.At, &q.Records, &q.Completeness, &q.Validity, &q.Uniqueness, &q.Consistency, &q.Timeliness, &q.Overall); err != nil {
		return nil, err
	}
	q.At = q.At.UTC()
	return &q, nil
}

// QualityTrend returns the snapshots of resource taken at or after since,
// oldest first, at most limit (the newest ones).
func (db *DB) QualityTrend(ctx context.Context, resource string, since time.Time, limit int) ([]*huitong.QualityScore, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT `+scoreColumns+` FROM quality_scores WHERE resource = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT %d`, limit), resource, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("store: quality trend: %w", err)
	}
	defer rows.Close()
	var out []*huitong.QualityScore
	for rows.Next() {
		q, err := scanScore(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// LatestQualityScores returns the newest snapshot of every resource that
// has one, by resource code.
func (db *DB) LatestQualityScores(ctx context.Context) ([]*huitong.QualityScore, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+scoreColumns+` FROM quality_scores q WHERE id = (SELECT MAX(id) FROM quality_scores r WHERE r.resource = q.resource) ORDER BY resource`)
	if err != nil {
		return nil, fmt.Errorf("store: latest quality: %w", err)
	}
	defer rows.Close()
	var out []*huitong.QualityScore
	for rows.Next() {
		q, err := scanScore(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// --- near duplicates ---

// NearDuplicateKeys calls fn for every match key shared by more than one
// current record of resource, with the keys sharing it (sorted).
func (db *DB) NearDuplicateKeys(ctx context.Context, resource string, fn func(matchKey string, keys []string) error) error {
	// Deleted records carry no match key, so the grouping reads the
	// partial index (resource, match_key) alone.
	rows, err := db.scan(ctx, `SELECT r.match_key, r.rkey FROM records r JOIN (
		SELECT match_key FROM records WHERE resource = ? AND match_key <> '' GROUP BY match_key HAVING COUNT(*) > 1) d
		ON d.match_key = r.match_key WHERE r.resource = ? AND r.match_key <> '' ORDER BY r.match_key, r.rkey`, resource, resource)
	if err != nil {
		return fmt.Errorf("store: near duplicates: %w", err)
	}
	defer rows.Close()
	var cur string
	var keys []string
	for rows.Next() {
		var mk, k string
		if err := rows.Scan(&mk, &k); err != nil {
			return err
		}
		if mk != cur && len(keys) > 0 {
			if err := fn(cur, keys); err != nil {
				return err
			}
			keys = nil
		}
		cur = mk
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(keys) > 0 {
		return fn(cur, keys)
	}
	return nil
}

// ReplaceDuplicateGroups replaces the stored near-duplicate groups of
// resource with groups.
func (db *DB) ReplaceDuplicateGroups(ctx context.Context, resource string, groups []*huitong.DuplicateGroup, matchKeys []string) error {
	return db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM record_duplicates WHERE resource = ?`, resource); err != nil {
			return fmt.Errorf("store: clear duplicates: %w", err)
		}
		const group = 200
		for start := 0; start < len(groups); start += group {
			part := groups[start:min(start+group, len(groups))]
			args := make([]any, 0, len(part)*7)
			for i, g := range part {
				keys, _ := json.Marshal(g.Keys)
				args = append(args, resource, matchKeys[start+i], g.Name, g.Date, string(keys), len(g.Keys), g.FoundAt.UTC())
			}
			q := `INSERT INTO record_duplicates (resource, match_key, name, date, keys, n, found_at) VALUES ` +
				strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(part)-1) + "(?, ?, ?, ?, ?, ?, ?)"
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("store: insert duplicates: %w", err)
			}
		}
		return nil
	})
}

// DuplicateGroups lists the stored near-duplicate groups of resource, with
// the total count and the number of records in them.
func (db *DB) DuplicateGroups(ctx context.Context, resource string, offset, limit int) ([]*huitong.DuplicateGroup, int, int, error) {
	var total, records int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(n), 0) FROM record_duplicates WHERE resource = ?`, resource).Scan(&total, &records); err != nil {
		return nil, 0, 0, fmt.Errorf("store: count duplicates: %w", err)
	}
	if limit <= 0 {
		limit = 50
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT resource, name, date, keys, found_at FROM record_duplicates WHERE resource = ? ORDER BY name, date LIMIT %d OFFSET %d`, limit, max(offset, 0)), resource)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("store: duplicates: %w", err)
	}
	defer rows.Close()
	out := []*huitong.DuplicateGroup{}
	for rows.Next() {
		var g huitong.DuplicateGroup
		var keys string
		if err := rows.Scan(&g.Resource, &g.Name, &g.Date, &keys, &g.FoundAt); err != nil {
			return nil, 0, 0, err
		}
		g.FoundAt = g.FoundAt.UTC()
		if err := json.Unmarshal([]byte(keys), &g.Keys); err != nil {
			return nil, 0, 0, err
		}
		out = append(out, &g)
	}
	return out, total, records, rows.Err()
}

// --- disputes ---

const disputeColumns = `id, element, element_name, subject, authority, authority_resource, authority_value, resource, provider, value, status,
	deadline, answer, corrected_value, answered_by, answered_at, created_at, updated_at`

func scanDispute(s interface{ Scan(...any) error }) (*huitong.Dispute, error) {
	var d huitong.Dispute
	var status string
	var answered sql.NullTime
	if err := s.Scan(&d.ID, &d.Element, &d.ElementName, &d.Subject, &d.Authority, &d.AuthorityResource, &d.AuthorityValue, &d.Resource, &d.Provider,
		&d.Value, &status, &d.Deadline, &d.Answer, &d.CorrectedValue, &d.AnsweredBy, &answered, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	d.Status = huitong.DisputeStatus(status)
	d.Deadline, d.CreatedAt, d.UpdatedAt = d.Deadline.UTC(), d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	if answered.Valid {
		d.AnsweredAt = answered.Time.UTC()
	}
	return &d, nil
}

// DisputesBetween returns the disputes between resource and the
// authoritative resource, keyed by element + "\x00" + subject.
func (db *DB) DisputesBetween(ctx context.Context, resource, authorityResource string) (map[string]*huitong.Dispute, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+disputeColumns+` FROM disputes WHERE resource = ? AND authority_resource = ?`, resource, authorityResource)
	if err != nil {
		return nil, fmt.Errorf("store: disputes between: %w", err)
	}
	defer rows.Close()
	out := map[string]*huitong.Dispute{}
	for rows.Next() {
		d, err := scanDispute(rows)
		if err != nil {
			return nil, err
		}
		out[d.Element+"\x00"+d.Subject] = d
	}
	return out, rows.Err()
}

// InsertDisputes adds new disputes; one that already exists (another
// instance reconciled the same pair at the same time) is left as it is.
func (tx *Tx) InsertDisputes(ctx context.Context, ds []*huitong.Dispute) error {
	const group = 200
	for start := 0; start < len(ds); start += group {
		part := ds[start:min(start+group, len(ds))]
		args := make([]any, 0, len(part)*14)
		for _, d := range part {
			args = append(args, d.Element, d.ElementName, d.Subject, d.Authority, d.AuthorityResource, d.AuthorityValue, d.Resource, d.Provider,
				d.Value, string(d.Status), d.Deadline.UTC(), d.CreatedAt.UTC(), d.UpdatedAt.UTC())
		}
		one := "(" + placeholders(13) + ")"
		q := `INSERT INTO disputes (element, element_name, subject, authority, authority_resource, authority_value, resource, provider, value, status,
			deadline, created_at, updated_at) VALUES ` + strings.Repeat(one+", ", len(part)-1) + one +
			` ON CONFLICT (resource, authority_resource, element, subject) DO NOTHING`
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: insert disputes: %w", err)
		}
	}
	return nil
}

// SaveDispute stores the state of an existing dispute.
func (tx *Tx) SaveDispute(ctx context.Context, d *huitong.Dispute) error {
	_, err := tx.ExecContext(ctx, `UPDATE disputes SET authority = ?, authority_value = ?, value = ?, status = ?, deadline = ?, answer = ?, corrected_value = ?,
		answered_by = ?, answered_at = ?, updated_at = ? WHERE id = ?`,
		d.Authority, d.AuthorityValue, d.Value, string(d.Status), d.Deadline.UTC(), d.Answer, d.CorrectedValue, d.AnsweredBy, NullTime(d.AnsweredAt), d.UpdatedAt.UTC(), d.ID)
	if err != nil {
		return fmt.Errorf("store: save dispute: %w", err)
	}
	return nil
}

// FindDispute returns dispute id.
func (tx *Tx) FindDispute(ctx context.Context, id int64) (*huitong.Dispute, error) {
	d, err := scanDispute(tx.QueryRowContext(ctx, `SELECT `+disputeColumns+` FROM disputes WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "疑义不存在: %d", id)
	}
	return d, nil
}

// Disputes lists disputes matching f, newest first, with the total. Overdue
// selects open disputes past their deadline at now.
func (db *DB) Disputes(ctx context.Context, f huitong.DisputeFilter, now time.Time) ([]*huitong.Dispute, int, error) {
	where := ` WHERE 1=1`
	var args []any
	for _, c := range []struct{ col, v string }{{"status", string(f.Status)}, {"authority", f.Authority}, {"provider", f.Provider},
		{"resource", f.Resource}, {"element", f.Element}, {"subject", f.Subject}} {
		if c.v != "" {
			where += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.Department != "" {
		where += ` AND (authority = ? OR provider = ?)`
		args = append(args, f.Department, f.Department)
	}
	if f.Overdue {
		where += ` AND status = 'open' AND deadline < ?`
		args = append(args, now.UTC())
	}
	var total int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM disputes`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count disputes: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT `+disputeColumns+` FROM disputes`+where+` ORDER BY id DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: disputes: %w", err)
	}
	defer rows.Close()
	out := []*huitong.Dispute{}
	for rows.Next() {
		d, err := scanDispute(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// DisputedSubjects counts the distinct subjects of resource (as the
// non-authoritative side) with an open or confirmed dispute: values that
// disagree with the authoritative source and are not yet corrected.
func (db *DB) DisputedSubjects(ctx context.Context, resource string) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT subject) FROM disputes WHERE resource = ? AND status IN ('open', 'confirmed')`, resource).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: disputed subjects: %w", err)
	}
	return n, nil
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"huitong"
)

// NextSequence returns the next value of a named counter, starting at 1.
// The upsert is atomic on both engines, so concurrent callers never get the
// same value.
func (tx *Tx) NextSequence(ctx context.Context, name string) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `INSERT INTO sequences (name, n) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET n = sequences.n + 1 RETURNING n`, name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: sequence %s: %w", name, err)
	}
	return n, nil
}

// ResourceHead is the summary row of a catalog entry.
type ResourceHead struct {
	Code             string
	Provider         string
	LatestVersion    int
	PublishedVersion int
	Status           huitong.Status // of the latest version
}

// SearchText is what the brute-force LIKE baseline scans: the same fields
// the full-text index covers.
func SearchText(r *huitong.Resource) string {
	var b strings.Builder
	b.WriteString(r.Name)
	b.WriteByte('\n')
	b.WriteString(r.Abstract)
	for _, it := range r.Items {
		b.WriteByte('\n')
		b.WriteString(it.Name)
	}
	for _, k := range r.Keywords {
		b.WriteByte('\n')
		b.WriteString(k)
	}
	return b.String()
}

// InsertResource creates the entry r.Code with r as its first version.
// ECONFLICT when the code exists.
func (tx *Tx) InsertResource(ctx context.Context, r *huitong.Resource) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO resources (code, provider, class_code, latest_version, published_version, status, name, search_text, created_at, updated_at)
		VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
		r.Code, r.Provider, r.Classification.Code(), r.Version, string(r.Status), r.Name, SearchText(r), r.CreatedAt, r.UpdatedAt)
	if IsUniqueViolation(err) {
		return huitong.Errorf(huitong.ECONFLICT, "资源代码已存在: %s", r.Code)
	} else if err != nil {
		return fmt.Errorf("store: insert resource: %w", err)
	}
	return tx.SaveVersion(ctx, r)
}

// SaveVersion inserts or replaces version r.Version of r.Code and refreshes
// the summary row: latest version, its status, and the published version.
func (tx *Tx) SaveVersion(ctx context.Context, r *huitong.Resource) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: encode resource: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO resource_versions (code, version, status, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (code, version) DO UPDATE SET status = excluded.status, doc = excluded.doc, updated_at = excluded.updated_at`,
		r.Code, r.Version, string(r.Status), string(doc), r.UpdatedAt, r.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: save resource version: %w", err)
	}
	published := 0
	if r.Status == huitong.StatusPublished {
		published = r.Version
	}
	// The summary keeps the newest version's status; the published version
	// only moves forward when this version is published, and is cleared when
	// this version (the published one) is withdrawn.
	_, err = tx.ExecContext(ctx, `UPDATE resources SET
		latest_version = CASE WHEN ? > latest_version THEN ? ELSE latest_version END,
		status = CASE WHEN ? >= latest_version THEN ? ELSE status END,
		published_version = CASE WHEN ? > 0 THEN ? WHEN ? = 'withdrawn' AND published_version = ? THEN 0 ELSE published_version END,
		name = CASE WHEN ? >= latest_version OR ? > 0 THEN ? ELSE name END,
		search_text = CASE WHEN ? > 0 OR published_version = 0 THEN ? ELSE search_text END,
		updated_at = ?
		WHERE code = ?`,
		r.Version, r.Version,
		r.Version, string(r.Status),
		published, published, string(r.Status), r.Version,
		r.Version, published, r.Name,
		published, SearchText(r),
		r.UpdatedAt, r.Code)
	if err != nil {
		return fmt.Errorf("store: update resource summary: %w", err)
	}
	return nil
}

// FindResourceHead returns the summary row of code.
func (tx *Tx) FindResourceHead(ctx context.Context, code string) (*ResourceHead, error) {
	var h ResourceHead
	var status string
	err := tx.QueryRowContext(ctx, `SELECT code, provider, latest_version, published_version, status FROM resources WHERE code = ?`, code).
		Scan(&h.Code, &h.Provider, &h.LatestVersion, &h.PublishedVersion, &status)
	if err != nil {
		return nil, notFound(err, "资源不存在: %s", code)
	}
	h.Status = huitong.Status(status)
	return &h, nil
}

// FindResourceVersion returns one version of an entry.
func (tx *Tx) FindResourceVersion(ctx context.Context, code string, version int) (*huitong.Resource, error) {
	var doc string
	err := tx.QueryRowContext(ctx, `SELECT doc FROM resource_versions WHERE code = ? AND version = ?`, code, version).Scan(&doc)
	if err != nil {
		return nil, notFound(err, "资源 %s 没有第 %d 版", code, version)
	}
	return decodeResource(doc)
}

func decodeResource(doc string) (*huitong.Resource, error) {
	var r huitong.Resource
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, fmt.Errorf("store: decode resource: %w", err)
	}
	return &r, nil
}

// ResourceVersions lists every version of code, newest first.
func (db *DB) ResourceVersions(ctx context.Context, code string) ([]*huitong.Resource, error) {
	rows, err := db.QueryContext(ctx, `SELECT doc FROM resource_versions WHERE code = ? ORDER BY version DESC`, code)
	if err != nil {
		return nil, fmt.Errorf("store: resource versions: %w", err)
	}
	defer rows.Close()
	var out []*huitong.Resource
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		r, err := decodeResource(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// EachCurrentResource calls fn for the latest version of every entry and,
// where it differs, the published version: what the search index holds.
func (db *DB) EachCurrentResource(ctx context.Context, fn func(r *huitong.Resource) error) error {
	rows, err := db.QueryContext(ctx, `SELECT v.doc FROM resource_versions v JOIN resources r ON r.code = v.code
		WHERE v.version = r.latest_version OR v.version = r.published_version ORDER BY v.code, v.version`)
	if err != nil {
		return fmt.Errorf("store: scan resources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return err
		}
		r, err := decodeResource(doc)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountResources counts entries by whether they have a published version.
func (db *DB) CountResources(ctx context.Context) (total, published int, err error) {
	err = db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN published_version > 0 THEN 1 ELSE 0 END), 0) FROM resources`).Scan(&total, &published)
	return total, published, err
}

// LikeSearch is the brute-force baseline the full-text index is measured
// against: a LIKE scan over the published entries' search text, returning
// the matching codes (up to limit, by code) and the total count.
func (db *DB) LikeSearch(ctx context.Context, q string, limit int) ([]string, int, error) {
	pattern := "%" + escapeLike(q) + "%"
	var total int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM resources WHERE published_version > 0 AND search_text LIKE ? ESCAPE '\'`, pattern).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: like search: %w", err)
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT code FROM resources WHERE published_version > 0 AND search_text LIKE ? ESCAPE '\' ORDER BY code LIMIT %d`, limit), pattern)
	if err != nil {
		return nil, 0, fmt.Errorf("store: like search: %w", err)
	}
	defer rows.Close()
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, 0, err
		}
		codes = append(codes, c)
	}
	return codes, total, rows.Err()
}

// InsertChange records a change to a catalog entry.
func (tx *Tx) InsertChange(ctx context.Context, c *huitong.Change) error {
	if c.At.IsZero() {
		c.At = tx.db.Now()
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO resource_changes (code, version, action, actor, note, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Code, c.Version, c.Action, c.Actor, c.Note, c.At).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("store: insert change: %w", err)
	}
	return nil
}

// Changes lists the recorded changes of code, oldest first.
func (db *DB) Changes(ctx context.Context, code string) ([]*huitong.Change, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, code, version, action, actor, note, at FROM resource_changes WHERE code = ? ORDER BY id`, code)
	if err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	defer rows.Close()
	var out []*huitong.Change
	for rows.Next() {
		var c huitong.Change
		if err := rows.Scan(&c.ID, &c.Code, &c.Version, &c.Action, &c.Actor, &c.Note, &c.At); err != nil {
			return nil, err
		}
		c.At = c.At.UTC()
		out = append(out, &c)
	}
	return out, rows.Err()
}

// ResourceByName returns the code of the provider's entry with that name
// (latest version, not withdrawn), or "" when there is none.
func (tx *Tx) ResourceByName(ctx context.Context, provider, name string) (string, error) {
	var code string
	err := tx.QueryRowContext(ctx, `SELECT code FROM resources WHERE provider = ? AND name = ? AND status <> 'withdrawn' ORDER BY code LIMIT 1`, provider, name).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("store: resource by name: %w", err)
	}
	return code, nil
}

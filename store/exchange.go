package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"huitong"
)

// Storage of sharing and exchange: share requests, grants, daily usage,
// subscription feeds and the sealed credentials of API-mounted resources.
// Requests and grants are kept whole as JSON in doc; the other columns are
// copies that lists filter on, written together with it.

// InsertShareRequest stores r and fills r.ID.
func (tx *Tx) InsertShareRequest(ctx context.Context, r *huitong.ShareRequest) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: encode share request: %w", err)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO share_requests (resource, provider, consumer, status, escalated, due_by, grant_id, doc, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Resource, r.Provider, r.Consumer, string(r.Status), r.Escalated, r.DueBy.UTC(), r.Grant, string(doc), r.CreatedAt.UTC(), r.UpdatedAt.UTC()).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("store: insert share request: %w", err)
	}
	return tx.UpdateShareRequest(ctx, r) // doc now with its id
}

// UpdateShareRequest saves r over the stored request r.ID.
func (tx *Tx) UpdateShareRequest(ctx context.Context, r *huitong.ShareRequest) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: encode share request: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE share_requests SET status = ?, escalated = ?, due_by = ?, grant_id = ?, doc = ?, updated_at = ? WHERE id = ?`,
		string(r.Status), r.Escalated, r.DueBy.UTC(), r.Grant, string(doc), r.UpdatedAt.UTC(), r.ID)
	if err != nil {
		return fmt.Errorf("store: update share request: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ENOTFOUND, "共享申请不存在: %d", r.ID)
	}
	return nil
}

func decodeShareRequest(doc string) (*huitong.ShareRequest, error) {
	var r huitong.ShareRequest
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, fmt.Errorf("store: decode share request: %w", err)
	}
	return &r, nil
}

// FindShareRequest returns request id inside tx. ENOTFOUND when none.
func (tx *Tx) FindShareRequest(ctx context.Context, id int64) (*huitong.ShareRequest, error) {
	var doc string
	if err := tx.QueryRowContext(ctx, `SELECT doc FROM share_requests WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, notFound(err, "共享申请不存在: %d", id)
	}
	return decodeShareRequest(doc)
}

// FindShareRequest returns request id. ENOTFOUND when none.
func (db *DB) FindShareRequest(ctx context.Context, id int64) (*huitong.ShareRequest, error) {
	var doc string
	if err := db.QueryRowContext(ctx, `SELECT doc FROM share_requests WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, notFound(err, "共享申请不存在: %d", id)
	}
	return decodeShareRequest(doc)
}

// ShareRequests lists requests matching f, newest first, and the total.
func (db *DB) ShareRequests(ctx context.Context, f huitong.ShareRequestFilter) ([]*huitong.ShareRequest, int, error) {
	where, args := []string{"1=1"}, []any{}
	for _, c := range []struct{ col, v string }{{"consumer", f.Consumer}, {"provider", f.Provider}, {"resource", f.Resource}, {"status", string(f.Status)}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if f.Escalated {
		where = append(where, "escalated = TRUE")
	}
	return listDocs(ctx, db, "share_requests", where, args, f.Offset, f.Limit, decodeShareRequest)
}

// listDocs runs a paged list over a table of JSON docs.
func listDocs[T any](ctx context.Context, db *DB, table string, where []string, args []any, offset, limit int, decode func(string) (T, error)) ([]T, int, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count %s: %w", table, err)
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT doc FROM `+table+` WHERE `+cond+` ORDER BY id DESC LIMIT %d OFFSET %d`, limit, max(offset, 0)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list %s: %w", table, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, 0, err
		}
		v, err := decode(doc)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, rows.Err()
}

// OverdueShareRequests lists pending requests not yet escalated whose due
// time is before now.
func (db *DB) OverdueShareRequests(ctx context.Context, now time.Time) ([]*huitong.ShareRequest, error) {
	rows, err := db.QueryContext(ctx, `SELECT doc FROM share_requests WHERE status = ? AND escalated = FALSE AND due_by < ? ORDER BY id`,
		string(huitong.RequestPending), now.UTC())
	if err != nil {
		return nil, fmt.Errorf("store: overdue share requests: %w", err)
	}
	defer rows.Close()
	var out []*huitong.ShareRequest
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		r, err := decodeShareRequest(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// InsertGrant stores g and fills g.ID. ECONFLICT when g is a standing
// grant and the consumer already holds one for the resource.
func (tx *Tx) InsertGrant(ctx context.Context, g *huitong.Grant) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO grants (resource, provider, consumer, status, standing, valid_until, doc, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?) RETURNING id`,
		g.Resource, g.Provider, g.Consumer, string(g.Status), g.Standing, g.Until.UTC(), g.CreatedAt.UTC(), g.UpdatedAt.UTC()).Scan(&g.ID)
	if IsUniqueViolation(err) {
		return huitong.Errorf(huitong.ECONFLICT, "部门 %s 已持有资源 %s 的无条件共享授权", g.Consumer, g.Resource)
	} else if err != nil {
		return fmt.Errorf("store: insert grant: %w", err)
	}
	return tx.UpdateGrant(ctx, g)
}

// UpdateGrant saves g over the stored grant g.ID.
func (tx *Tx) UpdateGrant(ctx context.Context, g *huitong.Grant) error {
	doc, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("store: encode grant: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE grants SET status = ?, valid_until = ?, doc = ?, updated_at = ? WHERE id = ?`,
		string(g.Status), g.Until.UTC(), string(doc), g.UpdatedAt.UTC(), g.ID)
	if err != nil {
		return fmt.Errorf("store: update grant: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ENOTFOUND, "共享授权不存在: %d", g.ID)
	}
	return nil
}

func decodeGrant(doc string) (*huitong.Grant, error) {
	var g huitong.Grant
	if err := json.Unmarshal([]byte(doc), &g); err != nil {
		return nil, fmt.Errorf("store: decode grant: %w", err)
	}
	return &g, nil
}

// FindGrant returns grant id inside tx. ENOTFOUND when none.
func (tx *Tx) FindGrant(ctx context.Context, id int64) (*huitong.Grant, error) {
	var doc string
	if err := tx.QueryRowContext(ctx, `SELECT doc FROM grants WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, notFound(err, "共享授权不存在: %d", id)
	}
	return decodeGrant(doc)
}

// FindGrant returns grant id. ENOTFOUND when none.
func (db *DB) FindGrant(ctx context.Context, id int64) (*huitong.Grant, error) {
	var doc string
	if err := db.QueryRowContext(ctx, `SELECT doc FROM grants WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, notFound(err, "共享授权不存在: %d", id)
	}
	return decodeGrant(doc)
}

// StandingGrant returns the consumer's standing grant for resource inside
// tx. ENOTFOUND when there is none.
func (tx *Tx) StandingGrant(ctx context.Context, consumer, resource string) (*huitong.Grant, error) {
	var doc string
	err := tx.QueryRowContext(ctx, `SELECT doc FROM grants WHERE consumer = ? AND resource = ? AND standing = TRUE`, consumer, resource).Scan(&doc)
	if err != nil {
		return nil, notFound(err, "没有无条件共享授权")
	}
	return decodeGrant(doc)
}

// Grants lists grants matching f, newest first, and the total. Status
// active selects grants stored active whose Until is after now.
func (db *DB) Grants(ctx context.Context, f huitong.GrantFilter, now time.Time) ([]*huitong.Grant, int, error) {
	where, args := []string{"1=1"}, []any{}
	for _, c := range []struct{ col, v string }{{"consumer", f.Consumer}, {"provider", f.Provider}, {"resource", f.Resource}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	switch f.Status {
	case "":
	case huitong.GrantActive:
		where = append(where, "status = ? AND valid_until > ?")
		args = append(args, string(huitong.GrantActive), now.UTC())
	case huitong.GrantExpired:
		where = append(where, "status = ? AND valid_until <= ?")
		args = append(args, string(huitong.GrantActive), now.UTC())
	default:
		where = append(where, "status = ?")
		args = append(args, string(f.Status))
	}
	return listDocs(ctx, db, "grants", where, args, f.Offset, f.Limit, decodeGrant)
}

// GrantsFor lists every grant (any state) the consumer holds on resource,
// newest first: what a query chooses from.
func (db *DB) GrantsFor(ctx context.Context, consumer, resource string) ([]*huitong.Grant, error) {
	rows, err := db.QueryContext(ctx, `SELECT doc FROM grants WHERE consumer = ? AND resource = ? ORDER BY id DESC`, consumer, resource)
	if err != nil {
		return nil, fmt.Errorf("store: grants for: %w", err)
	}
	defer rows.Close()
	var out []*huitong.Grant
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		g, err := decodeGrant(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// AddGrantUsage adds n subjects to the grant's count for day (YYYY-MM-DD).
func (tx *Tx) AddGrantUsage(ctx context.Context, grant int64, day string, n int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO grant_usage (grant_id, day, n) VALUES (?, ?, ?)
		ON CONFLICT (grant_id, day) DO UPDATE SET n = grant_usage.n + excluded.n`, grant, day, n)
	if err != nil {
		return fmt.Errorf("store: grant usage: %w", err)
	}
	return nil
}

// GrantUsage returns the subjects counted for the grant on day.
func (db *DB) GrantUsage(ctx context.Context, grant int64, day string) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT n FROM grant_usage WHERE grant_id = ? AND day = ?`, grant, day).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// Feed is a grant's change feed as stored; the webhook secret is sealed.
type Feed struct {
	Grant         int64
	Webhook       string
	WebhookSecret []byte // sealed with the master keyring
	Active        bool
	StartSeq      int64 // the change sequence the feed started after
	AuditedSeq    int64
	PublishedSeq  int64
	LastError     string
	LastDelivery  time.Time
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

const feedColumns = `grant_id, webhook, webhook_secret, active, start_seq, audited_seq, published_seq, last_error, last_delivery, created_by, created_at, updated_at`

func scanFeed(s interface{ Scan(...any) error }) (*Feed, error) {
	var f Feed
	var secret string
	var last sql.NullTime
	if err := s.Scan(&f.Grant, &f.Webhook, &secret, &f.Active, &f.StartSeq, &f.AuditedSeq, &f.PublishedSeq, &f.LastError, &last, &f.CreatedBy, &f.CreatedAt, &f.UpdatedAt); err != nil {
		return nil, err
	}
	if secret != "" {
		b, err := base64.StdEncoding.DecodeString(secret)
		if err != nil {
			return nil, fmt.Errorf("store: feed %d secret: %w", f.Grant, err)
		}
		f.WebhookSecret = b
	}
	if last.Valid {
		f.LastDelivery = last.Time.UTC()
	}
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return &f, nil
}

// SaveFeed creates or replaces the feed of f.Grant, keeping its cursors
// when it exists and starting them at startSeq when it does not.
func (tx *Tx) SaveFeed(ctx context.Context, f *Feed, startSeq int64) error {
	secret := ""
	if len(f.WebhookSecret) > 0 {
		secret = base64.StdEncoding.EncodeToString(f.WebhookSecret)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO grant_feeds (grant_id, webhook, webhook_secret, active, start_seq, audited_seq, published_seq, last_error, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)
		ON CONFLICT (grant_id) DO UPDATE SET webhook = excluded.webhook, webhook_secret = excluded.webhook_secret, active = excluded.active, updated_at = excluded.updated_at`,
		f.Grant, f.Webhook, secret, f.Active, startSeq, startSeq, startSeq, f.CreatedBy, f.CreatedAt.UTC(), f.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("store: save feed: %w", err)
	}
	return nil
}

// FindFeed returns the feed of grant. ENOTFOUND when none.
func (db *DB) FindFeed(ctx context.Context, grant int64) (*Feed, error) {
	f, err := scanFeed(db.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM grant_feeds WHERE grant_id = ?`, grant))
	if err != nil {
		return nil, notFound(err, "授权 %d 没有订阅", grant)
	}
	return f, nil
}

// ActiveFeeds lists the active feeds.
func (db *DB) ActiveFeeds(ctx context.Context) ([]*Feed, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+feedColumns+` FROM grant_feeds WHERE active = TRUE ORDER BY grant_id`)
	if err != nil {
		return nil, fmt.Errorf("store: active feeds: %w", err)
	}
	defer rows.Close()
	var out []*Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// AdvanceFeedAudited moves the feed's audited cursor from from to to, in
// the transaction that appends the deliveries' audit entries. ECONFLICT
// when the cursor is no longer at from (another instance delivered them).
func (tx *Tx) AdvanceFeedAudited(ctx context.Context, grant, from, to int64, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE grant_feeds SET audited_seq = ?, updated_at = ? WHERE grant_id = ? AND audited_seq = ?`, to, at.UTC(), grant, from)
	if err != nil {
		return fmt.Errorf("store: feed cursor: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ECONFLICT, "订阅 %d 的游标已被推进", grant)
	}
	return nil
}

// SetFeedPublished moves the feed's published cursor forward to seq and
// records the delivery time; a non-empty problem is kept as last error.
func (db *DB) SetFeedPublished(ctx context.Context, grant, seq int64, at time.Time, problem string) error {
	_, err := db.ExecContext(ctx, `UPDATE grant_feeds SET published_seq = CASE WHEN published_seq < ? THEN ? ELSE published_seq END,
		last_delivery = ?, last_error = ?, updated_at = ? WHERE grant_id = ?`, seq, seq, at.UTC(), problem, at.UTC(), grant)
	if err != nil {
		return fmt.Errorf("store: feed cursor: %w", err)
	}
	return nil
}

// SetFeedError records a delivery problem of the feed ("" clears it).
func (db *DB) SetFeedError(ctx context.Context, grant int64, problem string, at time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE grant_feeds SET last_error = ?, updated_at = ? WHERE grant_id = ?`, problem, at.UTC(), grant)
	if err != nil {
		return fmt.Errorf("store: feed: %w", err)
	}
	return nil
}

// SetFeedActive switches a feed on or off.
func (tx *Tx) SetFeedActive(ctx context.Context, grant int64, active bool, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE grant_feeds SET active = ?, updated_at = ? WHERE grant_id = ?`, active, at.UTC(), grant)
	if err != nil {
		return fmt.Errorf("store: feed: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ENOTFOUND, "授权 %d 没有订阅", grant)
	}
	return nil
}

// PutAPICredential stores the sealed credential the platform presents to
// the provider's endpoint of an API-mounted resource, replacing any.
//
// NB: sealed must come from the keyring; never store the value in clear.
func (tx *Tx) PutAPICredential(ctx context.Context, resource, header string, sealed []byte, by string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO api_credentials (resource, header, sealed, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (resource) DO UPDATE SET header = excluded.header, sealed = excluded.sealed, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		resource, header, base64.StdEncoding.EncodeToString(sealed), by, at.UTC())
	if err != nil {
		return fmt.Errorf("store: api credential: %w", err)
	}
	return nil
}

// DeleteAPICredential removes the credential of resource.
func (tx *Tx) DeleteAPICredential(ctx context.Context, resource string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM api_credentials WHERE resource = ?`, resource)
	if err != nil {
		return fmt.Errorf("store: api credential: %w", err)
	}
	return nil
}

// APICredential is a provider endpoint credential as stored.
type APICredential struct {
	Resource  string
	Header    string
	Sealed    []byte
	UpdatedBy string
	UpdatedAt time.Time
}

// FindAPICredential returns the credential of resource. ENOTFOUND when none.
func (db *DB) FindAPICredential(ctx context.Context, resource string) (*APICredential, error) {
	var c APICredential
	var sealed string
	err := db.QueryRowContext(ctx, `SELECT resource, header, sealed, updated_by, updated_at FROM api_credentials WHERE resource = ?`, resource).
		Scan(&c.Resource, &c.Header, &sealed, &c.UpdatedBy, &c.UpdatedAt)
	if err != nil {
		return nil, notFound(err, "资源 %s 没有接口凭据", resource)
	}
	c.UpdatedAt = c.UpdatedAt.UTC()
	c.Sealed, err = base64.StdEncoding.DecodeString(sealed)
	return &c, err
}

// ResourceCodesOf lists the codes of the resources a department provides.
func (db *DB) ResourceCodesOf(ctx context.Context, provider string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT code FROM resources WHERE provider = ? ORDER BY code`, provider)
	if err != nil {
		return nil, fmt.Errorf("store: resource codes: %w", err)
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

// UsageCount is one row of an exchange usage summary.
type UsageCount struct {
	Resource   string `json:"resource"`
	Department string `json:"department"`
	Action     string `json:"action"`
	Result     string `json:"result"`
	Count      int    `json:"count"`
}

// ExchangeUsageSummary counts exchange entries by resource, acting
// department, action and result, over the same selection as ExchangeAudit.
func (db *DB) ExchangeUsageSummary(ctx context.Context, f ExchangeAuditFilter) ([]UsageCount, error) {
	q := `SELECT object, department, action, result, COUNT(*) FROM audit_log WHERE action LIKE ?`
	args := []any{"exchange.%"}
	if f.Department != "" {
		q += ` AND department = ?`
		args = append(args, f.Department)
	}
	if len(f.Objects) > 0 {
		q += ` AND object IN (` + strings.TrimSuffix(strings.Repeat("?,", len(f.Objects)), ",") + `)`
		for _, o := range f.Objects {
			args = append(args, o)
		}
	}
	if !f.From.IsZero() {
		q += ` AND at >= ?`
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		q += ` AND at < ?`
		args = append(args, f.To.UTC())
	}
	q += ` GROUP BY object, department, action, result ORDER BY object, department, action, result`
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: usage summary: %w", err)
	}
	defer rows.Close()
	out := []UsageCount{}
	for rows.Next() {
		var c UsageCount
		if err := rows.Scan(&c.Resource, &c.Department, &c.Action, &c.Result, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GrantResources lists the resources a consumer holds grants on (in any
// state): where its uses are found in the audit log.
func (db *DB) GrantResources(ctx context.Context, consumer string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT resource FROM grants WHERE consumer = ? ORDER BY resource`, consumer)
	if err != nil {
		return nil, fmt.Errorf("store: grant resources: %w", err)
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

// FindRecordData returns the values and jurisdiction of key's current
// record in resource: FindRecord for the query path, reading only what an
// answer needs. ENOTFOUND when there is none or it was deleted.
func (db *DB) FindRecordData(ctx context.Context, resource, key string) (map[string]string, string, error) {
	if db.records != nil {
		return db.findRecordLib(resource, key)
	}
	return db.findRecordPG(ctx, resource, key)
}

// decodeFlat decodes a record's data, a JSON object of strings, as
// json.Unmarshal into a map[string]string would. The stored form is the
// canonical one ingest writes: {"k":"v",...} without white space. A record
// in that form whose strings hold no escapes and whose bytes are valid
// UTF-8 is read directly, on the query path of every use of shared data;
// anything else goes through encoding/json.
func decodeFlat(b []byte) (map[string]string, error) {
	if m, ok := scanFlat(b); ok {
		return m, nil
	}
	m := make(map[string]string, 16)
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// scanFlat reads b in the canonical form; false when b is not in it.
func scanFlat(b []byte) (map[string]string, bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' || bytes.IndexByte(b, '\\') >= 0 || !utf8.Valid(b) {
		return nil, false
	}
	m := make(map[string]string, 16)
	i := 1
	str := func() (string, bool) { // a string at b[i], no escapes
		if i >= len(b) || b[i] != '"' {
			return "", false
		}
		j := bytes.IndexByte(b[i+1:], '"')
		if j < 0 {
			return "", false
		}
		s := b[i+1 : i+1+j]
		for _, c := range s {
			if c < 0x20 {
				return "", false
			}
		}
		i += j + 2
		return string(s), true
	}
	if i == len(b)-1 {
		return m, true
	}
	for {
		k, ok := str()
		if !ok || i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i++
		v, ok := str()
		if !ok || i >= len(b) {
			return nil, false
		}
		m[k] = v
		switch b[i] {
		case ',':
			i++
		case '}':
			return m, i == len(b)-1
		default:
			return nil, false
		}
	}
}

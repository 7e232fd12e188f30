package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"huitong"
)

// Storage of the certificate library: certificate types, the platform's
// seal-maker key, seals, certificates and show codes (migration 003).

// ReserveSequence advances the named counter by n and returns the first of
// the n values reserved (the counter's values start at 1). Concurrent
// callers get disjoint ranges on both engines.
func (tx *Tx) ReserveSequence(ctx context.Context, name string, n int) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("store: reserve %d values of %s", n, name)
	}
	var last int64
	err := tx.QueryRowContext(ctx, `INSERT INTO sequences (name, n) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET n = sequences.n + ? RETURNING n`, name, n, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("store: sequence %s: %w", name, err)
	}
	return last - int64(n) + 1, nil
}

// InsertCertType stores a new certificate type. ECONFLICT when the code exists.
func (tx *Tx) InsertCertType(ctx context.Context, t *huitong.CertType) error {
	doc, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("store: encode certificate type: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO cert_types (code, name, definer, retired, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.Code, t.Name, t.Definer, t.Retired, string(doc), t.CreatedAt, t.UpdatedAt)
	if IsUniqueViolation(err) {
		return huitong.Errorf(huitong.ECONFLICT, "证照类型代码已存在: %s", t.Code)
	} else if err != nil {
		return fmt.Errorf("store: insert certificate type: %w", err)
	}
	return nil
}

// UpdateCertType replaces a certificate type. ENOTFOUND when it does not exist.
func (tx *Tx) UpdateCertType(ctx context.Context, t *huitong.CertType) error {
	doc, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("store: encode certificate type: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE cert_types SET name = ?, retired = ?, doc = ?, updated_at = ? WHERE code = ?`,
		t.Name, t.Retired, string(doc), t.UpdatedAt, t.Code)
	if err != nil {
		return fmt.Errorf("store: update certificate type: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ENOTFOUND, "证照类型不存在: %s", t.Code)
	}
	return nil
}

// DeleteCertType removes a certificate type. ENOTFOUND when it does not exist.
func (tx *Tx) DeleteCertType(ctx context.Context, code string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM cert_types WHERE code = ?`, code)
	if err != nil {
		return fmt.Errorf("store: delete certificate type: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ENOTFOUND, "证照类型不存在: %s", code)
	}
	return nil
}

// FindCertType returns one certificate type.
func (tx *Tx) FindCertType(ctx context.Context, code string) (*huitong.CertType, error) {
	var doc string
	if err := tx.QueryRowContext(ctx, `SELECT doc FROM cert_types WHERE code = ?`, code).Scan(&doc); err != nil {
		return nil, notFound(err, "证照类型不存在: %s", code)
	}
	var t huitong.CertType
	if err := json.Unmarshal([]byte(doc), &t); err != nil {
		return nil, fmt.Errorf("store: decode certificate type: %w", err)
	}
	return &t, nil
}

// CertTypes lists every certificate type by code.
func (db *DB) CertTypes(ctx context.Context) ([]*huitong.CertType, error) {
	rows, err := db.QueryContext(ctx, `SELECT doc FROM cert_types ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("store: certificate types: %w", err)
	}
	defer rows.Close()
	out := []*huitong.CertType{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var t huitong.CertType
		if err := json.Unmarshal([]byte(doc), &t); err != nil {
			return nil, fmt.Errorf("store: decode certificate type: %w", err)
		}
		out = append(out, &t)
	}
	return out, rows.Err()
}

// CountCertificates counts the certificates of a type (all versions and states).
func (tx *Tx) CountCertificates(ctx context.Context, typeCode string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM certificates WHERE type_code = ?`, typeCode).Scan(&n)
	return n, err
}

// CertKey returns the sealed private key and the PEM public key of a
// platform key. ENOTFOUND when there is none.
//
// NB: the private key is sealed; open it only with the keyring, never log it.
func (tx *Tx) CertKey(ctx context.Context, id string) (sealed []byte, publicPEM string, err error) {
	var priv string
	err = tx.QueryRowContext(ctx, `SELECT private_key, public_key FROM cert_keys WHERE id = ?`, id).Scan(&priv, &publicPEM)
	if err != nil {
		return nil, "", notFound(err, "平台密钥不存在: %s", id)
	}
	sealed, err = base64.StdEncoding.DecodeString(priv)
	return sealed, publicPEM, err
}

// InsertCertKey stores a platform key; ECONFLICT when the id exists (another
// instance made it first).
func (tx *Tx) InsertCertKey(ctx context.Context, id string, sealed []byte, publicPEM string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO cert_keys (id, private_key, public_key, created_at) VALUES (?, ?, ?, ?)`,
		id, base64.StdEncoding.EncodeToString(sealed), publicPEM, tx.db.Now())
	if IsUniqueViolation(err) {
		return huitong.Errorf(huitong.ECONFLICT, "平台密钥已存在: %s", id)
	} else if err != nil {
		return fmt.Errorf("store: insert platform key: %w", err)
	}
	return nil
}

// InsertSeal stores a new seal with its sealed private key and PNG picture.
func (tx *Tx) InsertSeal(ctx context.Context, s *huitong.Seal, sealedKey, picture []byte) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("store: encode seal: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO seals (id, department, status, doc, private_key, picture, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.Department, string(s.Status), string(doc), base64.StdEncoding.EncodeToString(sealedKey), base64.StdEncoding.EncodeToString(picture), s.CreatedAt)
	if IsUniqueViolation(err) {
		return huitong.Errorf(huitong.ECONFLICT, "印章编码已存在: %s", s.ID)
	} else if err != nil {
		return fmt.Errorf("store: insert seal: %w", err)
	}
	return nil
}

// UpdateSeal saves a seal's information and status (rotation, revocation).
func (tx *Tx) UpdateSeal(ctx context.Context, s *huitong.Seal) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("store: encode seal: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE seals SET status = ?, doc = ? WHERE id = ?`, string(s.Status), string(doc), s.ID)
	if err != nil {
		return fmt.Errorf("store: update seal: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ENOTFOUND, "印章不存在: %s", s.ID)
	}
	return nil
}

func decodeSeal(doc string) (*huitong.Seal, error) {
	var s huitong.Seal
	if err := json.Unmarshal([]byte(doc), &s); err != nil {
		return nil, fmt.Errorf("store: decode seal: %w", err)
	}
	return &s, nil
}

// FindSeal returns a seal's information.
func (tx *Tx) FindSeal(ctx context.Context, id string) (*huitong.Seal, error) {
	var doc string
	if err := tx.QueryRowContext(ctx, `SELECT doc FROM seals WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, notFound(err, "印章不存在: %s", id)
	}
	return decodeSeal(doc)
}

// FindSeal returns a seal's information, outside a transaction.
func (db *DB) FindSeal(ctx context.Context, id string) (*huitong.Seal, error) {
	var doc string
	if err := db.QueryRowContext(ctx, `SELECT doc FROM seals WHERE id = ?`, id).Scan(&doc); err != nil {
		return nil, notFound(err, "印章不存在: %s", id)
	}
	return decodeSeal(doc)
}

// SealKey returns a seal's sealed private key.
//
// NB: open it only with the keyring, never log it.
func (tx *Tx) SealKey(ctx context.Context, id string) ([]byte, error) {
	var k string
	if err := tx.QueryRowContext(ctx, `SELECT private_key FROM seals WHERE id = ?`, id).Scan(&k); err != nil {
		return nil, notFound(err, "印章不存在: %s", id)
	}
	return base64.StdEncoding.DecodeString(k)
}

// SealPicture returns a seal's PNG picture.
func (db *DB) SealPicture(ctx context.Context, id string) ([]byte, error) {
	var p string
	if err := db.QueryRowContext(ctx, `SELECT picture FROM seals WHERE id = ?`, id).Scan(&p); err != nil {
		return nil, notFound(err, "印章不存在: %s", id)
	}
	return base64.StdEncoding.DecodeString(p)
}

// Seals lists the seals of a department (every department when empty),
// newest first.
func (db *DB) Seals(ctx context.Context, department string) ([]*huitong.Seal, error) {
	q, args := `SELECT doc FROM seals`, []any{}
	if department != "" {
		q, args = q+` WHERE department = ?`, append(args, department)
	}
	rows, err := db.QueryContext(ctx, q+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: seals: %w", err)
	}
	defer rows.Close()
	out := []*huitong.Seal{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		s, err := decodeSeal(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ActiveSeals lists a department's active seals, newest first.
func (tx *Tx) ActiveSeals(ctx context.Context, department string) ([]*huitong.Seal, error) {
	rows, err := tx.QueryContext(ctx, `SELECT doc FROM seals WHERE department = ? AND status = 'active' ORDER BY created_at DESC, id DESC`, department)
	if err != nil {
		return nil, fmt.Errorf("store: active seals: %w", err)
	}
	defer rows.Close()
	var out []*huitong.Seal
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		s, err := decodeSeal(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

const certColumns = `id, type_code, issuer, serial, version, holder_id, holder_name, seal_id, status, valid_to, issued_at, revoked_at, revoke_reason, superseded_by, source, created_by, payload, signature`

// certColumnList is certColumns as a list, for COPY.
var certColumnList = strings.Split(strings.ReplaceAll(certColumns, " ", ""), ",")

// certInsertChunk is how many rows one INSERT statement carries: 18
// parameters a row stays far below both engines' limits.
const certInsertChunk = 200

// certArgs appends the values of c's columns, in certColumns order.
//
// NB: the payload is passed as a string that shares c.Payload's bytes
// rather than a copy of them (a batch of 100,000 would copy 100 MB just to
// hand them to the driver, which copies them again). Both drivers are done
// with the value when Exec or CopyFrom returns, and a signed payload is
// never modified.
func certArgs(args []any, c *huitong.Certificate) []any {
	return append(args, c.ID, c.TypeCode, c.Issuer, c.Serial, c.Version, c.HolderID, c.HolderName, c.SealID, string(c.Status),
		NullTime(c.ValidTo), c.IssuedAt.UTC(), NullTime(c.RevokedAt), c.RevokeReason, c.SupersededBy, c.Source, c.CreatedBy,
		unsafe.String(unsafe.SliceData(c.Payload), len(c.Payload)), base64.StdEncoding.EncodeToString(c.Signature))
}

// InsertCertificates stores certificates with multi-row INSERT statements
// of up to 200 rows. ECONFLICT when an identifier or a (type, issuer,
// serial, version) is taken; the transaction should then be rolled back.
func (tx *Tx) InsertCertificates(ctx context.Context, certs []*huitong.Certificate) error {
	var full *sql.Stmt // the statement of a whole chunk, prepared once per call
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, min(len(certs), certInsertChunk)*18)
	for start := 0; start < len(certs); start += certInsertChunk {
		chunk := certs[start:min(start+certInsertChunk, len(certs))]
		args = args[:0]
		for _, c := range chunk {
			args = certArgs(args, c)
		}
		var err error
		if len(chunk) == certInsertChunk && len(certs) > certInsertChunk {
			if full == nil {
				if full, err = tx.tx.PrepareContext(ctx, tx.db.Rebind(insertCertsSQL(certInsertChunk))); err != nil {
					return fmt.Errorf("store: insert certificates: %w", err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertCertsSQL(len(chunk)), args...)
		}
		if IsUniqueViolation(err) {
			return huitong.Errorf(huitong.ECONFLICT, "证照标识或证照编号已存在(第 %d-%d 条之一)", start+1, start+len(chunk))
		} else if err != nil {
			return fmt.Errorf("store: insert certificates: %w", err)
		}
	}
	return nil
}

// StoreCertificates stores one chunk of a batch of new certificates and
// runs then (the batch's audit entry) in the same write transaction, which
// commits when then returns nil. ECONFLICT as InsertCertificates.
//
// On PostgreSQL the rows go in with COPY (pgx CopyFrom through the stdlib
// connection's Raw), which costs the server a fraction of parsing and
// planning multi-row INSERTs. On SQLite the writer checkpoints the WAL
// every 8,000 pages instead of 1,000 while a chunk commits, as bulk loads
// do (store/ingest.go): fewer checkpoints, each with its two fsyncs, and a
// page written by several chunks goes to the database file once.
func (db *DB) StoreCertificates(ctx context.Context, certs []*huitong.Certificate, then func(tx *Tx) error) error {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: certificates conn: %w", err)
	}
	defer conn.Close()
	if db.Engine == SQLite {
		var was int
		if err := conn.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&was); err != nil {
			return fmt.Errorf("store: certificates pragma: %w", err)
		}
		if _, err := conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 8000`); err != nil {
			return fmt.Errorf("store: certificates pragma: %w", err)
		}
		// Other writers get their setting back; the checkpoint decision for
		// this chunk was taken at its commit.
		defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, was))
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer sqlTx.Rollback()
	tx := &Tx{tx: sqlTx, db: db}
	if db.Engine == Postgres {
		err = conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("store: copy: driver connection is %T, not pgx", dc)
			}
			args := make([]any, 0, 18)
			_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"certificates"}, certColumnList, pgx.CopyFromSlice(len(certs), func(i int) ([]any, error) {
				args = certArgs(args[:0], certs[i])
				return args, nil
			}))
			return err
		})
		if IsUniqueViolation(err) {
			return huitong.Errorf(huitong.ECONFLICT, "证照标识或证照编号已存在(本批第 1-%d 条之一)", len(certs))
		} else if err != nil {
			return fmt.Errorf("store: copy certificates: %w", err)
		}
	} else if err := tx.InsertCertificates(ctx, certs); err != nil {
		return err
	}
	if err := then(tx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// insertCertsSQL is the INSERT of n certificate rows.
func insertCertsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO certificates (` + certColumns + `) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	}
	return b.String()
}

func scanCert(s interface{ Scan(...any) error }) (*huitong.Certificate, error) {
	var c huitong.Certificate
	var status, payload, sig string
	var validTo, revokedAt sql.NullTime
	if err := s.Scan(&c.ID, &c.TypeCode, &c.Issuer, &c.Serial, &c.Version, &c.HolderID, &c.HolderName, &c.SealID, &status,
		&validTo, &c.IssuedAt, &revokedAt, &c.RevokeReason, &c.SupersededBy, &c.Source, &c.CreatedBy, &payload, &sig); err != nil {
		return nil, err
	}
	c.Status = huitong.CertStatus(status)
	c.IssuedAt = c.IssuedAt.UTC()
	if validTo.Valid {
		c.ValidTo = validTo.Time.UTC()
	}
	if revokedAt.Valid {
		c.RevokedAt = revokedAt.Time.UTC()
	}
	c.Payload = []byte(payload)
	var err error
	if c.Signature, err = base64.StdEncoding.DecodeString(sig); err != nil {
		return nil, fmt.Errorf("store: certificate %s: signature: %w", c.ID, err)
	}
	return &c, nil
}

// FindCertificate returns one certificate with its payload and signature.
func (tx *Tx) FindCertificate(ctx context.Context, id string) (*huitong.Certificate, error) {
	c, err := scanCert(tx.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "证照不存在: %s", id)
	}
	return c, nil
}

// FindCertificate returns one certificate, outside a transaction.
func (db *DB) FindCertificate(ctx context.Context, id string) (*huitong.Certificate, error) {
	c, err := scanCert(db.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "证照不存在: %s", id)
	}
	return c, nil
}

// Certificates lists the certificates matching f, newest first, with the
// total count. Limit defaults to 20 and is capped at 1000.
func (db *DB) Certificates(ctx context.Context, f huitong.CertFilter) ([]*huitong.Certificate, int, error) {
	where, args := ` WHERE 1=1`, []any{}
	for _, c := range []struct{ col, v string }{{"holder_id", f.Holder}, {"issuer", f.Issuer}, {"type_code", f.TypeCode}, {"status", string(f.Status)}} {
		if c.v != "" {
			where += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	var total int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM certificates`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count certificates: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 1000)
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT `+certColumns+` FROM certificates`+where+` ORDER BY issued_at DESC, id DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: certificates: %w", err)
	}
	defer rows.Close()
	out := []*huitong.Certificate{}
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// SetCertificateStatus records a revocation or a supersession.
func (tx *Tx) SetCertificateStatus(ctx context.Context, c *huitong.Certificate) error {
	res, err := tx.ExecContext(ctx, `UPDATE certificates SET status = ?, revoked_at = ?, revoke_reason = ?, superseded_by = ? WHERE id = ?`,
		string(c.Status), NullTime(c.RevokedAt), c.RevokeReason, c.SupersededBy, c.ID)
	if err != nil {
		return fmt.Errorf("store: certificate status: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return huitong.Errorf(huitong.ENOTFOUND, "证照不存在: %s", c.ID)
	}
	return nil
}

// ShowCode is one 亮证 code: good for one verification until ExpiresAt.
type ShowCode struct {
	ID        int64
	Code      string
	CertID    string
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
	UsedBy    string
}

// InsertShowCode stores a new show code, refusing (ECONFLICT) when the
// same code is still live for another certificate.
func (tx *Tx) InsertShowCode(ctx context.Context, s *ShowCode) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_show_codes WHERE code = ? AND expires_at > ? AND used_at IS NULL`, s.Code, s.CreatedAt).Scan(&n); err != nil {
		return fmt.Errorf("store: show code: %w", err)
	}
	if n > 0 {
		return huitong.Errorf(huitong.ECONFLICT, "亮证码冲突，请重试")
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO cert_show_codes (code, cert_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		s.Code, s.CertID, s.CreatedBy, s.CreatedAt, s.ExpiresAt).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("store: insert show code: %w", err)
	}
	return nil
}

// LatestShowCode returns the most recent show code with that value (live,
// used or expired). ENOTFOUND when the code was never issued.
func (tx *Tx) LatestShowCode(ctx context.Context, code string) (*ShowCode, error) {
	var s ShowCode
	var used sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT id, code, cert_id, created_by, created_at, expires_at, used_at, used_by FROM cert_show_codes WHERE code = ? ORDER BY id DESC LIMIT 1`, code).
		Scan(&s.ID, &s.Code, &s.CertID, &s.CreatedBy, &s.CreatedAt, &s.ExpiresAt, &used, &s.UsedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "亮证码不存在")
	} else if err != nil {
		return nil, fmt.Errorf("store: show code: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	if used.Valid {
		s.UsedAt = used.Time.UTC()
	}
	return &s, nil
}

// UseShowCode marks a live code used; it reports false when another
// verification used it first.
func (tx *Tx) UseShowCode(ctx context.Context, id int64, at time.Time, by string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE cert_show_codes SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL`, at, by, id)
	if err != nil {
		return false, fmt.Errorf("store: use show code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// TakenSerials returns which of the serials are already used by
// certificates of the type from the issuer.
func (db *DB) TakenSerials(ctx context.Context, typeCode, issuer string, serials []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(serials); start += 500 {
		part := serials[start:min(start+500, len(serials))]
		args := []any{typeCode, issuer}
		for _, s := range part {
			args = append(args, s)
		}
		rows, err := db.QueryContext(ctx, `SELECT DISTINCT serial FROM certificates WHERE type_code = ? AND issuer = ? AND serial IN (?`+strings.Repeat(",?", len(part)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: taken serials: %w", err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, err
			}
			out[s] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CertificateBySource returns the newest certificate of the type recorded
// with that source (a case number). ENOTFOUND when there is none.
func (db *DB) CertificateBySource(ctx context.Context, typeCode, source string) (*huitong.Certificate, error) {
	c, err := scanCert(db.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates WHERE source = ? AND source LIKE 'case:%' AND type_code = ? ORDER BY version DESC LIMIT 1`, source, typeCode))
	if err != nil {
		return nil, notFound(err, "没有来源为 %s 的证照", source)
	}
	return c, nil
}

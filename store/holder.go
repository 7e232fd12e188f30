package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"huitong"
)

// HolderAccount is a certificate holder's own sign-in (migration 006): a
// citizen by ID number or a company by credit code. PasswordHash is empty
// until the holder activates the account with the code staff handed over.
type HolderAccount struct {
	ID                int64
	HolderID          string
	HolderName        string
	Kind              huitong.HolderKind
	PasswordHash      string
	ActivationHash    string // SHA-256 of the one-time activation code; "" when none is open
	ActivationExpires time.Time
	Failures          int
	LockedUntil       time.Time
	CreatedBy         string
	CreatedAt         time.Time
	ActivatedAt       time.Time
	LastLoginAt       time.Time
}

const holderColumns = `id, holder_id, holder_name, kind, password_hash, activation_hash, activation_expires, failures, locked_until,
	created_by, created_at, activated_at, last_login_at`

func scanHolder(s interface{ Scan(...any) error }) (*HolderAccount, error) {
	var a HolderAccount
	var kind string
	var expires, locked, activated, last sql.NullTime
	if err := s.Scan(&a.ID, &a.HolderID, &a.HolderName, &kind, &a.PasswordHash, &a.ActivationHash, &expires, &a.Failures, &locked,
		&a.CreatedBy, &a.CreatedAt, &activated, &last); err != nil {
		return nil, err
	}
	a.Kind, a.CreatedAt = huitong.HolderKind(kind), a.CreatedAt.UTC()
	for _, t := range []struct {
		dst *time.Time
		src sql.NullTime
	}{{&a.ActivationExpires, expires}, {&a.LockedUntil, locked}, {&a.ActivatedAt, activated}, {&a.LastLoginAt, last}} {
		if t.src.Valid {
			*t.dst = t.src.Time.UTC()
		}
	}
	return &a, nil
}

// FindHolderAccount returns the account of a holder ID. ENOTFOUND when there
// is none.
func (tx *Tx) FindHolderAccount(ctx context.Context, holderID string) (*HolderAccount, error) {
	a, err := scanHolder(tx.QueryRowContext(ctx, `SELECT `+holderColumns+` FROM holder_accounts WHERE holder_id = ?`, holderID))
	if err != nil {
		return nil, notFound(err, "持证人账号不存在")
	}
	return a, nil
}

// OpenHolderActivation creates the holder's account, or reuses it, with a
// new activation code (its hash) valid until expires; a code given before
// stops working. An active account keeps its password until the new code
// is used: that is how a holder who forgot it resets it at a window.
func (tx *Tx) OpenHolderActivation(ctx context.Context, a *HolderAccount) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO holder_accounts (holder_id, holder_name, kind, activation_hash, activation_expires, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (holder_id) DO UPDATE SET holder_name = excluded.holder_name, activation_hash = excluded.activation_hash,
			activation_expires = excluded.activation_expires
		RETURNING id`, a.HolderID, a.HolderName, string(a.Kind), a.ActivationHash, a.ActivationExpires, a.CreatedBy, a.CreatedAt).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("store: open holder activation: %w", err)
	}
	return nil
}

// ActivateHolder sets the password, closes the activation code, clears the
// failures and ends the account's sessions, provided the account's code
// is still codeHash: of two activations with one code, one wins and the
// other gets ECONFLICT.
func (tx *Tx) ActivateHolder(ctx context.Context, id int64, codeHash, passwordHash string, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE holder_accounts SET password_hash = ?, activation_hash = '', activation_expires = NULL,
		failures = 0, locked_until = NULL, activated_at = ? WHERE id = ? AND activation_hash = ? AND activation_hash <> ''`, passwordHash, at, id, codeHash)
	if err != nil {
		return fmt.Errorf("store: activate holder: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: activate holder: %w", err)
	} else if n == 0 {
		return huitong.Errorf(huitong.ECONFLICT, "激活码已被使用")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM holder_sessions WHERE account_id = ?`, id); err != nil {
		return fmt.Errorf("store: activate holder: %w", err)
	}
	return nil
}

// HolderFailed counts a wrong password or activation code, atomically so
// that concurrent guesses all count, and locks the account until lockUntil
// once failures reach max. A lock that has run out starts the count again.
// It returns the failures counted.
func (tx *Tx) HolderFailed(ctx context.Context, id int64, now time.Time, max int, lockUntil time.Time) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `UPDATE holder_accounts SET
		failures = CASE WHEN locked_until IS NOT NULL AND locked_until <= ? THEN 1 ELSE failures + 1 END,
		locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= ? THEN NULL ELSE locked_until END
		WHERE id = ? RETURNING failures`, now, now, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: holder failure: %w", err)
	}
	if n >= max {
		if _, err := tx.ExecContext(ctx, `UPDATE holder_accounts SET locked_until = ? WHERE id = ?`, lockUntil, id); err != nil {
			return 0, fmt.Errorf("store: holder lock: %w", err)
		}
	}
	return n, nil
}

// HolderSession is a holder's signed-in session; ID is the SHA-256 of the
// token.
type HolderSession struct {
	ID         string
	AccountID  int64
	CSRF       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// InsertHolderSession stores s and records the sign-in on the account.
func (tx *Tx) InsertHolderSession(ctx context.Context, s *HolderSession) error {
	if _, err := tx.ExecContext(ctx, `UPDATE holder_accounts SET failures = 0, locked_until = NULL, last_login_at = ? WHERE id = ?`, s.CreatedAt, s.AccountID); err != nil {
		return fmt.Errorf("store: holder login: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO holder_sessions (id, account_id, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		s.ID, s.AccountID, s.CSRF, s.CreatedAt, s.LastSeenAt, s.ExpiresAt); err != nil {
		return fmt.Errorf("store: insert holder session: %w", err)
	}
	return nil
}

// FindHolderSession returns a session and its account.
func (db *DB) FindHolderSession(ctx context.Context, id string) (*HolderSession, *HolderAccount, error) {
	var s HolderSession
	row := db.QueryRowContext(ctx, `SELECT s.id, s.account_id, s.csrf, s.created_at, s.last_seen_at, s.expires_at, `+prefixed("a.", holderColumns)+`
		FROM holder_sessions s JOIN holder_accounts a ON a.id = s.account_id WHERE s.id = ?`, id)
	a, err := scanHolder(scanFunc(func(dest ...any) error {
		return row.Scan(append([]any{&s.ID, &s.AccountID, &s.CSRF, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt}, dest...)...)
	}))
	if err != nil {
		return nil, nil, notFound(err, "会话不存在或已过期")
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	return &s, a, nil
}

// TouchHolderSession records activity on a session.
func (db *DB) TouchHolderSession(ctx context.Context, id string, at time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE holder_sessions SET last_seen_at = ? WHERE id = ?`, at, id)
	return err
}

// DeleteHolderSession ends a session.
func (db *DB) DeleteHolderSession(ctx context.Context, id string) error {
	_, err := db.ExecContext(ctx, `DELETE FROM holder_sessions WHERE id = ?`, id)
	return err
}

// PurgeHolderSessions deletes sessions that expired or idled out before
// idleCutoff.
func (db *DB) PurgeHolderSessions(ctx context.Context, now, idleCutoff time.Time) (int64, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM holder_sessions WHERE expires_at < ? OR last_seen_at < ?`, now, idleCutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

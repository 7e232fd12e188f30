package store

import (
	"context"
	"fmt"
	"time"

	"huitong"
)

// Session is a signed-in session (web) or a bearer token (api). ID is the
// SHA-256 of the token; the token itself is never stored.
type Session struct {
	ID         string
	UserID     int64
	Kind       string // web or api
	CSRF       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// InsertSession stores s.
func (tx *Tx) InsertSession(ctx context.Context, s *Session) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, kind, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.UserID, s.Kind, s.CSRF, s.CreatedAt, s.LastSeenAt, s.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: insert session: %w", err)
	}
	return nil
}

// FindSession returns the session and its user.
func (db *DB) FindSession(ctx context.Context, id string) (*Session, *huitong.User, error) {
	var s Session
	row := db.QueryRowContext(ctx, `SELECT s.id, s.user_id, s.kind, s.csrf, s.created_at, s.last_seen_at, s.expires_at, `+prefixed("u.", userColumns)+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`, id)
	u, err := scanUser(scanFunc(func(dest ...any) error {
		return row.Scan(append([]any{&s.ID, &s.UserID, &s.Kind, &s.CSRF, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt}, dest...)...)
	}))
	if err != nil {
		return nil, nil, notFound(err, "会话不存在或已过期")
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	return &s, u, nil
}

// TouchSession records activity on a session.
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, at, id)
	return err
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	_, err := db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	return err
}

// DeleteUserSessions ends every session of a user (password change, disable).
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// PurgeSessions deletes sessions that expired or idled out before cutoff.
func (db *DB) PurgeSessions(ctx context.Context, now, idleCutoff time.Time) (int64, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, now, idleCutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

func prefixed(p, cols string) string {
	var out []byte
	for i, c := range splitCols(cols) {
		if i > 0 {
			out = append(out, ", "...)
		}
		out = append(out, p+c...)
	}
	return string(out)
}

func splitCols(cols string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(cols); i++ {
		if i == len(cols) || cols[i] == ',' {
			c := cols[start:i]
			for len(c) > 0 && c[0] == ' ' {
				c = c[1:]
			}
			out = append(out, c)
			start = i + 1
		}
	}
	return out
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"huitong"
)

const userColumns = `id, username, display_name, department, roles, disabled, failed_logins, locked_until, last_login_at, created_at`

func scanUser(s interface{ Scan(...any) error }, extra ...any) (*huitong.User, error) {
	var u huitong.User
	var roles string
	var locked, last sql.NullTime
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Department, &roles, &u.Disabled, &u.FailedLogins, &locked, &last, &u.CreatedAt}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			u.Roles = append(u.Roles, huitong.Role(r))
		}
	}
	if locked.Valid {
		u.LockedUntil = locked.Time.UTC()
	}
	if last.Valid {
		u.LastLoginAt = last.Time.UTC()
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

func joinRoles(roles []huitong.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// InsertUser adds u with the given password hash and fills u.ID.
// ECONFLICT when the username is taken.
func (tx *Tx) InsertUser(ctx context.Context, u *huitong.User, passwordHash string) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = tx.db.Now()
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, department, roles, password_hash, disabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Username, u.DisplayName, u.Department, joinRoles(u.Roles), passwordHash, u.Disabled, u.CreatedAt).Scan(&u.ID)
	if IsUniqueViolation(err) {
		return huitong.Errorf(huitong.ECONFLICT, "用户名已存在: %s", u.Username)
	} else if err != nil {
		return fmt.Errorf("store: insert user: %w", err)
	}
	return nil
}

// FindUserByName returns the account and its password hash.
func (tx *Tx) FindUserByName(ctx context.Context, username string) (*huitong.User, string, error) {
	var hash string
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE username = ?`, username), &hash)
	if err != nil {
		return nil, "", notFound(err, "用户不存在: %s", username)
	}
	return u, hash, nil
}

// FindUser returns the account with the given id.
func (tx *Tx) FindUser(ctx context.Context, id int64) (*huitong.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "用户不存在: %d", id)
	}
	return u, nil
}

// Users lists accounts matching f ordered by username.
func (db *DB) Users(ctx context.Context, f huitong.UserFilter) ([]*huitong.User, error) {
	q := `SELECT ` + userColumns + ` FROM users WHERE 1=1`
	var args []any
	if f.Department != "" {
		q += ` AND department = ?`
		args = append(args, f.Department)
	}
	if f.Username != "" {
		q += ` AND username = ?`
		args = append(args, f.Username)
	}
	rows, err := db.QueryContext(ctx, q+` ORDER BY username`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer rows.Close()
	var out []*huitong.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// RecordLogin stores the outcome of a sign-in attempt: failed counts and a
// lock time after a failure, a reset and the login time after a success.
func (tx *Tx) RecordLogin(ctx context.Context, id int64, ok bool, failed int, lockedUntil time.Time) error {
	var err error
	if ok {
		_, err = tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?`, tx.db.Now(), id)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?`, failed, NullTime(lockedUntil), id)
	}
	if err != nil {
		return fmt.Errorf("store: record login: %w", err)
	}
	return nil
}

// SetPassword replaces the password hash and clears any lock.
func (tx *Tx) SetPassword(ctx context.Context, id int64, hash string) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?`, hash, id)
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	return nil
}

// UpdateUser stores display name, roles and the disabled flag.
func (tx *Tx) UpdateUser(ctx context.Context, u *huitong.User) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET display_name = ?, roles = ?, disabled = ?, failed_logins = ?, locked_until = ? WHERE id = ?`,
		u.DisplayName, joinRoles(u.Roles), u.Disabled, u.FailedLogins, NullTime(u.LockedUntil), u.ID)
	if err != nil {
		return fmt.Errorf("store: update user: %w", err)
	}
	return nil
}

// CountFailedLogin adds one to the account's failed sign-ins and returns
// the new count, atomically. A lock that expired before now ends the old
// count: the failure after it is the first of a new series.
func (tx *Tx) CountFailedLogin(ctx context.Context, id int64, now time.Time) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `UPDATE users SET
		failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= ? THEN 1 ELSE failed_logins + 1 END,
		locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= ? THEN NULL ELSE locked_until END
		WHERE id = ? RETURNING failed_logins`, now, now, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count failed login: %w", err)
	}
	return n, nil
}

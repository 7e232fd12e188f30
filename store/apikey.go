package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"huitong"
)

const apiKeyColumns = `id, prefix, name, department, created_by, created_at, last_used_at, revoked_at`

func scanAPIKey(s interface{ Scan(...any) error }) (*huitong.APIKey, error) {
	var k huitong.APIKey
	var used, revoked sql.NullTime
	if err := s.Scan(&k.ID, &k.Prefix, &k.Name, &k.Department, &k.CreatedBy, &k.CreatedAt, &used, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt = k.CreatedAt.UTC()
	if used.Valid {
		k.LastUsedAt = used.Time.UTC()
	}
	if revoked.Valid {
		k.RevokedAt = revoked.Time.UTC()
	}
	return &k, nil
}

// InsertAPIKey stores k with the hash of its secret and fills k.ID.
func (tx *Tx) InsertAPIKey(ctx context.Context, k *huitong.APIKey, hash string) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = tx.db.Now()
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO api_keys (prefix, hash, name, department, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		k.Prefix, hash, k.Name, k.Department, k.CreatedBy, k.CreatedAt).Scan(&k.ID)
	if err != nil {
		return fmt.Errorf("store: insert api key: %w", err)
	}
	return nil
}

// FindAPIKeyByHash returns the key whose secret hashes to hash.
func (db *DB) FindAPIKeyByHash(ctx context.Context, hash string) (*huitong.APIKey, error) {
	k, err := scanAPIKey(db.queryRowPrepared(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash))
	if err != nil {
		return nil, notFound(err, "API 密钥无效")
	}
	return k, nil
}

// FindAPIKey returns the key with the given id.
func (tx *Tx) FindAPIKey(ctx context.Context, id int64) (*huitong.APIKey, error) {
	k, err := scanAPIKey(tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "API 密钥不存在: %d", id)
	}
	return k, nil
}

// APIKeys lists a department's keys, newest first.
func (db *DB) APIKeys(ctx context.Context, department string) ([]*huitong.APIKey, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE department = ? ORDER BY id DESC`, department)
	if err != nil {
		return nil, fmt.Errorf("store: api keys: %w", err)
	}
	defer rows.Close()
	var out []*huitong.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey marks a key revoked.
func (tx *Tx) RevokeAPIKey(ctx context.Context, id int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at, id)
	if err != nil {
		return fmt.Errorf("store: revoke api key: %w", err)
	}
	return nil
}

// TouchAPIKey records use of a key.
func (db *DB) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, at, id)
	return err
}

-- Holders' own sign-in (持证人登录): a citizen or a company opens its
-- certificate wallet itself. The account is opened at a service window,
-- where staff check the ID in person and hand over a one-time activation
-- code; the holder sets the password with it. Only hashes are stored: the
-- password's argon2id, the activation code's and the sessions' SHA-256.
CREATE TABLE holder_accounts (
    id                 INTEGER PRIMARY KEY,
    holder_id          TEXT NOT NULL UNIQUE,
    holder_name        TEXT NOT NULL,
    kind               TEXT NOT NULL,
    password_hash      TEXT NOT NULL DEFAULT '',
    activation_hash    TEXT NOT NULL DEFAULT '',
    activation_expires TIMESTAMP,
    failures           INTEGER NOT NULL DEFAULT 0,
    locked_until       TIMESTAMP,
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    activated_at       TIMESTAMP,
    last_login_at      TIMESTAMP
);

CREATE TABLE holder_sessions (
    id           TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES holder_accounts (id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX holder_sessions_account ON holder_sessions (account_id);

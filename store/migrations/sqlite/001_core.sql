-- Platform core: departments, accounts, sessions, API keys, the catalog and
-- the audit chain.
CREATE TABLE departments (
    code         TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    short_name   TEXT NOT NULL DEFAULT '',
    jurisdiction TEXT NOT NULL,
    level        TEXT NOT NULL,
    authority    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX departments_jurisdiction ON departments (jurisdiction);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    department     TEXT NOT NULL REFERENCES departments (code),
    roles          TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TIMESTAMP,
    last_login_at  TIMESTAMP,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX users_department ON users (department);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    department   TEXT NOT NULL REFERENCES departments (code),
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_keys_department ON api_keys (department);

CREATE TABLE sequences (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
);

CREATE TABLE resources (
    code              TEXT PRIMARY KEY,
    provider          TEXT NOT NULL REFERENCES departments (code),
    class_code        TEXT NOT NULL,
    latest_version    INTEGER NOT NULL,
    published_version INTEGER NOT NULL DEFAULT 0,
    status            TEXT NOT NULL,
    name              TEXT NOT NULL,
    search_text       TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX resources_provider ON resources (provider);
CREATE INDEX resources_status ON resources (status);

CREATE TABLE resource_versions (
    code       TEXT NOT NULL REFERENCES resources (code),
    version    INTEGER NOT NULL,
    status     TEXT NOT NULL,
    doc        TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE resource_changes (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL,
    version INTEGER NOT NULL,
    action  TEXT NOT NULL,
    actor   TEXT NOT NULL,
    note    TEXT NOT NULL DEFAULT '',
    at      TIMESTAMP NOT NULL
);
CREATE INDEX resource_changes_code ON resource_changes (code, id);

CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);

CREATE TABLE audit_log (
    chain      TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    at         TIMESTAMP NOT NULL,
    actor      TEXT NOT NULL,
    department TEXT NOT NULL,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL,
    result     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
);
CREATE INDEX audit_log_object ON audit_log (object);
CREATE INDEX audit_log_actor ON audit_log (actor);

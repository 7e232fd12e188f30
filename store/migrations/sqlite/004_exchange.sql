-- Sharing and exchange (共享交换): share requests, grants with their daily
-- usage, subscription feeds, the sealed credentials of API-mounted
-- resources; and for the audit trail the platform's signing keys, signed
-- checkpoints and the index of entries by (keyed hash of) subject key.

-- Share requests (共享申请). doc is the whole request as JSON; the columns
-- are what lists filter on.
CREATE TABLE share_requests (
    id         INTEGER PRIMARY KEY,
    resource   TEXT NOT NULL,
    provider   TEXT NOT NULL,
    consumer   TEXT NOT NULL,
    status     TEXT NOT NULL,
    escalated  BOOLEAN NOT NULL DEFAULT FALSE,
    due_by     TIMESTAMP NOT NULL,
    grant_id   INTEGER NOT NULL DEFAULT 0,
    doc        TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX share_requests_provider ON share_requests (provider, status);
CREATE INDEX share_requests_consumer ON share_requests (consumer, status);
CREATE INDEX share_requests_due ON share_requests (status, due_by);

-- Grants (共享授权). A standing grant is the one made at once for an
-- unconditional resource: at most one per consumer and resource.
CREATE TABLE grants (
    id          INTEGER PRIMARY KEY,
    resource    TEXT NOT NULL,
    provider    TEXT NOT NULL,
    consumer    TEXT NOT NULL,
    status      TEXT NOT NULL,
    standing    BOOLEAN NOT NULL DEFAULT FALSE,
    valid_until TIMESTAMP NOT NULL,
    doc         TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX grants_consumer ON grants (consumer, resource);
CREATE INDEX grants_provider ON grants (provider);
CREATE INDEX grants_resource ON grants (resource);
CREATE UNIQUE INDEX grants_standing ON grants (consumer, resource) WHERE standing;

-- Subjects used per grant per day (China Standard Time), for daily quotas.
CREATE TABLE grant_usage (
    grant_id INTEGER NOT NULL,
    day      TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (grant_id, day)
);

-- A grant's change feed, from change sequence start_seq on. audited_seq is the last record change sequence
-- whose delivery is in the audit chain, published_seq the last one
-- published on the grant's JetStream subject; after a crash the feed
-- republishes the gap (JetStream drops duplicates by message id).
CREATE TABLE grant_feeds (
    grant_id       INTEGER PRIMARY KEY,
    webhook        TEXT NOT NULL DEFAULT '',
    webhook_secret TEXT NOT NULL DEFAULT '',
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    start_seq      INTEGER NOT NULL DEFAULT 0,
    audited_seq    INTEGER NOT NULL DEFAULT 0,
    published_seq  INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    last_delivery  TIMESTAMP,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

-- Credentials the platform presents to a provider's own API (API-mounted
-- resources): a header name and its value sealed with the master keyring
-- (SM4-GCM, base64). The value is never returned.
CREATE TABLE api_credentials (
    resource   TEXT PRIMARY KEY,
    header     TEXT NOT NULL,
    sealed     TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The platform's own SM2 keys (audit checkpoints, the subject index key),
-- private halves sealed with the master keyring.
CREATE TABLE platform_keys (
    id          TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- Signed checkpoints of the audit chains (signature: base64 DER).
CREATE TABLE audit_checkpoints (
    chain     TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    at        TIMESTAMP NOT NULL,
    key_fp    TEXT NOT NULL,
    payload   TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
);

-- Audit entries by subject: subject is HMAC-SM3 of the subject key under a
-- platform secret, never the ID number itself. The entry's detail carries
-- the same value (covered by the hash chain); this table only finds it. It
-- is written behind the entries (see exchange/journal.go): the cursor is
-- the last sequence number of each chain whose entries are indexed, and
-- indexing resumes from it after a restart.
CREATE TABLE audit_subjects (
    subject TEXT NOT NULL,
    chain   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (subject, chain, seq)
) WITHOUT ROWID;

CREATE TABLE audit_subject_cursor (
    chain TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL
);

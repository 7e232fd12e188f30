-- Electronic certificates (电子证照, GB/T 36901-36906) and electronic seals
-- (电子印章, GB/T 38540-2020).

-- Certificate types; doc is the whole type as JSON.
CREATE TABLE cert_types (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    definer    TEXT NOT NULL,
    retired    BOOLEAN NOT NULL DEFAULT FALSE,
    doc        TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Platform keys (the seal maker's SM2 key), private halves sealed with the
-- master keyring.
CREATE TABLE cert_keys (
    id          TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- Seals: doc is the seal information as JSON (without secrets); the private
-- key is sealed (SM4-GCM, base64) and the picture is a base64 PNG.
CREATE TABLE seals (
    id          TEXT PRIMARY KEY,
    department  TEXT NOT NULL REFERENCES departments (code),
    status      TEXT NOT NULL,
    doc         TEXT NOT NULL,
    private_key TEXT NOT NULL,
    picture     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX seals_department ON seals (department);

-- Certificates: payload is the signed canonical JSON, signature the base64
-- DER SM2 signature; the other columns repeat the payload for queries.
CREATE TABLE certificates (
    id            TEXT PRIMARY KEY,
    type_code     TEXT NOT NULL,
    issuer        TEXT NOT NULL,
    serial        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    holder_id     TEXT NOT NULL,
    holder_name   TEXT NOT NULL,
    seal_id       TEXT NOT NULL,
    status        TEXT NOT NULL,
    valid_to      TIMESTAMP,
    issued_at     TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP,
    revoke_reason TEXT NOT NULL DEFAULT '',
    superseded_by TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    payload       TEXT NOT NULL,
    signature     TEXT NOT NULL,
    UNIQUE (issuer, type_code, serial, version)
);
CREATE INDEX certificates_holder ON certificates (holder_id);
-- (issuer, type_code) lookups use the unique index; only case numbers are
-- looked up by source, so batches do not pay for that index.
CREATE INDEX certificates_case ON certificates (source) WHERE source LIKE 'case:%';

-- Show codes (亮证): a 6-digit code good for one verification until expires_at.
CREATE TABLE cert_show_codes (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    cert_id     TEXT NOT NULL REFERENCES certificates (id),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    used_by     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cert_show_codes_code ON cert_show_codes (code, expires_at);

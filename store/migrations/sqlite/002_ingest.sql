-- Data aggregation and quality governance (数据归集与治理): the records of
-- table-mounted resources with their history, delivery batches and their
-- rejects, scheduled pulls, leases, the data element register, quality
-- scores, disputes (疑义) and near-duplicate groups.

-- The current record of every subject of a resource, keyed by the
-- normalised key. data is a JSON object keyed by item code; hash is the
-- SHA-256 of it. seq is the change sequence within the resource (see
-- record_seqs): every write takes the next value, so readers of a change
-- feed ask for seq > the last one they saw. filled, match_key and flags
-- are kept for quality scoring: filled item count, the near-duplicate
-- match key (normalised name | date), consistency warning bits.
CREATE TABLE records (
    resource     TEXT NOT NULL,
    rkey         TEXT NOT NULL,
    data         TEXT NOT NULL,
    hash         TEXT NOT NULL,
    jurisdiction TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL,
    deleted      BOOLEAN NOT NULL DEFAULT FALSE,
    seq          INTEGER NOT NULL,
    batch_id     INTEGER NOT NULL,
    filled       INTEGER NOT NULL DEFAULT 0,
    match_key    TEXT NOT NULL DEFAULT '',
    flags        INTEGER NOT NULL DEFAULT 0,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (resource, rkey)
);
CREATE UNIQUE INDEX records_seq ON records (resource, seq);
CREATE INDEX records_match ON records (resource, match_key) WHERE match_key <> '';

-- Every earlier version of a record, valid from valid_from until valid_to.
CREATE TABLE record_history (
    resource     TEXT NOT NULL,
    rkey         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    data         TEXT NOT NULL,
    hash         TEXT NOT NULL,
    jurisdiction TEXT NOT NULL DEFAULT '',
    deleted      BOOLEAN NOT NULL DEFAULT FALSE,
    seq          INTEGER NOT NULL,
    batch_id     INTEGER NOT NULL,
    valid_from   TIMESTAMP NOT NULL,
    valid_to     TIMESTAMP NOT NULL,
    PRIMARY KEY (resource, rkey, version)
);

-- The last change sequence handed out per resource, and running totals of
-- its records for quality scores (kept in the write transactions, so they
-- never need a scan). Writers take a range of sequences with UPDATE ...
-- RETURNING, which also serialises writers of one resource, so sequences
-- commit in order.
CREATE TABLE record_seqs (
    resource TEXT PRIMARY KEY,
    seq      INTEGER NOT NULL,
    records  INTEGER NOT NULL DEFAULT 0,
    deleted  INTEGER NOT NULL DEFAULT 0,
    filled   INTEGER NOT NULL DEFAULT 0,
    flagged  INTEGER NOT NULL DEFAULT 0
);

-- Delivery batches. report and quality are JSON. The counters are updated
-- in the same transaction as each chunk of rows, so accepted is what the
-- platform has acknowledged.
CREATE TABLE ingest_batches (
    id           INTEGER PRIMARY KEY,
    resource     TEXT NOT NULL,
    provider     TEXT NOT NULL,
    source       TEXT NOT NULL,
    format       TEXT NOT NULL,
    mode         TEXT NOT NULL,
    file_name    TEXT NOT NULL DEFAULT '',
    sheet        TEXT NOT NULL DEFAULT '',
    encoding     TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    received     INTEGER NOT NULL DEFAULT 0,
    accepted     INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    inserted     INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    deleted      INTEGER NOT NULL DEFAULT 0,
    warnings     INTEGER NOT NULL DEFAULT 0,
    stored_rejects INTEGER NOT NULL DEFAULT 0,
    duplicate_of INTEGER NOT NULL DEFAULT 0,
    report       TEXT NOT NULL DEFAULT '{}',
    quality      TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP
);
CREATE INDEX ingest_batches_resource ON ingest_batches (resource, id);
CREATE INDEX ingest_batches_hash ON ingest_batches (resource, content_hash);
CREATE INDEX ingest_batches_status ON ingest_batches (status);

-- Rejected rows (severity reject) and consistency warnings of a batch, in
-- the order found; n numbers them within the batch. cells is the row as
-- delivered (JSON array aligned with the batch's columns), kept on the
-- first reject of each row so that the rejects export back as a file to
-- correct and deliver again.
CREATE TABLE ingest_rejects (
    batch_id INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    row_num  INTEGER NOT NULL,
    item     TEXT NOT NULL,
    rule     TEXT NOT NULL,
    value    TEXT NOT NULL,
    message  TEXT NOT NULL,
    severity TEXT NOT NULL,
    cells    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch_id, n)
);

-- Leases: a named lock held by one holder until expires_at. A delivery
-- holds "resource:<code>", a scheduled pull "pull:<id>"; holders renew
-- while they work, and an expired lease may be taken over.
CREATE TABLE ingest_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- Scheduled pulls from a department's own database. dsn is sealed with the
-- master keyring (SM4-GCM, base64); dsn_display has the password removed.
CREATE TABLE ingest_pulls (
    id            INTEGER PRIMARY KEY,
    resource      TEXT NOT NULL,
    provider      TEXT NOT NULL,
    name          TEXT NOT NULL,
    driver        TEXT NOT NULL,
    dsn           TEXT NOT NULL,
    dsn_display   TEXT NOT NULL,
    query         TEXT NOT NULL,
    change_column TEXT NOT NULL DEFAULT '',
    mode          TEXT NOT NULL,
    schedule      TEXT NOT NULL,
    cursor_value  TEXT NOT NULL DEFAULT '',
    cursor_type   TEXT NOT NULL DEFAULT '',
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    next_run_at   TIMESTAMP NOT NULL,
    last_run_at   TIMESTAMP,
    last_batch    INTEGER NOT NULL DEFAULT 0,
    last_status   TEXT NOT NULL DEFAULT '',
    last_error    TEXT NOT NULL DEFAULT '',
    runs          INTEGER NOT NULL DEFAULT 0,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX ingest_pulls_resource ON ingest_pulls (resource);
CREATE INDEX ingest_pulls_due ON ingest_pulls (enabled, next_run_at);

-- The data element register (数据元, GB/T 19488): rule, role and the
-- authoritative department of each element (一数一源). aliases is a JSON
-- array of item codes or names that mean the same element.
CREATE TABLE data_elements (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    aliases    TEXT NOT NULL DEFAULT '[]',
    rule       TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL DEFAULT '',
    authority  TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP
);
INSERT INTO data_elements (code, name, aliases, rule, role) VALUES
    ('GMSFHM', '公民身份号码', '["SFZH","身份证号","身份证号码"]', 'citizen_id', ''),
    ('TYSHXYDM', '统一社会信用代码', '["统一信用代码"]', 'uscc', ''),
    ('XM', '姓名', '[]', '', 'name'),
    ('XBDM', '性别', '["XB"]', 'enum:0,1,2,9', 'sex'),
    ('CSRQ', '出生日期', '[]', 'date', 'birthdate'),
    ('MZDM', '民族', '[]', 'enum:01,02,03,04,05,06,07,08,09,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,97,98', ''),
    ('HYZKDM', '婚姻状况', '[]', 'enum:10,20,21,22,23,30,40,90', ''),
    ('SJHM', '手机号码', '["手机号"]', 'mobile', ''),
    ('LXDH', '联系电话', '[]', 'phone', ''),
    ('XZQHDM', '行政区划代码', '["CBDXZQHDM","SZDXZQHDM","JYDXZQHDM","YXQYXZQHDM"]', 'division', ''),
    ('QYMC', '企业名称', '["NSRMC","纳税人名称"]', '', 'name'),
    ('FDDBR', '法定代表人', '[]', '', ''),
    ('ZCZB', '注册资本', '[]', '', ''),
    ('CLRQ', '成立日期', '[]', 'date', 'birthdate'),
    ('XYDJ', '信用等级', '[]', 'enum:A,B,M,C,D', '');

-- Quality snapshots of a resource, one after every batch: the trend.
CREATE TABLE quality_scores (
    id           INTEGER PRIMARY KEY,
    resource     TEXT NOT NULL,
    batch_id     INTEGER NOT NULL DEFAULT 0,
    at           TIMESTAMP NOT NULL,
    records      INTEGER NOT NULL,
    completeness REAL NOT NULL,
    validity     REAL NOT NULL,
    uniqueness   REAL NOT NULL,
    consistency  REAL NOT NULL,
    timeliness   REAL NOT NULL,
    overall      REAL NOT NULL
);
CREATE INDEX quality_scores_resource ON quality_scores (resource, at);

-- Disputes (疑义): a subject's value of a data element in a resource that
-- disagrees with the authoritative department's. One row per element,
-- resource, authoritative resource and subject; a resolved one reopens
-- when the values disagree again.
CREATE TABLE disputes (
    id                 INTEGER PRIMARY KEY,
    element            TEXT NOT NULL,
    element_name       TEXT NOT NULL,
    subject            TEXT NOT NULL,
    authority          TEXT NOT NULL,
    authority_resource TEXT NOT NULL,
    authority_value    TEXT NOT NULL,
    resource           TEXT NOT NULL,
    provider           TEXT NOT NULL,
    value              TEXT NOT NULL,
    status             TEXT NOT NULL,
    deadline           TIMESTAMP NOT NULL,
    answer             TEXT NOT NULL DEFAULT '',
    corrected_value    TEXT NOT NULL DEFAULT '',
    answered_by        TEXT NOT NULL DEFAULT '',
    answered_at        TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX disputes_subject ON disputes (resource, authority_resource, element, subject);
CREATE INDEX disputes_authority ON disputes (authority, status);
CREATE INDEX disputes_provider ON disputes (provider, status);

-- Near-duplicate groups of a resource: records with the same normalised
-- name and date under different keys. keys is a JSON array.
CREATE TABLE record_duplicates (
    resource  TEXT NOT NULL,
    match_key TEXT NOT NULL,
    name      TEXT NOT NULL,
    date      TEXT NOT NULL,
    keys      TEXT NOT NULL,
    n         INTEGER NOT NULL,
    found_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (resource, match_key)
);

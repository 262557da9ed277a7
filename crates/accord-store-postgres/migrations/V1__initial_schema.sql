-- Accord's PostgreSQL schema. Every row below the log is the effect of a signed log entry;
-- the log itself (entries, every complete-subtree hash, signed checkpoints) is the record.
--
-- Foreign keys to log_entries are DEFERRABLE INITIALLY DEFERRED: an append writes its
-- effects first and the batch's entries in one statement at the end of the transaction.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The log. idx is the 0-based leaf index; entry holds the signed entry bytes the leaf hash
-- covers; body is released by the read rules and is never part of the leaf.
CREATE TABLE log_entries (
    idx          BIGINT PRIMARY KEY CHECK (idx >= 0),
    entry        BYTEA NOT NULL,
    kind         TEXT NOT NULL,
    entry_id     TEXT NOT NULL,
    submitter    TEXT NOT NULL,
    submitted_at TEXT NOT NULL,         -- as signed; the entry bytes are authoritative
    tlp          TEXT NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
    body         BYTEA NOT NULL,
    CONSTRAINT log_entries_no_replay UNIQUE (kind, entry_id)
);

-- Every complete-subtree hash (RFC 9162 §2.1.1), so proofs and tiles never recompute the tree.
CREATE TABLE log_nodes (
    level SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx   BIGINT NOT NULL CHECK (idx >= 0),
    hash  BYTEA NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, idx)
);

-- One signed checkpoint per committed append; the largest is the published tree head.
CREATE TABLE checkpoints (
    size      BIGINT PRIMARY KEY CHECK (size > 0),
    root      BYTEA NOT NULL CHECK (octet_length(root) = 32),
    note      TEXT NOT NULL,            -- C2SP signed note, witness cosignatures included
    signed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The registry and the incident record: each row keeps the record as JSONB (the source of
-- truth for reads) beside the columns that list and filter it.
CREATE TABLE accord (
    id        TEXT PRIMARY KEY,
    body      JSONB NOT NULL,
    log_index BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE rules (
    id        SMALLINT PRIMARY KEY CHECK (id = 1),
    body      JSONB NOT NULL,
    log_index BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE parties (
    id        TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    body      JSONB NOT NULL,
    log_index BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED
);

CREATE INDEX parties_by_kind_name ON parties (kind, name);

CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    sort_key    TEXT NOT NULL UNIQUE,   -- "YYYY-MM-DD|id": pages are cut on it, newest first
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    body        JSONB NOT NULL,
    log_index   BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE incident_facets (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    facet       TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (facet, value, incident_id)
);

CREATE INDEX incident_facets_by_incident ON incident_facets (incident_id);

CREATE TABLE party_keys (
    party_id   TEXT NOT NULL REFERENCES parties (id),
    public_key TEXT NOT NULL,           -- base64 Ed25519 public key
    added_at   BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED,
    revoked_at BIGINT REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (party_id, public_key),
    CHECK (revoked_at IS NULL OR revoked_at > added_at)
);

-- API tokens, stored as their SHA-256 only.
CREATE TABLE tokens (
    token_sha256 TEXT PRIMARY KEY,
    party_id     TEXT NOT NULL REFERENCES parties (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at   TIMESTAMPTZ
);

-- Evidence requests (accord_law::request): one row per request with its current status and
-- the whole request (history included) as JSONB, and one row per step of its lifecycle.
CREATE TABLE requests (
    id         TEXT PRIMARY KEY,
    requesting TEXT NOT NULL,           -- ISO code of the requesting state (= its party id)
    requested  TEXT NOT NULL,           -- ISO code of the requested state
    incident   TEXT,
    status     TEXT NOT NULL,
    tlp        TEXT NOT NULL,
    next_due   TIMESTAMPTZ,             -- earliest response limit while open
    body       JSONB NOT NULL,
    log_index  BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED
);

CREATE INDEX requests_requesting ON requests (requesting);
CREATE INDEX requests_requested ON requests (requested);
CREATE INDEX requests_incident ON requests (incident) WHERE incident IS NOT NULL;
CREATE INDEX requests_next_due ON requests (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX requests_newest ON requests (log_index DESC);

CREATE TABLE request_transitions (
    request_id TEXT NOT NULL REFERENCES requests (id),
    to_status  TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    by_party   TEXT NOT NULL,
    note       TEXT,
    log_index  BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (request_id, to_status)
);

-- Threat-indicator sharing (accord_store::sharing).
CREATE TABLE sharing_collections (
    id        TEXT PRIMARY KEY,
    body      JSONB NOT NULL,           -- the whole definition (members, default TLP)
    log_index BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE sharing_affiliations (
    party        TEXT PRIMARY KEY,
    organisation TEXT NOT NULL,
    client_of    TEXT,
    log_index    BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED
);

-- added_us is the date added in microseconds, strictly increasing across the store (the
-- append holds the sequencer lock), so it orders TAXII pages. body is TEXT, not JSONB: the
-- object is returned byte for byte as it was stored, key order included.
CREATE TABLE stix_objects (
    added_us     BIGINT PRIMARY KEY,
    collection   TEXT NOT NULL,
    id           TEXT NOT NULL,
    version_us   BIGINT NOT NULL,       -- modified, else created, else added_us
    type         TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    tlp          TEXT NOT NULL,
    producer     TEXT NOT NULL,
    recipients   TEXT[] NOT NULL,       -- party ids
    body         TEXT NOT NULL,
    log_index    BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (collection, id, version_us)
);

CREATE INDEX stix_objects_collection ON stix_objects (collection, added_us);

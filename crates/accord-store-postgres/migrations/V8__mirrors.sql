-- Mirroring peers' logs with proof (issue 14 part 2). For each peer log: how far this hub
-- verified it (the accepted checkpoint, the tree's right edge and the party keys its log
-- recorded, so the next pull goes on from there), every checkpoint it accepted, and the
-- records it mirrored with their provenance (origin log, index, the checkpoint proving them).
-- Apart from the hub's own log: nothing here is re-signed or appended as the hub's.
-- IF NOT EXISTS: the upgrade tests replay the migrations after an older one.
CREATE TABLE IF NOT EXISTS mirror_logs (
    origin       TEXT PRIMARY KEY,
    verifier_key TEXT NOT NULL,
    size         BIGINT NOT NULL CHECK (size >= 0),
    root         BYTEA NOT NULL CHECK (octet_length(root) = 32),
    note         TEXT NOT NULL,      -- the accepted checkpoint as the peer signed it
    frontier     BYTEA NOT NULL CHECK (octet_length(frontier) % 32 = 0),
    keys         JSONB NOT NULL,     -- [{party, key, revoked}]
    updated_at   BIGINT NOT NULL,    -- POSIX seconds
    recorders    JSONB NOT NULL      -- [{record, recorder, index}], for amendments
);

CREATE TABLE IF NOT EXISTS mirror_checkpoints (
    origin TEXT NOT NULL,
    size   BIGINT NOT NULL CHECK (size >= 0),
    note   TEXT NOT NULL,
    PRIMARY KEY (origin, size)
);

CREATE TABLE IF NOT EXISTS mirrored_entries (
    origin          TEXT NOT NULL,
    idx             BIGINT NOT NULL CHECK (idx >= 0),
    kind            TEXT NOT NULL,
    entry_id        TEXT NOT NULL,
    submitter       TEXT NOT NULL,
    submitted_at    TEXT NOT NULL,
    entry           BYTEA NOT NULL,  -- the signed entry, the leaf of the origin log
    body            BYTEA NOT NULL,
    salt            BYTEA,
    checkpoint_size BIGINT NOT NULL,
    PRIMARY KEY (origin, idx)
);
CREATE INDEX IF NOT EXISTS mirrored_entries_kind ON mirrored_entries (kind, entry_id);

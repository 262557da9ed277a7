-- The verifiable record: every write is an entry in an append-only Merkle log.
CREATE TABLE log_entries (
    idx          INTEGER PRIMARY KEY,   -- 0-based leaf index
    entry        BLOB NOT NULL,         -- signed entry bytes: what the leaf hash covers
    kind         TEXT NOT NULL,
    entry_id     TEXT NOT NULL,
    submitter    TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    tlp          TEXT NOT NULL,
    body         BLOB NOT NULL,         -- released by the read rules, never part of the leaf
    UNIQUE (kind, entry_id)
) STRICT;

-- Every complete-subtree hash, so that proofs and tiles never recompute the tree.
CREATE TABLE log_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE checkpoints (
    size      INTEGER PRIMARY KEY,
    root      BLOB NOT NULL,
    note      TEXT NOT NULL,
    signed_at TEXT NOT NULL
) STRICT;

CREATE TABLE party_keys (
    party_id   TEXT NOT NULL,
    public_key TEXT NOT NULL,
    added_at   INTEGER NOT NULL REFERENCES log_entries (idx),
    revoked_at INTEGER REFERENCES log_entries (idx),
    PRIMARY KEY (party_id, public_key)
) STRICT;

CREATE TABLE tokens (
    token_sha256 TEXT PRIMARY KEY,
    party_id     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
) STRICT;

ALTER TABLE incidents ADD COLUMN log_index INTEGER REFERENCES log_entries (idx);

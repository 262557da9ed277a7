-- Peer hubs (issue 14 parts 1 and 3): `peer`, `peer-removal` and `peer-fork` log entries,
-- indexed here. One row per peer log (its verifier key), kept when the peer is removed, so a
-- fork caught stays caught and a removed peer can be registered again.
-- IF NOT EXISTS: the upgrade tests replay the migrations after an older one.
CREATE TABLE IF NOT EXISTS peers (
    verifier_key  TEXT PRIMARY KEY,     -- C2SP verifier key string name+keyid+base64
    origin        TEXT NOT NULL,        -- the key's name, the log's origin
    url           TEXT NOT NULL,
    party_id      TEXT REFERENCES parties (id),
    added_at      BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED,
    removed_at    BIGINT REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED,
    forked_at     BIGINT REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED,
    fork_evidence JSONB                 -- the `peer-fork` entry's body
);

CREATE UNIQUE INDEX IF NOT EXISTS peers_current_origin ON peers (origin) WHERE removed_at IS NULL;

-- Per peer log, the last checkpoint this hub accepted (signed by the peer's key, consistent
-- with every one accepted before): sync state, not in the log. Moved by compare-and-set.
CREATE TABLE IF NOT EXISTS peer_checkpoints (
    verifier_key TEXT PRIMARY KEY,
    size         BIGINT NOT NULL CHECK (size >= 0),
    root         BYTEA NOT NULL CHECK (octet_length(root) = 32),
    note         TEXT NOT NULL,       -- the signed note, the peer's own signature line only
    accepted_at  BIGINT NOT NULL      -- POSIX seconds
);

-- Mirrored collections (issue 14 part 5): STIX object versions read from a peer's collection
-- as this hub's party there, each proven back to the peer's log (the entry at idx commits to
-- body with salt and is in the accepted tree of checkpoint_size entries). They keep their
-- marking and producer and are served under the local collection's read rule; nothing here
-- is re-signed or appended as the hub's.
CREATE TABLE IF NOT EXISTS mirrored_objects (
    collection      TEXT NOT NULL,       -- the local collection that mirrors the peer's
    origin          TEXT NOT NULL,
    idx             BIGINT NOT NULL CHECK (idx >= 0),
    object_id       TEXT NOT NULL,
    type            TEXT NOT NULL,
    version_us      BIGINT,              -- modified, else created; NULL for neither
    tlp             TEXT NOT NULL,
    producer        TEXT NOT NULL,
    recipients      JSONB NOT NULL,      -- array of party ids
    body            BYTEA NOT NULL,      -- canonical JSON, the committed bytes
    salt            BYTEA,
    entry           BYTEA NOT NULL,      -- the signed entry, the leaf of the origin log
    checkpoint_size BIGINT NOT NULL,
    PRIMARY KEY (collection, origin, idx)
);

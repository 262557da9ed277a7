-- Threat-indicator sharing (accord_store::sharing): collections, affiliations and STIX object
-- versions. Every row is the effect of a signed log entry.
CREATE TABLE sharing_collections (
    id        TEXT PRIMARY KEY,
    body      TEXT NOT NULL,            -- the whole definition (members, default TLP) as JSON
    log_index INTEGER NOT NULL REFERENCES log_entries (idx)
) STRICT;

CREATE TABLE sharing_affiliations (
    party        TEXT PRIMARY KEY,
    organisation TEXT NOT NULL,
    client_of    TEXT,
    log_index    INTEGER NOT NULL REFERENCES log_entries (idx)
) STRICT;

CREATE TABLE stix_objects (
    added_us     INTEGER PRIMARY KEY,   -- date added, microseconds; unique and increasing
    collection   TEXT NOT NULL,
    id           TEXT NOT NULL,
    version_us   INTEGER NOT NULL,      -- modified, else created, else added_us
    type         TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    tlp          TEXT NOT NULL,
    producer     TEXT NOT NULL,
    recipients   TEXT NOT NULL,         -- JSON array of party ids
    body         TEXT NOT NULL,         -- the object exactly as submitted
    log_index    INTEGER NOT NULL REFERENCES log_entries (idx),
    UNIQUE (collection, id, version_us)
) STRICT;

CREATE INDEX stix_objects_collection ON stix_objects (collection, added_us);
CREATE INDEX stix_objects_id ON stix_objects (collection, id);

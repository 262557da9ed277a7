-- The registry and the incident record. Each row keeps the record's JSON as the source of
-- truth; the other columns and incident_facets exist to list and filter without parsing it.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE accord (
    id   TEXT PRIMARY KEY,
    body TEXT NOT NULL
) STRICT;

CREATE TABLE rules (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL
) STRICT;

CREATE TABLE parties (
    id   TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL
) STRICT;

CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    sort_key    TEXT NOT NULL UNIQUE,
    recorded_at TEXT NOT NULL,
    body        TEXT NOT NULL
) STRICT;

CREATE TABLE incident_facets (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    facet       TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (facet, value, incident_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX incident_facets_by_incident ON incident_facets (incident_id);

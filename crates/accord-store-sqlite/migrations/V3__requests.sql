-- Evidence requests (accord_law::request): one row per request with its current status, and
-- one row per step of its lifecycle. Every row is the effect of a signed log entry.
CREATE TABLE requests (
    id          TEXT PRIMARY KEY,
    requesting  TEXT NOT NULL,          -- ISO code of the requesting state (= its party id)
    requested   TEXT NOT NULL,          -- ISO code of the requested state
    incident    TEXT,
    status      TEXT NOT NULL,
    tlp         TEXT NOT NULL,
    next_due_ms INTEGER,                -- earliest response limit while open, ms since 1970
    body        TEXT NOT NULL,          -- the whole request as JSON, history included
    log_index   INTEGER NOT NULL REFERENCES log_entries (idx)
) STRICT;

CREATE INDEX requests_requesting ON requests (requesting);
CREATE INDEX requests_requested ON requests (requested);
CREATE INDEX requests_next_due ON requests (next_due_ms) WHERE next_due_ms IS NOT NULL;

CREATE TABLE request_transitions (
    request_id TEXT NOT NULL REFERENCES requests (id),
    to_status  TEXT NOT NULL,
    at         TEXT NOT NULL,
    by_party   TEXT NOT NULL,
    note       TEXT,
    log_index  INTEGER NOT NULL REFERENCES log_entries (idx),
    PRIMARY KEY (request_id, to_status)
) STRICT;

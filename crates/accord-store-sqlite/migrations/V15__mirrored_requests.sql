-- Mirrored evidence requests (issue 14): the log entries of requests (filings and
-- transitions) read from a peer as this hub's party there, a side of each request, each
-- proven back to the peer's log (the entry at idx commits to body with salt and is in the
-- accepted tree of checkpoint_size entries). Served only to the request's sides on this hub;
-- nothing here is re-signed or appended as the hub's.
CREATE TABLE IF NOT EXISTS mirrored_requests (
    origin          TEXT NOT NULL,
    idx             INTEGER NOT NULL CHECK (idx >= 0),
    kind            TEXT NOT NULL,       -- request | request-transition
    request_id      TEXT NOT NULL,
    submitter       TEXT NOT NULL,
    tlp             TEXT NOT NULL,
    body            BLOB NOT NULL,       -- the committed bytes (JSON)
    salt            BLOB,
    entry           BLOB NOT NULL,       -- the signed entry, the leaf of the origin log
    checkpoint_size INTEGER NOT NULL,
    PRIMARY KEY (origin, idx)
) STRICT;

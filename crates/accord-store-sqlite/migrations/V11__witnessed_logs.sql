-- The hub as a C2SP tlog-witness (issue 14 part 4): for each log it witnesses, the latest
-- checkpoint it cosigned. `POST /add-checkpoint` replaces a row only if it still holds the
-- size and root the request was checked against, so two concurrent requests cannot roll a
-- log back.
-- IF NOT EXISTS: the upgrade tests replay the migrations after an older one.
CREATE TABLE IF NOT EXISTS witnessed_logs (
    origin     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL CHECK (size >= 0),
    root       BLOB NOT NULL CHECK (length(root) = 32),
    note       TEXT NOT NULL,       -- the checkpoint as received, with this hub's cosignature
    updated_at INTEGER NOT NULL     -- POSIX seconds, the cosignature's timestamp
) STRICT;

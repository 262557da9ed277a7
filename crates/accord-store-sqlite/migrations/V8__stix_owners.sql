-- Who owns each STIX object id on the hub (accord_store::sharing::check_new_version): the
-- party that recorded its first version. Only the owner may add versions or delete them. A row
-- outlives the object's deletion, so a deleted id cannot be taken over either.
CREATE TABLE stix_owners (
    id        TEXT PRIMARY KEY,
    producer  TEXT NOT NULL,
    log_index INTEGER NOT NULL REFERENCES log_entries (idx)
) STRICT;

-- An existing hub learns its owners from the log: each id's earliest `stix` entry (its body is
-- the object, its submitter the producer), deleted objects included.
INSERT INTO stix_owners (id, producer, log_index)
SELECT id, submitter, idx FROM (
    SELECT json_extract(CAST(body AS TEXT), '$.id') AS id, submitter, idx,
           ROW_NUMBER() OVER (
               PARTITION BY json_extract(CAST(body AS TEXT), '$.id') ORDER BY idx
           ) AS n
    FROM log_entries
    WHERE kind = 'stix' AND json_valid(CAST(body AS TEXT))
)
WHERE n = 1 AND id IS NOT NULL;

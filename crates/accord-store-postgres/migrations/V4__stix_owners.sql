-- Who owns each STIX object id on the hub (accord_store::sharing::check_new_version): the
-- party that recorded its first version. Only the owner may add versions or delete them. A row
-- outlives the object's deletion, so a deleted id cannot be taken over either.
CREATE TABLE stix_owners (
    id        TEXT PRIMARY KEY,
    producer  TEXT NOT NULL,
    log_index BIGINT NOT NULL REFERENCES log_entries (idx) DEFERRABLE INITIALLY DEFERRED
);

-- An existing hub learns its owners from the log: each id's earliest `stix` entry (its body is
-- the object, its submitter the producer), deleted objects included.
INSERT INTO stix_owners (id, producer, log_index)
SELECT DISTINCT ON (id) id, submitter, idx
FROM (
    SELECT convert_from(body, 'UTF8')::JSONB ->> 'id' AS id, submitter, idx
    FROM log_entries
    WHERE kind = 'stix'
) AS s
WHERE id IS NOT NULL
ORDER BY id, idx;

-- stix_objects (collection, id) duplicated the prefix of the UNIQUE (collection, id, version_us)
-- index, which serves the same lookups. With random object ids every index costs a scattered
-- page write per added object, so the copy only slowed ingestion.
DROP INDEX stix_objects_id;

-- Incidents are TLP:CLEAR only (accord_store::write::check_incident_marking): every incident
-- read path (lists, pages, facets, scorecards, exports) is public. An incident recorded marked
-- GREEN, AMBER or RED before that rule stays in the log (its entry, its withheld body) but
-- leaves the index every read path uses (its facets go with it: ON DELETE CASCADE).
DELETE FROM incidents AS i
USING log_entries AS l
WHERE l.idx = i.log_index AND l.tlp <> 'clear';

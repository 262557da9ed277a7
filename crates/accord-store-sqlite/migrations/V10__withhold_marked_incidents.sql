-- Incidents are TLP:CLEAR only (accord_store::write::check_incident_marking): every incident
-- read path (lists, pages, facets, scorecards, exports) is public. An incident recorded marked
-- GREEN, AMBER or RED before that rule stays in the log (its entry, its withheld body) but
-- leaves the index every read path uses.
DELETE FROM incident_facets
WHERE incident_id IN (
    SELECT i.id FROM incidents AS i
    JOIN log_entries AS l ON l.idx = i.log_index
    WHERE l.tlp <> 'clear'
);

DELETE FROM incidents
WHERE log_index IN (SELECT idx FROM log_entries WHERE tlp <> 'clear');

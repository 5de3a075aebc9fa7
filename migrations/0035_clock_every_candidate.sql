-- Every candidate's data expires (F10). The clock started only at a hiring decision, so a
-- candidate never decided on (a recruitment closed without one, consent never answered, simply
-- forgotten) was kept for ever. The clock now runs from the latest of their decisions, the closing
-- of their recruitments and their last activity (the anchor), plus the period.

ALTER TABLE candidates ADD COLUMN retention_anchor timestamptz;

UPDATE candidates c SET retention_anchor = GREATEST(
    c.created_at,
    (SELECT max(e.occurred_at) FROM application_events e
     JOIN applications a ON a.id = e.application_id
     WHERE a.candidate_id = c.id),
    (SELECT max(a.decided_at) FROM applications a WHERE a.candidate_id = c.id),
    (SELECT max(r.closed_at) FROM applications a
     JOIN recruitments r ON r.id = a.recruitment_id
     WHERE a.candidate_id = c.id));

-- A candidate who had no clock gets at least a month from now: the warning to staff comes fifteen
-- days before the end, and must come before anything is deleted.
UPDATE candidates c SET
    retention_until = GREATEST(
        c.retention_until,
        c.retention_anchor + make_interval(days => COALESCE(c.retention_days_override, o.retention_days)),
        CASE WHEN c.retention_until IS NULL THEN now() + interval '30 days' END)
FROM orgs o
WHERE o.id = c.org_id;

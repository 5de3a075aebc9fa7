-- Found by the load benchmark (scripts/bench) at 20,000 applications and 200,000 audit events.

-- 1. Applications per recruitment and stage, kept by statement triggers. The dashboard's funnel
-- counted the applications table on every view (5 ms and growing with the organisation); it now
-- sums at most one row per recruitment and stage.
CREATE TABLE application_stage_counts (
    org_id uuid NOT NULL,
    recruitment_id uuid NOT NULL,
    stage text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (recruitment_id, stage)
);
CREATE INDEX application_stage_counts_org_idx ON application_stage_counts (org_id);

-- Only the triggers (running as the schema owner) write here; the application role reads its
-- organisation's rows through the policy. No foreign keys: a counter is never the reason a
-- recruitment cannot be removed, and readers join the recruitments that exist.
ALTER TABLE application_stage_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY application_stage_counts_tenant ON application_stage_counts
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));
GRANT SELECT ON application_stage_counts TO candor_app;

-- Deltas are applied in key order so two transactions moving applications between the same
-- stages lock the counters in the same order (no deadlock).
CREATE FUNCTION application_stage_counts_added() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO application_stage_counts AS s (org_id, recruitment_id, stage, n)
    SELECT org_id, recruitment_id, stage, count(*) FROM added_rows
    GROUP BY org_id, recruitment_id, stage ORDER BY recruitment_id, stage
    ON CONFLICT (recruitment_id, stage) DO UPDATE SET n = s.n + EXCLUDED.n;
    RETURN NULL;
END;
$$;

CREATE FUNCTION application_stage_counts_removed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO application_stage_counts AS s (org_id, recruitment_id, stage, n)
    SELECT org_id, recruitment_id, stage, -count(*) FROM removed_rows
    GROUP BY org_id, recruitment_id, stage ORDER BY recruitment_id, stage
    ON CONFLICT (recruitment_id, stage) DO UPDATE SET n = s.n + EXCLUDED.n;
    RETURN NULL;
END;
$$;

CREATE FUNCTION application_stage_counts_moved() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO application_stage_counts AS s (org_id, recruitment_id, stage, n)
    SELECT org_id, recruitment_id, stage, sum(k) FROM (
        SELECT org_id, recruitment_id, stage, 1 AS k FROM after_rows
        UNION ALL
        SELECT org_id, recruitment_id, stage, -1 FROM before_rows
    ) d
    GROUP BY org_id, recruitment_id, stage HAVING sum(k) <> 0 ORDER BY recruitment_id, stage
    ON CONFLICT (recruitment_id, stage) DO UPDATE SET n = s.n + EXCLUDED.n;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION application_stage_counts_added() FROM PUBLIC;
REVOKE ALL ON FUNCTION application_stage_counts_removed() FROM PUBLIC;
REVOKE ALL ON FUNCTION application_stage_counts_moved() FROM PUBLIC;

CREATE TRIGGER applications_counted_in AFTER INSERT ON applications
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION application_stage_counts_added();
CREATE TRIGGER applications_counted_out AFTER DELETE ON applications
    REFERENCING OLD TABLE AS removed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION application_stage_counts_removed();
CREATE TRIGGER applications_counted_moved AFTER UPDATE ON applications
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION application_stage_counts_moved();

INSERT INTO application_stage_counts (org_id, recruitment_id, stage, n)
SELECT org_id, recruitment_id, stage, count(*) FROM applications
GROUP BY org_id, recruitment_id, stage;

-- 2. Unsealed events are listed once per INSERT statement rather than once per row: reading 50
-- candidates through the API appends 50 events in one statement, and a trigger call plus a
-- foreign-key check per row cost 3 ms of it. The list needs no foreign key: events are
-- append-only (refuse_audit_change), so a listed event cannot disappear.
ALTER TABLE audit_pending DROP CONSTRAINT audit_pending_event_id_fkey;
DROP TRIGGER audit_events_pending ON audit_events;
CREATE OR REPLACE FUNCTION audit_mark_pending() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO audit_pending (event_id, chain_key)
    SELECT id, COALESCE(org_id, '00000000-0000-0000-0000-000000000000'::uuid) FROM appended_events;
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_events_pending AFTER INSERT ON audit_events
    REFERENCING NEW TABLE AS appended_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_mark_pending();

-- Each application's latest consent event per purpose, kept by a statement trigger on the
-- append-only history. The retention sweep's expiry of unanswered requests compared every
-- 'requested' event ever appended with the latest of its purpose (80,000 in the benchmark's
-- organisation: 270 ms of PostgreSQL every 30 s, whether or not anything was due); it now reads
-- the unanswered ones from a partial index here. The consent badges read the same table, so one
-- rule decides what "latest" means (they cost what they did: the history's index already
-- answered them). The history stays the record (F7); this table is derived from it and written
-- by the trigger alone.
CREATE TABLE consent_latest (
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    purpose text NOT NULL,
    org_id uuid NOT NULL,
    event_id bigint NOT NULL,
    event text NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (application_id, purpose)
);
-- The unanswered requests, oldest first: what the expiry looks for.
CREATE INDEX consent_latest_requested_idx ON consent_latest (occurred_at)
    WHERE event = 'requested';

-- Only the trigger (running as the schema owner) writes here; the application role reads its
-- organisation's rows through the policy.
ALTER TABLE consent_latest ENABLE ROW LEVEL SECURITY;
ALTER TABLE consent_latest FORCE ROW LEVEL SECURITY;
CREATE POLICY consent_latest_tenant ON consent_latest
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));
GRANT SELECT ON consent_latest TO candor_app;

-- The statement's newest event per application and purpose replaces an older one; concurrent
-- appends for the same purpose queue on the row, and the higher event id wins whatever their
-- order of commit.
CREATE FUNCTION consent_latest_appended() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO consent_latest AS l (application_id, purpose, org_id, event_id, event, occurred_at)
    SELECT DISTINCT ON (application_id, purpose)
           application_id, purpose, org_id, id, event, occurred_at
    FROM appended
    ORDER BY application_id, purpose, id DESC
    ON CONFLICT (application_id, purpose) DO UPDATE
        SET event_id = EXCLUDED.event_id, event = EXCLUDED.event,
            occurred_at = EXCLUDED.occurred_at
        WHERE l.event_id < EXCLUDED.event_id;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION consent_latest_appended() FROM PUBLIC;

CREATE TRIGGER consent_events_latest AFTER INSERT ON consent_events
    REFERENCING NEW TABLE AS appended
    FOR EACH STATEMENT EXECUTE FUNCTION consent_latest_appended();

INSERT INTO consent_latest (application_id, purpose, org_id, event_id, event, occurred_at)
SELECT DISTINCT ON (application_id, purpose)
       application_id, purpose, org_id, id, event, occurred_at
FROM consent_events
ORDER BY application_id, purpose, id DESC;

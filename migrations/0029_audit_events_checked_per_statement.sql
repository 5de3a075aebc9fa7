-- An audit event's organisation was a foreign key: PostgreSQL looked the organisation up for every
-- event and locked its row (FOR KEY SHARE) until the appending transaction ended. All of an
-- organisation's audited requests lock that one row at once, and each new locker of a locked row
-- makes PostgreSQL write a new multixact (under a lock shared by the whole cluster) and rewrite the
-- row's header: a queue every audited request of the organisation passes through (issue 6: audit
-- appends never serialise an organisation's requests). Appending 50 events at 16 connections went
-- from 956-1,161 to 1,048-1,344 statements a second without it (pgbench, interleaved, 2026-12-04).
--
-- The rule itself stays, checked without the lock: once per appending statement, every
-- organisation its events name must exist. Organisations are never deleted by the portal; one
-- with audit events is refused deletion, so its log cannot be orphaned.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_org_id_fkey;

CREATE OR REPLACE FUNCTION audit_mark_pending() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM (SELECT DISTINCT org_id FROM appended_events WHERE org_id IS NOT NULL) e
        WHERE NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = e.org_id)
    ) THEN
        RAISE EXCEPTION 'an audit event names an organisation that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO audit_pending (chain_key, event_ids)
    SELECT COALESCE(org_id, '00000000-0000-0000-0000-000000000000'::uuid), array_agg(id ORDER BY id)
    FROM appended_events
    GROUP BY 1;
    RETURN NULL;
END;
$$;

CREATE FUNCTION refuse_deleting_audited_org() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_events WHERE org_id = OLD.id) THEN
        RAISE EXCEPTION 'organisation % has audit events, which outlive it', OLD.public_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END;
$$;
REVOKE ALL ON FUNCTION refuse_deleting_audited_org() FROM PUBLIC;

CREATE TRIGGER orgs_keep_audit_log BEFORE DELETE ON orgs
    FOR EACH ROW EXECUTE FUNCTION refuse_deleting_audited_org();

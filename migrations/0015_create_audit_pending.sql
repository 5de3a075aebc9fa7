-- The sealer's work list. Finding unsealed events by an anti-join of audit_events against
-- audit_chain reads the whole log on every pass (every two seconds, 100 ms and more at 200,000
-- events, growing with the log); each new event is listed here instead, and leaves the list in
-- the transaction that seals it. Events stay append-only: only this list shrinks.

CREATE TABLE audit_pending (
    event_id bigint PRIMARY KEY REFERENCES audit_events (id),
    -- The organisation's chain, or the nil uuid for events that belong to no organisation.
    chain_key uuid NOT NULL
);
CREATE INDEX audit_pending_chain_idx ON audit_pending (chain_key, event_id);

-- Runs as the owner, so the application role needs no right on the list.
CREATE FUNCTION audit_mark_pending() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO audit_pending (event_id, chain_key)
    VALUES (NEW.id, COALESCE(NEW.org_id, '00000000-0000-0000-0000-000000000000'::uuid));
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION audit_mark_pending() FROM PUBLIC;

CREATE TRIGGER audit_events_pending AFTER INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_mark_pending();

INSERT INTO audit_pending (event_id, chain_key)
SELECT e.id, COALESCE(e.org_id, '00000000-0000-0000-0000-000000000000'::uuid)
FROM audit_events e
WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id);

-- A deletion leaves no trace of the candidate (F10, F9). Three kinds of row outlived them because
-- nothing tied them to the candidate: e-mails about them (to an address they had before a
-- rectification, or to staff), the stored answers of the API's idempotent writes, and the source
-- address of what they did themselves in the audit log. The first two now name their candidate
-- and go with them; the third is erased by the deletion.

ALTER TABLE email_outbox
    ADD COLUMN candidate_id uuid REFERENCES candidates (id) ON DELETE CASCADE;
CREATE INDEX email_outbox_candidate_idx ON email_outbox (candidate_id)
    WHERE candidate_id IS NOT NULL;

-- E-mails already queued to a candidate's current address are theirs.
UPDATE email_outbox e SET candidate_id = c.id
FROM candidates c
WHERE c.org_id = e.org_id AND c.email = e.recipient;

-- Warnings to staff named the candidate in the subject, kept after sending; they now name no one.
-- An unsent one still carries the link to its candidate's page in its body.
UPDATE email_outbox e SET candidate_id = c.id
FROM candidates c
WHERE e.template = 'retention_warning' AND e.text_body IS NOT NULL AND c.org_id = e.org_id
  AND strpos(e.text_body, '/app/candidates/' || c.public_id) > 0;
UPDATE email_outbox SET subject = 'A candidate''s data is due for deletion'
WHERE template = 'retention_warning';

-- No foreign key here: claiming a key would then wait on the candidates table (the claim is the
-- first statement of every idempotent write); the deletion removes these rows itself.
ALTER TABLE api_idempotency ADD COLUMN candidate_id uuid;
CREATE INDEX api_idempotency_candidate_idx ON api_idempotency (candidate_id)
    WHERE candidate_id IS NOT NULL;

-- Audit events stay append-only, except that the source address of an event, which the chain
-- does not hash, may be erased: it is the candidate's own address when they acted themselves.
CREATE FUNCTION refuse_audit_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.source_addr IS NULL
       AND (NEW.id, NEW.org_id, NEW.occurred_at, NEW.actor, NEW.action, NEW.target, NEW.outcome,
            NEW.request_id)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.org_id, OLD.occurred_at, OLD.actor, OLD.action, OLD.target, OLD.outcome,
            OLD.request_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit records are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER audit_events_append_only ON audit_events;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_event_change();

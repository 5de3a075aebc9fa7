-- Retention (F10): one clock per candidate, started by a hiring decision (the latest one counts);
-- a per-candidate period may replace the organisation's; extensions move the clock; a legal hold
-- with a reason and an end date blocks deletion while it lasts. A deletion requested through a
-- data-subject request is marked here and carried out by the same worker.

ALTER TABLE candidates
    ADD COLUMN retention_days_override integer CHECK (retention_days_override >= 30),
    ADD COLUMN retention_until timestamptz,
    ADD COLUMN retention_warned_at timestamptz,
    ADD COLUMN legal_hold_reason text CHECK (length(legal_hold_reason) BETWEEN 1 AND 2000),
    ADD COLUMN legal_hold_until timestamptz,
    ADD COLUMN deletion_requested_at timestamptz,
    ADD COLUMN deletion_request_id uuid,
    -- Set when a restriction or objection request is granted (GDPR Art. 18, 21): evaluation,
    -- recording and transcription stop until staff lift it.
    ADD COLUMN processing_restricted_at timestamptz,
    ADD CONSTRAINT candidates_legal_hold_whole
        CHECK ((legal_hold_reason IS NULL) = (legal_hold_until IS NULL));
CREATE INDEX candidates_retention_due_idx ON candidates (retention_until)
    WHERE retention_until IS NOT NULL;
CREATE INDEX candidates_deletion_requested_idx ON candidates (deletion_requested_at)
    WHERE deletion_requested_at IS NOT NULL;

-- Signed deletion certificates (F10): no personal data, only the hash of the public id, counts
-- per kind, files removed, the cause and the time. Kept with the audit log.
CREATE TABLE deletion_certificates (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    certificate text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER deletion_certificates_append_only BEFORE UPDATE OR DELETE ON deletion_certificates
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();

ALTER TABLE deletion_certificates ENABLE ROW LEVEL SECURITY;
ALTER TABLE deletion_certificates FORCE ROW LEVEL SECURITY;
CREATE POLICY deletion_certificates_tenant ON deletion_certificates
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

GRANT SELECT ON deletion_certificates TO candor_app;

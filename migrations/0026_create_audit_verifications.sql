-- What the background verifier last established about each chain. The audit viewer used to walk
-- its organisation's whole chain on every view (13 s at 1.9 million events); it now checks that
-- the verified part still ends in the same link and verifies only the links sealed since. Every
-- chain is still walked from its first link once a day, and by `candor verify-audit` on demand.
CREATE TABLE audit_verifications (
    -- The organisation's chain, or the nil uuid for events that belong to no organisation.
    chain_key uuid PRIMARY KEY,
    verified_through bigint NOT NULL CHECK (verified_through >= 0),
    -- The hash of the link at `verified_through` (empty while the chain has no link).
    through_hash bytea NOT NULL,
    events_verified bigint NOT NULL,
    problems text[] NOT NULL,
    -- Events listed for sealing for more than a minute when the verifier looked.
    unsealed bigint NOT NULL,
    full_pass_at timestamptz NOT NULL,
    checked_at timestamptz NOT NULL
);

ALTER TABLE audit_verifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_verifications FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_verifications_read ON audit_verifications FOR SELECT
    USING (chain_key = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));
GRANT SELECT ON audit_verifications TO candor_app;

-- Two-factor sign-in (F2): a TOTP secret per user (sealed by the master key, bound to the user),
-- the last time step accepted (a code is never accepted twice), and one-time recovery codes kept
-- only as hashes. The organisation's policy makes the second factor mandatory for admins only
-- (the floor) or for everyone.

ALTER TABLE orgs
    ADD COLUMN mfa_policy text NOT NULL DEFAULT 'admins' CHECK (mfa_policy IN ('admins', 'everyone'));

ALTER TABLE users
    -- Set while enrolment waits for the first code; replaced by every new enrolment attempt.
    ADD COLUMN totp_pending_secret bytea,
    ADD COLUMN totp_secret bytea,
    ADD COLUMN totp_enabled_at timestamptz,
    ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT users_totp_whole CHECK ((totp_secret IS NULL) = (totp_enabled_at IS NULL));

CREATE TABLE recovery_codes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs (id),
    user_id uuid NOT NULL REFERENCES users (id),
    -- SHA-256 of a code with 80 random bits: the raw code is shown once and never stored.
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, code_hash)
);
CREATE INDEX recovery_codes_org_id_idx ON recovery_codes (org_id);

ALTER TABLE recovery_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE recovery_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY recovery_codes_tenant ON recovery_codes
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

GRANT SELECT, INSERT, UPDATE, DELETE ON recovery_codes TO candor_app;

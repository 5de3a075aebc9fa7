-- Foundation: organisations, users, one-time tokens, sessions, rate limits, e-mail outbox and the
-- append-only audit log.
--
-- The portal connects as `candor_app`, a role created by the set-up (never by a migration) that
-- owns nothing and is no superuser. Every tenant table has forced row-level security keyed on the
-- transaction-local setting `app.org_id`, so a query that forgets its org filter still sees only
-- the caller's organisation.

CREATE TABLE orgs (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    plan_tier text NOT NULL DEFAULT 'standard' CHECK (plan_tier IN ('trial', 'standard', 'enterprise')),
    retention_days integer NOT NULL DEFAULT 365 CHECK (retention_days >= 30),
    dpa_version_accepted text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    -- One address belongs to one account across the portal, so sign-in needs no org picker.
    email text NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'recruiter', 'hiring_manager', 'interviewer', 'auditor')),
    active boolean NOT NULL DEFAULT true,
    email_verified_at timestamptz,
    -- Bumped to revoke every session of the user at once (reset, deactivation, "sign out others").
    session_epoch integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_org_id_idx ON users (org_id);

CREATE TABLE dpa_acceptances (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs (id),
    user_id uuid NOT NULL REFERENCES users (id),
    dpa_version text NOT NULL,
    accepted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dpa_acceptances_org_id_idx ON dpa_acceptances (org_id);

CREATE TABLE one_time_tokens (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs (id),
    purpose text NOT NULL,
    -- The record the token acts on (a user for verification and reset).
    subject_id uuid NOT NULL,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    expires_at timestamptz NOT NULL,
    consumed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX one_time_tokens_org_id_idx ON one_time_tokens (org_id);

-- Sessions of tower-sessions (S4), stored server-side.
CREATE TABLE sessions (
    id text PRIMARY KEY,
    data bytea NOT NULL,
    expiry_date timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_date_idx ON sessions (expiry_date);

-- Durable fixed-window counters (S7), shared by every portal instance.
CREATE TABLE rate_limit_buckets (
    bucket text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits bigint NOT NULL
);

-- Transactional outbox: an e-mail is queued in the same transaction as the change that causes it
-- and delivered by a background worker with retries.
CREATE TABLE email_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid REFERENCES orgs (id),
    template text NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    -- Bodies may hold one-time links; they are cleared once the message is delivered.
    text_body text,
    html_body text,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    sent_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE sent_at IS NULL;

-- Audit events are appended with a sequence number and no lock; the chain is built afterwards.
CREATE TABLE audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid REFERENCES orgs (id),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor text,
    action text NOT NULL,
    target text,
    outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    -- Not hashed: context that may be personal data and must stay erasable.
    source_addr inet,
    request_id text
);
CREATE INDEX audit_events_org_id_id_idx ON audit_events (org_id, id);

CREATE TABLE audit_chain (
    event_id bigint PRIMARY KEY REFERENCES audit_events (id),
    -- The organisation's chain, or the nil uuid for events that belong to no organisation.
    chain_key uuid NOT NULL,
    position bigint NOT NULL CHECK (position >= 1),
    prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash bytea NOT NULL CHECK (length(hash) = 32),
    sealed_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chain_key, position)
);

CREATE FUNCTION refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

-- Row-level security: the second wall behind the org filter every query carries.
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY orgs_tenant ON orgs
    USING (id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_tenant ON users
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE dpa_acceptances ENABLE ROW LEVEL SECURITY;
ALTER TABLE dpa_acceptances FORCE ROW LEVEL SECURITY;
CREATE POLICY dpa_acceptances_tenant ON dpa_acceptances
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE one_time_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE one_time_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY one_time_tokens_tenant ON one_time_tokens
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_events_read ON audit_events FOR SELECT
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));
-- Events without an organisation (a failed sign-in for an unknown address) may be appended by
-- anyone but read by no tenant.
CREATE POLICY audit_events_append ON audit_events FOR INSERT
    WITH CHECK (org_id IS NULL
        OR org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE audit_chain ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_chain_read ON audit_chain FOR SELECT
    USING (chain_key = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

-- Before a caller has an organisation (sign-in by e-mail, a one-time link), these narrow lookups
-- return only the ids needed to open a transaction scoped to the right organisation. They run as
-- the migration owner, which must be allowed to bypass row-level security.
CREATE FUNCTION org_of_user_email(p_email text)
RETURNS TABLE (user_id uuid, org_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT u.id, u.org_id FROM users u WHERE u.email = p_email
$$;

CREATE FUNCTION org_of_token(p_token_hash bytea)
RETURNS TABLE (org_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT t.org_id FROM one_time_tokens t WHERE t.token_hash = p_token_hash
$$;

REVOKE ALL ON FUNCTION org_of_user_email(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION org_of_token(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION org_of_user_email(text) TO candor_app;
GRANT EXECUTE ON FUNCTION org_of_token(bytea) TO candor_app;

GRANT SELECT, INSERT, UPDATE ON orgs, users, one_time_tokens TO candor_app;
GRANT SELECT, INSERT ON dpa_acceptances, audit_events TO candor_app;
GRANT SELECT ON audit_chain TO candor_app;
GRANT INSERT ON email_outbox TO candor_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions, rate_limit_buckets TO candor_app;

-- Consent (F7): the organisation's sub-processor register shown to candidates, the notices exactly as
-- shown (text, version, language, SHA-256), and the consent history per application and purpose,
-- shaped after ISO/IEC TS 27560. The history is append-only: the database refuses to rewrite it;
-- only deleting the candidate (a cascade from the application) removes it.

CREATE TABLE org_sub_processors (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    service text NOT NULL CHECK (length(service) BETWEEN 1 AND 200),
    country text NOT NULL CHECK (length(country) BETWEEN 2 AND 60),
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX org_sub_processors_org_idx ON org_sub_processors (org_id, position);

-- The language candidates read their pages and e-mails in, until they choose another.
ALTER TABLE candidates ADD COLUMN language text NOT NULL DEFAULT 'en'
    CHECK (language IN ('en', 'nl', 'sv', 'de', 'pl'));

CREATE TABLE consent_notices (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    version text NOT NULL,
    language text NOT NULL CHECK (language IN ('en', 'nl', 'sv', 'de', 'pl')),
    body text NOT NULL,
    sha256 bytea NOT NULL CHECK (length(sha256) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, sha256)
);

CREATE TABLE consent_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs (id),
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    purpose text NOT NULL
        CHECK (purpose IN ('evaluation', 'recording', 'transcription', 'ai_support')),
    event text NOT NULL
        CHECK (event IN ('requested', 'given', 'refused', 'withdrawn', 'expired', 'renewed')),
    lawful_basis text NOT NULL,
    notice_id uuid NOT NULL REFERENCES consent_notices (id),
    controller text NOT NULL,
    recipients text NOT NULL,
    retention_rule text NOT NULL,
    -- 'candidate', 'system', or the public id of the staff member who acted.
    actor text NOT NULL,
    collection_method text NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX consent_events_application_idx ON consent_events (application_id, purpose, id);

CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A cascade from deleting the application runs one trigger level deeper than a direct
    -- statement: only that is allowed to remove history, and nothing may rewrite it.
    IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the consent history is append-only';
END;
$$;
CREATE TRIGGER consent_events_append_only
    BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();

ALTER TABLE org_sub_processors ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_sub_processors FORCE ROW LEVEL SECURITY;
CREATE POLICY org_sub_processors_tenant ON org_sub_processors
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE consent_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE consent_notices FORCE ROW LEVEL SECURITY;
CREATE POLICY consent_notices_tenant ON consent_notices
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE consent_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE consent_events FORCE ROW LEVEL SECURITY;
CREATE POLICY consent_events_tenant ON consent_events
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

GRANT SELECT, INSERT, UPDATE, DELETE ON org_sub_processors TO candor_app;
GRANT SELECT, INSERT ON consent_notices, consent_events TO candor_app;
GRANT DELETE ON scorecard_entries TO candor_app;

-- Single sign-on (F2, F13): an organisation enables Google and/or Microsoft sign-in for the
-- e-mail domains it names. Only existing users of that organisation whose address is in one of
-- those domains may sign in this way; nothing creates an account.

CREATE TABLE org_sso_providers (
    org_id uuid NOT NULL REFERENCES orgs (id),
    provider text NOT NULL CHECK (provider IN ('google', 'microsoft')),
    allowed_domains text[] NOT NULL
        CHECK (cardinality(allowed_domains) BETWEEN 1 AND 20),
    enabled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, provider)
);

ALTER TABLE org_sso_providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_sso_providers FORCE ROW LEVEL SECURITY;
CREATE POLICY org_sso_providers_tenant ON org_sso_providers
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

GRANT SELECT, INSERT, UPDATE, DELETE ON org_sso_providers TO candor_app;

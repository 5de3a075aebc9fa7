-- API keys (F11) for the public REST API. A key reads `cnd_<lookup>_<secret>`: the lookup part
-- finds the row, the secret (256 bits) is stored only as its SHA-256 and compared in constant
-- time. Scopes, optional source networks and expiry are checked on every call; revocation is
-- immediate because every call reads the row.

CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    lookup text NOT NULL UNIQUE CHECK (lookup ~ '^[a-z2-7]{12}$'),
    secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
    scopes text[] NOT NULL
        CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['read', 'write', 'ats']::text[]),
    -- NULL: any address; otherwise the caller's address must fall in one of them.
    allowed_networks cidr[] CHECK (cardinality(allowed_networks) BETWEEN 1 AND 20),
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_org_id_idx ON api_keys (org_id, created_at DESC);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_tenant ON api_keys
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

-- Before the organisation is known, this narrow lookup names the key's organisation and nothing
-- more (like `org_of_token`).
CREATE FUNCTION org_of_api_key(p_lookup text)
RETURNS TABLE (org_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT k.org_id FROM api_keys k WHERE k.lookup = p_lookup
$$;
REVOKE ALL ON FUNCTION org_of_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION org_of_api_key(text) TO candor_app;

GRANT SELECT, INSERT, UPDATE ON api_keys TO candor_app;

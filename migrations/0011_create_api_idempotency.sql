-- Idempotency-Key on the public API's POSTs (SPEC section 5): the first request with a key is
-- recorded before it runs and its answer after; a retry with the same key and the same request
-- gets that answer again instead of a second write. Kept one day.

CREATE TABLE api_idempotency (
    org_id uuid NOT NULL REFERENCES orgs (id),
    api_key_id text NOT NULL,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    -- SHA-256 of method, path and body: the same key with another request is refused.
    request_sha256 bytea NOT NULL CHECK (length(request_sha256) = 32),
    -- NULL while the first request runs.
    status integer,
    response_body text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (api_key_id, idempotency_key)
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

ALTER TABLE api_idempotency ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_idempotency FORCE ROW LEVEL SECURITY;
CREATE POLICY api_idempotency_tenant ON api_idempotency
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

GRANT SELECT, INSERT, UPDATE, DELETE ON api_idempotency TO candor_app;

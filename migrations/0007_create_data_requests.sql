-- Data-subject requests (F9): what candidates ask for (rectification, restriction, deletion,
-- objection), with the lifecycle and the deadline engine's dates. A request outlives the data it is
-- about: deleting the candidate leaves the request, without the link to them.

CREATE TABLE data_requests (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    candidate_id uuid REFERENCES candidates (id) ON DELETE SET NULL,
    kind text NOT NULL
        CHECK (kind IN ('rectification', 'restriction', 'deletion', 'objection')),
    details text NOT NULL DEFAULT '' CHECK (length(details) <= 4000),
    status text NOT NULL
        CHECK (status IN ('received', 'verified', 'in_progress', 'extended', 'completed',
                          'rejected')),
    received_at timestamptz NOT NULL,
    due_at timestamptz NOT NULL,
    extended boolean NOT NULL DEFAULT false,
    extension_reason text CHECK (length(extension_reason) <= 2000),
    outcome text CHECK (length(outcome) <= 4000),
    handled_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (extended = (extension_reason IS NOT NULL))
);
CREATE INDEX data_requests_queue_idx ON data_requests (org_id, status, due_at);
CREATE INDEX data_requests_candidate_idx ON data_requests (candidate_id);

ALTER TABLE data_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY data_requests_tenant ON data_requests
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

-- The public privacy page asks by e-mail address before any organisation is known: this narrow
-- lookup returns only the ids needed to send each organisation's verification link.
CREATE FUNCTION candidates_with_email(p_email text)
RETURNS TABLE (org_id uuid, candidate_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT c.org_id, c.id FROM candidates c WHERE c.email = p_email
$$;
REVOKE ALL ON FUNCTION candidates_with_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION candidates_with_email(text) TO candor_app;

GRANT SELECT, INSERT, UPDATE ON data_requests TO candor_app;

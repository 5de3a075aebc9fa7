-- Requests whose answer must not tell whether an address is known: sign-up, password reset,
-- verification resend and the privacy page's links. The request only checks its limits and its
-- form and queues what it asks for; the worker inside every portal finds out whether the address
-- is known and makes the token, the e-mail and the audit event. Known and unknown addresses take
-- the same statements and the same time. A row lives seconds: it is deleted in the transaction
-- that carries it out.

CREATE TABLE deferred_requests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job jsonb NOT NULL,
    -- Who asked, for the audit events the worker records on the request's behalf.
    request_id text NOT NULL,
    client_addr inet NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX deferred_requests_due_idx ON deferred_requests (next_attempt_at);

-- No organisation owns a row (it may name none yet, or several): no row-level security, like
-- the sessions and the rate-limit buckets. The worker works through the application role, so
-- what it carries out is scoped to each organisation it touches.
GRANT SELECT, INSERT, UPDATE, DELETE ON deferred_requests TO candor_app;

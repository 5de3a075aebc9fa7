-- Inbound e-mail provider events (S15): a bounce or a complaint suppresses the address, so no
-- further e-mail is sent to it. Addresses are kept only as SHA-256 of their lower-case form:
-- enough to match a recipient, nothing to read. Event ids are remembered so a replayed event is
-- processed once. Both tables are system-wide (an address is suppressed for every organisation)
-- and written only by the portal's system connection.

CREATE TABLE email_suppressions (
    email_sha256 bytea PRIMARY KEY CHECK (length(email_sha256) = 32),
    reason text NOT NULL CHECK (reason IN ('bounce', 'complaint')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_events (
    provider_event_id text PRIMARY KEY CHECK (length(provider_event_id) BETWEEN 1 AND 200),
    received_at timestamptz NOT NULL DEFAULT now()
);

-- A message held back because its address is suppressed: never retried, bodies cleared.
ALTER TABLE email_outbox ADD COLUMN suppressed_at timestamptz;

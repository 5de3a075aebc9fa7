-- An event that is its request's only write (a sign-in, a refused sign-in) was a transaction of
-- its own: BEGIN with the organisation's scope, the INSERT, COMMIT, three round trips to
-- PostgreSQL. This function appends it in one. Like `session_caller` (0028) it
-- runs as its caller, so the append policy checks the event as it checks any other; it scopes only
-- its own INSERT (to the event's organisation, or to none) and gives the transaction back with the
-- scope it had. It returns nothing: reading the event back would need the read policy, which no
-- tenant passes for an event without an organisation.
CREATE FUNCTION append_audit_event(
    p_org uuid, p_occurred_at timestamptz, p_actor text, p_action text, p_target text,
    p_outcome text, p_source_addr inet, p_request_id text
)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public AS $$
DECLARE
    outer_org text := current_setting('app.org_id', true);
BEGIN
    PERFORM set_config('app.org_id', COALESCE(p_org::text, ''), true);
    INSERT INTO audit_events
        (org_id, occurred_at, actor, action, target, outcome, source_addr, request_id)
    VALUES (p_org, p_occurred_at, p_actor, p_action, p_target, p_outcome, p_source_addr,
            p_request_id);
    PERFORM set_config('app.org_id', COALESCE(outer_org, ''), true);
END
$$;
REVOKE ALL ON FUNCTION
    append_audit_event(uuid, timestamptz, text, text, text, text, inet, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    append_audit_event(uuid, timestamptz, text, text, text, text, inet, text) TO candor_app;

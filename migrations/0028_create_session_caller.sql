-- Every staff request re-validates its session's user (F2). In a transaction of its own that was
-- three round trips to PostgreSQL (BEGIN with the organisation's scope, the lookup, COMMIT) on
-- every page view and server call; this function is one. It runs as its caller (row security
-- applies as to any query of the application), scopes only its own lookup and gives the
-- transaction back with the scope it had, so it can never widen or switch the organisation of
-- statements that follow it.
CREATE FUNCTION session_caller(p_org uuid, p_user uuid)
RETURNS TABLE (
    user_id uuid, user_public_id text, email text, display_name text, role text, active boolean,
    session_epoch integer, org_id uuid, org_public_id text, org_name text,
    dpa_version_accepted text, mfa_enabled boolean, mfa_policy text
)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public AS $$
DECLARE
    outer_org text := current_setting('app.org_id', true);
BEGIN
    PERFORM set_config('app.org_id', p_org::text, true);
    RETURN QUERY
        SELECT u.id, u.public_id, u.email, u.display_name, u.role, u.active, u.session_epoch,
               o.id, o.public_id, o.name, o.dpa_version_accepted, u.totp_secret IS NOT NULL,
               o.mfa_policy
        FROM users u JOIN orgs o ON o.id = u.org_id
        WHERE u.org_id = p_org AND u.id = p_user;
    PERFORM set_config('app.org_id', COALESCE(outer_org, ''), true);
END
$$;
REVOKE ALL ON FUNCTION session_caller(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_caller(uuid, uuid) TO candor_app;

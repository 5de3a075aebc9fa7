-- Sign-in reads the account behind an e-mail address before any organisation is known: first the
-- address's organisation (`org_of_user_email`), then, scoped to it, the credentials. As two
-- transactions that was six round trips to PostgreSQL per sign-in; this function is one. Like
-- `session_caller` (0028) it runs as its caller: row security applies to the credentials' read
-- as to any query of the application; it scopes only that read and gives the transaction back
-- with the scope it had.
CREATE FUNCTION sign_in_credentials(p_email text)
RETURNS TABLE (
    org_id uuid, id uuid, public_id text, password_hash text, active boolean,
    email_verified boolean, session_epoch integer, mfa_enabled boolean, role text,
    mfa_policy text
)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public AS $$
DECLARE
    outer_org text := current_setting('app.org_id', true);
    found_org uuid;
    found_user uuid;
BEGIN
    SELECT l.org_id, l.user_id INTO found_org, found_user FROM org_of_user_email(p_email) l;
    IF found_org IS NULL THEN
        RETURN;
    END IF;
    PERFORM set_config('app.org_id', found_org::text, true);
    RETURN QUERY
        SELECT u.org_id, u.id, u.public_id, u.password_hash, u.active,
               u.email_verified_at IS NOT NULL, u.session_epoch, u.totp_secret IS NOT NULL,
               u.role, o.mfa_policy
        FROM users u JOIN orgs o ON o.id = u.org_id
        WHERE u.org_id = found_org AND u.id = found_user;
    PERFORM set_config('app.org_id', COALESCE(outer_org, ''), true);
END
$$;
REVOKE ALL ON FUNCTION sign_in_credentials(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sign_in_credentials(text) TO candor_app;

-- The narrow lookups that run before a caller's organisation is known (a one-time link, an API
-- key, sign-in, the privacy page) were SQL functions. With their `SET search_path` PostgreSQL
-- cannot inline them, and a non-inlined SQL function plans its query anew on every call: the
-- token lookup was the costliest statement of the consent page (0.12 ms a call under load).
-- PL/pgSQL keeps each session's plan. Same queries, same owner, same grants (a replaced function
-- keeps its privileges).
CREATE OR REPLACE FUNCTION org_of_user_email(p_email text)
RETURNS TABLE (user_id uuid, org_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY SELECT u.id, u.org_id FROM users u WHERE u.email = p_email;
END
$$;

CREATE OR REPLACE FUNCTION org_of_token(p_token_hash bytea)
RETURNS TABLE (org_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY SELECT t.org_id FROM one_time_tokens t WHERE t.token_hash = p_token_hash;
END
$$;

CREATE OR REPLACE FUNCTION candidates_with_email(p_email text)
RETURNS TABLE (org_id uuid, candidate_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY SELECT c.org_id, c.id FROM candidates c WHERE c.email = p_email;
END
$$;

CREATE OR REPLACE FUNCTION org_of_api_key(p_lookup text)
RETURNS TABLE (org_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY SELECT k.org_id FROM api_keys k WHERE k.lookup = p_lookup;
END
$$;

-- A page behind a one-time link (consent, privacy, invitation) first asks which organisation holds
-- the token, then whether the token is still usable, in two statements: the second could only
-- read the token once the first had scoped the transaction to its organisation. This lookup
-- answers both by the token's hash, in the statement that scopes the transaction, one round trip
-- less per view. It tells the application role no more than the two statements did: a token's
-- organisation, subject and purpose, only to whoever holds its hash, and nothing of a token that
-- is used up or expired.
CREATE FUNCTION usable_token(p_token_hash bytea, p_now timestamptz)
RETURNS TABLE (org_id uuid, subject_id uuid, purpose text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY SELECT t.org_id, t.subject_id, t.purpose FROM one_time_tokens t
        WHERE t.token_hash = p_token_hash AND t.consumed_at IS NULL AND t.expires_at > p_now;
END
$$;

REVOKE ALL ON FUNCTION usable_token(bytea, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION usable_token(bytea, timestamptz) TO candor_app;

-- Sign-in counted its rate-limit hits in one statement and read the account's credentials in
-- another: two round trips to PostgreSQL, and two more for sqlx's test of each connection on its
-- way back to the pool. The hits' upsert is now a function, so that one statement both counts
-- them and reads the credentials (`users::sign_in_attempt`). Rows are locked in the buckets'
-- order, so two such statements never wait for each other in a cycle; the buckets must be
-- distinct (one upsert cannot touch a row twice). PL/pgSQL, as the lookups of 0020, so that its
-- plan is kept from one call to the next (a plain SQL function plans its body on every call: it
-- had PostgreSQL spend a tenth more time on each sign-in).
CREATE FUNCTION count_rate_limit_hits(p_buckets text[], p_window_starts timestamptz[])
RETURNS TABLE (bucket text, hits bigint, window_start timestamptz)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY
    INSERT INTO rate_limit_buckets AS b (bucket, window_start, hits)
    SELECT h.bucket, h.window_start, 1
      FROM UNNEST(p_buckets, p_window_starts) AS h (bucket, window_start)
     ORDER BY h.bucket
    -- By the constraint's name: `bucket` alone would also name the function's own column.
    ON CONFLICT ON CONSTRAINT rate_limit_buckets_pkey DO UPDATE SET
      hits = CASE WHEN b.window_start = EXCLUDED.window_start THEN b.hits + 1 ELSE 1 END,
      window_start = EXCLUDED.window_start
    RETURNING b.bucket, b.hits, b.window_start;
END
$$;
REVOKE ALL ON FUNCTION count_rate_limit_hits(text[], timestamptz[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION count_rate_limit_hits(text[], timestamptz[]) TO candor_app;

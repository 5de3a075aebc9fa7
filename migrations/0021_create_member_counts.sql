-- Members per organisation, role and state, kept by statement triggers like the stage counts
-- (0017). The dashboard's team panel counted the organisation's users on every view: 1.6 ms at
-- 4,000 members, the dearest statement of the page. It now sums a handful of rows.
CREATE TABLE member_counts (
    org_id uuid NOT NULL,
    role text NOT NULL,
    active boolean NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (org_id, role, active)
);

-- Only the triggers (running as the schema owner) write here; the application role reads its
-- organisation's rows through the policy.
ALTER TABLE member_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_counts_tenant ON member_counts
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));
GRANT SELECT ON member_counts TO candor_app;

-- One function for the three events: the difference between the rows after and before the
-- statement, applied in key order so concurrent changes lock the counters in the same order.
-- An update that changes neither role nor state (a password, a sign-in) writes nothing.
CREATE FUNCTION member_counts_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO member_counts AS m (org_id, role, active, n)
        SELECT org_id, role, active, count(*) FROM after_rows
        GROUP BY org_id, role, active ORDER BY org_id, role, active
        ON CONFLICT (org_id, role, active) DO UPDATE SET n = m.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO member_counts AS m (org_id, role, active, n)
        SELECT org_id, role, active, -count(*) FROM before_rows
        GROUP BY org_id, role, active ORDER BY org_id, role, active
        ON CONFLICT (org_id, role, active) DO UPDATE SET n = m.n + EXCLUDED.n;
    ELSE
        INSERT INTO member_counts AS m (org_id, role, active, n)
        SELECT org_id, role, active, sum(k) FROM (
            SELECT org_id, role, active, 1 AS k FROM after_rows
            UNION ALL
            SELECT org_id, role, active, -1 FROM before_rows
        ) d
        GROUP BY org_id, role, active HAVING sum(k) <> 0 ORDER BY org_id, role, active
        ON CONFLICT (org_id, role, active) DO UPDATE SET n = m.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION member_counts_changed() FROM PUBLIC;

CREATE TRIGGER users_counted_in AFTER INSERT ON users
    REFERENCING NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_counts_changed();
CREATE TRIGGER users_counted_out AFTER DELETE ON users
    REFERENCING OLD TABLE AS before_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_counts_changed();
CREATE TRIGGER users_counted_changed AFTER UPDATE ON users
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_counts_changed();

INSERT INTO member_counts (org_id, role, active, n)
SELECT org_id, role, active, count(*) FROM users GROUP BY org_id, role, active;

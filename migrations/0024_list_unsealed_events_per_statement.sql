-- The sealer's work list held one row per event: an API list auditing 50 reads added 50 rows and
-- the sealer deleted them a moment later. At 25,000 events a second the list's dead rows piled
-- up between two autovacuum passes (300,000 in a minute, 15 MB), and every pass of the sealer read
-- them all (33 ms to find a batch of 1,000 events). Each appending statement now lists its events
-- as one row per chain, so an API list leaves one row rather than fifty.
ALTER TABLE audit_pending RENAME TO audit_pending_events;

CREATE TABLE audit_pending (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The organisation's chain, or the nil uuid for events that belong to no organisation.
    chain_key uuid NOT NULL,
    event_ids bigint[] NOT NULL CHECK (cardinality(event_ids) >= 1)
);
CREATE INDEX audit_pending_list_idx ON audit_pending (chain_key, id);

INSERT INTO audit_pending (chain_key, event_ids)
SELECT chain_key, array_agg(event_id ORDER BY event_id) FROM audit_pending_events GROUP BY chain_key;
DROP TABLE audit_pending_events;

CREATE OR REPLACE FUNCTION audit_mark_pending() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO audit_pending (chain_key, event_ids)
    SELECT COALESCE(org_id, '00000000-0000-0000-0000-000000000000'::uuid), array_agg(id ORDER BY id)
    FROM appended_events
    GROUP BY 1;
    RETURN NULL;
END;
$$;

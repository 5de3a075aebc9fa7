-- Indexes for the staff pages at scale (found by the load benchmark, scripts/bench): with 20,000
-- applications the dashboard's offers awaiting a decision, its counts per stage and its team list
-- read whole tables.

-- Offers awaiting a decision, oldest first: read in index order, stopping after ten.
CREATE INDEX applications_org_stage_updated_idx ON applications (org_id, stage, updated_at);
-- Counts per recruitment and stage come from the index alone.
CREATE INDEX applications_org_recruitment_stage_idx ON applications (org_id, recruitment_id, stage);
-- The team, by name.
CREATE INDEX users_org_display_name_idx ON users (org_id, display_name);

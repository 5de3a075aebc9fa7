-- The staff candidate list (newest first, 50 a page): read in index order, so page 10 of
-- 20,000 candidates skips 450 index entries instead of sorting the organisation's candidates.
CREATE INDEX candidates_org_created_idx ON candidates (org_id, created_at DESC, public_id);

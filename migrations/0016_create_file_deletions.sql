-- Files of deleted candidates still to be removed from the file store. A candidate's rows and
-- the names of their files are written in one transaction, the files removed after it commits;
-- a portal that dies in between leaves the names here, and the next sweep finishes the job.
-- Only the retention worker (schema owner) uses it: no RLS, no grant to the app role.
CREATE TABLE file_deletions (
    storage_name text PRIMARY KEY,
    queued_at timestamptz NOT NULL DEFAULT now()
);

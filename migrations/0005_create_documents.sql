-- Stored files (S12): CVs and other documents of a candidate, and the recording and transcript of
-- an interview. The bytes live encrypted in the file store under a generated name; this table
-- holds what is needed to find, authorise and describe them. Each candidate has one data key,
-- wrapped by the master key: deleting the key row makes every copy of their files unreadable.

CREATE TABLE candidate_keys (
    candidate_id uuid PRIMARY KEY REFERENCES candidates (id) ON DELETE CASCADE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    wrapped_key bytea NOT NULL CHECK (length(wrapped_key) BETWEEN 40 AND 128),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    candidate_id uuid NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    interview_id uuid REFERENCES interviews (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('cv', 'document', 'recording', 'transcript')),
    file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    content_type text NOT NULL CHECK (length(content_type) <= 100),
    size_bytes bigint NOT NULL CHECK (size_bytes > 0),
    storage_name text NOT NULL UNIQUE CHECK (storage_name ~ '^[0-9a-f]{32}$'),
    uploaded_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Recordings and transcripts belong to an interview; CVs and documents to the candidate alone.
    CHECK ((kind IN ('recording', 'transcript')) = (interview_id IS NOT NULL))
);
CREATE INDEX documents_candidate_idx ON documents (candidate_id);
-- One recording and one transcript per interview: a new upload replaces the old one.
CREATE UNIQUE INDEX documents_interview_kind_idx ON documents (interview_id, kind)
    WHERE interview_id IS NOT NULL;

-- Bytes stored per organisation, charged and refunded with each file in the same transaction;
-- the check makes the quota race-free.
CREATE TABLE org_storage (
    org_id uuid PRIMARY KEY REFERENCES orgs (id),
    quota_bytes bigint NOT NULL DEFAULT 1073741824 CHECK (quota_bytes >= 0),
    used_bytes bigint NOT NULL DEFAULT 0,
    CONSTRAINT org_storage_within_quota CHECK (used_bytes BETWEEN 0 AND quota_bytes)
);

ALTER TABLE candidate_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE candidate_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY candidate_keys_tenant ON candidate_keys
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY documents_tenant ON documents
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE org_storage ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_storage FORCE ROW LEVEL SECURITY;
CREATE POLICY org_storage_tenant ON org_storage
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

GRANT SELECT, INSERT ON candidate_keys TO candor_app;
GRANT SELECT, INSERT, DELETE ON documents TO candor_app;
GRANT SELECT, INSERT, UPDATE ON org_storage TO candor_app;

-- The candidate's timeline also tells of interviews scheduled and of their files.
ALTER TABLE application_events DROP CONSTRAINT application_events_kind_check;
ALTER TABLE application_events ADD CONSTRAINT application_events_kind_check CHECK (kind IN (
    'applied', 'stage_changed', 'decision', 'note_added',
    'interview_scheduled', 'recording_attached', 'transcript_attached'));

-- Candidates and their applications (F6): pipeline stages, human hiring decisions, notes and a
-- timeline that records everything that happened. Tenant-scoped with forced RLS (S1).

CREATE TABLE candidates (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    email text NOT NULL CHECK (email = lower(email)),
    phone text NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- One candidate record per person and organisation, whatever they apply to.
    UNIQUE (org_id, email)
);

CREATE TABLE applications (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    candidate_id uuid NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    recruitment_id uuid NOT NULL REFERENCES recruitments (id),
    stage text NOT NULL DEFAULT 'applied'
        CHECK (stage IN ('applied', 'screening', 'interview', 'offer', 'hired', 'rejected')),
    decision_reason text CHECK (length(decision_reason) <= 2000),
    decided_by uuid REFERENCES users (id),
    decided_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (candidate_id, recruitment_id),
    -- A decision is recorded by a person, with a time, exactly when the stage is final.
    CHECK ((stage IN ('hired', 'rejected')) = (decided_by IS NOT NULL AND decided_at IS NOT NULL))
);
CREATE INDEX applications_recruitment_stage_idx ON applications (recruitment_id, stage);
CREATE INDEX applications_candidate_idx ON applications (candidate_id);

CREATE TABLE application_notes (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs (id),
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    author_id uuid NOT NULL REFERENCES users (id),
    -- Sanitised at write time by the one ammonia policy (S10).
    body_html text NOT NULL CHECK (length(body_html) BETWEEN 1 AND 20000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_notes_application_idx ON application_notes (application_id);

-- The candidate's timeline: appended, never rewritten.
CREATE TABLE application_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs (id),
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('applied', 'stage_changed', 'decision', 'note_added')),
    stage text,
    actor_id uuid REFERENCES users (id),
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_events_application_idx ON application_events (application_id, id);

ALTER TABLE candidates ENABLE ROW LEVEL SECURITY;
ALTER TABLE candidates FORCE ROW LEVEL SECURITY;
CREATE POLICY candidates_tenant ON candidates
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE applications ENABLE ROW LEVEL SECURITY;
ALTER TABLE applications FORCE ROW LEVEL SECURITY;
CREATE POLICY applications_tenant ON applications
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE application_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE application_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY application_notes_tenant ON application_notes
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE application_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE application_events FORCE ROW LEVEL SECURITY;
CREATE POLICY application_events_tenant ON application_events
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

GRANT SELECT, INSERT, UPDATE ON candidates, applications TO candor_app;
GRANT SELECT, INSERT ON application_notes, application_events TO candor_app;

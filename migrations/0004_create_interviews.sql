-- Interviews and scorecards (F8): scheduled for an application, assigned to interviewers, who score
-- each of the recruitment's criteria with an evidence quote. Interviewers see only the interviews
-- assigned to them (R2). Tenant-scoped with forced RLS (S1).

CREATE TABLE interviews (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    scheduled_at timestamptz NOT NULL,
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 15 AND 480),
    location text NOT NULL DEFAULT '' CHECK (length(location) <= 200),
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interviews_application_idx ON interviews (application_id);
CREATE INDEX interviews_org_time_idx ON interviews (org_id, scheduled_at);

CREATE TABLE interview_assignments (
    org_id uuid NOT NULL REFERENCES orgs (id),
    interview_id uuid NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (interview_id, user_id)
);
CREATE INDEX interview_assignments_user_idx ON interview_assignments (user_id);

CREATE TABLE scorecard_entries (
    org_id uuid NOT NULL REFERENCES orgs (id),
    interview_id uuid NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    interviewer_id uuid NOT NULL REFERENCES users (id),
    criterion_id uuid NOT NULL REFERENCES evaluation_criteria (id) ON DELETE CASCADE,
    score integer NOT NULL CHECK (score BETWEEN 1 AND 5),
    evidence text NOT NULL CHECK (length(evidence) BETWEEN 1 AND 2000),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (interview_id, interviewer_id, criterion_id)
);

ALTER TABLE interviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE interviews FORCE ROW LEVEL SECURITY;
CREATE POLICY interviews_tenant ON interviews
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE interview_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE interview_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY interview_assignments_tenant ON interview_assignments
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE scorecard_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE scorecard_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY scorecard_entries_tenant ON scorecard_entries
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

GRANT SELECT, INSERT ON interviews TO candor_app;
GRANT SELECT, INSERT, DELETE ON interview_assignments TO candor_app;
GRANT SELECT, INSERT, UPDATE ON scorecard_entries TO candor_app;

-- Recruitments (F5): owner, members and evaluation criteria. Hiring managers see only the
-- recruitments they own or belong to (R2); every table is tenant-scoped with forced RLS (S1).

CREATE TABLE recruitments (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    -- Sanitised at write time by the one ammonia policy (S10).
    description_html text NOT NULL DEFAULT '' CHECK (length(description_html) <= 40000),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    owner_id uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz
);
CREATE INDEX recruitments_org_status_idx ON recruitments (org_id, status, created_at DESC);
CREATE INDEX recruitments_owner_idx ON recruitments (owner_id);

CREATE TABLE recruitment_members (
    org_id uuid NOT NULL REFERENCES orgs (id),
    recruitment_id uuid NOT NULL REFERENCES recruitments (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id),
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recruitment_id, user_id)
);
CREATE INDEX recruitment_members_user_idx ON recruitment_members (user_id);

CREATE TABLE evaluation_criteria (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    recruitment_id uuid NOT NULL REFERENCES recruitments (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 0),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    weight integer NOT NULL CHECK (weight BETWEEN 1 AND 5),
    UNIQUE (recruitment_id, position)
);

ALTER TABLE recruitments ENABLE ROW LEVEL SECURITY;
ALTER TABLE recruitments FORCE ROW LEVEL SECURITY;
CREATE POLICY recruitments_tenant ON recruitments
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE recruitment_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE recruitment_members FORCE ROW LEVEL SECURITY;
CREATE POLICY recruitment_members_tenant ON recruitment_members
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

ALTER TABLE evaluation_criteria ENABLE ROW LEVEL SECURITY;
ALTER TABLE evaluation_criteria FORCE ROW LEVEL SECURITY;
CREATE POLICY evaluation_criteria_tenant ON evaluation_criteria
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));

GRANT SELECT, INSERT, UPDATE ON recruitments TO candor_app;
GRANT SELECT, INSERT, DELETE ON recruitment_members, evaluation_criteria TO candor_app;

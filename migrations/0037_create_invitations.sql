-- Invitations live apart from accounts (F4, S11). An invitation made an account at once, and an
-- address belongs to one account across the portal: inviting an address told the inviter whether
-- another organisation's account had it, and a pending invitation blocked the address from
-- signing up or joining elsewhere. An invitation now only names the address; the account is made
-- when the invitee accepts, and an invitation not accepted in time is removed.

CREATE TABLE invitations (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    org_id uuid NOT NULL REFERENCES orgs (id),
    email text NOT NULL CHECK (email = lower(email)),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role text NOT NULL
        CHECK (role IN ('admin', 'recruiter', 'hiring_manager', 'interviewer', 'auditor')),
    -- Unknown for invitations made before this table existed.
    invited_by uuid REFERENCES users (id),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    -- Inviting an address again replaces its pending invitation.
    UNIQUE (org_id, email)
);
CREATE INDEX invitations_expires_idx ON invitations (expires_at);

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_tenant ON invitations
    USING (org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON invitations TO candor_app;

-- Accounts an invitation made and nobody has used yet become invitations again, under the same
-- id, so that the links already sent keep working. The account goes where nothing refers to it;
-- one a colleague already put on a recruitment or an interview stays until it is accepted, when
-- the acceptance completes it.
INSERT INTO invitations (id, public_id, org_id, email, display_name, role, expires_at, created_at)
SELECT u.id, 'inv_' || substr(u.public_id, 5), u.org_id, u.email, u.display_name, u.role,
       max(t.expires_at), u.created_at
FROM users u
JOIN one_time_tokens t ON t.subject_id = u.id AND t.purpose = 'invite' AND t.consumed_at IS NULL
WHERE u.email_verified_at IS NULL
GROUP BY u.id;

DO $$
DECLARE
    pending uuid;
BEGIN
    FOR pending IN SELECT id FROM invitations LOOP
        BEGIN
            DELETE FROM users WHERE id = pending;
        EXCEPTION WHEN foreign_key_violation THEN
            NULL;
        END;
    END LOOP;
END;
$$;

//! Invitations (F4): an address, a name and a role an admin chose, until the invitee accepts or
//! the invitation expires. No account exists before the acceptance.

use super::Tx;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct NewInvitation<'a> {
    pub id: Uuid,
    pub public_id: &'a str,
    pub org_id: Uuid,
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub invited_by: Uuid,
    pub expires_at: OffsetDateTime,
    pub now: OffsetDateTime,
}

/// Records the invitation; inviting a pending address again renews its invitation (same id: the
/// caller kills its earlier links). Returns the invitation's id and public id.
pub async fn upsert(tx: &mut Tx, i: &NewInvitation<'_>) -> Result<(Uuid, String), sqlx::Error> {
    let row = sqlx::query!(
        r#"INSERT INTO invitations
             (id, public_id, org_id, email, display_name, role, invited_by, expires_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (org_id, email) DO UPDATE
             SET display_name = EXCLUDED.display_name, role = EXCLUDED.role,
                 invited_by = EXCLUDED.invited_by, expires_at = EXCLUDED.expires_at,
                 created_at = EXCLUDED.created_at
           RETURNING id, public_id"#,
        i.id,
        i.public_id,
        i.org_id,
        i.email,
        i.display_name,
        i.role,
        i.invited_by,
        i.expires_at,
        i.now
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.id, row.public_id))
}

pub struct InvitationRow {
    pub id: Uuid,
    pub public_id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub org_name: String,
    pub expires_at: OffsetDateTime,
}

/// One invitation still valid at `now`.
pub async fn find(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<Option<InvitationRow>, sqlx::Error> {
    sqlx::query_as!(
        InvitationRow,
        r#"SELECT i.id, i.public_id, i.email, i.display_name, i.role, o.name AS org_name,
                  i.expires_at
           FROM invitations i JOIN orgs o ON o.id = i.org_id
           WHERE i.org_id = $1 AND i.id = $2 AND i.expires_at > $3"#,
        org_id,
        id,
        now
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The organisation's invitations waiting for an answer, soonest to expire first.
pub async fn pending(
    tx: &mut Tx,
    org_id: Uuid,
    now: OffsetDateTime,
) -> Result<Vec<InvitationRow>, sqlx::Error> {
    sqlx::query_as!(
        InvitationRow,
        r#"SELECT i.id, i.public_id, i.email, i.display_name, i.role, o.name AS org_name,
                  i.expires_at
           FROM invitations i JOIN orgs o ON o.id = i.org_id
           WHERE i.org_id = $1 AND i.expires_at > $2
           ORDER BY i.expires_at
           LIMIT 200"#,
        org_id,
        now
    )
    .fetch_all(&mut **tx)
    .await
}

/// Removes an invitation (accepted or withdrawn); `false` when there was none.
pub async fn delete(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM invitations WHERE org_id = $1 AND id = $2",
        org_id,
        id
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Withdraws an invitation by public id; returns its id, whose links must die.
pub async fn withdraw(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "DELETE FROM invitations WHERE org_id = $1 AND public_id = $2 RETURNING id",
        org_id,
        public_id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Invitations no longer accepted (the purge's), at most `limit` at a time, across organisations.
pub async fn purge_expired(
    system: &sqlx::PgPool,
    now: OffsetDateTime,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"DELETE FROM invitations WHERE id IN (
             SELECT id FROM invitations WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)"#,
        now,
        limit
    )
    .execute(system)
    .await?
    .rows_affected())
}

use super::Tx;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub async fn insert(
    tx: &mut Tx,
    org_id: Uuid,
    purpose: &str,
    subject_id: Uuid,
    token_hash: &[u8],
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO one_time_tokens (id, org_id, purpose, subject_id, token_hash, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)"#,
        Uuid::new_v4(),
        org_id,
        purpose,
        subject_id,
        token_hash,
        expires_at
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Which organisation holds this token, if any (a security-definer lookup by hash), scoping the
/// transaction to it in the same statement.
pub async fn locate_and_scope(tx: &mut Tx, token_hash: &[u8]) -> Result<Option<Uuid>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT o.org_id AS "org_id!", set_config('app.org_id', o.org_id::text, true) AS scoped
           FROM org_of_token($1) o"#,
        token_hash
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| r.org_id))
}

/// Consumes the token in one statement, so two concurrent uses cannot both succeed.
pub async fn consume(
    tx: &mut Tx,
    org_id: Uuid,
    token_hash: &[u8],
    purpose: &str,
    now: OffsetDateTime,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE one_time_tokens SET consumed_at = $4
           WHERE org_id = $1 AND token_hash = $2 AND purpose = $3
             AND consumed_at IS NULL AND expires_at > $4
           RETURNING subject_id"#,
        org_id,
        token_hash,
        purpose,
        now
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The organisation, subject and purpose of a token that would be accepted now, without
/// consuming it (a security-definer lookup by hash), scoping the transaction to its organisation
/// in the same statement.
pub async fn usable_and_scope(
    tx: &mut Tx,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<Option<UsableToken>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT t.org_id AS "org_id!", t.subject_id AS "subject_id!", t.purpose AS "purpose!",
                  set_config('app.org_id', t.org_id::text, true) AS scoped
           FROM usable_token($1, $2) t"#,
        token_hash,
        now
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| UsableToken {
        org_id: r.org_id,
        subject_id: r.subject_id,
        purpose: r.purpose,
    }))
}

pub struct UsableToken {
    pub org_id: Uuid,
    pub subject_id: Uuid,
    pub purpose: String,
}

/// Deletes up to `batch` tokens used or expired by `now`: such a token is refused exactly as an
/// unknown one, so its row tells nobody anything. Returns how many went.
pub async fn purge_spent(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"DELETE FROM one_time_tokens WHERE id IN (
               SELECT id FROM one_time_tokens
               WHERE consumed_at IS NOT NULL OR expires_at <= $1
               LIMIT $2
               FOR UPDATE SKIP LOCKED)"#,
        now,
        batch
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Kills every unused link of `purpose` to `subject` (an invitation sent again or withdrawn):
/// each is marked used, so it is refused like any used link and purged with them.
pub async fn revoke(
    tx: &mut Tx,
    org_id: Uuid,
    purpose: &str,
    subject_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE one_time_tokens SET consumed_at = $4
           WHERE org_id = $1 AND purpose = $2 AND subject_id = $3 AND consumed_at IS NULL"#,
        org_id,
        purpose,
        subject_id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

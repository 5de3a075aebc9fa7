//! Sessions (S4): tower-sessions' table. Its store reads, saves and deletes them; creating one is
//! here (`server/src/sessions.rs` says why).

use sqlx::PgExecutor;
use time::OffsetDateTime;

/// Stores a new session unless its id is taken; `false` when it is (the caller draws another).
pub async fn insert_new(
    db: impl PgExecutor<'_>,
    id: &str,
    data: &[u8],
    expiry_date: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query!(
        r#"INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO NOTHING"#,
        id,
        data,
        expiry_date
    )
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// [`insert_new`], and when the session is stored, `opening` appended with it
/// (`append_audit_event`, migration 0032), in the same statement: the session and the event of
/// the sign-in that opened it are stored together or not at all.
pub async fn insert_new_opened(
    db: impl PgExecutor<'_>,
    id: &str,
    data: &[u8],
    expiry_date: OffsetDateTime,
    opening: &super::audit::NewEvent<'_>,
) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query_scalar!(
        r#"WITH stored AS (
               INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3)
               ON CONFLICT (id) DO NOTHING
               RETURNING id
           ), appended AS (
               SELECT append_audit_event($4, $5, $6, $7, $8, $9, $10, $11) FROM stored
           )
           SELECT count(*) AS "stored!" FROM appended"#,
        id,
        data,
        expiry_date,
        opening.org_id,
        opening.occurred_at,
        opening.actor,
        opening.action,
        opening.target,
        opening.outcome,
        opening.source_addr,
        opening.request_id,
    )
    .fetch_one(db)
    .await?;
    Ok(stored == 1)
}

/// Deletes up to `batch` sessions that expired by `now` (the store never loads them again).
/// Returns how many went.
pub async fn purge_expired(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"DELETE FROM sessions WHERE id IN (
               SELECT id FROM sessions WHERE expiry_date <= $1
               LIMIT $2
               FOR UPDATE SKIP LOCKED)"#,
        now,
        batch
    )
    .execute(db)
    .await?
    .rows_affected())
}

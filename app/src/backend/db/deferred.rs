//! The queue of deferred requests (sign-up, reset, resend, privacy links): see migration 0036.

use super::Tx;
use ipnetwork::IpNetwork;
use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;

/// Queues a job: the request's only write besides its rate limits.
pub async fn insert(
    db: &PgPool,
    job: &Value,
    request_id: &str,
    client_addr: IpNetwork,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO deferred_requests (job, request_id, client_addr, next_attempt_at, created_at)
           VALUES ($1, $2, $3, $4, $4)"#,
        job,
        request_id,
        client_addr,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

pub struct Claimed {
    pub id: i64,
    pub job: Value,
    pub request_id: String,
    pub client_addr: IpNetwork,
    pub attempts: i32,
}

/// The oldest due job, locked for this transaction; others skip it.
pub async fn claim(tx: &mut Tx, now: OffsetDateTime) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"SELECT id, job, request_id, client_addr, attempts FROM deferred_requests
           WHERE next_attempt_at <= $1
           ORDER BY next_attempt_at, id LIMIT 1
           FOR UPDATE SKIP LOCKED"#,
        now
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Done: the job leaves with the transaction that carried it out.
pub async fn delete(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM deferred_requests WHERE id = $1", id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A failed attempt: tried again at `next`.
pub async fn postpone(db: &PgPool, id: i64, next: OffsetDateTime) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE deferred_requests SET attempts = attempts + 1, next_attempt_at = $2
           WHERE id = $1"#,
        id,
        next
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Jobs waiting, for the backlog gauge.
pub async fn waiting(db: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM deferred_requests"#)
        .fetch_one(db)
        .await
}

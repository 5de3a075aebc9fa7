//! Idempotency records of the public API's POSTs.

use super::Tx;
use time::OffsetDateTime;
use uuid::Uuid;

/// Claims `key` for this request; false when a committed record has it. A claim still
/// uncommitted in another transaction makes this one wait for that transaction's end.
pub async fn claim(
    tx: &mut Tx,
    org_id: Uuid,
    api_key_id: &str,
    key: &str,
    request_sha256: &[u8],
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"INSERT INTO api_idempotency (org_id, api_key_id, idempotency_key, request_sha256, created_at)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"#,
        org_id,
        api_key_id,
        key,
        request_sha256,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct Recorded {
    pub request_sha256: Vec<u8>,
    pub status: i32,
    pub response_body: String,
    pub created_at: OffsetDateTime,
}

pub async fn recorded(
    tx: &mut Tx,
    org_id: Uuid,
    api_key_id: &str,
    key: &str,
) -> Result<Option<Recorded>, sqlx::Error> {
    sqlx::query_as!(
        Recorded,
        r#"SELECT request_sha256, status AS "status!", response_body AS "response_body!", created_at
           FROM api_idempotency
           WHERE org_id = $1 AND api_key_id = $2 AND idempotency_key = $3"#,
        org_id,
        api_key_id,
        key
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Stores the answer; one about a candidate (by public id) goes when the candidate goes.
pub async fn answer(
    tx: &mut Tx,
    org_id: Uuid,
    api_key_id: &str,
    key: &str,
    status: i32,
    body: &str,
    candidate_public_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE api_idempotency
           SET status = $4, response_body = $5,
               candidate_id = (SELECT c.id FROM candidates c
                               WHERE c.org_id = $1 AND c.public_id = $6)
           WHERE org_id = $1 AND api_key_id = $2 AND idempotency_key = $3"#,
        org_id,
        api_key_id,
        key,
        status,
        body,
        candidate_public_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Drops records older than `before` (the worker keeps one day).
pub async fn purge(tx: &mut Tx, before: OffsetDateTime) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("DELETE FROM api_idempotency WHERE created_at < $1", before)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

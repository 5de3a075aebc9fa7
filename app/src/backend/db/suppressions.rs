//! Suppressed addresses and processed provider events (S15); system-wide, system connection only.

use super::Tx;
use time::OffsetDateTime;

/// Remembers a provider event id; false when it was processed before.
pub async fn remember_event(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO webhook_events (provider_event_id) VALUES ($1) ON CONFLICT DO NOTHING",
        id
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn suppress(tx: &mut Tx, email_sha256: &[u8], reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO email_suppressions (email_sha256, reason) VALUES ($1, $2)
           ON CONFLICT (email_sha256) DO NOTHING"#,
        email_sha256,
        reason
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Holds back every unsent message to a suppressed address: never retried, bodies cleared.
pub async fn hold_pending_to(
    tx: &mut Tx,
    recipient: &str,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"UPDATE email_outbox SET suppressed_at = $2, text_body = NULL, html_body = NULL,
               attachment_body = NULL
           WHERE sent_at IS NULL AND suppressed_at IS NULL AND lower(recipient) = lower($1)"#,
        recipient,
        now
    )
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Holds back due messages whose recipient is suppressed (queued after the event arrived).
pub async fn hold_suppressed_due(tx: &mut Tx, now: OffsetDateTime) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"UPDATE email_outbox o SET suppressed_at = $1, text_body = NULL, html_body = NULL,
               attachment_body = NULL
           WHERE o.sent_at IS NULL AND o.suppressed_at IS NULL
             AND EXISTS (SELECT 1 FROM email_suppressions s
                         WHERE s.email_sha256 = sha256(convert_to(lower(trim(o.recipient)), 'UTF8')))"#,
        now
    )
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

//! The outbox worker: delivers queued e-mail with retries and exponential back-off, so a message
//! survives an SMTP outage or a restart of the portal.

use super::super::db::{self, Tx};
use super::{build_message, messages::Rendered, Mailer};
use crate::error::AppError;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub async fn enqueue_rendered(
    tx: &mut Tx,
    org_id: Option<Uuid>,
    recipient: &str,
    r: &Rendered,
) -> Result<(), AppError> {
    db::outbox::enqueue(
        tx,
        &db::outbox::NewMessage {
            org_id,
            template: r.template,
            recipient,
            subject: &r.subject,
            text_body: &r.text,
            html_body: &r.html,
        },
    )
    .await?;
    Ok(())
}

/// Back-off after the `attempts`-th failure: 5 s, 10 s, 20 s … capped at one hour.
pub fn retry_delay(attempts: i32) -> Duration {
    let exp = attempts.clamp(0, 12) as u32;
    Duration::seconds((5i64 << exp).min(3600))
}

/// Delivers every due message once; returns (delivered, failed).
pub async fn deliver_due(
    system: &PgPool,
    mailer: &Mailer,
    from: &str,
    now: OffsetDateTime,
) -> Result<(u32, u32), sqlx::Error> {
    let mut tx = system.begin().await?;
    // Addresses that bounced or complained get nothing more (S15).
    db::suppressions::hold_suppressed_due(&mut tx, now).await?;
    let due = db::outbox::claim_due(&mut tx, now, 20).await?;
    let (mut delivered, mut failed) = (0, 0);
    for m in due {
        let message_id = format!("<outbox-{}@candor.invalid>", m.id);
        let built = build_message(
            from,
            &m.recipient,
            &m.subject,
            m.text_body.as_deref().unwrap_or_default(),
            m.html_body.as_deref().unwrap_or_default(),
            &message_id,
        );
        let result = match built {
            Ok(message) => mailer.send(message).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                db::outbox::mark_sent(&mut tx, m.id, now).await?;
                delivered += 1;
            }
            Err(error) => {
                tracing::warn!(outbox_id = m.id, attempts = m.attempts + 1, %error, "e-mail delivery failed");
                db::outbox::mark_failed(&mut tx, m.id, now + retry_delay(m.attempts), &error)
                    .await?;
                failed += 1;
            }
        }
    }
    tx.commit().await?;
    Ok((delivered, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_is_capped() {
        assert_eq!(retry_delay(0), Duration::seconds(5));
        assert_eq!(retry_delay(1), Duration::seconds(10));
        assert_eq!(retry_delay(3), Duration::seconds(40));
        assert_eq!(retry_delay(50), Duration::hours(1));
    }
}

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
    candidate_id: Option<Uuid>,
    recipient: &str,
    r: &Rendered,
) -> Result<(), AppError> {
    db::outbox::enqueue(
        tx,
        &db::outbox::NewMessage {
            org_id,
            candidate_id,
            template: r.template,
            recipient,
            subject: &r.subject,
            text_body: &r.text,
            html_body: &r.html,
            attachment: r
                .attachment
                .as_ref()
                .map(|a| (a.name.as_str(), a.media_type, a.content.as_str())),
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

/// Messages one call delivers at most, so a worker loop notices shutdown and new work promptly.
const BATCH: u32 = 20;

/// Delivers the due messages, each in its own transaction, and returns (delivered, failed).
///
/// A message is locked while it is handed to the SMTP server and marked sent in the same
/// transaction: a second instance skips it, and a portal killed mid-conversation rolls the lock
/// back so the message goes out after restart. Committing one message at a time means a crash
/// can only ever repeat the message in flight, and only if the server had accepted it in the
/// instant before the kill; its stable Message-ID lets a receiver recognise that repeat.
pub async fn deliver_due(
    system: &PgPool,
    mailer: &Mailer,
    from: &str,
    now: OffsetDateTime,
) -> Result<(u32, u32), sqlx::Error> {
    {
        // Addresses that bounced or complained get nothing more (S15).
        let mut tx = system.begin().await?;
        db::suppressions::hold_suppressed_due(&mut tx, now).await?;
        tx.commit().await?;
    }
    let (mut delivered, mut failed) = (0, 0);
    while delivered + failed < BATCH {
        let mut tx = system.begin().await?;
        let Some(m) = db::outbox::claim_due(&mut tx, now, 1).await?.pop() else {
            tx.commit().await?;
            break;
        };
        let message_id = format!("<outbox-{}@candor.invalid>", m.id);
        let built = build_message(
            from,
            &m.recipient,
            &m.subject,
            m.text_body.as_deref().unwrap_or_default(),
            m.html_body.as_deref().unwrap_or_default(),
            m.attachment_name
                .as_deref()
                .zip(m.attachment_type.as_deref())
                .map(|(name, kind)| (name, kind, m.attachment_body.as_deref().unwrap_or_default())),
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
                let error = without_address(&error, &m.recipient);
                tracing::warn!(outbox_id = m.id, attempts = m.attempts + 1, %error, "e-mail delivery failed");
                db::outbox::mark_failed(&mut tx, m.id, now + retry_delay(m.attempts), &error)
                    .await?;
                failed += 1;
            }
        }
        tx.commit().await?;
    }
    Ok((delivered, failed))
}

/// A server's refusal often quotes the recipient; neither the log nor the outbox keeps it.
fn without_address(error: &str, recipient: &str) -> String {
    let lower = error.to_lowercase();
    let needle = recipient.to_lowercase();
    if needle.is_empty() {
        return error.to_owned();
    }
    let mut out = String::with_capacity(error.len());
    let mut rest = 0;
    // Lower-casing keeps byte offsets only for ASCII; anything else is dropped whole.
    if lower.len() != error.len() {
        return "the server refused the message (details withheld: they may name the recipient)"
            .into();
    }
    for (at, _) in lower.match_indices(&needle) {
        out.push_str(&error[rest..at]);
        out.push_str("<recipient>");
        rest = at + needle.len();
    }
    out.push_str(&error[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_quoting_the_recipient_is_kept_without_the_address() {
        assert_eq!(
            without_address(
                "permanent error (550): 5.1.1 <Grace@Example.org>: unknown user",
                "grace@example.org"
            ),
            "permanent error (550): 5.1.1 <<recipient>>: unknown user"
        );
        assert_eq!(
            without_address("timed out", "grace@example.org"),
            "timed out"
        );
        assert!(
            !without_address("ünïcode grace@example.org", "grace@example.org").contains("grace")
        );
    }

    #[test]
    fn back_off_doubles_and_is_capped() {
        assert_eq!(retry_delay(0), Duration::seconds(5));
        assert_eq!(retry_delay(1), Duration::seconds(10));
        assert_eq!(retry_delay(3), Duration::seconds(40));
        assert_eq!(retry_delay(50), Duration::hours(1));
    }
}

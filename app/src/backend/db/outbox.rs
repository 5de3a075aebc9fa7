use super::Tx;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct NewMessage<'a> {
    pub org_id: Option<Uuid>,
    /// The candidate the message is about (to them, or to staff): it goes when they go.
    pub candidate_id: Option<Uuid>,
    pub template: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
    /// File name, media type and content of a file sent with it.
    pub attachment: Option<(&'a str, &'a str, &'a str)>,
}

pub async fn enqueue(tx: &mut Tx, m: &NewMessage<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO email_outbox
             (org_id, candidate_id, template, recipient, subject, text_body, html_body,
              attachment_name, attachment_type, attachment_body)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
        m.org_id,
        m.candidate_id,
        m.template,
        m.recipient,
        m.subject,
        m.text_body,
        m.html_body,
        m.attachment.map(|a| a.0),
        m.attachment.map(|a| a.1),
        m.attachment.map(|a| a.2),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct PendingMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_body: Option<String>,
    pub attempts: i32,
}

/// Claims due messages; `SKIP LOCKED` lets several workers share the queue without overlap.
pub async fn claim_due(
    tx: &mut Tx,
    now: OffsetDateTime,
    limit: i64,
) -> Result<Vec<PendingMessage>, sqlx::Error> {
    sqlx::query_as!(
        PendingMessage,
        r#"SELECT id, recipient, subject, text_body, html_body,
                  attachment_name, attachment_type, attachment_body, attempts
           FROM email_outbox
           WHERE sent_at IS NULL AND suppressed_at IS NULL AND next_attempt_at <= $1
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED"#,
        now,
        limit
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn mark_sent(tx: &mut Tx, id: i64, now: OffsetDateTime) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE email_outbox
           SET sent_at = $2, attempts = attempts + 1, text_body = NULL, html_body = NULL,
               attachment_body = NULL, last_error = NULL,
               -- The certificate of a deletion goes to someone whose data is gone: once it is
               -- sent, the address goes too.
               recipient = CASE WHEN template = 'deletion_certificate' THEN 'erased'
                                ELSE recipient END,
               subject = CASE WHEN template = 'deletion_certificate' THEN '' ELSE subject END
           WHERE id = $1"#,
        id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn mark_failed(
    tx: &mut Tx,
    id: i64,
    next_attempt_at: OffsetDateTime,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE email_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3
           WHERE id = $1"#,
        id,
        next_attempt_at,
        error
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

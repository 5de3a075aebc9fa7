//! Operational gauges for `/metrics`, read across organisations by the system connection.

use sqlx::PgPool;
use time::OffsetDateTime;

pub struct Gauges {
    /// Messages waiting to be delivered (not sent, not held back).
    pub outbox_depth: i64,
    /// Candidates whose retention has run out or whose deletion was requested, not deleted yet.
    pub retention_backlog: i64,
    /// Open data-subject requests due within the next seven days (or overdue).
    pub dsar_near_deadline: i64,
}

pub async fn gauges(system: &PgPool, now: OffsetDateTime) -> Result<Gauges, sqlx::Error> {
    sqlx::query_as!(
        Gauges,
        r#"SELECT
             (SELECT count(*) FROM email_outbox
              WHERE sent_at IS NULL AND suppressed_at IS NULL) AS "outbox_depth!",
             (SELECT count(*) FROM candidates
              WHERE deletion_requested_at IS NOT NULL
                 OR (retention_until <= $1
                     AND (legal_hold_until IS NULL OR legal_hold_until <= $1))) AS "retention_backlog!",
             (SELECT count(*) FROM data_requests
              WHERE status NOT IN ('completed', 'rejected')
                AND due_at <= $1 + interval '7 days') AS "dsar_near_deadline!""#,
        now
    )
    .fetch_one(system)
    .await
}

//! Retention (F10): the clock's columns on `candidates`, the worker's claims (`FOR UPDATE SKIP
//! LOCKED`, so several portals never take the same candidate), and the deletion as one unit.

use super::Tx;
use sqlx::PgPool;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Closing a recruitment moves the clocks of its candidates: the closing is one of the moments
/// a clock runs from (F10), like a decision or any other activity.
pub async fn closing_moves_clocks(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
    closed_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE candidates c
           SET retention_anchor = GREATEST(c.retention_anchor, $3),
               retention_until = GREATEST(c.retention_until, $3::timestamptz
                   + make_interval(days => COALESCE(c.retention_days_override, o.retention_days))),
               retention_warned_at = CASE
                   WHEN $3::timestamptz + make_interval(
                            days => COALESCE(c.retention_days_override, o.retention_days))
                        > c.retention_until THEN NULL
                   ELSE c.retention_warned_at END
           FROM applications a, orgs o
           WHERE a.org_id = $1 AND a.recruitment_id = $2 AND c.org_id = $1
             AND c.id = a.candidate_id AND o.id = c.org_id"#,
        org_id,
        recruitment_id,
        closed_at
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct ClockRow {
    pub retention_until: Option<OffsetDateTime>,
    pub retention_days_override: Option<i32>,
    pub legal_hold_reason: Option<String>,
    pub legal_hold_until: Option<OffsetDateTime>,
    pub deletion_requested_at: Option<OffsetDateTime>,
    pub processing_restricted_at: Option<OffsetDateTime>,
}

pub async fn clock(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
) -> Result<Option<ClockRow>, sqlx::Error> {
    sqlx::query_as!(
        ClockRow,
        r#"SELECT retention_until, retention_days_override, legal_hold_reason, legal_hold_until,
                  deletion_requested_at, processing_restricted_at
           FROM candidates WHERE org_id = $1 AND id = $2"#,
        org_id,
        candidate_id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Moves the clock by `days`; `false` when the candidate has none (only one made before every
/// candidate had a clock could lack it).
pub async fn extend(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
    days: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE candidates
           SET retention_until = retention_until + make_interval(days => $3),
               retention_warned_at = NULL
           WHERE org_id = $1 AND id = $2 AND retention_until IS NOT NULL"#,
        org_id,
        candidate_id,
        days
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The candidate's own retention period: the clock runs from the same moment with it.
pub async fn set_period(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
    days: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE candidates c
           SET retention_days_override = $3,
               retention_until = COALESCE(c.retention_anchor, c.created_at)
                   + make_interval(days => $3),
               retention_warned_at = NULL
           WHERE c.org_id = $1 AND c.id = $2"#,
        org_id,
        candidate_id,
        days
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_legal_hold(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
    hold: Option<(&str, OffsetDateTime)>,
) -> Result<(), sqlx::Error> {
    let (reason, until) = hold.map_or((None, None), |(r, u)| (Some(r), Some(u)));
    sqlx::query!(
        r#"UPDATE candidates SET legal_hold_reason = $3, legal_hold_until = $4
           WHERE org_id = $1 AND id = $2"#,
        org_id,
        candidate_id,
        reason,
        until
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks a candidate for deletion on an approved data-subject request.
pub async fn request_deletion(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
    request_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE candidates SET deletion_requested_at = $4, deletion_request_id = $3
           WHERE org_id = $1 AND id = $2"#,
        org_id,
        candidate_id,
        request_id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct WarningRow {
    pub candidate_id: Uuid,
    pub org_id: Uuid,
    pub public_id: String,
    pub retention_until: OffsetDateTime,
}

/// Candidates whose clock ends within `warn_from..now` and who were not warned yet, claimed.
pub async fn claim_warnings(
    tx: &mut Tx,
    now: OffsetDateTime,
    warn_from: OffsetDateTime,
) -> Result<Vec<WarningRow>, sqlx::Error> {
    sqlx::query_as!(
        WarningRow,
        r#"SELECT id AS candidate_id, org_id, public_id, retention_until AS "retention_until!"
           FROM candidates
           WHERE retention_until IS NOT NULL AND retention_warned_at IS NULL
             AND retention_until > $1 AND retention_until <= $2
           ORDER BY retention_until
           LIMIT 200
           FOR UPDATE SKIP LOCKED"#,
        now,
        warn_from
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn mark_warned(
    tx: &mut Tx,
    candidate_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE candidates SET retention_warned_at = $2 WHERE id = $1",
        candidate_id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The staff to warn: active admins and recruiters of the organisation.
pub async fn recruiter_addresses(tx: &mut Tx, org_id: Uuid) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT email FROM users
           WHERE org_id = $1 AND active AND role IN ('admin', 'recruiter')
           ORDER BY email"#,
        org_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct DueRow {
    pub candidate_id: Uuid,
    pub org_id: Uuid,
    pub public_id: String,
    pub email: String,
    pub full_name: String,
    pub language: String,
    pub deletion_request_id: Option<Uuid>,
    pub org_public_id: String,
}

/// Up to `limit` candidates due for deletion (clock ended or deletion requested, no hold in
/// force), claimed so that no other worker takes them.
pub async fn claim_due(
    tx: &mut Tx,
    now: OffsetDateTime,
    limit: i64,
) -> Result<Vec<DueRow>, sqlx::Error> {
    sqlx::query_as!(
        DueRow,
        r#"SELECT c.id AS candidate_id, c.org_id, c.public_id, c.email, c.full_name, c.language,
                  c.deletion_request_id, o.public_id AS org_public_id
           FROM candidates c JOIN orgs o ON o.id = c.org_id
           WHERE (c.retention_until <= $1 OR c.deletion_requested_at IS NOT NULL)
             AND (c.legal_hold_until IS NULL OR c.legal_hold_until <= $1)
           ORDER BY c.deletion_requested_at NULLS LAST, c.retention_until
           LIMIT $2
           FOR UPDATE OF c SKIP LOCKED"#,
        now,
        limit
    )
    .fetch_all(&mut **tx)
    .await
}

/// The candidates of one deletion batch: ids, their organisations and addresses, side by side.
pub struct Batch<'a> {
    pub candidate_ids: &'a [Uuid],
    pub org_ids: &'a [Uuid],
    pub emails: &'a [String],
}

/// How many records of each kind belong to each candidate, before deleting them.
pub async fn counts(
    tx: &mut Tx,
    batch: &Batch<'_>,
) -> Result<HashMap<Uuid, Vec<(String, i64)>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT c.id AS "candidate_id!", n.*
           FROM UNNEST($1::uuid[], $2::uuid[], $3::text[]) AS c (id, org_id, email)
           CROSS JOIN LATERAL (
             WITH apps AS (SELECT id FROM applications WHERE candidate_id = c.id),
                  ints AS (SELECT id FROM interviews WHERE application_id IN (SELECT id FROM apps))
             SELECT
               (SELECT count(*) FROM apps) AS "applications!",
               (SELECT count(*) FROM application_events WHERE application_id IN (SELECT id FROM apps)) AS "pipeline_events!",
               (SELECT count(*) FROM application_notes WHERE application_id IN (SELECT id FROM apps)) AS "notes!",
               (SELECT count(*) FROM consent_events WHERE application_id IN (SELECT id FROM apps)) AS "consent_events!",
               (SELECT count(*) FROM ints) AS "interviews!",
               (SELECT count(*) FROM scorecard_entries WHERE interview_id IN (SELECT id FROM ints)) AS "scorecards!",
               (SELECT count(*) FROM documents WHERE candidate_id = c.id AND kind IN ('cv', 'document')) AS "documents!",
               (SELECT count(*) FROM documents WHERE candidate_id = c.id AND kind = 'recording') AS "recordings!",
               (SELECT count(*) FROM documents WHERE candidate_id = c.id AND kind = 'transcript') AS "transcripts!",
               (SELECT count(*) FROM one_time_tokens WHERE subject_id = c.id)
                 + (SELECT count(*) FROM one_time_tokens WHERE subject_id IN (SELECT id FROM apps))
                 AS "links!",
               (SELECT count(*) FROM email_outbox WHERE candidate_id = c.id)
                 + (SELECT count(*) FROM email_outbox
                    WHERE org_id = c.org_id AND recipient = c.email AND candidate_id IS NULL)
                 AS "emails!"
           ) n"#,
        batch.candidate_ids,
        batch.org_ids,
        batch.emails
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let counts = vec![
                ("applications".into(), row.applications),
                ("pipeline_events".into(), row.pipeline_events),
                ("notes".into(), row.notes),
                ("consent_events".into(), row.consent_events),
                ("interviews".into(), row.interviews),
                ("scorecards".into(), row.scorecards),
                ("documents".into(), row.documents),
                ("recordings".into(), row.recordings),
                ("transcripts".into(), row.transcripts),
                ("one_time_links".into(), row.links),
                ("emails".into(), row.emails),
            ];
            (row.candidate_id, counts)
        })
        .collect())
}

/// A stored file of a deleted candidate.
pub struct DeletedFile {
    pub candidate_id: Uuid,
    pub storage_name: String,
}

/// Deletes the candidates as units; returns the storage names of their files. What has no
/// foreign key to a candidate goes explicitly: links, e-mails queued before e-mails named their
/// candidate, the API's stored answers about them, the texts of their requests and the source
/// address of their own audited actions. Everything else follows the cascade: their data keys
/// (crypto-shredding) and e-mails about them to any address among it. The caller's transaction
/// makes each candidate go entirely or not at all.
pub async fn delete_candidates(
    tx: &mut Tx,
    batch: &Batch<'_>,
) -> Result<Vec<DeletedFile>, sqlx::Error> {
    let files = sqlx::query_as!(
        DeletedFile,
        r#"SELECT d.candidate_id, d.storage_name
           FROM documents d JOIN UNNEST($1::uuid[], $2::uuid[]) AS c (id, org_id)
             ON d.candidate_id = c.id AND d.org_id = c.org_id"#,
        batch.candidate_ids,
        batch.org_ids
    )
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query!(
        // The links' subjects are the candidates and their applications, each found by key.
        r#"DELETE FROM one_time_tokens t
           USING (SELECT c.org_id, c.id FROM UNNEST($1::uuid[], $2::uuid[]) AS c (id, org_id)
                  UNION ALL
                  SELECT a.org_id, a.id
                  FROM UNNEST($1::uuid[], $2::uuid[]) AS c (id, org_id)
                  JOIN applications a ON a.candidate_id = c.id AND a.org_id = c.org_id)
             AS s (org_id, subject_id)
           WHERE t.org_id = s.org_id AND t.subject_id = s.subject_id"#,
        batch.candidate_ids,
        batch.org_ids
    )
    .execute(&mut **tx)
    .await?;
    // What the candidates did themselves is audited with their source address, which the chain
    // does not hash: it is erased, the events stay. They acted on themselves, their
    // applications and their requests.
    sqlx::query!(
        r#"UPDATE audit_events e SET source_addr = NULL
           FROM (SELECT k.org_id, k.public_id FROM candidates k
                 JOIN UNNEST($1::uuid[], $2::uuid[]) AS c (id, org_id)
                   ON k.id = c.id AND k.org_id = c.org_id
                 UNION ALL
                 SELECT a.org_id, a.public_id FROM applications a
                 JOIN UNNEST($1::uuid[], $2::uuid[]) AS c (id, org_id)
                   ON a.candidate_id = c.id AND a.org_id = c.org_id
                 UNION ALL
                 SELECT d.org_id, d.public_id FROM data_requests d
                 JOIN UNNEST($1::uuid[], $2::uuid[]) AS c (id, org_id)
                   ON d.candidate_id = c.id AND d.org_id = c.org_id) AS t (org_id, target)
           WHERE e.org_id = t.org_id AND e.target = t.target AND e.actor = 'candidate'
             AND e.source_addr IS NOT NULL"#,
        batch.candidate_ids,
        batch.org_ids
    )
    .execute(&mut **tx)
    .await?;
    // Requests outlive the candidate (accountability) but not their words, nor the staff's
    // words about them (which may quote them).
    sqlx::query!(
        r#"UPDATE data_requests d
           SET details = '', outcome = NULL,
               extension_reason = CASE WHEN d.extension_reason IS NULL THEN NULL ELSE '' END
           FROM UNNEST($1::uuid[], $2::uuid[]) AS c (id, org_id)
           WHERE d.org_id = c.org_id AND d.candidate_id = c.id"#,
        batch.candidate_ids,
        batch.org_ids
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"DELETE FROM api_idempotency i
           USING UNNEST($1::uuid[], $2::uuid[]) AS c (id, org_id)
           WHERE i.org_id = c.org_id AND i.candidate_id = c.id"#,
        batch.candidate_ids,
        batch.org_ids
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"DELETE FROM email_outbox e
           USING UNNEST($1::uuid[], $2::text[]) AS c (org_id, email)
           WHERE e.org_id = c.org_id AND e.recipient = c.email"#,
        batch.org_ids,
        batch.emails
    )
    .execute(&mut **tx)
    .await?;
    // The quota is refunded per organisation from the rows the cascade is about to remove.
    sqlx::query!(
        r#"UPDATE org_storage s SET used_bytes = s.used_bytes - f.freed
           FROM (SELECT d.org_id, sum(d.size_bytes)::bigint AS freed
                 FROM documents d JOIN UNNEST($1::uuid[], $2::uuid[]) AS c (id, org_id)
                   ON d.candidate_id = c.id AND d.org_id = c.org_id
                 GROUP BY d.org_id) f
           WHERE s.org_id = f.org_id"#,
        batch.candidate_ids,
        batch.org_ids
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"DELETE FROM candidates d
           USING UNNEST($1::uuid[], $2::uuid[]) AS c (id, org_id)
           WHERE d.org_id = c.org_id AND d.id = c.id"#,
        batch.candidate_ids,
        batch.org_ids
    )
    .execute(&mut **tx)
    .await?;
    Ok(files)
}

/// A signed deletion certificate, stored beside the audit log.
pub struct NewCertificate {
    pub org_id: Uuid,
    pub public_id: String,
    pub certificate: String,
}

pub async fn insert_certificates(
    tx: &mut Tx,
    certificates: &[NewCertificate],
) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = certificates.iter().map(|_| Uuid::new_v4()).collect();
    let org_ids: Vec<Uuid> = certificates.iter().map(|c| c.org_id).collect();
    let public_ids: Vec<&str> = certificates.iter().map(|c| c.public_id.as_str()).collect();
    let bodies: Vec<&str> = certificates
        .iter()
        .map(|c| c.certificate.as_str())
        .collect();
    sqlx::query!(
        r#"INSERT INTO deletion_certificates (id, public_id, org_id, certificate)
           SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::text[])"#,
        &ids,
        &public_ids as &[&str],
        &org_ids,
        &bodies as &[&str]
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Completes the data-subject request that asked for the deletion.
pub async fn complete_request(
    tx: &mut Tx,
    request_id: Uuid,
    outcome: &str,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE data_requests SET status = 'completed', outcome = $2, updated_at = $3
           WHERE id = $1"#,
        request_id,
        outcome,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records, inside the deleting transaction, the files to remove once it commits.
pub async fn journal_file_deletions(tx: &mut Tx, names: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO file_deletions (storage_name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
        names
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Files whose removal was recorded but not yet confirmed (a crash came in between).
pub async fn pending_file_deletions(
    system: &PgPool,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT storage_name FROM file_deletions ORDER BY queued_at LIMIT $1",
        limit
    )
    .fetch_all(system)
    .await
}

pub async fn forget_file_deletions(system: &PgPool, names: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM file_deletions WHERE storage_name = ANY($1)",
        names
    )
    .execute(system)
    .await?;
    Ok(())
}

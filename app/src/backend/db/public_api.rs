//! Reads of the public REST API: one organisation's records by public id, in pages ordered by
//! public id (keyset: `after` is the last id of the previous page).

use super::Tx;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct RecruitmentRow {
    pub public_id: String,
    pub title: String,
    pub description_html: String,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
}

pub async fn recruitments(
    tx: &mut Tx,
    org_id: Uuid,
    only: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<RecruitmentRow>, sqlx::Error> {
    sqlx::query_as!(
        RecruitmentRow,
        r#"SELECT public_id, title, description_html, status, created_at, closed_at
           FROM recruitments
           WHERE org_id = $1 AND ($2::text IS NULL OR public_id = $2)
             AND ($3::text IS NULL OR public_id > $3)
           ORDER BY public_id LIMIT $4"#,
        org_id,
        only,
        after,
        limit
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct CandidateRow {
    pub public_id: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub created_at: OffsetDateTime,
}

pub async fn candidates(
    tx: &mut Tx,
    org_id: Uuid,
    only: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<CandidateRow>, sqlx::Error> {
    sqlx::query_as!(
        CandidateRow,
        r#"SELECT public_id, full_name, email, phone, created_at
           FROM candidates
           WHERE org_id = $1 AND ($2::text IS NULL OR public_id = $2)
             AND ($3::text IS NULL OR public_id > $3)
           ORDER BY public_id LIMIT $4"#,
        org_id,
        only,
        after,
        limit
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct ApplicationRow {
    pub public_id: String,
    pub candidate_public_id: String,
    pub recruitment_public_id: String,
    pub stage: String,
    pub decision_reason: Option<String>,
    pub decided_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

pub async fn applications(
    tx: &mut Tx,
    org_id: Uuid,
    only: Option<&str>,
    recruitment: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ApplicationRow>, sqlx::Error> {
    sqlx::query_as!(
        ApplicationRow,
        r#"SELECT a.public_id, c.public_id AS candidate_public_id,
                  r.public_id AS recruitment_public_id, a.stage, a.decision_reason,
                  a.decided_at, a.created_at
           FROM applications a
           JOIN candidates c ON c.id = a.candidate_id
           JOIN recruitments r ON r.id = a.recruitment_id
           WHERE a.org_id = $1 AND ($2::text IS NULL OR a.public_id = $2)
             AND ($3::text IS NULL OR r.public_id = $3)
             AND ($4::text IS NULL OR a.public_id > $4)
           ORDER BY a.public_id LIMIT $5"#,
        org_id,
        only,
        recruitment,
        after,
        limit
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct InterviewRow {
    pub public_id: String,
    pub application_public_id: String,
    /// Whose interview it is (for the audit of the read; not part of the resource).
    pub candidate_public_id: String,
    pub scheduled_at: OffsetDateTime,
    pub duration_minutes: i32,
    pub location: String,
}

pub async fn interviews(
    tx: &mut Tx,
    org_id: Uuid,
    only: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<InterviewRow>, sqlx::Error> {
    sqlx::query_as!(
        InterviewRow,
        r#"SELECT i.public_id, a.public_id AS application_public_id,
                  c.public_id AS candidate_public_id, i.scheduled_at, i.duration_minutes,
                  i.location
           FROM interviews i JOIN applications a ON a.id = i.application_id
           JOIN candidates c ON c.id = a.candidate_id
           WHERE i.org_id = $1 AND ($2::text IS NULL OR i.public_id = $2)
             AND ($3::text IS NULL OR i.public_id > $3)
           ORDER BY i.public_id LIMIT $4"#,
        org_id,
        only,
        after,
        limit
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct ConsentRow {
    pub application_public_id: String,
    pub purpose: String,
    pub event: String,
    pub lawful_basis: String,
    pub notice_public_id: String,
    pub notice_version: String,
    pub notice_language: String,
    pub notice_sha256: Vec<u8>,
    pub controller: String,
    pub recipients: String,
    pub retention_rule: String,
    pub actor: String,
    pub collection_method: String,
    pub occurred_at: OffsetDateTime,
}

/// One candidate's consent history over all their applications, oldest first; `offset` pages it.
pub async fn consents(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_public_id: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<ConsentRow>, sqlx::Error> {
    sqlx::query_as!(
        ConsentRow,
        r#"SELECT a.public_id AS application_public_id, e.purpose, e.event, e.lawful_basis,
                  n.public_id AS notice_public_id, n.version AS notice_version,
                  n.language AS notice_language, n.sha256 AS notice_sha256, e.controller,
                  e.recipients, e.retention_rule, e.actor, e.collection_method, e.occurred_at
           FROM consent_events e
           JOIN consent_notices n ON n.id = e.notice_id
           JOIN applications a ON a.id = e.application_id
           JOIN candidates c ON c.id = a.candidate_id
           WHERE e.org_id = $1 AND c.public_id = $2
           ORDER BY e.id OFFSET $3 LIMIT $4"#,
        org_id,
        candidate_public_id,
        offset,
        limit
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn candidate_exists(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM candidates WHERE org_id = $1 AND public_id = $2) AS "e!""#,
        org_id,
        public_id
    )
    .fetch_one(&mut **tx)
    .await
}

//! Data-subject requests (F9), the privacy page's cross-organisation lookup, and what a candidate
//! is shown of their own data: who read it, and when their retention clock ends.

use super::Tx;
use time::OffsetDateTime;
use uuid::Uuid;

/// Every organisation holding a candidate with this address (a security-definer lookup).
pub async fn candidates_with_email(
    tx: &mut Tx,
    email: &str,
) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT org_id AS "org_id!", candidate_id AS "candidate_id!"
           FROM candidates_with_email($1)"#,
        email
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.org_id, r.candidate_id))
        .collect())
}

pub async fn org_name(tx: &mut Tx, org_id: Uuid) -> Result<String, sqlx::Error> {
    sqlx::query_scalar!("SELECT name FROM orgs WHERE id = $1", org_id)
        .fetch_one(&mut **tx)
        .await
}

pub struct SubjectRow {
    pub candidate_id: Uuid,
    pub public_id: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub language: String,
    pub org_name: String,
    pub retention_days: i32,
    /// When the candidate's data is deleted (F10), whatever set it.
    pub retention_until: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

pub async fn subject(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
) -> Result<Option<SubjectRow>, sqlx::Error> {
    sqlx::query_as!(
        SubjectRow,
        r#"SELECT c.id AS candidate_id, c.public_id, c.full_name, c.email, c.phone, c.language,
                  o.name AS org_name, o.retention_days, c.retention_until, c.created_at
           FROM candidates c JOIN orgs o ON o.id = c.org_id
           WHERE c.org_id = $1 AND c.id = $2"#,
        org_id,
        candidate_id
    )
    .fetch_optional(&mut **tx)
    .await
}

pub struct SubjectApplicationRow {
    pub id: Uuid,
    pub public_id: String,
    pub recruitment_title: String,
    pub stage: String,
    pub applied_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub decision_reason: Option<String>,
}

pub async fn applications(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
) -> Result<Vec<SubjectApplicationRow>, sqlx::Error> {
    sqlx::query_as!(
        SubjectApplicationRow,
        r#"SELECT a.id, a.public_id, r.title AS recruitment_title, a.stage,
                  a.created_at AS applied_at, a.decided_at, a.decision_reason
           FROM applications a JOIN recruitments r ON r.id = a.recruitment_id
           WHERE a.org_id = $1 AND a.candidate_id = $2
           ORDER BY a.created_at"#,
        org_id,
        candidate_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct NoteRow {
    pub application_public_id: String,
    pub body_html: String,
    pub created_at: OffsetDateTime,
}

pub async fn notes(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
) -> Result<Vec<NoteRow>, sqlx::Error> {
    sqlx::query_as!(
        NoteRow,
        r#"SELECT a.public_id AS application_public_id, n.body_html, n.created_at
           FROM application_notes n JOIN applications a ON a.id = n.application_id
           WHERE n.org_id = $1 AND a.candidate_id = $2
           ORDER BY n.created_at"#,
        org_id,
        candidate_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct ScoreRow {
    pub application_public_id: String,
    pub interview_public_id: String,
    pub scheduled_at: OffsetDateTime,
    pub criterion: String,
    pub score: i32,
    pub evidence: String,
}

pub async fn scores(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
) -> Result<Vec<ScoreRow>, sqlx::Error> {
    sqlx::query_as!(
        ScoreRow,
        r#"SELECT a.public_id AS application_public_id, i.public_id AS interview_public_id,
                  i.scheduled_at, c.name AS criterion, s.score, s.evidence
           FROM scorecard_entries s
           JOIN interviews i ON i.id = s.interview_id
           JOIN applications a ON a.id = i.application_id
           JOIN evaluation_criteria c ON c.id = s.criterion_id
           WHERE s.org_id = $1 AND a.candidate_id = $2
           ORDER BY i.scheduled_at, c.position"#,
        org_id,
        candidate_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct ReadRow {
    pub action: String,
    pub role: Option<String>,
    pub occurred_at: OffsetDateTime,
}

/// Who read or exported this candidate's data (F9 access, from the audit log): the role of the
/// reader and the time, newest first.
pub async fn reads(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_public_id: &str,
) -> Result<Vec<ReadRow>, sqlx::Error> {
    sqlx::query_as!(
        ReadRow,
        r#"SELECT e.action, u.role AS "role?", e.occurred_at
           FROM audit_events e LEFT JOIN users u ON u.public_id = e.actor AND u.org_id = e.org_id
           WHERE e.org_id = $1 AND e.target = $2
             AND e.action IN ('candidate.viewed', 'candidate.listed', 'candidate.exported',
                              'document.downloaded')
           ORDER BY e.id DESC
           LIMIT 500"#,
        org_id,
        candidate_public_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct NewRequest<'a> {
    pub id: Uuid,
    pub public_id: &'a str,
    pub org_id: Uuid,
    pub candidate_id: Uuid,
    pub kind: &'a str,
    pub details: &'a str,
    pub status: &'a str,
    pub received_at: OffsetDateTime,
    pub due_at: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, r: &NewRequest<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO data_requests
             (id, public_id, org_id, candidate_id, kind, details, status, received_at, due_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        r.id,
        r.public_id,
        r.org_id,
        r.candidate_id,
        r.kind,
        r.details,
        r.status,
        r.received_at,
        r.due_at
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct RequestRow {
    pub id: Uuid,
    pub public_id: String,
    pub candidate_id: Option<Uuid>,
    pub candidate_public_id: Option<String>,
    pub candidate_name: Option<String>,
    pub kind: String,
    pub details: String,
    pub status: String,
    pub received_at: OffsetDateTime,
    pub due_at: OffsetDateTime,
    pub extended: bool,
    pub extension_reason: Option<String>,
    pub outcome: Option<String>,
}

/// The queue (open first, soonest due first), one request, or one candidate's requests.
pub async fn find(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: Option<&str>,
    candidate_id: Option<Uuid>,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as!(
        RequestRow,
        r#"SELECT d.id, d.public_id, d.candidate_id, c.public_id AS "candidate_public_id?",
                  c.full_name AS "candidate_name?", d.kind, d.details, d.status, d.received_at,
                  d.due_at, d.extended, d.extension_reason, d.outcome
           FROM data_requests d LEFT JOIN candidates c ON c.id = d.candidate_id
           WHERE d.org_id = $1
             AND ($2::text IS NULL OR d.public_id = $2)
             AND ($3::uuid IS NULL OR d.candidate_id = $3)
           ORDER BY d.status IN ('completed', 'rejected'), d.due_at
           LIMIT 500"#,
        org_id,
        public_id,
        candidate_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct Change<'a> {
    pub status: &'a str,
    pub due_at: OffsetDateTime,
    pub extension_reason: Option<&'a str>,
    pub outcome: Option<&'a str>,
    pub handled_by: Uuid,
    pub now: OffsetDateTime,
}

/// Applies a lifecycle step, only from the status the caller saw (two staff acting at once:
/// one wins, the other is told the request changed).
pub async fn update(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    from_status: &str,
    c: &Change<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE data_requests
           SET status = $4, due_at = $5,
               extended = extended OR $6::text IS NOT NULL,
               extension_reason = COALESCE($6, extension_reason),
               outcome = COALESCE($7, outcome), handled_by = $8, updated_at = $9
           WHERE org_id = $1 AND id = $2 AND status = $3"#,
        org_id,
        id,
        from_status,
        c.status,
        c.due_at,
        c.extension_reason,
        c.outcome,
        c.handled_by,
        c.now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct PendingDeletionRow {
    pub public_id: String,
    pub received_at: OffsetDateTime,
}

/// The candidate's oldest deletion request still open (neither completed nor rejected), or the
/// approved one the retention worker has yet to carry out.
pub async fn pending_deletion(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
) -> Result<Option<PendingDeletionRow>, sqlx::Error> {
    sqlx::query_as!(
        PendingDeletionRow,
        r#"SELECT d.public_id, d.received_at
           FROM data_requests d
           WHERE d.org_id = $1 AND d.candidate_id = $2
             AND ((d.kind = 'deletion' AND d.status NOT IN ('completed', 'rejected'))
                  OR EXISTS (SELECT 1 FROM candidates c
                             WHERE c.id = d.candidate_id AND c.deletion_request_id = d.id
                               AND c.deletion_requested_at IS NOT NULL))
           ORDER BY d.received_at, d.public_id
           LIMIT 1"#,
        org_id,
        candidate_id
    )
    .fetch_optional(&mut **tx)
    .await
}

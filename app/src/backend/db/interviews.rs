//! Interviews, their interviewers and scorecards. Reads take two narrowing parameters:
//! `recruitment_viewer` (hiring managers: their recruitments) and `assigned_to` (interviewers:
//! only interviews assigned to them); both `None` means the whole organisation.

use super::Tx;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct NewInterview<'a> {
    pub id: Uuid,
    pub public_id: &'a str,
    pub org_id: Uuid,
    pub application_id: Uuid,
    pub scheduled_at: OffsetDateTime,
    pub duration_minutes: i32,
    pub location: &'a str,
    pub created_by: Uuid,
}

pub async fn insert(tx: &mut Tx, i: &NewInterview<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO interviews
             (id, public_id, org_id, application_id, scheduled_at, duration_minutes, location, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        i.id,
        i.public_id,
        i.org_id,
        i.application_id,
        i.scheduled_at,
        i.duration_minutes,
        i.location,
        i.created_by
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn assign(
    tx: &mut Tx,
    org_id: Uuid,
    interview_id: Uuid,
    user_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"INSERT INTO interview_assignments (org_id, interview_id, user_id) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING"#,
        org_id,
        interview_id,
        user_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct InterviewRow {
    pub id: Uuid,
    pub public_id: String,
    pub scheduled_at: OffsetDateTime,
    pub duration_minutes: i32,
    pub location: String,
    pub application_id: Uuid,
    pub application_public_id: String,
    pub candidate_id: Uuid,
    pub candidate_public_id: String,
    pub candidate_name: String,
    pub recruitment_id: Uuid,
    pub recruitment_public_id: String,
    pub recruitment_title: String,
}

/// Visible interviews, optionally one by public id, newest first.
pub async fn visible(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: Option<&str>,
    recruitment_viewer: Option<Uuid>,
    assigned_to: Option<Uuid>,
) -> Result<Vec<InterviewRow>, sqlx::Error> {
    sqlx::query_as!(
        InterviewRow,
        r#"SELECT i.id, i.public_id, i.scheduled_at, i.duration_minutes, i.location,
                  a.id AS application_id, a.public_id AS application_public_id, c.id AS candidate_id,
                  c.public_id AS candidate_public_id,
                  c.full_name AS candidate_name, r.id AS recruitment_id,
                  r.public_id AS recruitment_public_id, r.title AS recruitment_title
           FROM interviews i
           JOIN applications a ON a.id = i.application_id
           JOIN candidates c ON c.id = a.candidate_id
           JOIN recruitments r ON r.id = a.recruitment_id
           WHERE i.org_id = $1
             AND ($2::text IS NULL OR i.public_id = $2)
             AND ($3::uuid IS NULL OR r.owner_id = $3 OR EXISTS (
                   SELECT 1 FROM recruitment_members m
                   WHERE m.recruitment_id = r.id AND m.user_id = $3))
             AND ($4::uuid IS NULL OR EXISTS (
                   SELECT 1 FROM interview_assignments s
                   WHERE s.interview_id = i.id AND s.user_id = $4))
           ORDER BY i.scheduled_at DESC
           LIMIT 200"#,
        org_id,
        public_id,
        recruitment_viewer,
        assigned_to
    )
    .fetch_all(&mut **tx)
    .await
}

/// The visible interviews of some applications (a candidate's page), newest first. Apart from
/// `visible` because an optional filter on the access path makes PostgreSQL plan the statement
/// anew on every call (a millisecond, more than running it); this one keeps a cached plan.
pub async fn visible_for_applications(
    tx: &mut Tx,
    org_id: Uuid,
    application_ids: &[Uuid],
    recruitment_viewer: Option<Uuid>,
    assigned_to: Option<Uuid>,
) -> Result<Vec<InterviewRow>, sqlx::Error> {
    sqlx::query_as!(
        InterviewRow,
        r#"SELECT i.id, i.public_id, i.scheduled_at, i.duration_minutes, i.location,
                  a.id AS application_id, a.public_id AS application_public_id, c.id AS candidate_id,
                  c.public_id AS candidate_public_id,
                  c.full_name AS candidate_name, r.id AS recruitment_id,
                  r.public_id AS recruitment_public_id, r.title AS recruitment_title
           FROM interviews i
           JOIN applications a ON a.id = i.application_id
           JOIN candidates c ON c.id = a.candidate_id
           JOIN recruitments r ON r.id = a.recruitment_id
           WHERE i.org_id = $1 AND i.application_id = ANY($2)
             AND ($3::uuid IS NULL OR r.owner_id = $3 OR EXISTS (
                   SELECT 1 FROM recruitment_members m
                   WHERE m.recruitment_id = r.id AND m.user_id = $3))
             AND ($4::uuid IS NULL OR EXISTS (
                   SELECT 1 FROM interview_assignments s
                   WHERE s.interview_id = i.id AND s.user_id = $4))
           ORDER BY i.scheduled_at DESC
           LIMIT 200"#,
        org_id,
        application_ids,
        recruitment_viewer,
        assigned_to
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct InterviewerRow {
    pub id: Uuid,
    pub public_id: String,
    pub display_name: String,
}

pub async fn interviewers(
    tx: &mut Tx,
    org_id: Uuid,
    interview_id: Uuid,
) -> Result<Vec<InterviewerRow>, sqlx::Error> {
    sqlx::query_as!(
        InterviewerRow,
        r#"SELECT u.id, u.public_id, u.display_name
           FROM interview_assignments s JOIN users u ON u.id = s.user_id
           WHERE s.org_id = $1 AND s.interview_id = $2 ORDER BY u.display_name"#,
        org_id,
        interview_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn criterion_id(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
    criterion_public_id: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT id FROM evaluation_criteria
           WHERE org_id = $1 AND recruitment_id = $2 AND public_id = $3"#,
        org_id,
        recruitment_id,
        criterion_public_id
    )
    .fetch_optional(&mut **tx)
    .await
}

#[allow(
    clippy::too_many_arguments,
    reason = "one row's columns; a struct would only rename them"
)]
pub async fn upsert_score(
    tx: &mut Tx,
    org_id: Uuid,
    interview_id: Uuid,
    interviewer_id: Uuid,
    criterion_id: Uuid,
    score: i32,
    evidence: &str,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO scorecard_entries
             (org_id, interview_id, interviewer_id, criterion_id, score, evidence, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (interview_id, interviewer_id, criterion_id)
           DO UPDATE SET score = EXCLUDED.score, evidence = EXCLUDED.evidence,
                         updated_at = EXCLUDED.updated_at"#,
        org_id,
        interview_id,
        interviewer_id,
        criterion_id,
        score,
        evidence,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct ScoreRow {
    pub interviewer_id: Uuid,
    pub interviewer_name: String,
    pub criterion_public_id: String,
    pub score: i32,
    pub evidence: String,
}

/// Scores of one interview; `only_by` narrows to one interviewer's own scorecard.
pub async fn scores(
    tx: &mut Tx,
    org_id: Uuid,
    interview_id: Uuid,
    only_by: Option<Uuid>,
) -> Result<Vec<ScoreRow>, sqlx::Error> {
    sqlx::query_as!(
        ScoreRow,
        r#"SELECT s.interviewer_id, u.display_name AS interviewer_name,
                  c.public_id AS criterion_public_id, s.score, s.evidence
           FROM scorecard_entries s
           JOIN users u ON u.id = s.interviewer_id
           JOIN evaluation_criteria c ON c.id = s.criterion_id
           WHERE s.org_id = $1 AND s.interview_id = $2
             AND ($3::uuid IS NULL OR s.interviewer_id = $3)
           ORDER BY u.display_name, c.position"#,
        org_id,
        interview_id,
        only_by
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct ComparisonRow {
    pub candidate_public_id: String,
    pub candidate_name: String,
    pub criterion_public_id: String,
    pub weight: i32,
    pub average: f64,
    pub scores: i64,
}

/// Average score per candidate and criterion over every scorecard of one recruitment.
pub async fn comparison(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
) -> Result<Vec<ComparisonRow>, sqlx::Error> {
    sqlx::query_as!(
        ComparisonRow,
        r#"SELECT c.public_id AS candidate_public_id, c.full_name AS candidate_name,
                  k.public_id AS criterion_public_id, k.weight,
                  avg(s.score)::float8 AS "average!", count(*) AS "scores!"
           FROM scorecard_entries s
           JOIN interviews i ON i.id = s.interview_id
           JOIN applications a ON a.id = i.application_id
           JOIN candidates c ON c.id = a.candidate_id
           JOIN evaluation_criteria k ON k.id = s.criterion_id
           WHERE s.org_id = $1 AND a.recruitment_id = $2
           GROUP BY c.public_id, c.full_name, k.public_id, k.weight, k.position
           ORDER BY c.full_name, k.position"#,
        org_id,
        recruitment_id
    )
    .fetch_all(&mut **tx)
    .await
}

/// Visible interviews starting in `[from, to)`.
pub async fn count_between(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_viewer: Option<Uuid>,
    assigned_to: Option<Uuid>,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    if recruitment_viewer.is_none() && assigned_to.is_none() {
        // Whoever sees every interview has them counted from the time index alone: joining each
        // to its application and recruitment only to check visibility read 20,000 applications.
        return sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM interviews
               WHERE org_id = $1 AND scheduled_at >= $2 AND scheduled_at < $3"#,
            org_id,
            from,
            to
        )
        .fetch_one(&mut **tx)
        .await;
    }
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!"
           FROM interviews i
           JOIN applications a ON a.id = i.application_id
           JOIN recruitments r ON r.id = a.recruitment_id
           WHERE i.org_id = $1 AND i.scheduled_at >= $4 AND i.scheduled_at < $5
             AND ($2::uuid IS NULL OR r.owner_id = $2 OR EXISTS (
                   SELECT 1 FROM recruitment_members m
                   WHERE m.recruitment_id = r.id AND m.user_id = $2))
             AND ($3::uuid IS NULL OR EXISTS (
                   SELECT 1 FROM interview_assignments s
                   WHERE s.interview_id = i.id AND s.user_id = $3))"#,
        org_id,
        recruitment_viewer,
        assigned_to,
        from,
        to
    )
    .fetch_one(&mut **tx)
    .await
}

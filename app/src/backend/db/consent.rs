//! Consent (F7): the sub-processor register, notices as shown, and the append-only history.

use super::Tx;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct SubProcessorRow {
    pub public_id: String,
    pub name: String,
    pub service: String,
    pub country: String,
}

pub async fn sub_processors(
    tx: &mut Tx,
    org_id: Uuid,
) -> Result<Vec<SubProcessorRow>, sqlx::Error> {
    sqlx::query_as!(
        SubProcessorRow,
        r#"SELECT public_id, name, service, country FROM org_sub_processors
           WHERE org_id = $1 ORDER BY position, created_at LIMIT 100"#,
        org_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn add_sub_processor(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: &str,
    name: &str,
    service: &str,
    country: &str,
    position: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO org_sub_processors (id, public_id, org_id, name, service, country, position)
           VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
        Uuid::new_v4(),
        public_id,
        org_id,
        name,
        service,
        country,
        position
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes one entry of the register; `false` when the organisation has no such entry.
pub async fn remove_sub_processor(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM org_sub_processors WHERE org_id = $1 AND public_id = $2",
        org_id,
        public_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What the notice of one application states, and whom the e-mails go to.
pub struct ContextRow {
    pub application_id: Uuid,
    pub application_public_id: String,
    pub candidate_id: Uuid,
    pub candidate_public_id: String,
    pub candidate_name: String,
    pub candidate_email: String,
    pub candidate_language: String,
    pub recruitment_title: String,
    pub org_name: String,
    pub retention_days: i32,
}

pub async fn context(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
) -> Result<Option<ContextRow>, sqlx::Error> {
    sqlx::query_as!(
        ContextRow,
        r#"SELECT a.id AS application_id, a.public_id AS application_public_id,
                  c.id AS candidate_id, c.public_id AS candidate_public_id,
                  c.full_name AS candidate_name, c.email AS candidate_email,
                  c.language AS candidate_language, r.title AS recruitment_title,
                  o.name AS org_name, o.retention_days
           FROM applications a
           JOIN candidates c ON c.id = a.candidate_id
           JOIN recruitments r ON r.id = a.recruitment_id
           JOIN orgs o ON o.id = a.org_id
           WHERE a.org_id = $1 AND a.id = $2"#,
        org_id,
        application_id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// A sub-processor as the notice names it.
#[derive(Debug, serde::Deserialize)]
pub struct NamedSubProcessor {
    pub name: String,
    pub service: String,
    pub country: String,
}

/// Everything the consent page shows, read in one statement (the page is the candidates' and
/// under load; each statement is a round trip): the application's context, the register of
/// sub-processors (as [`sub_processors`]) and the latest event of each purpose (as [`latest`]).
pub struct PageRow {
    pub context: ContextRow,
    pub sub_processors: Vec<NamedSubProcessor>,
    /// (purpose, event) pairs.
    pub latest: Vec<(String, String)>,
}

pub async fn page(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
) -> Result<Option<PageRow>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT a.id AS application_id, a.public_id AS application_public_id,
                  c.id AS candidate_id, c.public_id AS candidate_public_id,
                  c.full_name AS candidate_name, c.email AS candidate_email,
                  c.language AS candidate_language, r.title AS recruitment_title,
                  o.name AS org_name, o.retention_days,
                  (SELECT coalesce(jsonb_agg(jsonb_build_object(
                              'name', s.name, 'service', s.service, 'country', s.country)
                              ORDER BY s.position, s.created_at), '[]')
                     FROM (SELECT name, service, country, position, created_at
                             FROM org_sub_processors WHERE org_id = $1
                            ORDER BY position, created_at LIMIT 100) s)
                    AS "sub_processors!: Json<Vec<NamedSubProcessor>>",
                  (SELECT coalesce(jsonb_agg(jsonb_build_array(l.purpose, l.event)), '[]')
                     FROM consent_latest l WHERE l.org_id = $1 AND l.application_id = $2)
                    AS "latest!: Json<Vec<(String, String)>>"
           FROM applications a
           JOIN candidates c ON c.id = a.candidate_id
           JOIN recruitments r ON r.id = a.recruitment_id
           JOIN orgs o ON o.id = a.org_id
           WHERE a.org_id = $1 AND a.id = $2"#,
        org_id,
        application_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| PageRow {
        context: ContextRow {
            application_id: r.application_id,
            application_public_id: r.application_public_id,
            candidate_id: r.candidate_id,
            candidate_public_id: r.candidate_public_id,
            candidate_name: r.candidate_name,
            candidate_email: r.candidate_email,
            candidate_language: r.candidate_language,
            recruitment_title: r.recruitment_title,
            org_name: r.org_name,
            retention_days: r.retention_days,
        },
        sub_processors: r.sub_processors.0,
        latest: r.latest.0,
    }))
}

pub async fn set_candidate_language(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
    language: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE candidates SET language = $3 WHERE org_id = $1 AND id = $2",
        org_id,
        candidate_id,
        language
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct NewNotice<'a> {
    pub org_id: Uuid,
    pub public_id: &'a str,
    pub version: &'a str,
    pub language: &'a str,
    pub body: &'a str,
    pub sha256: &'a [u8],
}

/// The stored notice with this exact text, stored now if it is new; returns (id, public id).
pub async fn notice(tx: &mut Tx, n: &NewNotice<'_>) -> Result<(Uuid, String), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO consent_notices (id, public_id, org_id, version, language, body, sha256)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (org_id, sha256) DO NOTHING"#,
        Uuid::new_v4(),
        n.public_id,
        n.org_id,
        n.version,
        n.language,
        n.body,
        n.sha256
    )
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query!(
        "SELECT id, public_id FROM consent_notices WHERE org_id = $1 AND sha256 = $2",
        n.org_id,
        n.sha256
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.id, row.public_id))
}

pub struct NewEvent<'a> {
    pub org_id: Uuid,
    pub application_id: Uuid,
    pub purpose: &'a str,
    pub event: &'a str,
    pub lawful_basis: &'a str,
    pub notice_id: Uuid,
    pub controller: &'a str,
    pub recipients: &'a str,
    pub retention_rule: &'a str,
    pub actor: &'a str,
    pub collection_method: &'a str,
    pub occurred_at: OffsetDateTime,
}

pub async fn append(tx: &mut Tx, e: &NewEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO consent_events
             (org_id, application_id, purpose, event, lawful_basis, notice_id, controller,
              recipients, retention_rule, actor, collection_method, occurred_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"#,
        e.org_id,
        e.application_id,
        e.purpose,
        e.event,
        e.lawful_basis,
        e.notice_id,
        e.controller,
        e.recipients,
        e.retention_rule,
        e.actor,
        e.collection_method,
        e.occurred_at
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct LatestRow {
    pub application_id: Uuid,
    pub purpose: String,
    pub event: String,
    pub occurred_at: OffsetDateTime,
}

/// The latest event of each purpose of these applications (kept by a trigger, migration 0027).
pub async fn latest(
    tx: &mut Tx,
    org_id: Uuid,
    application_ids: &[Uuid],
) -> Result<Vec<LatestRow>, sqlx::Error> {
    sqlx::query_as!(
        LatestRow,
        r#"SELECT application_id, purpose, event, occurred_at
           FROM consent_latest
           WHERE org_id = $1 AND application_id = ANY($2)"#,
        org_id,
        application_ids
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct HistoryRow {
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

/// The whole history of one application, oldest first.
pub async fn history(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
) -> Result<Vec<HistoryRow>, sqlx::Error> {
    sqlx::query_as!(
        HistoryRow,
        r#"SELECT e.purpose, e.event, e.lawful_basis, n.public_id AS notice_public_id,
                  n.version AS notice_version, n.language AS notice_language,
                  n.sha256 AS notice_sha256, e.controller, e.recipients, e.retention_rule,
                  e.actor, e.collection_method, e.occurred_at
           FROM consent_events e JOIN consent_notices n ON n.id = e.notice_id
           WHERE e.org_id = $1 AND e.application_id = $2
           ORDER BY e.id"#,
        org_id,
        application_id
    )
    .fetch_all(&mut **tx)
    .await
}

/// Scorecards of the application's interviews: evaluations made under its consent.
pub async fn delete_evaluations(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"DELETE FROM scorecard_entries s USING interviews i
           WHERE s.org_id = $1 AND s.interview_id = i.id AND i.application_id = $2"#,
        org_id,
        application_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Recordings or transcripts of the application's interviews; returns (storage name, size) of each.
pub async fn delete_interview_files(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
    kind: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"DELETE FROM documents d USING interviews i
           WHERE d.org_id = $1 AND d.interview_id = i.id AND i.application_id = $2 AND d.kind = $3
           RETURNING d.storage_name, d.size_bytes"#,
        org_id,
        application_id,
        kind
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.storage_name, r.size_bytes))
        .collect())
}

/// Appends `expired` for every purpose whose latest event is a request older than `cutoff`,
/// under a transaction-wide advisory lock so that two workers never expire the same request twice.
pub async fn expire_requests(
    tx: &mut Tx,
    cutoff: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('candor.consent.expire')::bigint) AS locked"
    )
    .fetch_one(&mut **tx)
    .await?;
    let done = sqlx::query!(
        r#"INSERT INTO consent_events
             (org_id, application_id, purpose, event, lawful_basis, notice_id, controller,
              recipients, retention_rule, actor, collection_method, occurred_at)
           SELECT e.org_id, e.application_id, e.purpose, 'expired', e.lawful_basis, e.notice_id,
                  e.controller, e.recipients, e.retention_rule, 'system', e.collection_method, $2
           FROM consent_latest l JOIN consent_events e ON e.id = l.event_id
           WHERE l.event = 'requested' AND l.occurred_at <= $1"#,
        cutoff,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Whether the application's candidate has restricted processing (or objected to it).
/// Whether the candidate's restriction or objection is in force, as a page shows it (the gate
/// itself is [`lock_for_processing`]).
pub async fn processing_restricted(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let restricted = sqlx::query_scalar!(
        r#"SELECT c.processing_restricted_at IS NOT NULL AS "restricted!"
           FROM applications a JOIN candidates c ON c.id = a.candidate_id
           WHERE a.org_id = $1 AND a.id = $2"#,
        org_id,
        application_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(restricted.unwrap_or(false))
}

/// Locks the application and its candidate against a withdrawal, a restriction or a deletion
/// until the caller's transaction ends, and says whether processing is restricted; `None` when
/// the application is gone. A processing write that passed this check commits before any of
/// those can begin, so the withdrawal or deletion then sees it and removes it.
pub async fn lock_for_processing(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT c.processing_restricted_at IS NOT NULL AS "restricted!"
           FROM applications a JOIN candidates c ON c.id = a.candidate_id
           WHERE a.org_id = $1 AND a.id = $2
           FOR SHARE OF a, c"#,
        org_id,
        application_id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Locks the application against processing writes (which hold it shared while they run) until
/// the withdrawal that calls this commits.
pub async fn lock_for_withdrawal(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let locked = sqlx::query_scalar!(
        r#"SELECT 1 AS "one!" FROM applications WHERE org_id = $1 AND id = $2
           FOR NO KEY UPDATE"#,
        org_id,
        application_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(locked.is_some())
}

/// Records that a restriction or objection request was granted.
pub async fn restrict_processing(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE candidates SET processing_restricted_at = COALESCE(processing_restricted_at, $3)
           WHERE org_id = $1 AND id = $2"#,
        org_id,
        candidate_id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

//! Stored files (S12): descriptions, wrapped data keys and the organisation's storage quota.

use super::Tx;
use time::OffsetDateTime;
use uuid::Uuid;

/// The constraint that refuses an upload over the organisation's quota.
pub const QUOTA_CONSTRAINT: &str = "org_storage_within_quota";

pub async fn wrapped_key(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT wrapped_key FROM candidate_keys WHERE org_id = $1 AND candidate_id = $2",
        org_id,
        candidate_id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Stores a new wrapped key unless the candidate has one already (two first uploads racing);
/// the caller reads the key back, so both use the same one.
pub async fn insert_wrapped_key(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
    wrapped: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO candidate_keys (candidate_id, org_id, wrapped_key) VALUES ($1, $2, $3)
           ON CONFLICT (candidate_id) DO NOTHING"#,
        candidate_id,
        org_id,
        wrapped
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds `bytes` to the organisation's usage; the table's check refuses going over the quota,
/// atomically, whatever runs beside this transaction.
pub async fn charge_storage(tx: &mut Tx, org_id: Uuid, bytes: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO org_storage (org_id, used_bytes) VALUES ($1, $2)
           ON CONFLICT (org_id) DO UPDATE SET used_bytes = org_storage.used_bytes + EXCLUDED.used_bytes"#,
        org_id,
        bytes
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives back the bytes of a removed file.
pub async fn refund_storage(tx: &mut Tx, org_id: Uuid, bytes: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE org_storage SET used_bytes = used_bytes - $2 WHERE org_id = $1",
        org_id,
        bytes
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct NewDocument<'a> {
    pub id: Uuid,
    pub public_id: &'a str,
    pub org_id: Uuid,
    pub candidate_id: Uuid,
    pub interview_id: Option<Uuid>,
    pub kind: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub storage_name: &'a str,
    pub uploaded_by: Uuid,
    pub now: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, d: &NewDocument<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO documents (id, public_id, org_id, candidate_id, interview_id, kind,
                                  file_name, content_type, size_bytes, storage_name, uploaded_by,
                                  created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"#,
        d.id,
        d.public_id,
        d.org_id,
        d.candidate_id,
        d.interview_id,
        d.kind,
        d.file_name,
        d.content_type,
        d.size_bytes,
        d.storage_name,
        d.uploaded_by,
        d.now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct DocumentRow {
    pub id: Uuid,
    pub public_id: String,
    pub candidate_id: Uuid,
    pub candidate_public_id: String,
    pub interview_public_id: Option<String>,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_name: String,
    pub uploaded_by: String,
    pub created_at: OffsetDateTime,
}

/// One document by its public id.
pub async fn by_public_id(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: &str,
) -> Result<Option<DocumentRow>, sqlx::Error> {
    sqlx::query_as!(
        DocumentRow,
        r#"SELECT d.id, d.public_id, d.candidate_id, c.public_id AS candidate_public_id,
                  i.public_id AS "interview_public_id?", d.kind, d.file_name, d.content_type,
                  d.size_bytes, d.storage_name, u.display_name AS uploaded_by, d.created_at
           FROM documents d
           JOIN candidates c ON c.id = d.candidate_id
           JOIN users u ON u.id = d.uploaded_by
           LEFT JOIN interviews i ON i.id = d.interview_id
           WHERE d.org_id = $1 AND d.public_id = $2"#,
        org_id,
        public_id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// A candidate's CVs and documents (not their interviews' files), newest first. Found through
/// the candidate's index: one query with optional filters instead, on the candidate page's generic
/// plan, read every document of the organisation and sorted them (1 ms per view with 10,000 CVs).
pub async fn of_candidate(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query_as!(
        DocumentRow,
        r#"SELECT d.id, d.public_id, d.candidate_id, c.public_id AS candidate_public_id,
                  NULL::text AS "interview_public_id?", d.kind, d.file_name, d.content_type,
                  d.size_bytes, d.storage_name, u.display_name AS uploaded_by, d.created_at
           FROM documents d
           JOIN candidates c ON c.id = d.candidate_id
           JOIN users u ON u.id = d.uploaded_by
           WHERE d.org_id = $1 AND d.candidate_id = $2 AND d.interview_id IS NULL
           ORDER BY d.created_at DESC"#,
        org_id,
        candidate_id
    )
    .fetch_all(&mut **tx)
    .await
}

/// An interview's recording and transcript.
pub async fn of_interview(
    tx: &mut Tx,
    org_id: Uuid,
    interview_id: Uuid,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query_as!(
        DocumentRow,
        r#"SELECT d.id, d.public_id, d.candidate_id, c.public_id AS candidate_public_id,
                  i.public_id AS "interview_public_id?", d.kind, d.file_name, d.content_type,
                  d.size_bytes, d.storage_name, u.display_name AS uploaded_by, d.created_at
           FROM documents d
           JOIN candidates c ON c.id = d.candidate_id
           JOIN users u ON u.id = d.uploaded_by
           JOIN interviews i ON i.id = d.interview_id
           WHERE d.org_id = $1 AND d.interview_id = $2
           ORDER BY d.created_at DESC"#,
        org_id,
        interview_id
    )
    .fetch_all(&mut **tx)
    .await
}

/// Every document held about a candidate, interview files included (their own-data view and
/// export), in one query: the candidate's CVs and documents first, newest first.
pub async fn held_about(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query_as!(
        DocumentRow,
        r#"SELECT d.id, d.public_id, d.candidate_id, c.public_id AS candidate_public_id,
                  i.public_id AS "interview_public_id?", d.kind, d.file_name, d.content_type,
                  d.size_bytes, d.storage_name, u.display_name AS uploaded_by, d.created_at
           FROM documents d
           JOIN candidates c ON c.id = d.candidate_id
           JOIN users u ON u.id = d.uploaded_by
           LEFT JOIN interviews i ON i.id = d.interview_id
           WHERE d.org_id = $1 AND d.candidate_id = $2
           ORDER BY d.interview_id IS NOT NULL, i.scheduled_at, d.created_at DESC"#,
        org_id,
        candidate_id
    )
    .fetch_all(&mut **tx)
    .await
}

/// Removes an interview's recording or transcript; returns (storage name, size) of what it was.
pub async fn remove_interview_file(
    tx: &mut Tx,
    org_id: Uuid,
    interview_id: Uuid,
    kind: &str,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"DELETE FROM documents WHERE org_id = $1 AND interview_id = $2 AND kind = $3
           RETURNING storage_name, size_bytes"#,
        org_id,
        interview_id,
        kind
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| (r.storage_name, r.size_bytes)))
}

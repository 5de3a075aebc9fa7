//! Recruitments, their members and evaluation criteria. `viewer` narrows reads to what a hiring
//! manager may see (owned or member, R2); `None` means every recruitment of the organisation.

use super::Tx;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct NewRecruitment<'a> {
    pub id: Uuid,
    pub public_id: &'a str,
    pub org_id: Uuid,
    pub title: &'a str,
    pub description_html: &'a str,
    pub owner_id: Uuid,
}

pub async fn insert(tx: &mut Tx, r: &NewRecruitment<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO recruitments (id, public_id, org_id, title, description_html, owner_id)
           VALUES ($1, $2, $3, $4, $5, $6)"#,
        r.id,
        r.public_id,
        r.org_id,
        r.title,
        r.description_html,
        r.owner_id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct RecruitmentRow {
    pub id: Uuid,
    pub public_id: String,
    pub title: String,
    pub description_html: String,
    pub status: String,
    pub owner_public_id: String,
    pub owner_name: String,
    pub created_at: OffsetDateTime,
}

pub async fn find_visible(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: &str,
    viewer: Option<Uuid>,
) -> Result<Option<RecruitmentRow>, sqlx::Error> {
    sqlx::query_as!(
        RecruitmentRow,
        r#"SELECT r.id, r.public_id, r.title, r.description_html, r.status,
                  o.public_id AS owner_public_id, o.display_name AS owner_name, r.created_at
           FROM recruitments r JOIN users o ON o.id = r.owner_id
           WHERE r.org_id = $1 AND r.public_id = $2
             AND ($3::uuid IS NULL OR r.owner_id = $3 OR EXISTS (
                   SELECT 1 FROM recruitment_members m
                   WHERE m.recruitment_id = r.id AND m.user_id = $3))"#,
        org_id,
        public_id,
        viewer
    )
    .fetch_optional(&mut **tx)
    .await
}

pub struct SummaryRow {
    pub public_id: String,
    pub title: String,
    pub status: String,
    pub owner_name: String,
    pub created_at: OffsetDateTime,
    pub total: i64,
}

/// One page of visible recruitments, newest first, with the total count of matches.
pub async fn list_visible(
    tx: &mut Tx,
    org_id: Uuid,
    viewer: Option<Uuid>,
    search: Option<&str>,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<SummaryRow>, sqlx::Error> {
    sqlx::query_as!(
        SummaryRow,
        r#"SELECT r.public_id, r.title, r.status, o.display_name AS owner_name, r.created_at,
                  count(*) OVER () AS "total!"
           FROM recruitments r JOIN users o ON o.id = r.owner_id
           WHERE r.org_id = $1
             AND ($2::uuid IS NULL OR r.owner_id = $2 OR EXISTS (
                   SELECT 1 FROM recruitment_members m
                   WHERE m.recruitment_id = r.id AND m.user_id = $2))
             AND ($3::text IS NULL OR r.title ILIKE '%' || $3 || '%')
             AND ($4::text IS NULL OR r.status = $4)
           ORDER BY r.created_at DESC, r.public_id
           LIMIT $5 OFFSET $6"#,
        org_id,
        viewer,
        search.map(super::like_literal),
        status,
        limit,
        offset
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn update_details(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    title: &str,
    description_html: &str,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE recruitments SET title = $3, description_html = $4, updated_at = $5
           WHERE org_id = $1 AND id = $2"#,
        org_id,
        id,
        title,
        description_html,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_status(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    status: &str,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE recruitments
           SET status = $3::text, updated_at = $4::timestamptz,
               closed_at = CASE WHEN $3::text = 'closed' THEN $4::timestamptz ELSE NULL END
           WHERE org_id = $1 AND id = $2"#,
        org_id,
        id,
        status,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct PersonRow {
    pub public_id: String,
    pub display_name: String,
    pub role: String,
}

pub async fn members(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
) -> Result<Vec<PersonRow>, sqlx::Error> {
    sqlx::query_as!(
        PersonRow,
        r#"SELECT u.public_id, u.display_name, u.role
           FROM recruitment_members m JOIN users u ON u.id = m.user_id
           WHERE m.org_id = $1 AND m.recruitment_id = $2
           ORDER BY u.display_name"#,
        org_id,
        recruitment_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn add_member(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
    user_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let added = sqlx::query!(
        r#"INSERT INTO recruitment_members (org_id, recruitment_id, user_id) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING"#,
        org_id,
        recruitment_id,
        user_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(added.rows_affected() == 1)
}

pub async fn remove_member(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
    user_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query!(
        r#"DELETE FROM recruitment_members
           WHERE org_id = $1 AND recruitment_id = $2 AND user_id = $3"#,
        org_id,
        recruitment_id,
        user_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(removed.rows_affected() == 1)
}

pub struct CriterionRow {
    pub public_id: String,
    pub name: String,
    pub description: String,
    pub weight: i32,
}

pub async fn criteria(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
) -> Result<Vec<CriterionRow>, sqlx::Error> {
    sqlx::query_as!(
        CriterionRow,
        r#"SELECT public_id, name, description, weight FROM evaluation_criteria
           WHERE org_id = $1 AND recruitment_id = $2 ORDER BY position"#,
        org_id,
        recruitment_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct NewCriterion<'a> {
    pub public_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub weight: i32,
}

/// Appends a criterion after the last one; returns how many the recruitment had before.
pub async fn add_criterion(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
    c: &NewCriterion<'_>,
) -> Result<i64, sqlx::Error> {
    // Serialises concurrent additions to one recruitment so positions stay unique.
    sqlx::query!(
        "SELECT id FROM recruitments WHERE org_id = $1 AND id = $2 FOR UPDATE",
        org_id,
        recruitment_id
    )
    .fetch_one(&mut **tx)
    .await?;
    let existing = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM evaluation_criteria WHERE org_id = $1 AND recruitment_id = $2"#,
        org_id,
        recruitment_id
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query!(
        r#"INSERT INTO evaluation_criteria
             (id, public_id, org_id, recruitment_id, position, name, description, weight)
           SELECT $1, $2, $3, $4, COALESCE(max(position) + 1, 0), $5, $6, $7
           FROM evaluation_criteria WHERE org_id = $3 AND recruitment_id = $4"#,
        Uuid::new_v4(),
        c.public_id,
        org_id,
        recruitment_id,
        c.name,
        c.description,
        c.weight
    )
    .execute(&mut **tx)
    .await?;
    Ok(existing)
}

pub async fn remove_criterion(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
    criterion_public_id: &str,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query!(
        r#"DELETE FROM evaluation_criteria
           WHERE org_id = $1 AND recruitment_id = $2 AND public_id = $3"#,
        org_id,
        recruitment_id,
        criterion_public_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(removed.rows_affected() == 1)
}

/// Open recruitments the viewer may see.
pub async fn count_open(
    tx: &mut Tx,
    org_id: Uuid,
    viewer: Option<Uuid>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM recruitments r
           WHERE r.org_id = $1 AND r.status = 'open'
             AND ($2::uuid IS NULL OR r.owner_id = $2 OR EXISTS (
                   SELECT 1 FROM recruitment_members m
                   WHERE m.recruitment_id = r.id AND m.user_id = $2))"#,
        org_id,
        viewer
    )
    .fetch_one(&mut **tx)
    .await
}

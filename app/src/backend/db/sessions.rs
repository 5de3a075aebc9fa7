//! Sessions (S4): tower-sessions' table. Its store reads, saves and deletes them; creating one is
//! here (`server/src/sessions.rs` says why).

use sqlx::PgExecutor;
use time::OffsetDateTime;

/// Stores a new session unless its id is taken; `false` when it is (the caller draws another).
pub async fn insert_new(
    db: impl PgExecutor<'_>,
    id: &str,
    data: &[u8],
    expiry_date: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query!(
        r#"INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO NOTHING"#,
        id,
        data,
        expiry_date
    )
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

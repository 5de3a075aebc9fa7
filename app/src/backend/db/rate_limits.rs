use sqlx::PgExecutor;
use time::OffsetDateTime;

/// Counts one hit in `bucket`'s window and returns the count and the window's start.
/// A new window resets the counter; the upsert keeps it correct across portal instances.
pub async fn hit(
    db: impl PgExecutor<'_>,
    bucket: &str,
    window_start: OffsetDateTime,
) -> Result<(i64, OffsetDateTime), sqlx::Error> {
    let row = sqlx::query!(
        r#"INSERT INTO rate_limit_buckets AS b (bucket, window_start, hits) VALUES ($1, $2, 1)
           ON CONFLICT (bucket) DO UPDATE SET
             hits = CASE WHEN b.window_start = EXCLUDED.window_start THEN b.hits + 1 ELSE 1 END,
             window_start = EXCLUDED.window_start
           RETURNING hits, window_start"#,
        bucket,
        window_start
    )
    .fetch_one(db)
    .await?;
    Ok((row.hits, row.window_start))
}

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

/// Deletes up to `batch` buckets whose window has ended: each family (a policy's name, the
/// bucket's prefix) with the start of its current window; an older bucket's count would be
/// reset by its next hit, so it counts no more. Returns how many went.
pub async fn purge_ended(
    db: impl PgExecutor<'_>,
    families: &[&str],
    current_windows: &[OffsetDateTime],
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let families: Vec<String> = families.iter().map(|f| format!("{f}:")).collect();
    Ok(sqlx::query!(
        r#"DELETE FROM rate_limit_buckets WHERE bucket IN (
               SELECT b.bucket FROM rate_limit_buckets b
               JOIN UNNEST($1::text[], $2::timestamptz[]) AS p (prefix, current_window)
                 ON starts_with(b.bucket, p.prefix)
               WHERE b.window_start < p.current_window
               LIMIT $3
               FOR UPDATE OF b SKIP LOCKED)"#,
        &families,
        current_windows,
        batch
    )
    .execute(db)
    .await?
    .rows_affected())
}

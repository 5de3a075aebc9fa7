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

/// [`hit`] for several buckets in one statement (`count_rate_limit_hits`, migration 0033), each
/// returned with its count and window's start. `buckets` must be distinct.
pub async fn hit_each(
    db: impl PgExecutor<'_>,
    buckets: &[String],
    window_starts: &[OffsetDateTime],
) -> Result<Vec<(String, i64, OffsetDateTime)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT bucket AS "bucket!", hits AS "hits!", window_start AS "window_start!"
           FROM count_rate_limit_hits($1, $2)"#,
        buckets,
        window_starts
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.bucket, r.hits, r.window_start))
        .collect())
}

//! Purging what can no longer matter: sessions past their expiry (the store never loads them
//! again), rate-limit buckets whose window has ended (their next hit would start from one),
//! one-time links used or expired (refused exactly as unknown ones), and invitations not accepted
//! in time (their address was never taken). The portal's worker runs it; each kind goes in
//! batches, one statement each, so a backlog never keeps many rows locked for long, and portals
//! purging at the same moment skip each other's rows.

use super::db;
use super::state::AppState;
use crate::domain::rate_limit::POLICIES;
use crate::error::AppError;
use std::future::Future;
use time::OffsetDateTime;

/// Rows deleted per statement.
const PURGE_BATCH: i64 = 1000;

/// How many rows of each kind one purge deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub rate_limit_buckets: u64,
    pub tokens: u64,
    pub invitations: u64,
}

/// Deletes, as of the state's clock, everything that no longer matters.
pub async fn purge_expired(state: &AppState) -> Result<Purged, AppError> {
    let now = state.clock.now();
    let pool = state.db.system_pool();
    let families: Vec<&str> = POLICIES.iter().map(|p| p.name).collect();
    let current_windows: Vec<OffsetDateTime> =
        POLICIES.iter().map(|p| p.window_start(now)).collect();
    Ok(Purged {
        sessions: in_batches(|| db::sessions::purge_expired(pool, now, PURGE_BATCH)).await?,
        rate_limit_buckets: in_batches(|| {
            db::rate_limits::purge_ended(pool, &families, &current_windows, PURGE_BATCH)
        })
        .await?,
        tokens: in_batches(|| db::tokens::purge_spent(pool, now, PURGE_BATCH)).await?,
        invitations: in_batches(|| db::invitations::purge_expired(pool, now, PURGE_BATCH)).await?,
    })
}

/// Runs `delete` (one batch) until a batch comes back short; returns the rows deleted.
async fn in_batches<F, Fut>(mut delete: F) -> Result<u64, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64, sqlx::Error>>,
{
    let mut total = 0;
    loop {
        let deleted = delete().await?;
        total += deleted;
        if deleted < PURGE_BATCH.unsigned_abs() {
            return Ok(total);
        }
    }
}

//! Durable rate limits (S7): counted in PostgreSQL, decided by `domain::rate_limit`.

use super::db::{rate_limits, Tx};
use super::state::AppState;
use crate::domain::rate_limit::{Decision, Policy};
use crate::error::AppError;
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;

/// Counts a hit against `policy` for `subject` and refuses it when over the limit.
/// Subjects are hashed so that no e-mail address is stored in a bucket name.
pub async fn check(state: &AppState, policy: Policy, subject: &str) -> Result<(), AppError> {
    count(state, state.db.app_pool(), policy, subject).await
}

/// [`check`], counted in the request's transaction: the caller commits it whatever the outcome,
/// or the hit is lost.
pub async fn check_in(
    tx: &mut Tx,
    state: &AppState,
    policy: Policy,
    subject: &str,
) -> Result<(), AppError> {
    count(state, &mut **tx, policy, subject).await
}

async fn count(
    state: &AppState,
    db: impl PgExecutor<'_>,
    policy: Policy,
    subject: &str,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let window_start = policy.window_start(now);
    let digest = hex::encode(&Sha256::digest(subject.as_bytes())[..16]);
    let bucket = format!("{}:{}", policy.name, digest);
    let (hits, start) = rate_limits::hit(db, &bucket, window_start).await?;
    match policy.decide(hits, start, now) {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after_secs } => {
            tracing::info!(policy = policy.name, "rate limited");
            Err(AppError::RateLimited { retry_after_secs })
        }
    }
}

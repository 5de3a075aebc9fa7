//! Durable rate limits (S7): counted in PostgreSQL, decided by `domain::rate_limit`.

use super::{db::rate_limits, state::AppState};
use crate::domain::rate_limit::{Decision, Policy};
use crate::error::AppError;
use sha2::{Digest, Sha256};

/// Counts a hit against `policy` for `subject` and refuses it when over the limit.
/// Subjects are hashed so that no e-mail address is stored in a bucket name.
pub async fn check(state: &AppState, policy: Policy, subject: &str) -> Result<(), AppError> {
    let now = state.clock.now();
    let window_start = policy.window_start(now);
    let digest = hex::encode(&Sha256::digest(subject.as_bytes())[..16]);
    let bucket = format!("{}:{}", policy.name, digest);
    let (hits, start) = rate_limits::hit(state.db.app_pool(), &bucket, window_start).await?;
    match policy.decide(hits, start, now) {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after_secs } => {
            tracing::info!(policy = policy.name, "rate limited");
            Err(AppError::RateLimited { retry_after_secs })
        }
    }
}

//! Durable rate limits (S7): counted in PostgreSQL, decided by `domain::rate_limit`.

use super::db::{rate_limits, Tx};
use super::state::AppState;
use crate::domain::rate_limit::{Decision, Policy};
use crate::error::AppError;
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;
use time::OffsetDateTime;

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

/// Hits to count against several (policy, subject) at once, in a statement that counts them along
/// with other work (sign-in's `users::sign_in_attempt`), and the decision once they are: each hit
/// counts whatever the others decide, and the first over its limit, in the given order, names the
/// wait. The policies must differ.
pub struct Hits<'a> {
    limits: &'a [(Policy, &'a str)],
    now: OffsetDateTime,
    /// The buckets to hit, one per (policy, subject) in the given order.
    pub buckets: Vec<String>,
    /// Each bucket's current window.
    pub window_starts: Vec<OffsetDateTime>,
}

impl<'a> Hits<'a> {
    pub fn new(limits: &'a [(Policy, &'a str)], now: OffsetDateTime) -> Self {
        Hits {
            limits,
            now,
            buckets: limits
                .iter()
                .map(|(policy, subject)| bucket(*policy, subject))
                .collect(),
            window_starts: limits.iter().map(|(p, _)| p.window_start(now)).collect(),
        }
    }

    /// Refuses when any bucket is over its limit once `counted` (each bucket with its count and
    /// window's start); the first of those, in the given order, names the wait.
    pub fn decide(&self, counted: &[(String, i64, OffsetDateTime)]) -> Result<(), AppError> {
        for ((policy, _), bucket) in self.limits.iter().zip(&self.buckets) {
            let Some((_, hits, start)) = counted.iter().find(|(b, _, _)| b == bucket) else {
                return Err(super::errors::internal("a rate-limit hit was not counted"));
            };
            decide(*policy, *hits, *start, self.now)?;
        }
        Ok(())
    }
}

async fn count(
    state: &AppState,
    db: impl PgExecutor<'_>,
    policy: Policy,
    subject: &str,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let (hits, start) =
        rate_limits::hit(db, &bucket(policy, subject), policy.window_start(now)).await?;
    decide(policy, hits, start, now)
}

fn bucket(policy: Policy, subject: &str) -> String {
    let digest = hex::encode(&Sha256::digest(subject.as_bytes())[..16]);
    format!("{}:{}", policy.name, digest)
}

fn decide(
    policy: Policy,
    hits: i64,
    window_start: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    match policy.decide(hits, window_start, now) {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after_secs } => {
            tracing::info!(policy = policy.name, "rate limited");
            Err(AppError::RateLimited { retry_after_secs })
        }
    }
}

//! Carries out deferred requests: each job in one transaction of the application role that also
//! removes it, so a job is done once and whole, scoped to each organisation it touches. Several
//! portals may work the queue at once (`SKIP LOCKED`).

use super::Job;
use crate::backend::db;
use crate::backend::request::RequestMeta;
use crate::backend::state::AppState;
use crate::error::AppError;
use time::Duration;

/// Jobs one call carries out at most, so that the worker's loop notices new work promptly.
const BATCH: usize = 20;

/// A job that failed this often is given up (logged): an address no one can answer for.
const MOST_ATTEMPTS: i32 = 10;

/// Carries out the due jobs; returns how many were done.
pub async fn work(state: &AppState) -> Result<usize, AppError> {
    let mut done = 0;
    while done < BATCH {
        let now = state.clock.now();
        let mut tx = state.db.begin_unscoped().await?;
        let Some(claimed) = db::deferred::claim(&mut tx, now).await? else {
            tx.commit().await?;
            break;
        };
        let meta = RequestMeta {
            request_id: claimed.request_id.clone(),
            client_addr: claimed.client_addr.ip(),
        };
        let outcome = match serde_json::from_value::<Job>(claimed.job) {
            Ok(job) => carry_out(state, &mut tx, &meta, job).await,
            Err(e) => {
                tracing::error!(error = %e, "an unreadable deferred request was dropped");
                Ok(())
            }
        };
        match outcome {
            Ok(()) => {
                db::deferred::delete(&mut tx, claimed.id).await?;
                tx.commit().await?;
                done += 1;
            }
            Err(error) => {
                tx.rollback().await?;
                let attempts = claimed.attempts + 1;
                tracing::warn!(%error, attempts, "a deferred request failed");
                if attempts >= MOST_ATTEMPTS {
                    let mut tx = state.db.begin_unscoped().await?;
                    db::deferred::delete(&mut tx, claimed.id).await?;
                    tx.commit().await?;
                } else {
                    let wait = Duration::seconds(5i64 << attempts.min(10));
                    db::deferred::postpone(state.db.app_pool(), claimed.id, now + wait).await?;
                }
                break;
            }
        }
    }
    Ok(done)
}

async fn carry_out(
    state: &AppState,
    tx: &mut db::Tx,
    meta: &RequestMeta,
    job: Job,
) -> Result<(), AppError> {
    use crate::backend::{accounts, privacy};
    match job {
        Job::SignUp(sign_up) => accounts::complete_sign_up(state, tx, meta, sign_up).await,
        Job::PasswordReset { email } => accounts::send_reset(state, tx, meta, &email).await,
        Job::VerificationResend { email } => {
            accounts::send_fresh_verification(state, tx, meta, &email).await
        }
        Job::PrivacyLinks { email, lang } => {
            privacy::send_links_to(state, tx, meta, &email, &lang).await
        }
    }
}

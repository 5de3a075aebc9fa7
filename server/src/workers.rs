//! Background work inside the portal: deferred requests, e-mail delivery, audit sealing and
//! verification, the retention sweep, the purge of what no longer matters. Each is a loop safe to
//! run in several instances at once (row locks, advisory locks).

use candor_app::backend::{audit, deferred, mail::outbox, purge, retention, state::AppState};
use std::time::Duration;
use tokio::task::JoinHandle;

/// Deletion is due at a date, not a second: a sweep every half minute is prompt enough, and the
/// first one at start-up catches up on whatever fell due while no portal ran.
const RETENTION_INTERVAL: Duration = Duration::from_secs(30);

/// The audit viewer verifies only what was sealed since the verifier's last pass: a pass a minute
/// keeps that to a minute of events.
const VERIFY_INTERVAL: Duration = Duration::from_secs(60);

/// Expired sessions, ended rate-limit windows and spent links are harmless where they lie (none
/// is ever used again); purging them every few minutes only keeps the tables small. The first
/// purge runs at start-up.
const PURGE_INTERVAL: Duration = Duration::from_secs(300);

pub fn spawn_all(state: AppState, mail_from: String) -> Vec<JoinHandle<()>> {
    let mail_state = state.clone();
    let outbox = tokio::spawn(async move {
        loop {
            let now = mail_state.clock.now();
            match outbox::deliver_due(
                mail_state.db.system_pool(),
                &mail_state.mailer,
                &mail_from,
                now,
            )
            .await
            {
                Ok((0, 0)) => tokio::time::sleep(Duration::from_millis(500)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "outbox worker");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
    // Sign-ups, resets, verification resends and privacy links, queued by their requests.
    let deferred_state = state.clone();
    let deferred = tokio::spawn(async move {
        loop {
            match deferred::worker::work(&deferred_state).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(250)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "deferred requests");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
    let seal_state = state.clone();
    let sealer = tokio::spawn(async move {
        loop {
            if let Err(e) = audit::seal_pending(seal_state.db.system_pool()).await {
                tracing::warn!(error = %e, "audit sealer");
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
    // A task of its own: a daily pass over millions of links must not hold up sealing.
    let verify_state = state.clone();
    let verifier = tokio::spawn(async move {
        loop {
            let now = verify_state.clock.now();
            if let Err(e) = audit::verify_chains(verify_state.db.system_pool(), now).await {
                tracing::warn!(error = %e, "audit verifier");
            }
            tokio::time::sleep(VERIFY_INTERVAL).await;
        }
    });
    let retention_state = state.clone();
    let retention = tokio::spawn(async move {
        loop {
            let started = std::time::Instant::now();
            match retention::sweep(&retention_state).await {
                Ok(report) if report.deleted > 0 || report.warned > 0 => {
                    tracing::info!(
                        deleted = report.deleted,
                        warned = report.warned,
                        elapsed_ms =
                            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                        "retention sweep"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention sweep"),
            }
            tokio::time::sleep(RETENTION_INTERVAL).await;
        }
    });
    let purge_state = state.clone();
    let purger = tokio::spawn(async move {
        loop {
            match purge::purge_expired(&purge_state).await {
                Ok(purged) if purged != purge::Purged::default() => tracing::info!(
                    sessions = purged.sessions,
                    rate_limit_buckets = purged.rate_limit_buckets,
                    tokens = purged.tokens,
                    invitations = purged.invitations,
                    "purged what no longer matters"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "purge"),
            }
            tokio::time::sleep(PURGE_INTERVAL).await;
        }
    });
    vec![outbox, deferred, sealer, verifier, retention, purger]
}

//! Background work inside the portal: e-mail delivery, audit sealing, session clean-up. Each is a
//! loop safe to run in several instances at once (row locks, advisory locks).

use candor_app::backend::{audit, mail::outbox, state::AppState};
use std::time::Duration;
use tokio::task::JoinHandle;

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
    let seal_state = state.clone();
    let sealer = tokio::spawn(async move {
        loop {
            if let Err(e) = audit::seal_pending(seal_state.db.system_pool()).await {
                tracing::warn!(error = %e, "audit sealer");
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
    vec![outbox, sealer]
}

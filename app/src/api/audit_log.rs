//! The audit viewer (F12) for admins and auditors.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{audit_log, guard::serve},
    domain::role::{Access, Permission},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// `YYYY-MM-DD HH:MM:SS` UTC.
    pub at: String,
    pub actor: String,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    pub rows: Vec<AuditRow>,
    pub page: i64,
    pub has_more: bool,
    pub chain_intact: bool,
    pub events_verified: u64,
    pub unsealed: i64,
    pub problems: Vec<String>,
    /// When the verifier last walked the chain from its first event (UTC); none before its
    /// first pass, when the view walked it all.
    pub full_pass_at: Option<String>,
    /// Sealed events newer than those verified, left to the verifier's next pass.
    pub awaiting_check: i64,
}

#[server(prefix = "/fn", endpoint = "audit_log")]
pub async fn audit_log(
    #[server(default)] actor: String,
    #[server(default)] action: String,
    #[server(default)] target: String,
    #[server(default)] from: String,
    #[server(default)] until: String,
    #[server(default)] page: Option<i64>,
) -> Result<AuditView, AppError> {
    serve(
        Access::Requires(Permission::ViewAuditLog),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let form = audit_log::FilterForm {
                actor,
                action,
                target,
                from,
                until,
            };
            let p = audit_log::search(&ctx, &caller, &form, page.unwrap_or(1)).await?;
            let format =
                time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
            Ok(AuditView {
                rows: p
                    .events
                    .into_iter()
                    .map(|e| AuditRow {
                        at: e.occurred_at.format(format).unwrap_or_default(),
                        actor: e.actor.unwrap_or_default(),
                        actor_name: e.actor_name.unwrap_or_default(),
                        action: e.action,
                        target: e.target.unwrap_or_default(),
                        outcome: e.outcome,
                        source: e.source_addr.unwrap_or_default(),
                    })
                    .collect(),
                page: p.page,
                has_more: p.has_more,
                chain_intact: p.verification.is_intact(),
                events_verified: p.verification.events_verified,
                unsealed: p.verification.unsealed,
                problems: p.verification.problems,
                full_pass_at: p
                    .verification
                    .full_pass_at
                    .map(|t| t.format(format).unwrap_or_default()),
                awaiting_check: p.verification.awaiting_check,
            })
        },
    )
    .await
}

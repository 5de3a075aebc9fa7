//! Retention on the candidate page (F10): the one-click extension and the legal hold.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{guard::serve, retention},
    domain::role::{Access, Permission},
};

#[cfg(feature = "ssr")]
fn candidate_page(id: &str) -> String {
    match crate::domain::ids::PublicId::parse(crate::domain::ids::IdKind::Candidate, id) {
        Some(id) => format!("/app/candidates/{id}"),
        None => "/app/recruitments".into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionView {
    /// When the data is deleted; `None` until a hiring decision starts the clock.
    pub deleted_on: Option<String>,
    pub legal_hold: Option<(String, String)>,
    pub deletion_requested: bool,
    /// The candidate's own period, when it replaces the organisation's.
    pub own_days: Option<i32>,
    /// A granted restriction or objection pauses evaluation, recording and transcription.
    pub restricted: bool,
}

/// One click: thirty more days before the candidate's data is deleted.
#[server(prefix = "/fn", endpoint = "extend_retention")]
pub async fn extend_retention(candidate: String) -> Result<(), AppError> {
    let page = candidate_page(&candidate);
    serve(
        Access::Requires(Permission::ManageCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let id = retention::extend(&ctx, &caller, &candidate).await?;
            leptos_axum::redirect(&format!("/app/candidates/{id}#retention"));
            Ok(())
        },
    )
    .await
}

/// The candidate's own retention period, in days from the latest hiring decision.
#[server(prefix = "/fn", endpoint = "set_retention_period")]
pub async fn set_retention_period(candidate: String, days: String) -> Result<(), AppError> {
    let page = candidate_page(&candidate);
    serve(
        Access::Requires(Permission::ManageCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let id = retention::set_period(&ctx, &caller, &candidate, &days).await?;
            leptos_axum::redirect(&format!("/app/candidates/{id}#retention"));
            Ok(())
        },
    )
    .await
}

/// Places a legal hold (reason and end date) or, with `lift`, removes it.
#[server(prefix = "/fn", endpoint = "set_legal_hold")]
pub async fn set_legal_hold(
    candidate: String,
    #[server(default)] reason: String,
    #[server(default)] until: String,
    #[server(default)] lift: String,
) -> Result<(), AppError> {
    let page = candidate_page(&candidate);
    serve(
        Access::Requires(Permission::ManageCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let place = (lift.is_empty()).then_some((reason.as_str(), until.as_str()));
            let id = retention::hold(&ctx, &caller, &candidate, place).await?;
            leptos_axum::redirect(&format!("/app/candidates/{id}#retention"));
            Ok(())
        },
    )
    .await
}

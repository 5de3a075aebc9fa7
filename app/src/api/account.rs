//! The signed-in user's own session and account.

use crate::domain::role::Role;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{accounts, guard::serve},
    domain::role::{Access, Permission},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub org_id: String,
    pub org_name: String,
    /// False when the organisation has not accepted the current DPA version yet.
    pub dpa_current: bool,
    /// The role or the organisation demands a second factor this user has not set up yet.
    pub mfa_enrolment_needed: bool,
}

#[server(prefix = "/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<SignedInUser, AppError> {
    serve(Access::SignedIn, None, |ctx| async move {
        let c = ctx.caller()?;
        Ok(SignedInUser {
            user_id: c.user_public_id.clone(),
            display_name: c.display_name.clone(),
            email: c.email.clone(),
            role: c.role,
            org_id: c.org_public_id.clone(),
            org_name: c.org_name.clone(),
            dpa_current: c.dpa_current,
            mfa_enrolment_needed: c.mfa_required && !c.mfa_enabled,
        })
    })
    .await
}

#[server(prefix = "/fn", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOwnAccount),
        Some("/app/account"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            accounts::change_password(&ctx, &caller, current_password, new_password).await?;
            leptos_axum::redirect("/app/account?changed=1");
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "sign_out_other_sessions")]
pub async fn sign_out_other_sessions() -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOwnAccount),
        Some("/app/account"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            accounts::sign_out_other_sessions(&ctx, &caller).await?;
            leptos_axum::redirect("/app/account?revoked=1");
            Ok(())
        },
    )
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    /// RFC 3339, UTC.
    pub at: String,
    pub action: String,
    pub outcome: String,
}

#[server(prefix = "/fn", endpoint = "account_activity")]
pub async fn account_activity() -> Result<Vec<ActivityEntry>, AppError> {
    serve(
        Access::Requires(Permission::ManageOwnAccount),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let items = accounts::recent_activity(&ctx, &caller).await?;
            Ok(items
                .into_iter()
                .map(|i| ActivityEntry {
                    at: i
                        .occurred_at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                    action: i.action,
                    outcome: i.outcome,
                })
                .collect())
        },
    )
    .await
}

/// How many members hold a role, active and deactivated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRole {
    pub role: Role,
    pub active: i64,
    pub deactivated: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingDecision {
    pub candidate_id: String,
    pub name: String,
    pub recruitment: String,
}

/// The pipeline at a glance, for roles that may see candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineOverview {
    pub open_recruitments: i64,
    pub per_stage: Vec<(crate::domain::pipeline::Stage, i64)>,
    pub awaiting_decision: Vec<AwaitingDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardData {
    pub pipeline: Option<PipelineOverview>,
    /// Interviews starting in the next seven days, for roles that interview.
    pub interviews_this_week: Option<i64>,
    pub org_name: String,
    /// The caller is an admin and the organisation must accept a new DPA version.
    pub dpa_action_needed: bool,
    /// Members per role, in the order of `Role::ALL`; roles nobody holds are left out.
    pub team: Vec<TeamRole>,
    /// The caller may manage the members (a link to the users page).
    pub can_manage_users: bool,
}

#[server(prefix = "/fn", endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardData, AppError> {
    serve(
        Access::Requires(Permission::ViewDashboard),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let team = accounts::team(&ctx, &caller).await?;
            let pipeline = crate::backend::candidates::summary(&ctx, &caller)
                .await?
                .map(|s| PipelineOverview {
                    open_recruitments: s.open_recruitments,
                    per_stage: s.per_stage,
                    awaiting_decision: s
                        .awaiting_decision
                        .into_iter()
                        .map(|a| AwaitingDecision {
                            candidate_id: a.candidate_public_id,
                            name: a.full_name,
                            recruitment: a.recruitment_title,
                        })
                        .collect(),
                });
            let interviews_this_week =
                crate::backend::interviews::upcoming_week(&ctx, &caller).await?;
            Ok(DashboardData {
                pipeline,
                interviews_this_week,
                org_name: caller.org_name.clone(),
                dpa_action_needed: !caller.dpa_current
                    && crate::domain::role::allows(caller.role, Permission::AcceptDpa),
                team: Role::ALL
                    .into_iter()
                    .filter_map(|role| {
                        let row = team.iter().find(|r| r.role == role.as_str())?;
                        Some(TeamRole {
                            role,
                            active: row.active,
                            deactivated: row.deactivated,
                        })
                    })
                    .collect(),
                can_manage_users: caller.require(Permission::ManageUsers).is_ok(),
            })
        },
    )
    .await
}

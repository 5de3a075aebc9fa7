//! Users (F4): the admin's list, invitations, roles and (de)activation; the invitee's page.

use crate::domain::role::Role;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{guard::serve, users},
    domain::role::{Access, Permission},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub mfa_enabled: bool,
}

#[server(prefix = "/fn", endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<Member>, AppError> {
    serve(
        Access::Requires(Permission::ManageUsers),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            Ok(users::list(&ctx, &caller)
                .await?
                .into_iter()
                .filter_map(|m| {
                    Some(Member {
                        role: Role::parse(&m.role)?,
                        id: m.public_id,
                        name: m.display_name,
                        email: m.email,
                        active: m.active,
                        mfa_enabled: m.mfa_enabled,
                    })
                })
                .collect())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "invite_user")]
pub async fn invite_user(
    email: String,
    display_name: String,
    role: String,
) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageUsers),
        Some("/admin/users"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            users::invite(&ctx, &caller, &email, &display_name, &role).await?;
            leptos_axum::redirect("/admin/users?invited=1");
            Ok(())
        },
    )
    .await
}

/// An invitation waiting for an answer: no account exists for it yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The day the link stops working.
    pub expires_on: String,
}

#[server(prefix = "/fn", endpoint = "pending_invitations")]
pub async fn pending_invitations() -> Result<Vec<PendingInvitation>, AppError> {
    serve(
        Access::Requires(Permission::ManageUsers),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            Ok(users::pending_invitations(&ctx, &caller)
                .await?
                .into_iter()
                .filter_map(|i| {
                    Some(PendingInvitation {
                        role: Role::parse(&i.role)?,
                        id: i.public_id,
                        name: i.display_name,
                        email: i.email,
                        expires_on: i.expires_at.date().to_string(),
                    })
                })
                .collect())
        },
    )
    .await
}

/// Withdraws an invitation: its link stops working.
#[server(prefix = "/fn", endpoint = "withdraw_invitation")]
pub async fn withdraw_invitation(invitation: String) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageUsers),
        Some("/admin/users"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            users::withdraw_invitation(&ctx, &caller, &invitation).await?;
            leptos_axum::redirect("/admin/users?withdrawn=1");
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "change_user_role")]
pub async fn change_user_role(user: String, role: String) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageUsers),
        Some("/admin/users"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            users::change_role(&ctx, &caller, &user, &role).await?;
            leptos_axum::redirect("/admin/users");
            Ok(())
        },
    )
    .await
}

/// Deactivating ends the colleague's sessions at once, so its form's confirmation box must be
/// ticked; reactivating needs none.
#[server(prefix = "/fn", endpoint = "set_user_active")]
pub async fn set_user_active(
    user: String,
    active: String,
    #[server(default)] confirm: Option<String>,
) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageUsers),
        Some("/admin/users"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            if active != "true" {
                super::require_confirmation(
                    confirm.as_deref(),
                    "deactivating the user: their sessions end at once and they cannot sign in",
                )?;
            }
            users::set_active(&ctx, &caller, &user, active == "true").await?;
            leptos_axum::redirect("/admin/users");
            Ok(())
        },
    )
    .await
}

/// Removes a colleague's second factor (lost phone); they enrol again where it is required.
#[server(prefix = "/fn", endpoint = "reset_two_factor")]
pub async fn reset_two_factor(user: String) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageUsers),
        Some("/admin/users"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            crate::backend::mfa::reset_for(&ctx, &caller, &user).await?;
            leptos_axum::redirect("/admin/users?mfa_reset=1");
            Ok(())
        },
    )
    .await
}

/// Where an invitation leads: (organisation, address), if the link still works.
#[server(prefix = "/fn", endpoint = "invitation")]
pub async fn invitation(token: String) -> Result<(String, String), AppError> {
    serve(Access::Public, None, |ctx| async move {
        users::invitation(&ctx.state, &ctx.meta, &token).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    display_name: String,
    password: String,
) -> Result<(), AppError> {
    let clean: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    let page = format!("/invite/{clean}");
    serve(Access::Public, Some(&page), |ctx| async move {
        users::accept(&ctx.state, &ctx.meta, &token, &display_name, password).await?;
        leptos_axum::redirect("/login?invited=1");
        Ok(())
    })
    .await
}

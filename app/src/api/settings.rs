//! Organisation settings (F13): retention default and the sub-processor register.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{guard::serve, settings},
    domain::role::{Access, Permission},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub retention_days: i32,
    /// (id, name, service, country)
    pub sub_processors: Vec<(String, String, String, String)>,
    pub mfa_policy: crate::domain::mfa::MfaPolicy,
}

#[server(prefix = "/fn", endpoint = "org_settings")]
pub async fn org_settings() -> Result<SettingsView, AppError> {
    serve(
        Access::Requires(Permission::ManageOrgSettings),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let s = settings::view(&ctx, &caller).await?;
            let mfa_policy = crate::backend::mfa::policy(&ctx, &caller).await?;
            Ok(SettingsView {
                mfa_policy,
                retention_days: s.retention_days,
                sub_processors: s
                    .sub_processors
                    .into_iter()
                    .map(|p| (p.public_id, p.name, p.service, p.country))
                    .collect(),
            })
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "set_org_retention")]
pub async fn set_org_retention(retention_days: String) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOrgSettings),
        Some("/admin/settings"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            settings::set_retention(&ctx, &caller, &retention_days).await?;
            leptos_axum::redirect("/admin/settings");
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "set_mfa_policy")]
pub async fn set_mfa_policy(mfa_policy: String) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOrgSettings),
        Some("/admin/settings"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            crate::backend::mfa::set_policy(&ctx, &caller, &mfa_policy).await?;
            leptos_axum::redirect("/admin/settings?saved=mfa");
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "add_sub_processor")]
pub async fn add_sub_processor(
    name: String,
    service: String,
    country: String,
) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOrgSettings),
        Some("/admin/settings"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            settings::add_sub_processor(&ctx, &caller, &name, &service, &country).await?;
            leptos_axum::redirect("/admin/settings");
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "remove_sub_processor")]
pub async fn remove_sub_processor(id: String) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOrgSettings),
        Some("/admin/settings"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            settings::remove_sub_processor(&ctx, &caller, &id).await?;
            leptos_axum::redirect("/admin/settings");
            Ok(())
        },
    )
    .await
}

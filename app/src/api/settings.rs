//! Organisation settings (F13): retention default, privacy contact and the sub-processor
//! register.

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
    /// Who candidates can reach about their data; consent links wait until it is given.
    pub privacy_contact: Option<crate::domain::controller::PrivacyContact>,
    /// (id, name, service, country)
    pub sub_processors: Vec<(String, String, String, String)>,
    pub mfa_policy: crate::domain::mfa::MfaPolicy,
    /// Providers this portal offers, each with the organisation's domains (empty: off).
    pub sso: Vec<(crate::domain::sso::SsoProvider, String)>,
    /// The DPA version in force and the organisation's latest acceptance (version, UTC day, by).
    pub dpa_current_version: String,
    pub dpa_accepted: Option<(String, String, String)>,
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
            let enabled = settings::sso(&ctx, &caller).await?;
            let sso = ctx
                .state
                .sso
                .configured()
                .into_iter()
                .map(|kind| {
                    let domains = enabled
                        .iter()
                        .find(|r| r.provider == kind.as_str())
                        .map(|r| r.allowed_domains.join(", "))
                        .unwrap_or_default();
                    (kind, domains)
                })
                .collect();
            let day = time::macros::format_description!("[year]-[month]-[day]");
            Ok(SettingsView {
                dpa_current_version: crate::domain::dpa::CURRENT_VERSION.to_owned(),
                dpa_accepted: s.dpa.as_ref().map(|a| {
                    (
                        a.dpa_version.clone(),
                        a.accepted_at.format(day).unwrap_or_default(),
                        a.accepted_by.clone(),
                    )
                }),
                mfa_policy,
                sso,
                retention_days: s.retention_days,
                privacy_contact: s.privacy_contact,
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

#[server(prefix = "/fn", endpoint = "set_privacy_contact")]
pub async fn set_privacy_contact(
    privacy_contact: String,
    privacy_street_address: String,
    privacy_postal_code: String,
    privacy_locality: String,
    privacy_country: String,
    privacy_email: String,
    privacy_phone: String,
) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOrgSettings),
        Some("/admin/settings"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let form = crate::domain::controller::PrivacyContactForm {
                contact: &privacy_contact,
                street_address: &privacy_street_address,
                postal_code: &privacy_postal_code,
                locality: &privacy_locality,
                country: &privacy_country,
                email: &privacy_email,
                phone: &privacy_phone,
            };
            settings::set_privacy_contact(&ctx, &caller, &form).await?;
            leptos_axum::redirect("/admin/settings?saved=privacy_contact");
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "set_sso_provider")]
pub async fn set_sso_provider(
    provider: String,
    #[server(default)] domains: String,
) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOrgSettings),
        Some("/admin/settings"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            settings::set_sso(&ctx, &caller, &provider, &domains).await?;
            leptos_axum::redirect("/admin/settings?saved=sso");
            Ok(())
        },
    )
    .await
}

/// The sign-in providers this portal offers (for the sign-in page's buttons).
#[server(prefix = "/fn", endpoint = "sso_providers")]
pub async fn sso_providers() -> Result<Vec<crate::domain::sso::SsoProvider>, AppError> {
    serve(Access::Public, None, |ctx| async move {
        Ok(ctx.state.sso.configured())
    })
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

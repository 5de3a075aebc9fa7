//! API keys (F11) in the admin pages: create (the raw key shown once), list, revoke.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{api_keys, guard::serve},
    domain::role::{Access, Permission},
};

/// Where a key just created waits to be shown, once.
#[cfg(feature = "ssr")]
const FRESH_KEY: &str = "fresh_api_key";
#[cfg(feature = "ssr")]
const PAGE: &str = "/admin/api-keys";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyItem {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub allowed_networks: Vec<String>,
    /// `YYYY-MM-DD HH:MM` UTC, or empty.
    pub expires_at: String,
    pub last_used_at: String,
    pub created_at: String,
    pub created_by: String,
    pub status: crate::domain::api_key::KeyStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysView {
    pub keys: Vec<ApiKeyItem>,
    /// (key id, raw key) of the key created by the previous request: shown this once.
    pub fresh: Option<(String, String)>,
}

#[cfg(feature = "ssr")]
fn minute(t: Option<time::OffsetDateTime>) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    t.and_then(|t| t.format(format).ok()).unwrap_or_default()
}

#[server(prefix = "/fn", endpoint = "api_keys")]
pub async fn api_keys() -> Result<ApiKeysView, AppError> {
    serve(
        Access::Requires(Permission::ManageApiKeys),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let keys = api_keys::list(&ctx, &caller).await?;
            let fresh = ctx.session.remove::<(String, String)>(FRESH_KEY).await?;
            Ok(ApiKeysView {
                keys: keys
                    .into_iter()
                    .map(|k| ApiKeyItem {
                        id: k.public_id,
                        name: k.name,
                        prefix: k.prefix,
                        scopes: k.scopes,
                        allowed_networks: k.allowed_networks,
                        expires_at: minute(k.expires_at),
                        last_used_at: minute(k.last_used_at),
                        created_at: minute(Some(k.created_at)),
                        created_by: k.created_by,
                        status: k.status,
                    })
                    .collect(),
                fresh,
            })
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "create_api_key")]
pub async fn create_api_key(
    name: String,
    #[server(default)] scope_read: Option<String>,
    #[server(default)] scope_write: Option<String>,
    #[server(default)] scope_ats: Option<String>,
    #[server(default)] allowed_networks: String,
    #[server(default)] expires_on: String,
) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageApiKeys),
        Some(PAGE),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let scopes = [
                ("read", scope_read),
                ("write", scope_write),
                ("ats", scope_ats),
            ]
            .into_iter()
            .filter(|(_, v)| v.as_deref().is_some_and(|v| v == "on" || v == "true"))
            .map(|(s, _)| s.to_owned())
            .collect();
            let form = api_keys::NewKeyForm {
                name,
                scopes,
                allowed_networks,
                expires_on,
            };
            let created = api_keys::create(&ctx, &caller, form).await?;
            ctx.session
                .insert(FRESH_KEY, (created.public_id, created.raw))
                .await?;
            leptos_axum::redirect(&format!("{PAGE}?created=1"));
            Ok(())
        },
    )
    .await
}

/// Revoking cannot be undone (the key stops working at once), so the form's confirmation box
/// must be ticked.
#[server(prefix = "/fn", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(
    id: String,
    #[server(default)] confirm: Option<String>,
) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageApiKeys),
        Some(PAGE),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            super::require_confirmation(
                confirm.as_deref(),
                "revoking the key: integrations using it stop working at once, for good",
            )?;
            api_keys::revoke(&ctx, &caller, &id).await?;
            leptos_axum::redirect(&format!("{PAGE}?revoked=1"));
            Ok(())
        },
    )
    .await
}

//! Two-factor sign-in for the signed-in user (F2): status, enrolment, recovery codes, turning off.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{guard::serve, mfa},
    domain::role::{Access, Permission},
    routes::TWO_FACTOR_PAGE,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEnrolment {
    /// The key in base32, for apps that cannot scan.
    pub key: String,
    pub otpauth_url: String,
    /// A QR code drawn on the server from our own data (never user-supplied markup).
    pub qr_svg: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorView {
    pub enabled: bool,
    pub required: bool,
    pub recovery_codes_left: i64,
    pub pending: Option<PendingEnrolment>,
    /// Shown once, right after they were made.
    pub fresh_recovery_codes: Option<Vec<String>>,
}

#[server(prefix = "/fn", endpoint = "two_factor_status")]
pub async fn two_factor_status() -> Result<TwoFactorView, AppError> {
    serve(
        Access::Requires(Permission::ManageOwnAccount),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let s = mfa::status(&ctx, &caller).await?;
            Ok(TwoFactorView {
                enabled: s.enabled,
                required: s.required,
                recovery_codes_left: s.recovery_codes_left,
                pending: s.pending.map(|p| PendingEnrolment {
                    key: p.key_base32,
                    otpauth_url: p.otpauth_url,
                    qr_svg: p.qr_svg,
                }),
                fresh_recovery_codes: s.fresh_recovery_codes,
            })
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "start_two_factor")]
pub async fn start_two_factor() -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOwnAccount),
        Some(TWO_FACTOR_PAGE),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            mfa::start_enrolment(&ctx, &caller).await?;
            leptos_axum::redirect(TWO_FACTOR_PAGE);
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "confirm_two_factor")]
pub async fn confirm_two_factor(code: String) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOwnAccount),
        Some(TWO_FACTOR_PAGE),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            mfa::confirm_enrolment(&ctx, &caller, &code).await?;
            leptos_axum::redirect(&format!("{TWO_FACTOR_PAGE}?enabled=1"));
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "new_recovery_codes")]
pub async fn new_recovery_codes(code: String) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOwnAccount),
        Some(TWO_FACTOR_PAGE),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            mfa::regenerate_recovery_codes(&ctx, &caller, &code).await?;
            leptos_axum::redirect(&format!("{TWO_FACTOR_PAGE}?codes=1"));
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "turn_off_two_factor")]
pub async fn turn_off_two_factor(code: String) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageOwnAccount),
        Some(TWO_FACTOR_PAGE),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            mfa::disable(&ctx, &caller, &code).await?;
            leptos_axum::redirect(&format!("{TWO_FACTOR_PAGE}?off=1"));
            Ok(())
        },
    )
    .await
}

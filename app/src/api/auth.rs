//! Sign-up, verification, sign-in and password reset. All public: the guard still decides
//! (`Access::Public`) and each use case applies its own rate limits.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{accounts, guard::serve},
    domain::{role::Access, token::TokenPurpose},
};

/// What the sign-in form leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInStep {
    SignedIn,
    /// The password was right; `/login/two-factor` asks for the second factor.
    SecondFactor,
    /// Signed in, and sent to set up the second factor the role demands.
    EnrolmentNeeded,
}

#[server(prefix = "/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<SignInStep, AppError> {
    serve(Access::Public, Some("/login"), |ctx| async move {
        match accounts::sign_in(&ctx, &email, password).await? {
            accounts::SignInOutcome::SignedIn => {
                leptos_axum::redirect("/app");
                Ok(SignInStep::SignedIn)
            }
            accounts::SignInOutcome::SecondFactorNeeded => {
                leptos_axum::redirect("/login/two-factor");
                Ok(SignInStep::SecondFactor)
            }
            accounts::SignInOutcome::EnrolmentNeeded => {
                leptos_axum::redirect(crate::routes::TWO_FACTOR_PAGE);
                Ok(SignInStep::EnrolmentNeeded)
            }
        }
    })
    .await
}

/// The second step of sign-in: a code from the authenticator app or a recovery code.
#[server(prefix = "/fn", endpoint = "complete_sign_in")]
pub async fn complete_sign_in(code: String) -> Result<(), AppError> {
    serve(
        Access::Public,
        Some("/login/two-factor"),
        |ctx| async move {
            crate::backend::mfa::complete_sign_in(&ctx, &code).await?;
            leptos_axum::redirect("/app");
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "sign_up")]
pub async fn sign_up(
    org_name: String,
    display_name: String,
    email: String,
    password: String,
    #[server(default)] accept_dpa: Option<String>,
) -> Result<(), AppError> {
    serve(Access::Public, Some("/signup"), |ctx| async move {
        let form = accounts::SignUpForm {
            org_name,
            display_name,
            email,
            password,
            accept_dpa: accept_dpa.is_some_and(|v| v == "on" || v == "true"),
        };
        accounts::sign_up(&ctx, form).await?;
        leptos_axum::redirect("/signup/check-email");
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let page = format!("/verify-email/{}", sanitize_token(&token));
    serve(Access::Public, Some(&page), |ctx| async move {
        accounts::verify_email(&ctx, &token).await?;
        leptos_axum::redirect("/login?verified=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "resend_verification")]
pub async fn resend_verification(email: String) -> Result<(), AppError> {
    serve(Access::Public, Some("/verify-email"), |ctx| async move {
        accounts::resend_verification(&ctx, &email).await?;
        leptos_axum::redirect("/verify-email?sent=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    serve(Access::Public, Some("/reset"), |ctx| async move {
        accounts::request_password_reset(&ctx, &email).await?;
        leptos_axum::redirect("/reset?sent=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/fn", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let page = format!("/reset/{}", sanitize_token(&token));
    serve(Access::Public, Some(&page), |ctx| async move {
        accounts::reset_password(&ctx, &token, password).await?;
        leptos_axum::redirect("/login?reset=1");
        Ok(())
    })
    .await
}

/// Which one-time link a page is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    EmailVerification,
    PasswordReset,
}

/// Whether a link is still usable (`Ok`), never was one (`NotFound`) or is spent
/// (`InvalidToken`); the page shows a form or an explanation. Nothing is consumed.
#[server(prefix = "/fn", endpoint = "token_status")]
pub async fn token_status(token: String, kind: LinkKind) -> Result<(), AppError> {
    serve(Access::Public, None, |ctx| async move {
        let purpose = match kind {
            LinkKind::EmailVerification => TokenPurpose::EmailVerification,
            LinkKind::PasswordReset => TokenPurpose::PasswordReset,
        };
        crate::backend::links::token_is_usable(&ctx.state, &ctx.meta, &token, purpose).await
    })
    .await
}

/// Keeps only token characters, so a crafted value cannot redirect elsewhere.
#[cfg(feature = "ssr")]
fn sanitize_token(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect()
}

//! The candidate's consent pages (F7) and the staff's resend. The pages are public and reached
//! only through one-time links: the GET shows (`consent_page`), only the POSTs act (S11).

use crate::domain::consent::{ConsentStatus, Notice, Purpose};
use crate::domain::i18n::Lang;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    api::accept_language,
    backend::{consent, guard::serve},
    domain::role::{Access, Permission},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub lang: Lang,
    pub notice: Notice,
    pub org_name: String,
    pub recruitment_title: String,
    /// A request to answer (`true`) or given choices to manage.
    pub asking: bool,
    pub statuses: Vec<(Purpose, ConsentStatus)>,
}

/// Keeps only token characters, so a crafted value cannot lead elsewhere.
#[cfg(feature = "ssr")]
fn token_path(raw: &str) -> String {
    let token: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    format!("/c/consent/{token}")
}

/// The page behind a consent link; `NotFound` for a link that never was one, `InvalidToken` for
/// a used or expired one.
#[server(prefix = "/fn", endpoint = "consent_page")]
pub async fn consent_page(
    token: String,
    #[server(default)] lang: Option<String>,
) -> Result<ConsentView, AppError> {
    serve(Access::Public, None, |ctx| async move {
        let page = consent::page(
            &ctx.state,
            &ctx.meta,
            &token,
            lang.as_deref(),
            &accept_language(),
        )
        .await?;
        Ok(ConsentView {
            lang: page.lang,
            notice: page.notice,
            org_name: page.org_name,
            recruitment_title: page.recruitment_title,
            asking: page.asking,
            statuses: page.statuses,
        })
    })
    .await
}

/// The candidate's answers: one yes or no per purpose.
#[server(prefix = "/fn", endpoint = "give_consent")]
pub async fn give_consent(
    token: String,
    lang: String,
    #[server(default)] evaluation: String,
    #[server(default)] recording: String,
    #[server(default)] transcription: String,
    #[server(default)] ai_support: String,
) -> Result<(), AppError> {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let page = format!("{}?lang={}", token_path(&token), lang.code());
    serve(Access::Public, Some(&page), |ctx| async move {
        let answers = [
            ("evaluation", evaluation),
            ("recording", recording),
            ("transcription", transcription),
            ("ai_support", ai_support),
        ]
        .map(|(k, v)| (k.to_owned(), v));
        consent::give(&ctx.state, &ctx.meta, &token, lang, &answers).await?;
        leptos_axum::redirect(&format!("/c/saved?lang={}", lang.code()));
        Ok(())
    })
    .await
}

/// Withdraws one purpose, or every given one when `purpose` is `all`.
#[server(prefix = "/fn", endpoint = "withdraw_consent")]
pub async fn withdraw_consent(
    token: String,
    lang: String,
    purpose: String,
) -> Result<(), AppError> {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let page = format!("{}?lang={}", token_path(&token), lang.code());
    serve(Access::Public, Some(&page), |ctx| async move {
        let purposes = match purpose.as_str() {
            "all" => vec![],
            one => vec![Purpose::parse(one).ok_or_else(|| AppError::BadRequest {
                message: "Unknown purpose.".into(),
            })?],
        };
        consent::withdraw(&ctx.state, &ctx.meta, &token, lang, &purposes).await?;
        leptos_axum::redirect(&format!("/c/saved?lang={}&withdrawn=1", lang.code()));
        Ok(())
    })
    .await
}

/// Staff ask again for an application's consent (rate-limited).
#[server(prefix = "/fn", endpoint = "resend_consent")]
pub async fn resend_consent(
    application: String,
    candidate: String,
    /// The candidate's open deletion request, confirmed by its id.
    #[server(default)]
    confirm_deletion_request: Option<String>,
) -> Result<(), AppError> {
    let page = match crate::domain::ids::PublicId::parse(
        crate::domain::ids::IdKind::Candidate,
        &candidate,
    ) {
        Some(id) => format!("/app/candidates/{id}"),
        None => "/app/recruitments".into(),
    };
    serve(
        Access::Requires(Permission::ManageCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let id = consent::resend(
                &ctx,
                &caller,
                &application,
                confirm_deletion_request.as_deref(),
            )
            .await?;
            leptos_axum::redirect(&format!("/app/candidates/{id}?consent_sent=1"));
            Ok(())
        },
    )
    .await
}

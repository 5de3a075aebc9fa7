//! Data-subject rights (F9): the public privacy page, the one-time link that opens a candidate's
//! own data, their requests; and the staff's queue of those requests.

use crate::domain::i18n::Lang;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    api::accept_language,
    backend::{consent::page_language, data_requests, guard::serve, privacy},
    domain::role::{Access, Permission},
};

#[cfg(feature = "ssr")]
fn lang_of(raw: &str) -> Lang {
    Lang::parse(raw).unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn day(t: time::OffsetDateTime) -> String {
    t.date().to_string()
}

/// The language of the public privacy page: the one chosen in the switcher, else the browser's.
#[server(prefix = "/fn", endpoint = "privacy_page_language")]
pub async fn privacy_page_language(
    #[server(default)] lang: Option<String>,
) -> Result<Lang, AppError> {
    serve(Access::Public, None, |_| async move {
        Ok(page_language(lang.as_deref(), &accept_language(), ""))
    })
    .await
}

/// Asks for a link to one's data; the answer never says whether the address is known.
#[server(prefix = "/fn", endpoint = "request_privacy_link")]
pub async fn request_privacy_link(email: String, lang: String) -> Result<(), AppError> {
    let lang = lang_of(&lang);
    let page = format!("/privacy?lang={}", lang.code());
    serve(Access::Public, Some(&page), |ctx| async move {
        privacy::send_links(&ctx.state, &ctx.meta, &email, lang).await?;
        leptos_axum::redirect(&format!("/privacy?sent=1&lang={}", lang.code()));
        Ok(())
    })
    .await
}

/// The organisation a privacy link leads to, if the link still works (the GET only shows).
#[server(prefix = "/fn", endpoint = "privacy_link")]
pub async fn privacy_link(token: String) -> Result<String, AppError> {
    serve(Access::Public, None, |ctx| async move {
        privacy::link_org(&ctx.state, &ctx.meta, &token).await
    })
    .await
}

/// Uses the link (POST) and opens the candidate's data.
#[server(prefix = "/fn", endpoint = "open_privacy")]
pub async fn open_privacy(token: String, lang: String) -> Result<(), AppError> {
    let lang = lang_of(&lang);
    let clean: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    let page = format!("/c/privacy/{clean}?lang={}", lang.code());
    serve(Access::Public, Some(&page), |ctx| async move {
        privacy::open(&ctx.state, &ctx.meta, &ctx.session, &token).await?;
        leptos_axum::redirect(&format!("/c/my-data?lang={}", lang.code()));
        Ok(())
    })
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyApplication {
    pub recruitment: String,
    pub stage: crate::domain::pipeline::Stage,
    pub decided_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRead {
    pub role: Option<crate::domain::role::Role>,
    pub action: String,
    pub on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRequest {
    pub kind: crate::domain::dsar::RequestKind,
    pub status: crate::domain::dsar::RequestStatus,
    pub received_on: String,
    pub due_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldData {
    pub org_name: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub applications: Vec<MyApplication>,
    /// (file name, kind)
    pub documents: Vec<(String, crate::domain::upload::FileKind)>,
    pub notes: usize,
    pub scores: usize,
    pub reads: Vec<MyRead>,
    pub requests: Vec<MyRequest>,
    pub deleted_on: Option<String>,
    pub retention_days: i32,
}

/// What is held about the candidate of this browser's privacy session.
#[server(prefix = "/fn", endpoint = "my_data")]
pub async fn my_data() -> Result<HeldData, AppError> {
    serve(Access::Public, None, |ctx| async move {
        let held = privacy::access(&ctx.state, &ctx.session).await?;
        let s = held.subject;
        Ok(HeldData {
            org_name: s.org_name,
            name: s.full_name,
            email: s.email,
            phone: s.phone,
            retention_days: s.retention_days,
            applications: held
                .applications
                .iter()
                .filter_map(|a| {
                    Some(MyApplication {
                        recruitment: a.recruitment_title.clone(),
                        stage: crate::domain::pipeline::Stage::parse(&a.stage)?,
                        decided_on: a.decided_at.map(day),
                    })
                })
                .collect(),
            documents: held
                .documents
                .iter()
                .filter_map(|d| {
                    Some((
                        d.file_name.clone(),
                        crate::domain::upload::FileKind::parse(&d.kind)?,
                    ))
                })
                .collect(),
            notes: held.notes.len(),
            scores: held.scores.len(),
            reads: held
                .reads
                .iter()
                .map(|r| MyRead {
                    role: r.role.as_deref().and_then(crate::domain::role::Role::parse),
                    action: r.action.clone(),
                    on: day(r.occurred_at),
                })
                .collect(),
            requests: held
                .requests
                .iter()
                .filter_map(|r| {
                    Some(MyRequest {
                        kind: crate::domain::dsar::RequestKind::parse(&r.kind)?,
                        status: crate::domain::dsar::RequestStatus::parse(&r.status)?,
                        received_on: day(r.received_at),
                        due_on: day(r.due_at),
                    })
                })
                .collect(),
            deleted_on: held.deleted_on.map(day),
        })
    })
    .await
}

/// A request from the privacy session: rectification, restriction, deletion or objection.
#[server(prefix = "/fn", endpoint = "file_data_request")]
pub async fn file_data_request(
    kind: String,
    #[server(default)] details: String,
    lang: String,
) -> Result<(), AppError> {
    let lang = lang_of(&lang);
    let page = format!("/c/my-data?lang={}", lang.code());
    serve(Access::Public, Some(&page), |ctx| async move {
        let due =
            privacy::file_request(&ctx.state, &ctx.meta, &ctx.session, &kind, &details).await?;
        leptos_axum::redirect(&format!(
            "/c/my-data?lang={}&sent={}",
            lang.code(),
            due.date()
        ));
        Ok(())
    })
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedRequest {
    pub id: String,
    pub kind: crate::domain::dsar::RequestKind,
    pub status: crate::domain::dsar::RequestStatus,
    /// `None` for those who may not see candidate content (auditors) or when deleted.
    pub candidate: Option<(String, String)>,
    pub details: String,
    pub received_on: String,
    pub due_on: String,
    pub days_left: i64,
    pub extended: bool,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestQueue {
    pub requests: Vec<QueuedRequest>,
    pub can_act: bool,
}

/// The staff's queue, soonest due first, with days left.
#[server(prefix = "/fn", endpoint = "data_requests")]
pub async fn data_requests() -> Result<RequestQueue, AppError> {
    serve(
        Access::Requires(Permission::ViewDataRequests),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let (rows, can_act) = data_requests::queue(&ctx, &caller).await?;
            let now = ctx.state.clock.now();
            Ok(RequestQueue {
                can_act,
                requests: rows
                    .into_iter()
                    .filter_map(|r| {
                        Some(QueuedRequest {
                            kind: crate::domain::dsar::RequestKind::parse(&r.kind)?,
                            status: crate::domain::dsar::RequestStatus::parse(&r.status)?,
                            candidate: r.candidate_public_id.zip(r.candidate_name),
                            details: r.details,
                            received_on: day(r.received_at),
                            due_on: day(r.due_at),
                            days_left: crate::domain::dsar::days_left(r.due_at, now),
                            extended: r.extended,
                            outcome: r.outcome,
                            id: r.public_id,
                        })
                    })
                    .collect(),
            })
        },
    )
    .await
}

/// One lifecycle step: `start`, `extend` (months and reason), `complete` or `reject` (text).
/// Completing a deletion request erases the candidate for good, so that form's confirmation box
/// must be ticked (`confirm`).
#[server(prefix = "/fn", endpoint = "update_data_request")]
pub async fn update_data_request(
    id: String,
    step: String,
    #[server(default)] months: String,
    #[server(default)] text: String,
    #[server(default)] confirm: Option<String>,
) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageDataRequests),
        Some("/app/requests"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let step = match step.as_str() {
                "start" => data_requests::Step::Start,
                "extend" => data_requests::Step::Extend(
                    months
                        .parse()
                        .map_err(|_| AppError::invalid("months", "Choose one or two months."))?,
                    text,
                ),
                "complete" => data_requests::Step::Complete(text),
                "reject" => data_requests::Step::Reject(text),
                _ => {
                    return Err(AppError::BadRequest {
                        message: "Unknown step.".into(),
                    })
                }
            };
            let confirmed = super::ticked(confirm.as_deref());
            data_requests::act(&ctx, &caller, &id, step, confirmed).await?;
            leptos_axum::redirect("/app/requests");
            Ok(())
        },
    )
    .await
}

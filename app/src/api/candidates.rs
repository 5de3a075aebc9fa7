//! Candidates and applications (F6): adding, the pipeline board, the candidate page, stage moves,
//! hiring decisions and notes.

use crate::domain::consent::{ConsentStatus, Purpose};
use crate::domain::pipeline::Stage;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{candidates, guard::serve},
    domain::{
        ids::{IdKind, PublicId},
        pipeline::Decision,
        role::{Access, Permission},
    },
};

/// A candidate's open deletion request (F9), named wherever a step about them asks to confirm it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingDeletion {
    pub request_id: String,
    pub received_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineCard {
    pub application_id: String,
    pub candidate_id: String,
    pub name: String,
    pub stage: Stage,
    pub consent: Vec<(Purpose, ConsentStatus)>,
    /// The candidate asked for the deletion of their data and the request is open.
    pub deletion_pending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationView {
    pub id: String,
    /// The candidate's consent for this application, per purpose (F7).
    pub consent: Vec<(Purpose, ConsentStatus)>,
    pub recruitment_id: String,
    pub recruitment_title: String,
    pub stage: Stage,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    pub application_id: String,
    pub author: String,
    /// Sanitised at write time by the one HTML policy.
    pub body_html: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Empty for what concerns the candidate rather than one application (their documents).
    pub application_id: String,
    pub kind: String,
    /// A file's name, for document entries.
    pub detail: Option<String>,
    pub stage: Option<Stage>,
    pub actor: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateDetail {
    pub id: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub applications: Vec<ApplicationView>,
    pub notes: Vec<NoteView>,
    pub timeline: Vec<TimelineEntry>,
    /// (application id, interview) pairs.
    pub interviews: Vec<(String, crate::api::interviews::InterviewSummary)>,
    /// CVs and other documents (interview files are on the interview's page).
    pub documents: Vec<crate::api::documents::DocumentSummary>,
    pub retention: crate::api::retention::RetentionView,
    pub pending_deletion: Option<PendingDeletion>,
    pub can_manage: bool,
    pub can_evaluate: bool,
}

#[cfg(feature = "ssr")]
fn stamp(t: time::OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

/// The page to come back to: the candidate's, or the list when the id is not one.
#[cfg(feature = "ssr")]
fn candidate_page(id: &str) -> String {
    match PublicId::parse(IdKind::Candidate, id) {
        Some(id) => format!("/app/candidates/{id}"),
        None => "/app/recruitments".into(),
    }
}

#[server(prefix = "/fn", endpoint = "add_candidate")]
pub async fn add_candidate(
    recruitment: String,
    full_name: String,
    email: String,
    #[server(default)] phone: String,
    /// The known candidate's open deletion request, confirmed by its id.
    #[server(default)]
    confirm_deletion_request: Option<String>,
) -> Result<(), AppError> {
    let page = match PublicId::parse(IdKind::Recruitment, &recruitment) {
        Some(id) => format!("/app/recruitments/{id}"),
        None => "/app/recruitments".into(),
    };
    serve(
        Access::Requires(Permission::ManageCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let form = candidates::CandidateForm {
                full_name,
                email,
                phone,
            };
            let id = candidates::add_to_recruitment(
                &ctx,
                &caller,
                &recruitment,
                form,
                confirm_deletion_request.as_deref(),
            )
            .await?;
            leptos_axum::redirect(&candidate_page(&id));
            Ok(())
        },
    )
    .await
}

/// A board's cards as the page shows them.
#[cfg(feature = "ssr")]
pub(super) fn pipeline_cards(
    cards: Vec<crate::backend::db::candidates::CardRow>,
    mut consents: candidates::Consents,
) -> Vec<PipelineCard> {
    cards
        .into_iter()
        .filter_map(|c| {
            Some(PipelineCard {
                stage: Stage::parse(&c.stage)?,
                consent: consents.remove(&c.application_id).unwrap_or_default(),
                deletion_pending: c.deletion_pending,
                application_id: c.application_public_id,
                candidate_id: c.candidate_public_id,
                name: c.full_name,
            })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateListItem {
    pub id: String,
    pub name: String,
    /// Applications in recruitments the caller may see.
    pub applications: i64,
    pub latest_stage: Option<Stage>,
    pub added_on: String,
    /// The candidate asked for the deletion of their data and the request is open.
    pub deletion_pending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateListPage {
    pub items: Vec<CandidateListItem>,
    pub page: u32,
    pub page_size: u32,
    pub has_next: bool,
}

#[server(prefix = "/fn", endpoint = "list_candidates")]
pub async fn list_candidates(
    #[server(default)] search: Option<String>,
    #[server(default)] page: Option<u32>,
) -> Result<CandidateListPage, AppError> {
    use crate::domain::listing::CandidateListQuery;
    serve(
        Access::Requires(Permission::ViewCandidates),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let query = CandidateListQuery::parse(search.as_deref(), page);
            let list = candidates::list(&ctx, &caller, &query).await?;
            Ok(CandidateListPage {
                items: list
                    .items
                    .into_iter()
                    .map(|c| CandidateListItem {
                        id: c.public_id,
                        name: c.full_name,
                        applications: c.applications,
                        latest_stage: c.latest_stage.as_deref().and_then(Stage::parse),
                        added_on: c.created_at.date().to_string(),
                        deletion_pending: c.deletion_pending,
                    })
                    .collect(),
                page: list.page,
                page_size: CandidateListQuery::PAGE_SIZE,
                has_next: list.has_next,
            })
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "candidate")]
pub async fn candidate(id: String) -> Result<CandidateDetail, AppError> {
    serve(
        Access::Requires(Permission::ViewCandidates),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let v = candidates::view(&ctx, &caller, &id).await?;
            let interviews = v
                .interviews
                .iter()
                .map(|i| {
                    (
                        i.application_public_id.clone(),
                        crate::api::interviews::summary(i),
                    )
                })
                .collect();
            let public_of = |internal: uuid::Uuid| {
                v.applications
                    .iter()
                    .find(|a| a.id == internal)
                    .map(|a| a.public_id.clone())
                    .unwrap_or_default()
            };
            let retention = crate::api::retention::RetentionView {
                deleted_on: v
                    .retention
                    .as_ref()
                    .and_then(|r| r.retention_until)
                    .map(|t| t.date().to_string()),
                legal_hold: v.retention.as_ref().and_then(|r| {
                    r.legal_hold_reason
                        .clone()
                        .zip(r.legal_hold_until.map(|t| t.date().to_string()))
                }),
                deletion_requested: v
                    .retention
                    .as_ref()
                    .is_some_and(|r| r.deletion_requested_at.is_some()),
                own_days: v.retention.as_ref().and_then(|r| r.retention_days_override),
                restricted: v
                    .retention
                    .as_ref()
                    .is_some_and(|r| r.processing_restricted_at.is_some()),
            };
            Ok(CandidateDetail {
                retention,
                documents: v
                    .documents
                    .iter()
                    .filter_map(crate::api::documents::summary)
                    .collect(),
                id: v.candidate.public_id.clone(),
                full_name: v.candidate.full_name.clone(),
                email: v.candidate.email.clone(),
                phone: v.candidate.phone.clone(),
                notes: v
                    .notes
                    .iter()
                    .map(|n| NoteView {
                        application_id: public_of(n.application_id),
                        author: n.author_name.clone(),
                        body_html: n.body_html.clone(),
                        at: stamp(n.created_at),
                    })
                    .collect(),
                timeline: {
                    let events = v.events.iter().map(|e| {
                        (
                            e.occurred_at,
                            TimelineEntry {
                                application_id: public_of(e.application_id),
                                kind: e.kind.clone(),
                                detail: None,
                                stage: e.stage.as_deref().and_then(Stage::parse),
                                actor: e.actor_name.clone(),
                                at: stamp(e.occurred_at),
                            },
                        )
                    });
                    let documents = v.documents.iter().map(|d| {
                        (
                            d.created_at,
                            TimelineEntry {
                                application_id: String::new(),
                                kind: format!("{}_added", d.kind),
                                detail: Some(d.file_name.clone()),
                                stage: None,
                                actor: Some(d.uploaded_by.clone()),
                                at: stamp(d.created_at),
                            },
                        )
                    });
                    let mut all: Vec<_> = events.chain(documents).collect();
                    // Newest first; the sort is stable, so same-time events keep their order.
                    all.sort_by_key(|entry| std::cmp::Reverse(entry.0));
                    all.into_iter().map(|(_, entry)| entry).collect()
                },
                applications: v
                    .applications
                    .iter()
                    .filter_map(|a| {
                        Some(ApplicationView {
                            stage: Stage::parse(&a.stage)?,
                            consent: v.consents.get(&a.id).cloned().unwrap_or_default(),
                            id: a.public_id.clone(),
                            recruitment_id: a.recruitment_public_id.clone(),
                            recruitment_title: a.recruitment_title.clone(),
                            decision_reason: a.decision_reason.clone(),
                            decided_by: a.decided_by_name.clone(),
                            decided_at: a.decided_at.map(stamp),
                        })
                    })
                    .collect(),
                interviews,
                pending_deletion: v.pending_deletion.map(|p| PendingDeletion {
                    request_id: p.request_id,
                    received_on: p.received_on,
                }),
                can_manage: v.can_manage,
                can_evaluate: v.can_evaluate,
            })
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "move_application")]
pub async fn move_application(
    application: String,
    stage: String,
    /// The candidate's page, where an error is shown (the move knows its candidate otherwise).
    #[server(default)]
    candidate: String,
) -> Result<(), AppError> {
    let page = candidate_page(&candidate);
    serve(
        Access::Requires(Permission::ManageCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let stage = Stage::parse(&stage)
                .ok_or_else(|| AppError::invalid("stage", "Choose a stage."))?;
            let id = candidates::move_stage(&ctx, &caller, &application, stage).await?;
            leptos_axum::redirect(&candidate_page(&id));
            Ok(())
        },
    )
    .await
}

/// The candidates ticked in one column of a recruitment's board, moved to one stage together.
#[server(prefix = "/fn", endpoint = "move_applications")]
pub async fn move_applications(
    recruitment: String,
    /// Posted as `applications[]`, one per ticked card; none ticked posts none.
    #[server(default)]
    applications: Vec<String>,
    stage: String,
) -> Result<(), AppError> {
    let board = super::recruitments::page_of(&recruitment, "");
    serve(
        Access::Requires(Permission::ManageCandidates),
        Some(&board),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let stage = Stage::parse(&stage)
                .ok_or_else(|| AppError::invalid("stage", "Choose a stage."))?;
            candidates::move_stages(&ctx, &caller, &recruitment, &applications, stage).await?;
            leptos_axum::redirect(&super::recruitments::page_of(&recruitment, ""));
            Ok(())
        },
    )
    .await
}

/// The decision is final (it cannot be changed and starts the retention clock), so its form's
/// confirmation box must be ticked.
#[server(prefix = "/fn", endpoint = "record_decision")]
pub async fn record_decision(
    application: String,
    decision: String,
    reason: String,
    candidate: String,
    #[server(default)] confirm: Option<String>,
    /// The candidate's open deletion request, confirmed by its id.
    #[server(default)]
    confirm_deletion_request: Option<String>,
) -> Result<(), AppError> {
    let page = candidate_page(&candidate);
    serve(
        Access::Requires(Permission::EvaluateCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let decision = Decision::parse(&decision)
                .ok_or_else(|| AppError::invalid("decision", "Choose hired or rejected."))?;
            super::require_confirmation(
                confirm.as_deref(),
                "the hiring decision: it is final and cannot be changed afterwards",
            )?;
            let id = candidates::decide(
                &ctx,
                &caller,
                &application,
                decision,
                &reason,
                confirm_deletion_request.as_deref(),
            )
            .await?;
            leptos_axum::redirect(&candidate_page(&id));
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "add_application_note")]
pub async fn add_application_note(
    application: String,
    note: String,
    candidate: String,
) -> Result<(), AppError> {
    let page = candidate_page(&candidate);
    serve(
        Access::Requires(Permission::EvaluateCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let id = candidates::add_note(&ctx, &caller, &application, &note).await?;
            leptos_axum::redirect(&candidate_page(&id));
            Ok(())
        },
    )
    .await
}

/// Corrects the candidate's details (rectification, F9).
#[server(prefix = "/fn", endpoint = "update_candidate")]
pub async fn update_candidate(
    candidate: String,
    full_name: String,
    email: String,
    #[server(default)] phone: String,
) -> Result<(), AppError> {
    let page = candidate_page(&candidate);
    serve(
        Access::Requires(Permission::ManageCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let form = candidates::CandidateForm {
                full_name,
                email,
                phone,
            };
            let id = candidates::update_details(&ctx, &caller, &candidate, form).await?;
            leptos_axum::redirect(&candidate_page(&id));
            Ok(())
        },
    )
    .await
}

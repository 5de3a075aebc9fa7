//! Interviews (F8): scheduling, interviewers, scorecards and the comparison.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{guard::serve, interviews},
    domain::{
        ids::{IdKind, PublicId},
        role::{Access, Permission},
    },
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterviewSummary {
    pub id: String,
    pub starts: String,
    pub duration_minutes: i32,
    pub location: String,
    pub candidate_name: String,
    pub recruitment_title: String,
    /// The candidate's consent for this application (F7); empty where it is shown elsewhere.
    pub consent: Vec<(
        crate::domain::consent::Purpose,
        crate::domain::consent::ConsentStatus,
    )>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreView {
    pub interviewer: String,
    pub criterion_id: String,
    pub score: i32,
    pub evidence: String,
    /// The caller's own score, which their scorecard form starts from.
    pub mine: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewDetail {
    pub summary: InterviewSummary,
    pub interviewers: Vec<String>,
    pub criteria: Vec<crate::api::recruitments::Criterion>,
    pub scores: Vec<ScoreView>,
    /// The recording and the transcript, when attached.
    pub files: Vec<crate::api::documents::DocumentSummary>,
    /// The candidate's consent for this application, per purpose (F7).
    pub consent: Vec<(
        crate::domain::consent::Purpose,
        crate::domain::consent::ConsentStatus,
    )>,
    /// The candidate's granted restriction or objection pauses recording and transcription.
    pub restricted: bool,
    pub caller_assigned: bool,
    pub can_manage: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparedCandidate {
    pub candidate_id: String,
    pub name: String,
    /// (criterion id, average score, number of scores)
    pub per_criterion: Vec<(String, f64, i64)>,
    pub weighted: Option<f64>,
}

#[cfg(feature = "ssr")]
pub(crate) fn summary(i: &crate::backend::db::interviews::InterviewRow) -> InterviewSummary {
    let t = i.scheduled_at;
    InterviewSummary {
        id: i.public_id.clone(),
        starts: format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute()),
        duration_minutes: i.duration_minutes,
        location: i.location.clone(),
        candidate_name: i.candidate_name.clone(),
        recruitment_title: i.recruitment_title.clone(),
        consent: Vec::new(),
    }
}

#[cfg(feature = "ssr")]
fn interview_page(id: &str) -> String {
    match PublicId::parse(IdKind::Interview, id) {
        Some(id) => format!("/app/interviews/{id}"),
        None => "/app/interviews".into(),
    }
}

#[server(prefix = "/fn", endpoint = "schedule_interview")]
pub async fn schedule_interview(
    application: String,
    candidate: String,
    starts_at: String,
    duration: String,
    #[server(default)] location: String,
) -> Result<(), AppError> {
    let page = match PublicId::parse(IdKind::Candidate, &candidate) {
        Some(id) => format!("/app/candidates/{id}"),
        None => "/app/interviews".into(),
    };
    serve(
        Access::Requires(Permission::ManageCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let form = interviews::ScheduleForm {
                starts_at,
                duration,
                location,
            };
            let id = interviews::schedule(&ctx, &caller, &application, form).await?;
            leptos_axum::redirect(&interview_page(&id));
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "assign_interviewer")]
pub async fn assign_interviewer(interview: String, interviewer: String) -> Result<(), AppError> {
    let page = interview_page(&interview);
    serve(
        Access::Requires(Permission::ManageCandidates),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            interviews::assign(&ctx, &caller, &interview, &interviewer).await?;
            leptos_axum::redirect(&interview_page(&interview));
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "my_interviews")]
pub async fn my_interviews() -> Result<Vec<InterviewSummary>, AppError> {
    serve(
        Access::Requires(Permission::ConductInterviews),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let (rows, mut consents) = interviews::list(&ctx, &caller).await?;
            Ok(rows
                .iter()
                .map(|i| InterviewSummary {
                    consent: consents.remove(&i.application_id).unwrap_or_default(),
                    ..summary(i)
                })
                .collect())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "interview")]
pub async fn interview(id: String) -> Result<InterviewDetail, AppError> {
    serve(
        Access::Requires(Permission::ConductInterviews),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let v = interviews::view(&ctx, &caller, &id).await?;
            Ok(InterviewDetail {
                summary: summary(&v.interview),
                interviewers: v.interviewers.into_iter().map(|i| i.display_name).collect(),
                criteria: v
                    .criteria
                    .into_iter()
                    .map(|c| crate::api::recruitments::Criterion {
                        id: c.public_id,
                        name: c.name,
                        description: c.description,
                        weight: c.weight,
                    })
                    .collect(),
                scores: v
                    .scores
                    .into_iter()
                    .map(|s| ScoreView {
                        mine: s.interviewer_id == caller.user_id,
                        interviewer: s.interviewer_name,
                        criterion_id: s.criterion_public_id,
                        score: s.score,
                        evidence: s.evidence,
                    })
                    .collect(),
                files: v
                    .files
                    .iter()
                    .filter_map(crate::api::documents::summary)
                    .collect(),
                consent: v.consent,
                restricted: v.restricted,
                caller_assigned: v.caller_assigned,
                can_manage: v.can_manage,
            })
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "save_score")]
pub async fn save_score(
    interview: String,
    criterion: String,
    score: String,
    evidence: String,
) -> Result<(), AppError> {
    let page = interview_page(&interview);
    serve(
        Access::Requires(Permission::ConductInterviews),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            interviews::score(&ctx, &caller, &interview, &criterion, &score, &evidence).await?;
            leptos_axum::redirect(&interview_page(&interview));
            Ok(())
        },
    )
    .await
}

/// The comparison as the page shows it.
#[cfg(feature = "ssr")]
pub(super) fn compared(
    rows: Vec<crate::backend::interviews::ComparedCandidate>,
) -> Vec<ComparedCandidate> {
    rows.into_iter()
        .map(|c| ComparedCandidate {
            candidate_id: c.candidate_public_id,
            name: c.name,
            per_criterion: c.per_criterion,
            weighted: c.weighted,
        })
        .collect()
}

//! Recruitments (F5): list, detail, create, edit, close and reopen, members and criteria.

use crate::domain::recruitment::RecruitmentStatus;
use crate::domain::role::Role;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    backend::{guard::serve, recruitments},
    domain::{
        recruitment::ListQuery,
        role::{Access, Permission},
    },
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecruitmentSummary {
    pub id: String,
    pub title: String,
    pub status: RecruitmentStatus,
    pub owner_name: String,
    /// Calendar date, UTC.
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecruitmentPage {
    pub items: Vec<RecruitmentSummary>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    pub can_manage: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// The colleagues a picker offers, and whether that is all of them: otherwise the form asks for
/// the colleague's e-mail address instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleagues {
    pub people: Vec<Person>,
    pub listed_all: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub id: String,
    pub name: String,
    pub description: String,
    pub weight: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecruitmentDetail {
    pub id: String,
    pub title: String,
    /// Sanitised at write time by the one HTML policy; safe to render as is.
    pub description_html: String,
    pub status: RecruitmentStatus,
    pub owner_id: String,
    pub owner_name: String,
    pub members: Vec<Person>,
    pub criteria: Vec<Criterion>,
    pub can_manage: bool,
}

#[cfg(feature = "ssr")]
fn date(t: time::OffsetDateTime) -> String {
    t.date().to_string()
}

#[server(prefix = "/fn", endpoint = "list_recruitments")]
pub async fn list_recruitments(
    #[server(default)] search: Option<String>,
    #[server(default)] status: Option<String>,
    #[server(default)] page: Option<u32>,
) -> Result<RecruitmentPage, AppError> {
    serve(
        Access::Requires(Permission::ViewRecruitments),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let query = ListQuery::parse(search.as_deref(), status.as_deref(), page);
            let page = recruitments::list(&ctx, &caller, &query).await?;
            Ok(RecruitmentPage {
                items: page
                    .items
                    .into_iter()
                    .filter_map(|r| {
                        Some(RecruitmentSummary {
                            status: RecruitmentStatus::parse(&r.status)?,
                            id: r.public_id,
                            title: r.title,
                            owner_name: r.owner_name,
                            created_on: date(r.created_at),
                        })
                    })
                    .collect(),
                total: page.total,
                page: page.page,
                page_size: crate::domain::recruitment::PAGE_SIZE,
                can_manage: caller.require(Permission::ManageRecruitments).is_ok(),
            })
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "recruitment")]
pub async fn recruitment(id: String) -> Result<RecruitmentDetail, AppError> {
    serve(
        Access::Requires(Permission::ViewRecruitments),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            Ok(detail_view(recruitments::detail(&ctx, &caller, &id).await?))
        },
    )
    .await
}

/// Everything a recruitment's page shows, in one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecruitmentView {
    pub recruitment: RecruitmentDetail,
    pub cards: Vec<crate::api::candidates::PipelineCard>,
    pub comparison: Vec<crate::api::interviews::ComparedCandidate>,
    /// The colleagues who may be added to the team; only for those who manage recruitments.
    pub staff: Option<Colleagues>,
}

#[server(prefix = "/fn", endpoint = "recruitment_board")]
pub async fn recruitment_board(id: String) -> Result<RecruitmentView, AppError> {
    serve(
        Access::Requires(Permission::ViewRecruitments),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let board = recruitments::board(&ctx, &caller, &id).await?;
            Ok(RecruitmentView {
                recruitment: detail_view(board.detail),
                cards: super::candidates::pipeline_cards(board.cards, board.consents),
                comparison: super::interviews::compared(board.comparison),
                staff: board
                    .staff
                    .map(|(rows, listed_all)| colleagues(rows, listed_all)),
            })
        },
    )
    .await
}

#[cfg(feature = "ssr")]
fn detail_view(d: recruitments::Detail) -> RecruitmentDetail {
    let person = |id: String, name: String, role: &str| {
        Some(Person {
            id,
            name,
            role: Role::parse(role)?,
        })
    };
    RecruitmentDetail {
        status: RecruitmentStatus::parse(&d.recruitment.status)
            .unwrap_or(RecruitmentStatus::Closed),
        id: d.recruitment.public_id,
        title: d.recruitment.title,
        description_html: d.recruitment.description_html,
        owner_id: d.recruitment.owner_public_id,
        owner_name: d.recruitment.owner_name,
        members: d
            .members
            .into_iter()
            .filter_map(|m| person(m.public_id, m.display_name, &m.role))
            .collect(),
        criteria: d
            .criteria
            .into_iter()
            .map(|c| Criterion {
                id: c.public_id,
                name: c.name,
                description: c.description,
                weight: c.weight,
            })
            .collect(),
        can_manage: d.can_manage,
    }
}

#[cfg(feature = "ssr")]
fn colleagues(rows: Vec<crate::backend::db::users::StaffRow>, listed_all: bool) -> Colleagues {
    let people = rows
        .into_iter()
        .filter_map(|u| {
            Some(Person {
                role: Role::parse(&u.role)?,
                id: u.public_id,
                name: u.display_name,
            })
        })
        .collect();
    Colleagues { people, listed_all }
}

#[server(prefix = "/fn", endpoint = "create_recruitment")]
pub async fn create_recruitment(
    title: String,
    #[server(default)] description: String,
    #[server(default)] owner: Option<String>,
) -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::ManageRecruitments),
        Some("/app/recruitments/new"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let form = recruitments::RecruitmentForm {
                title,
                description,
                owner,
            };
            let id = recruitments::create(&ctx, &caller, form).await?;
            leptos_axum::redirect(&format!("/app/recruitments/{id}"));
            Ok(())
        },
    )
    .await
}

/// The page a recruitment form posts from, for the no-JavaScript error redirect.
#[cfg(feature = "ssr")]
pub(super) fn page_of(id: &str, suffix: &str) -> String {
    match crate::domain::ids::PublicId::parse(crate::domain::ids::IdKind::Recruitment, id) {
        Some(id) => format!("/app/recruitments/{id}{suffix}"),
        None => "/app/recruitments".into(),
    }
}

#[server(prefix = "/fn", endpoint = "update_recruitment")]
pub async fn update_recruitment(
    id: String,
    title: String,
    #[server(default)] description: String,
) -> Result<(), AppError> {
    let page = page_of(&id, "/edit");
    serve(
        Access::Requires(Permission::ManageRecruitments),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let form = recruitments::RecruitmentForm {
                title,
                description,
                owner: None,
            };
            recruitments::update(&ctx, &caller, &id, form).await?;
            leptos_axum::redirect(&page_of(&id, ""));
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "set_recruitment_status")]
pub async fn set_recruitment_status(id: String, status: String) -> Result<(), AppError> {
    let page = page_of(&id, "");
    serve(
        Access::Requires(Permission::ManageRecruitments),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let status = RecruitmentStatus::parse(&status)
                .ok_or_else(|| AppError::invalid("status", "Choose open or closed."))?;
            recruitments::set_status(&ctx, &caller, &id, status).await?;
            leptos_axum::redirect(&page_of(&id, ""));
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "add_recruitment_member")]
pub async fn add_recruitment_member(id: String, member: String) -> Result<(), AppError> {
    let page = page_of(&id, "");
    serve(
        Access::Requires(Permission::ManageRecruitments),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            recruitments::add_member(&ctx, &caller, &id, &member).await?;
            leptos_axum::redirect(&page_of(&id, ""));
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "remove_recruitment_member")]
pub async fn remove_recruitment_member(id: String, member: String) -> Result<(), AppError> {
    let page = page_of(&id, "");
    serve(
        Access::Requires(Permission::ManageRecruitments),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            recruitments::remove_member(&ctx, &caller, &id, &member).await?;
            leptos_axum::redirect(&page_of(&id, ""));
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "add_criterion")]
pub async fn add_criterion(
    id: String,
    name: String,
    #[server(default)] criterion_description: String,
    weight: String,
) -> Result<(), AppError> {
    let page = page_of(&id, "");
    serve(
        Access::Requires(Permission::ManageRecruitments),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let form = recruitments::CriterionForm {
                name,
                description: criterion_description,
                weight,
            };
            recruitments::add_criterion(&ctx, &caller, &id, form).await?;
            leptos_axum::redirect(&page_of(&id, ""));
            Ok(())
        },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "remove_criterion")]
pub async fn remove_criterion(id: String, criterion: String) -> Result<(), AppError> {
    let page = page_of(&id, "");
    serve(
        Access::Requires(Permission::ManageRecruitments),
        Some(&page),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            recruitments::remove_criterion(&ctx, &caller, &id, &criterion).await?;
            leptos_axum::redirect(&page_of(&id, ""));
            Ok(())
        },
    )
    .await
}

/// Active colleagues for the owner, member and interviewer pickers.
#[server(prefix = "/fn", endpoint = "recruitment_staff")]
pub async fn recruitment_staff() -> Result<Colleagues, AppError> {
    serve(
        Access::Requires(Permission::ManageRecruitments),
        None,
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            let (rows, listed_all) = recruitments::staff(&ctx, &caller).await?;
            Ok(colleagues(rows, listed_all))
        },
    )
    .await
}

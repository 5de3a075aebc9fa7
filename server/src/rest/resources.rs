//! The resources of the public API (SPEC section 5), read side: recruitments, candidates,
//! applications, interviews and a candidate's consents. Handlers are thin: the key was checked by
//! the [`Integration`] extractor; the use case checks the scope and reads one organisation.

use super::auth::{Integration, Params};
use super::problem::Problem;
use axum::{
    extract::{Path, State},
    Json,
};
use candor_app::backend::{
    db::public_api as rows,
    public_api::{self, page_limit, Page, Query},
    state::AppState,
};
use serde::{Deserialize, Serialize};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

type ApiResult<T> = Result<Json<T>, Problem>;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `limit` (1–100, default 25) and the `cursor` a previous page returned (each list documents
/// its cursor's form with its own parameters).
#[derive(Debug, Deserialize)]
pub struct PageParams {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationParams {
    /// How many applications a page holds (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page: the last application's id.
    #[param(pattern = "^app_[0-9a-hjkmnp-tv-z]{26}$")]
    pub cursor: Option<String>,
    /// Only applications to this recruitment (`rec_…`).
    #[param(pattern = "^rec_[0-9a-hjkmnp-tv-z]{26}$")]
    pub recruitment: Option<String>,
}

/// A page of a list: `next_cursor` is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T: ToSchema> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

fn list<R, T: ToSchema>(page: Page<R>, f: impl Fn(R) -> T) -> List<T> {
    List {
        data: page.items.into_iter().map(f).collect(),
        next_cursor: page.next_cursor,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recruitment {
    /// `rec_…`
    pub id: String,
    pub title: String,
    /// Sanitised HTML (allow-list).
    pub description_html: String,
    #[schema(pattern = "^(open|closed)$")]
    pub status: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub closed_at: Option<String>,
}

impl From<rows::RecruitmentRow> for Recruitment {
    fn from(r: rows::RecruitmentRow) -> Self {
        Self {
            id: r.public_id,
            title: r.title,
            description_html: r.description_html,
            status: r.status,
            created_at: rfc3339(r.created_at),
            closed_at: r.closed_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Candidate {
    /// `cand_…`
    pub id: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<rows::CandidateRow> for Candidate {
    fn from(c: rows::CandidateRow) -> Self {
        Self {
            id: c.public_id,
            full_name: c.full_name,
            email: c.email,
            phone: c.phone,
            created_at: rfc3339(c.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Application {
    /// `app_…`
    pub id: String,
    pub candidate_id: String,
    pub recruitment_id: String,
    #[schema(pattern = "^(applied|screening|interview|offer|hired|rejected)$")]
    pub stage: String,
    pub decision_reason: Option<String>,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<rows::ApplicationRow> for Application {
    fn from(a: rows::ApplicationRow) -> Self {
        Self {
            id: a.public_id,
            candidate_id: a.candidate_public_id,
            recruitment_id: a.recruitment_public_id,
            stage: a.stage,
            decision_reason: a.decision_reason,
            decided_at: a.decided_at.map(rfc3339),
            created_at: rfc3339(a.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Interview {
    /// `int_…`
    pub id: String,
    pub application_id: String,
    #[schema(format = DateTime)]
    pub scheduled_at: String,
    pub duration_minutes: i32,
    pub location: String,
}

impl From<rows::InterviewRow> for Interview {
    fn from(i: rows::InterviewRow) -> Self {
        Self {
            id: i.public_id,
            application_id: i.application_public_id,
            scheduled_at: rfc3339(i.scheduled_at),
            duration_minutes: i.duration_minutes,
            location: i.location,
        }
    }
}

/// One consent event, shaped after ISO/IEC TS 27560 (F7).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentEvent {
    pub application_id: String,
    #[schema(pattern = "^(evaluation|recording|transcription|ai_support)$")]
    pub purpose: String,
    #[schema(pattern = "^(requested|given|refused|withdrawn|expired|renewed)$")]
    pub event: String,
    pub lawful_basis: String,
    pub notice_id: String,
    pub notice_version: String,
    pub notice_language: String,
    /// SHA-256 of the exact notice text shown, in hex.
    pub notice_sha256: String,
    pub controller: String,
    pub recipients: String,
    pub retention_rule: String,
    pub actor: String,
    pub collection_method: String,
    #[schema(format = DateTime)]
    pub occurred_at: String,
}

impl From<rows::ConsentRow> for ConsentEvent {
    fn from(e: rows::ConsentRow) -> Self {
        Self {
            application_id: e.application_public_id,
            purpose: e.purpose,
            event: e.event,
            lawful_basis: e.lawful_basis,
            notice_id: e.notice_public_id,
            notice_version: e.notice_version,
            notice_language: e.notice_language,
            notice_sha256: e.notice_sha256.iter().map(|b| format!("{b:02x}")).collect(),
            controller: e.controller,
            recipients: e.recipients,
            retention_rule: e.retention_rule,
            actor: e.actor,
            collection_method: e.collection_method,
            occurred_at: rfc3339(e.occurred_at),
        }
    }
}

/// RFC 9457 problem details, as every error of this API is answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetails {
    #[serde(rename = "type")]
    pub type_url: String,
    pub status: u16,
    pub title: String,
    pub detail: Option<String>,
    /// A stable error code, e.g. `not_found`.
    pub code: String,
    pub request_id: String,
    /// With `deletion_request_pending`: the candidate's open deletion request (`dsr_…`), which
    /// `confirm_deletion_request` must name to go ahead.
    pub pending_request: Option<String>,
    /// With `deletion_request_pending`: the day that request was received (`YYYY-MM-DD`).
    pub received_on: Option<String>,
}

fn query<'a>(i: &Integration, p: &'a PageParams) -> Result<Query<'a>, Problem> {
    Ok(Query {
        only: None,
        limit: page_limit(p.limit).map_err(|e| i.problem(e))?,
        cursor: p.cursor.as_deref(),
    })
}

#[utoipa::path(get, path = "/api/v1/recruitments", tag = "recruitments",
    params(("limit" = Option<i64>, Query, description = "How many records a page holds (default 25)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page: the last recruitment's id", pattern = "^rec_[0-9a-hjkmnp-tv-z]{26}$")), security(("api_key" = ["read"])),
    responses((status = 200, description = "One page of the organisation's recruitments", body = List<Recruitment>)))]
pub async fn list_recruitments(
    State(state): State<AppState>,
    i: Integration,
    Params(p): Params<PageParams>,
) -> ApiResult<List<Recruitment>> {
    let page = public_api::recruitments(&state, &i.caller, query(&i, &p)?)
        .await
        .map_err(|e| i.problem(e))?;
    Ok(Json(list(page, Recruitment::from)))
}

#[utoipa::path(get, path = "/api/v1/recruitments/{id}", tag = "recruitments",
    params(("id" = String, Path, description = "rec_…", pattern = "^rec_[0-9a-hjkmnp-tv-z]{26}$")), security(("api_key" = ["read"])),
    responses((status = 200, description = "The recruitment", body = Recruitment)))]
pub async fn get_recruitment(
    State(state): State<AppState>,
    i: Integration,
    Path(id): Path<String>,
) -> ApiResult<Recruitment> {
    let r = public_api::recruitment(&state, &i.caller, &id)
        .await
        .map_err(|e| i.problem(e))?;
    Ok(Json(r.into()))
}

#[utoipa::path(get, path = "/api/v1/candidates", tag = "candidates",
    params(("limit" = Option<i64>, Query, description = "How many records a page holds (default 25)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page: the last candidate's id", pattern = "^cand_[0-9a-hjkmnp-tv-z]{26}$")), security(("api_key" = ["read"])),
    responses((status = 200, description = "One page of the candidates the key's organisation holds", body = List<Candidate>)))]
pub async fn list_candidates(
    State(state): State<AppState>,
    i: Integration,
    Params(p): Params<PageParams>,
) -> ApiResult<List<Candidate>> {
    let page = public_api::candidates(&state, &i.meta, &i.caller, query(&i, &p)?)
        .await
        .map_err(|e| i.problem(e))?;
    Ok(Json(list(page, Candidate::from)))
}

#[utoipa::path(get, path = "/api/v1/candidates/{id}", tag = "candidates",
    params(("id" = String, Path, description = "cand_…", pattern = "^cand_[0-9a-hjkmnp-tv-z]{26}$")), security(("api_key" = ["read"])),
    responses((status = 200, description = "The candidate", body = Candidate)))]
pub async fn get_candidate(
    State(state): State<AppState>,
    i: Integration,
    Path(id): Path<String>,
) -> ApiResult<Candidate> {
    let c = public_api::candidate(&state, &i.meta, &i.caller, &id)
        .await
        .map_err(|e| i.problem(e))?;
    Ok(Json(c.into()))
}

#[utoipa::path(get, path = "/api/v1/candidates/{id}/consents", tag = "candidates",
    params(("id" = String, Path, description = "cand_…", pattern = "^cand_[0-9a-hjkmnp-tv-z]{26}$"),
        ("limit" = Option<i64>, Query, description = "How many records a page holds (default 25)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page: how many events the previous pages held", pattern = "^[1-9][0-9]{0,17}$")), security(("api_key" = ["read"])),
    responses((status = 200, description = "One page of the candidate's consent events, oldest first", body = List<ConsentEvent>)))]
pub async fn list_consents(
    State(state): State<AppState>,
    i: Integration,
    Path(id): Path<String>,
    Params(p): Params<PageParams>,
) -> ApiResult<List<ConsentEvent>> {
    let q = query(&i, &p)?;
    let page = public_api::consents(&state, &i.meta, &i.caller, &id, q.limit, q.cursor)
        .await
        .map_err(|e| i.problem(e))?;
    Ok(Json(list(page, ConsentEvent::from)))
}

#[utoipa::path(get, path = "/api/v1/applications", tag = "applications",
    params(ApplicationParams), security(("api_key" = ["read"])),
    responses((status = 200, description = "One page of applications", body = List<Application>)))]
pub async fn list_applications(
    State(state): State<AppState>,
    i: Integration,
    Params(p): Params<ApplicationParams>,
) -> ApiResult<List<Application>> {
    let q = Query {
        only: None,
        limit: page_limit(p.limit).map_err(|e| i.problem(e))?,
        cursor: p.cursor.as_deref(),
    };
    let page = public_api::applications(&state, &i.meta, &i.caller, p.recruitment.as_deref(), q)
        .await
        .map_err(|e| i.problem(e))?;
    Ok(Json(list(page, Application::from)))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications",
    params(("id" = String, Path, description = "app_…", pattern = "^app_[0-9a-hjkmnp-tv-z]{26}$")), security(("api_key" = ["read"])),
    responses((status = 200, description = "The application", body = Application)))]
pub async fn get_application(
    State(state): State<AppState>,
    i: Integration,
    Path(id): Path<String>,
) -> ApiResult<Application> {
    let a = public_api::application(&state, &i.meta, &i.caller, &id)
        .await
        .map_err(|e| i.problem(e))?;
    Ok(Json(a.into()))
}

#[utoipa::path(get, path = "/api/v1/interviews", tag = "interviews",
    params(("limit" = Option<i64>, Query, description = "How many records a page holds (default 25)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page: the last interview's id", pattern = "^int_[0-9a-hjkmnp-tv-z]{26}$")), security(("api_key" = ["read"])),
    responses((status = 200, description = "One page of interviews", body = List<Interview>)))]
pub async fn list_interviews(
    State(state): State<AppState>,
    i: Integration,
    Params(p): Params<PageParams>,
) -> ApiResult<List<Interview>> {
    let page = public_api::interviews(&state, &i.meta, &i.caller, query(&i, &p)?)
        .await
        .map_err(|e| i.problem(e))?;
    Ok(Json(list(page, Interview::from)))
}

#[utoipa::path(get, path = "/api/v1/interviews/{id}", tag = "interviews",
    params(("id" = String, Path, description = "int_…", pattern = "^int_[0-9a-hjkmnp-tv-z]{26}$")), security(("api_key" = ["read"])),
    responses((status = 200, description = "The interview", body = Interview)))]
pub async fn get_interview(
    State(state): State<AppState>,
    i: Integration,
    Path(id): Path<String>,
) -> ApiResult<Interview> {
    let v = public_api::interview(&state, &i.meta, &i.caller, &id)
        .await
        .map_err(|e| i.problem(e))?;
    Ok(Json(v.into()))
}

//! The resources of the public API, write side: creating recruitments and candidates (scope
//! write), moving applications and recording decisions (scope ats). Each POST honours an
//! `Idempotency-Key`: a retry with the same key and body gets the first answer, never a second
//! write.

use super::auth::Integration;
use super::problem::Problem;
use super::resources::{Application, Candidate, ProblemDetails, Recruitment};
use axum::{
    body::Bytes,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use candor_app::backend::{
    db::Tx,
    idempotency::{self, Claim},
    public_api,
    state::AppState,
};
use candor_app::domain::api_key::Scope;
use candor_app::error::AppError;
use http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use utoipa::ToSchema;

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// Reads the JSON body; a body that does not parse is the client's mistake, said plainly.
fn parse<T: DeserializeOwned>(i: &Integration, body: &Bytes) -> Result<T, Problem> {
    serde_json::from_slice(body).map_err(|e| {
        i.problem(AppError::BadRequest {
            message: format!(
                "The body is not the JSON this operation takes: {}",
                parse_failure(&e)
            ),
        })
    })
}

/// What was wrong, without the values sent: serde quotes a value of the wrong type or form, which
/// may be personal data, and a refusal is kept for a retry (and may be logged by a client).
fn parse_failure(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    let text = e.to_string();
    match e.classify() {
        // These name a field of the schema, or one the client made up: no value.
        Category::Data
            if text.starts_with("missing field") || text.starts_with("unknown field") =>
        {
            text
        }
        Category::Data => {
            format!("a value has the wrong type or form (line {line}, column {column})")
        }
        Category::Syntax | Category::Eof | Category::Io => {
            format!("it is not valid JSON (line {line}, column {column})")
        }
    }
}

/// A write's answer; one about a candidate names them (`cand_…`), so that the stored copy a
/// retry would get is deleted with them.
struct Answer {
    status: StatusCode,
    body: String,
    about_candidate: Option<String>,
}

fn json_response<T: Serialize>(
    status: StatusCode,
    value: &T,
    about_candidate: Option<String>,
) -> Answer {
    Answer {
        status,
        body: serde_json::to_string(value).unwrap_or_else(|_| "{}".into()),
        about_candidate,
    }
}

fn respond(status: u16, body: String, is_problem: bool, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if is_problem {
        "application/problem+json"
    } else {
        "application/json"
    };
    let mut response = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// The buffered body of an answer, to store it for a retry.
async fn into_stored(response: Response) -> (Response, String) {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (
        Response::from_parts(parts, axum::body::Body::from(bytes)),
        text,
    )
}

/// One write of the API in one transaction, run once per `Idempotency-Key` (when one is sent):
/// the key's claim and answer commit with the write, so a request that dies half way leaves the
/// key free. [`Write::begin`], the write on [`Write::tx`], then [`Write::finish`].
struct Write<'r> {
    tx: Tx,
    state: &'r AppState,
    i: &'r Integration,
    key: Option<&'r str>,
    request: [u8; 32],
}

impl<'r> Write<'r> {
    /// Opens the write's transaction and claims its key; a retry of a finished request, or a
    /// request that cannot run, gets its answer as the error.
    async fn begin(
        state: &'r AppState,
        i: &'r Integration,
        headers: &'r HeaderMap,
        uri: &Uri,
        body: &Bytes,
    ) -> Result<Write<'r>, Response> {
        if !super::negotiation::is_json(headers) {
            return Err(i.problem(AppError::UnsupportedMediaType).into_response());
        }
        let key = match headers.get(IDEMPOTENCY_HEADER).map(HeaderValue::to_str) {
            None => None,
            Some(Ok(key)) if idempotency::valid_key(key) => Some(key),
            Some(_) => return Err(i.problem(idempotency::invalid_key()).into_response()),
        };
        let request = idempotency::request_hash(Method::POST.as_str(), uri.path(), body);
        let mut tx = state
            .db
            .begin_for_org(i.caller.org_id)
            .await
            .map_err(|e| i.problem(e).into_response())?;
        if let Some(key) = key {
            match idempotency::claim_in(&mut tx, state, &i.caller, key, &request).await {
                Err(e) => return Err(i.problem(e).into_response()),
                Ok(Claim::Replay { status, body }) => {
                    return Err(respond(status, body, status >= 400, true))
                }
                Ok(Claim::Fresh) => {}
            }
        }
        Ok(Write {
            tx,
            state,
            i,
            key,
            request,
        })
    }

    /// Commits the write with its answer, or rolls it back and remembers the refusal.
    async fn finish(self, outcome: Result<Answer, Problem>) -> Response {
        let Write {
            mut tx,
            state,
            i,
            key,
            request,
        } = self;
        match outcome {
            Ok(Answer {
                status,
                body,
                about_candidate,
            }) => {
                let answered = match key {
                    Some(key) => {
                        idempotency::answer_in(
                            &mut tx,
                            &i.caller,
                            key,
                            status.as_u16(),
                            &body,
                            about_candidate.as_deref(),
                        )
                        .await
                    }
                    None => Ok(()),
                };
                let committed = match answered {
                    Ok(()) => tx.commit().await.map_err(AppError::from),
                    Err(e) => Err(e),
                };
                match committed {
                    Ok(()) => respond(status.as_u16(), body, false, false),
                    Err(e) => i.problem(e).into_response(),
                }
            }
            Err(problem) => {
                // Nothing of a refused write stays; the refusal is remembered on its own.
                drop(tx);
                let (response, stored) = into_stored(problem.into_response()).await;
                let status = response.status().as_u16();
                if let Some(key) = key.filter(|_| status < 500) {
                    if let Err(e) = idempotency::remember_refusal(
                        state, &i.caller, key, &request, status, &stored,
                    )
                    .await
                    {
                        tracing::warn!(error = %e, "remembering an idempotent refusal");
                    }
                }
                response
            }
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecruitment {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// HTML, sanitised by the portal's allow-list.
    #[serde(default)]
    pub description_html: String,
    /// The owner (`usr_…`); the acting user when absent.
    #[schema(pattern = "^usr_[0-9a-hjkmnp-tv-z]{26}$")]
    pub owner: Option<String>,
    /// The staff member the integration acts for (`usr_…`): their role decides.
    #[schema(pattern = "^usr_[0-9a-hjkmnp-tv-z]{26}$")]
    pub on_behalf_of: String,
}

#[utoipa::path(post, path = "/api/v1/recruitments", tag = "recruitments",
    request_body = NewRecruitment, security(("api_key" = ["write"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body get the first answer, never a second write: 1 to 255 visible ASCII characters", min_length = 1, max_length = 255, pattern = "^[\\x21-\\x7e]{1,255}$")),
    responses((status = 201, description = "The recruitment, created", body = Recruitment)))]
pub async fn create_recruitment(
    State(state): State<AppState>,
    i: Integration,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    if let Err(e) = i.caller.require(Scope::Write) {
        return i.problem(e).into_response();
    }
    let mut write = match Write::begin(&state, &i, &headers, &uri, &body).await {
        Ok(write) => write,
        Err(answer) => return answer,
    };
    let outcome = async {
        let input: NewRecruitment = parse(&i, &body)?;
        let row = public_api::create_recruitment(
            &mut write.tx,
            &state,
            &i.meta,
            &i.caller,
            public_api::NewRecruitment {
                title: input.title,
                description_html: input.description_html,
                owner: input.owner,
                on_behalf_of: input.on_behalf_of,
            },
        )
        .await
        .map_err(|e| i.problem(e))?;
        Ok(json_response(
            StatusCode::CREATED,
            &Recruitment::from(row),
            None,
        ))
    }
    .await;
    write.finish(outcome).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCandidate {
    /// The open recruitment the candidate applies to (`rec_…`).
    #[schema(pattern = "^rec_[0-9a-hjkmnp-tv-z]{26}$")]
    pub recruitment_id: String,
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    #[schema(format = Email)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// The staff member the integration acts for (`usr_…`): their role decides.
    #[schema(pattern = "^usr_[0-9a-hjkmnp-tv-z]{26}$")]
    pub on_behalf_of: String,
    /// A candidate already known by this address who asked for the deletion of their data is
    /// added only when this names their open deletion request (`dsr_…`, from the 409 problem's
    /// `pending_request`).
    #[serde(default)]
    #[schema(pattern = "^dsr_[0-9a-hjkmnp-tv-z]{26}$")]
    pub confirm_deletion_request: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/candidates", tag = "candidates",
    request_body = NewCandidate, security(("api_key" = ["write"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body get the first answer, never a second write: 1 to 255 visible ASCII characters", min_length = 1, max_length = 255, pattern = "^[\\x21-\\x7e]{1,255}$")),
    responses((status = 201, description = "The candidate, added to the recruitment (a consent request goes out to them)", body = Candidate),
        (status = 409, description = "The candidate already applied to this recruitment (`code` `conflict`); or they have an open deletion request (`code` `deletion_request_pending`, named in `pending_request` with `received_on`) and `confirm_deletion_request` does not name it; or the same `Idempotency-Key` is still being answered", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn create_candidate(
    State(state): State<AppState>,
    i: Integration,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    if let Err(e) = i.caller.require(Scope::Write) {
        return i.problem(e).into_response();
    }
    let mut write = match Write::begin(&state, &i, &headers, &uri, &body).await {
        Ok(write) => write,
        Err(answer) => return answer,
    };
    let outcome = async {
        let input: NewCandidate = parse(&i, &body)?;
        let row = public_api::add_candidate(
            &mut write.tx,
            &state,
            &i.meta,
            &i.caller,
            public_api::NewCandidate {
                recruitment_id: input.recruitment_id,
                full_name: input.full_name,
                email: input.email,
                phone: input.phone,
                on_behalf_of: input.on_behalf_of,
                confirm_deletion_request: input.confirm_deletion_request,
            },
        )
        .await
        .map_err(|e| i.problem(e))?;
        let about = Some(row.public_id.clone());
        Ok(json_response(
            StatusCode::CREATED,
            &Candidate::from(row),
            about,
        ))
    }
    .await;
    write.finish(outcome).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageMove {
    #[schema(pattern = "^(applied|screening|interview|offer|hired|rejected)$")]
    pub stage: String,
    /// The staff member the integration acts for (`usr_…`): their role decides.
    #[schema(pattern = "^usr_[0-9a-hjkmnp-tv-z]{26}$")]
    pub on_behalf_of: String,
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/stage", tag = "applications",
    request_body = StageMove, security(("api_key" = ["ats"])),
    params(("id" = String, Path, description = "app_…", pattern = "^app_[0-9a-hjkmnp-tv-z]{26}$"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body get the first answer, never a second write: 1 to 255 visible ASCII characters", min_length = 1, max_length = 255, pattern = "^[\\x21-\\x7e]{1,255}$")),
    responses((status = 200, description = "The application, as it now stands", body = Application),
        (status = 409, description = "A decision was recorded for this application, so its stage no longer moves, or it changed meanwhile (`code` `conflict`); or the same `Idempotency-Key` is still being answered", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn move_application(
    State(state): State<AppState>,
    i: Integration,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    if let Err(e) = i.caller.require(Scope::Ats) {
        return i.problem(e).into_response();
    }
    let mut write = match Write::begin(&state, &i, &headers, &uri, &body).await {
        Ok(write) => write,
        Err(answer) => return answer,
    };
    let outcome = async {
        let input: StageMove = parse(&i, &body)?;
        let row = public_api::move_application(
            &mut write.tx,
            &state,
            &i.meta,
            &i.caller,
            &id,
            &input.stage,
            &input.on_behalf_of,
        )
        .await
        .map_err(|e| i.problem(e))?;
        let about = Some(row.candidate_public_id.clone());
        Ok(json_response(
            StatusCode::OK,
            &Application::from(row),
            about,
        ))
    }
    .await;
    write.finish(outcome).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HiringDecision {
    #[schema(pattern = "^(hired|rejected)$")]
    pub decision: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// The person who made the decision (`usr_…`); nothing in Candor decides on its own.
    #[schema(pattern = "^usr_[0-9a-hjkmnp-tv-z]{26}$")]
    pub decided_by: String,
    /// A decision about a candidate who asked for the deletion of their data is recorded only
    /// when this names their open deletion request (`dsr_…`, from the 409 problem's
    /// `pending_request`).
    #[serde(default)]
    #[schema(pattern = "^dsr_[0-9a-hjkmnp-tv-z]{26}$")]
    pub confirm_deletion_request: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/decision", tag = "applications",
    request_body = HiringDecision, security(("api_key" = ["ats"])),
    params(("id" = String, Path, description = "app_…", pattern = "^app_[0-9a-hjkmnp-tv-z]{26}$"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body get the first answer, never a second write: 1 to 255 visible ASCII characters", min_length = 1, max_length = 255, pattern = "^[\\x21-\\x7e]{1,255}$")),
    responses((status = 200, description = "The application, as it now stands", body = Application),
        (status = 409, description = "A decision was already recorded for this application, or it changed meanwhile (`code` `conflict`); or the candidate has an open deletion request (`code` `deletion_request_pending`, named in `pending_request` with `received_on`) and `confirm_deletion_request` does not name it; or the same `Idempotency-Key` is still being answered", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn record_decision(
    State(state): State<AppState>,
    i: Integration,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    if let Err(e) = i.caller.require(Scope::Ats) {
        return i.problem(e).into_response();
    }
    let mut write = match Write::begin(&state, &i, &headers, &uri, &body).await {
        Ok(write) => write,
        Err(answer) => return answer,
    };
    let outcome = async {
        let input: HiringDecision = parse(&i, &body)?;
        let row = public_api::decide(
            &mut write.tx,
            &state,
            &i.meta,
            &i.caller,
            &id,
            public_api::HiringDecision {
                decision: input.decision,
                reason: input.reason,
                decided_by: input.decided_by,
                confirm_deletion_request: input.confirm_deletion_request,
            },
        )
        .await
        .map_err(|e| i.problem(e))?;
        let about = Some(row.candidate_public_id.clone());
        Ok(json_response(
            StatusCode::OK,
            &Application::from(row),
            about,
        ))
    }
    .await;
    write.finish(outcome).await
}

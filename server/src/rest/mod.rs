//! The public REST API under `/api/v1/` (SPEC section 5). The OpenAPI 3.1 document is generated
//! from the handlers' own annotations as they are registered, so the routes and the document
//! cannot drift apart.

mod auth;
mod document;
mod negotiation;
pub mod problem;
mod resources;
mod writes;

use axum::{extract::Request, response::IntoResponse, routing::get, Json, Router};
use candor_app::backend::{request::RequestMeta, state::AppState};
use candor_app::error::AppError;
use problem::Problem;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::{router::OpenApiRouter, routes};

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Candor API",
        version = "1",
        description = "The public REST API of Candor. Authenticate with an API key created by an \
                       admin: `Authorization: Bearer cnd_…`. Errors are RFC 9457 problem details; \
                       lists are `{\"data\": [...], \"next_cursor\": ...}` with `limit` (at most \
                       100) and `cursor`. Scopes: read (every GET), write (creating), ats (stages \
                       and decisions)."
    ),
    modifiers(&BearerKey),
    components(schemas(resources::ProblemDetails)),
    tags(
        (name = "recruitments"), (name = "candidates"), (name = "applications"),
        (name = "interviews")
    )
)]
struct ApiDoc;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("cnd_<lookup>_<secret>")
                    .build(),
            ),
        );
    }
}

fn api() -> OpenApiRouter<AppState> {
    use resources::*;
    use writes::*;
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_recruitments, create_recruitment))
        .routes(routes!(get_recruitment))
        .routes(routes!(list_candidates, create_candidate))
        .routes(routes!(get_candidate))
        .routes(routes!(list_consents))
        .routes(routes!(list_applications))
        .routes(routes!(get_application))
        .routes(routes!(move_application))
        .routes(routes!(record_decision))
        .routes(routes!(list_interviews))
        .routes(routes!(get_interview))
}

/// The OpenAPI document, as served (and as the tests walk it).
pub fn openapi() -> utoipa::openapi::OpenApi {
    document::complete(api().split_for_parts().1)
}

pub fn router(state: AppState) -> Router {
    let (routes, doc) = api().split_for_parts();
    let doc = Arc::new(document::complete(doc));
    routes
        .route(
            OPENAPI_PATH,
            get(move || async move { Json(doc.as_ref().clone()) }),
        )
        .route("/api/v1/{*rest}", axum::routing::any(unknown_endpoint))
        .with_state(state)
        // The API's own small body limit, inside the layer that answers its refusal as a problem.
        .layer(RequestBodyLimitLayer::new(crate::startup::BODY_LIMIT))
        .layer(axum::middleware::from_fn(negotiation::answer_with_problems))
}

async fn unknown_endpoint(request: Request) -> impl IntoResponse {
    let request_id = request
        .extensions()
        .get::<RequestMeta>()
        .map(|m| m.request_id.clone())
        .unwrap_or_default();
    Problem::new(AppError::NotFound, &request_id)
}

//! Inbound webhooks (S15): thin — the raw body and two headers go to the use case, which checks
//! the signature before anything is parsed.

use crate::rest::problem::Problem;
use axum::{
    body::Bytes,
    extract::State,
    response::{IntoResponse, Response},
    Extension,
};
use candor_app::backend::{request::RequestMeta, state::AppState, webhooks};
use candor_app::error::AppError;
use http::{HeaderMap, StatusCode};

pub const EMAIL_EVENTS_PATH: &str = "/webhooks/email-events";

pub async fn email_events(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Without a configured secret the endpoint does not exist.
    let Some(secret) = state.settings.email_webhook_secret.clone() else {
        return Problem::new(AppError::NotFound, &meta.request_id).into_response();
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match webhooks::receive_email_event(
        &state,
        &meta,
        secret.as_bytes(),
        header(webhooks::TIMESTAMP_HEADER),
        header(webhooks::SIGNATURE_HEADER),
        &body,
    )
    .await
    {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => Problem::new(e, &meta.request_id).into_response(),
    }
}

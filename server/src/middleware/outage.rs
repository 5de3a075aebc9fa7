//! A database outage answers 503 whichever layer met it. Handlers already map an unreachable
//! database to `AppError::Unavailable`, but the session layer runs before them and can only say
//! 500 when it cannot load a session; a client told 500 assumes a bug, a client told 503 retries.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use candor_app::{backend::state::AppState, error::AppError};
use http::{header, HeaderValue, StatusCode};
use std::time::Duration;

/// How long the check may take: it only runs after a failure, and must not double its wait.
const PROBE_LIMIT: Duration = Duration::from_secs(1);

/// Seconds a client should wait before trying again.
const RETRY_AFTER_SECS: u32 = 5;

pub async fn answer_503_while_database_is_down(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let wants_json = request.uri().path().starts_with("/fn/");
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    // The probe runs as its own task: giving up on it must not cancel a query half-way through a
    // pooled connection.
    let probe = tokio::spawn(async move { state.db.ping().await });
    let reachable = matches!(tokio::time::timeout(PROBE_LIMIT, probe).await, Ok(Ok(true)));
    if reachable {
        return response;
    }
    let mut unavailable = if wants_json {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_vec(&AppError::Unavailable).unwrap_or_default(),
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unavailable.to_string(),
        )
            .into_response()
    };
    unavailable
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    unavailable
}

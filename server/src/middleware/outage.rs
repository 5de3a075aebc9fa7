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
    // Answered as the handlers answer the same error: its status, body and `Retry-After`.
    let error = AppError::Unavailable;
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut unavailable = if wants_json {
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_vec(&error).unwrap_or_default(),
        )
            .into_response()
    } else {
        (status, error.to_string()).into_response()
    };
    if let Some(secs) = error.retry_after_secs() {
        unavailable
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    unavailable
}

//! Server functions answer errors with our `AppError` as JSON; this applies its status map
//! (`AppError::status`) and `Retry-After`, so a client's mistake is never a 500 and an unknown
//! function is a plain 404 that names no framework.

use axum::{body::Body, extract::Request, middleware::Next, response::Response};
use candor_app::error::AppError;
use http::{header, HeaderValue, StatusCode};

const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn map_status(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/fn/") {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = err.retry_after_secs() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        return Response::from_parts(parts, Body::from(bytes));
    }
    if bytes.starts_with(b"Could not find a server function") {
        let body = serde_json::to_vec(&AppError::NotFound).unwrap_or_default();
        parts.status = StatusCode::NOT_FOUND;
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(body));
    }
    Response::from_parts(parts, Body::from(bytes))
}

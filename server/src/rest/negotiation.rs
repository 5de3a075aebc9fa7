//! What the API answers before and around its handlers, as problem details like every other
//! refusal (RFC 9457): an `Accept` it cannot serve (406), a method the resource does not answer
//! (405, with `Allow`), a body over the limit (413). A body that is not JSON (415) is refused by
//! the writes themselves, after the key is checked.

use super::problem::Problem;
use crate::startup::BODY_LIMIT;
use axum::{
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Response},
};
use candor_app::backend::request::RequestMeta;
use candor_app::error::AppError;
use http::{header, HeaderMap, StatusCode};

/// Whether an `Accept` header admits a JSON answer (an answer or a problem); no header admits
/// anything. A media range with `q=0` is one the client refuses.
fn accepts_json(headers: &HeaderMap) -> bool {
    let values: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return true;
    }
    values.iter().flat_map(|v| v.split(',')).any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        !refused
            && matches!(
                media.as_str(),
                "*/*" | "application/*" | "application/json" | "application/problem+json"
            )
    })
}

/// Whether a request's `Content-Type` says JSON (`application/json`, any parameters).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/problem+json")
}

/// Refuses what the API cannot serve, and turns the router's and the body limit's plain
/// refusals into problems.
pub async fn answer_with_problems(request: Request, next: Next) -> Response {
    let request_id = request
        .extensions()
        .get::<RequestMeta>()
        .map(|m| m.request_id.clone())
        .unwrap_or_default();
    if !accepts_json(request.headers()) {
        return Problem::new(AppError::NotAcceptable, &request_id).into_response();
    }
    let response = next.run(request).await;
    let error = match response.status() {
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::ContentTooLarge {
            limit_bytes: BODY_LIMIT as u64,
        },
        _ => return response,
    };
    if is_problem(&response) {
        return response;
    }
    let mut problem = Problem::new(error, &request_id).into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        problem.headers_mut().insert(header::ALLOW, allow.clone());
    }
    problem
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn json_is_served_to_whoever_accepts_it_and_only_to_them() {
        assert!(accepts_json(&HeaderMap::new()));
        for ok in [
            "*/*",
            "application/json",
            "text/html, application/problem+json;q=0.5",
            "application/*",
            "Application/JSON",
        ] {
            assert!(accepts_json(&accept(ok)), "{ok}");
        }
        for refused in [
            "text/html",
            "application/xml",
            "application/json;q=0",
            "image/*",
        ] {
            assert!(!accepts_json(&accept(refused)), "{refused}");
        }
    }
}

//! RFC 9457 problem details: how every API error leaves the server. The status comes from
//! `AppError::status`, the one status map; a stable `code` and the request id ride along.

use axum::response::{IntoResponse, Response};
use candor_app::error::AppError;
use http::{header, HeaderValue, StatusCode};
use http_api_problem::HttpApiProblem;

/// An API error with the request id it is reported under.
pub struct Problem {
    pub error: AppError,
    pub request_id: String,
}

impl Problem {
    pub fn new(error: AppError, request_id: &str) -> Self {
        Self {
            error,
            request_id: request_id.to_owned(),
        }
    }
}

/// The `type` of each problem: a stable URN per error code.
pub fn problem_type(code: &str) -> String {
    format!("urn:candor:problem:{code}")
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let error = match self.error {
            AppError::Internal { .. } => AppError::Internal {
                request_id: self.request_id.clone(),
            },
            // An API caller is never "signed in"; say what is missing.
            other => other,
        };
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let title = match &error {
            AppError::Unauthenticated => "A valid API key is required.".to_owned(),
            AppError::Forbidden => {
                "This key may not do that (scope or network not allowed).".to_owned()
            }
            other => other.to_string(),
        };
        let mut problem = HttpApiProblem::new(status)
            .type_url(problem_type(error.code()))
            .title(title)
            .value("code", &error.code())
            .value("request_id", &self.request_id);
        if let AppError::Invalid { fields } = &error {
            problem = problem.value("errors", fields);
        }
        if let AppError::BadRequest { message } | AppError::Conflict { message } = &error {
            problem = problem.detail(message.clone());
        }
        if let AppError::DeletionRequestPending {
            request_id,
            received_on,
        } = &error
        {
            problem = problem
                .detail(format!(
                    "Send \"confirm_deletion_request\": \"{request_id}\" to go ahead regardless."
                ))
                .value("pending_request", request_id)
                .value("received_on", received_on);
        }
        let mut response = problem.to_axum_response();
        if let Some(secs) = error.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"candor\""),
            );
        }
        response
    }
}

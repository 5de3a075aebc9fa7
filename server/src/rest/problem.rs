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

/// The title of a problem type: one fixed sentence per type, whatever the occurrence (RFC 9457
/// section 3.1.3); the specifics go to `detail`.
pub fn title(error: &AppError) -> String {
    let fixed = match error {
        // An API caller is never "signed in"; say what is missing.
        AppError::Unauthenticated => "A valid API key is required.",
        AppError::Forbidden => "This key may not do that (scope or network not allowed).",
        AppError::Invalid { .. } => "Some fields of the request are not acceptable.",
        AppError::BadRequest { .. } => "The request is malformed.",
        AppError::RateLimited { .. } => "Too many requests for this key.",
        AppError::ConsentRequired { .. } => "The candidate has not given the consent this needs.",
        AppError::Conflict { .. } => "The request clashes with the current state.",
        AppError::DeletionRequestPending { .. } => {
            "The candidate asked for the deletion of their data."
        }
        AppError::ConfirmationRequired { .. } => "This step must be confirmed.",
        AppError::ContentTooLarge { .. } => "The request body is too large.",
        AppError::Internal { .. } => "Something went wrong on our side.",
        // The other types' messages are fixed sentences already.
        other => return other.to_string(),
    };
    fixed.to_owned()
}

/// The specifics of one occurrence, where the type has any.
fn detail(error: &AppError) -> Option<String> {
    match error {
        AppError::BadRequest { message } | AppError::Conflict { message } => Some(message.clone()),
        AppError::DeletionRequestPending { request_id, .. } => Some(format!(
            "{error} Send \"confirm_deletion_request\": \"{request_id}\" to go ahead regardless."
        )),
        AppError::Invalid { .. } => Some("Each field named in `errors` says what it takes.".into()),
        AppError::RateLimited { .. }
        | AppError::ConsentRequired { .. }
        | AppError::ConfirmationRequired { .. }
        | AppError::ContentTooLarge { .. }
        | AppError::Internal { .. } => Some(error.to_string()),
        _ => None,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let error = match self.error {
            AppError::Internal { .. } => AppError::Internal {
                request_id: self.request_id.clone(),
            },
            other => other,
        };
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut problem = HttpApiProblem::new(status)
            .type_url(problem_type(error.code()))
            .title(title(&error))
            .value("code", &error.code())
            .value("request_id", &self.request_id);
        if let AppError::Invalid { fields } = &error {
            problem = problem.value("errors", fields);
        }
        if let Some(detail) = detail(&error) {
            problem = problem.detail(detail);
        }
        if let AppError::DeletionRequestPending {
            request_id,
            received_on,
        } = &error
        {
            problem = problem
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

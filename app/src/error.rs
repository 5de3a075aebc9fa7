//! `AppError`: the one error that crosses the wire, and its one status map.
//!
//! Every variant is something a user may be shown. Internal causes are logged on the server with
//! the request id and never serialised; another organisation's record is `NotFound` (R3).

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("Please correct the fields marked below.")]
    Invalid { fields: Vec<FieldError> },
    #[error("{message}")]
    BadRequest { message: String },
    /// Deliberately silent about which of the two was wrong (F2).
    #[error("The e-mail address or password is not correct.")]
    InvalidCredentials,
    /// F2: single sign-on refused, without saying which check failed.
    #[error("Single sign-on did not work for this account. Ask your admin whether it is enabled for you, or sign in with your password.")]
    SsoRefused,
    #[error("Please confirm your e-mail address first: we sent you a link when you signed up.")]
    EmailNotVerified,
    #[error("This link is not valid any more. It may have been used already or have expired.")]
    InvalidToken,
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    RateLimited { retry_after_secs: u64 },
    #[error("Your organisation must accept the current data processing agreement first.")]
    DpaAcceptanceRequired,
    /// F2: admins (and everyone, when the organisation says so) enrol before anything else.
    #[error("Set up two-factor sign-in to continue.")]
    MfaEnrolmentRequired,
    #[error(
        "Your organisation's file storage is full. Remove files or ask an admin for more space."
    )]
    StorageQuotaExceeded,
    /// F7: recording, transcription and evaluation wait for the candidate's consent.
    #[error("The candidate has not given consent to {purpose} for this application.")]
    ConsentRequired { purpose: String },
    /// F9: a granted restriction or objection stops evaluation, recording and transcription.
    #[error("The candidate has restricted the processing of their data; it is paused.")]
    ProcessingRestricted,
    /// Consent links state who candidates can reach about their data (Kantara receipts require
    /// it): none go out before an admin has given the organisation's privacy contact.
    #[error("An admin must first give the organisation's privacy contact (postal address, e-mail and phone) in Settings: candidates are told it with every consent request.")]
    PrivacyContactRequired,
    /// The request clashes with the current state (e.g. the same idempotency key still running).
    #[error("{message}")]
    Conflict { message: String },
    /// F9: the candidate asked for the deletion of their data and the request is still open, so
    /// adding them, asking them again or deciding about them waits for an explicit confirmation
    /// that names this request.
    #[error("The candidate asked for the deletion of their data (request {request_id}, received {received_on}), which is still open. Confirm that you go ahead regardless.")]
    DeletionRequestPending {
        request_id: String,
        received_on: String,
    },
    /// An irreversible step waits for its form's confirmation box, checked on the server.
    #[error("Tick the box to confirm {what}.")]
    ConfirmationRequired { what: String },
    /// HTTP-level refusals of the public API: a method the resource does not answer, an
    /// `Accept` it cannot serve, a body over its limit or not JSON.
    #[error("This method is not allowed on this resource.")]
    MethodNotAllowed,
    #[error("The answer can only be application/json or application/problem+json.")]
    NotAcceptable,
    #[error("The request body is larger than the {limit_bytes} bytes allowed.")]
    ContentTooLarge { limit_bytes: u64 },
    #[error("The request body must be JSON, sent as Content-Type: application/json.")]
    UnsupportedMediaType,
    #[error("The service is temporarily unavailable. Please try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. Reference: {request_id}.")]
    Internal { request_id: String },
}

impl AppError {
    /// The status map: the only place an error becomes an HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials | AppError::SsoRefused => 401,
            AppError::Forbidden
            | AppError::EmailNotVerified
            | AppError::DpaAcceptanceRequired
            | AppError::MfaEnrolmentRequired => 403,
            AppError::NotFound => 404,
            AppError::InvalidToken => 410,
            AppError::Invalid { .. } | AppError::ConfirmationRequired { .. } => 422,
            AppError::BadRequest { .. } => 400,
            AppError::MethodNotAllowed => 405,
            AppError::NotAcceptable => 406,
            AppError::ContentTooLarge { .. } => 413,
            AppError::UnsupportedMediaType => 415,
            AppError::RateLimited { .. } => 429,
            AppError::StorageQuotaExceeded
            | AppError::Conflict { .. }
            | AppError::ConsentRequired { .. }
            | AppError::ProcessingRestricted
            | AppError::PrivacyContactRequired
            | AppError::DeletionRequestPending { .. } => 409,
            AppError::Unavailable => 503,
            AppError::Internal { .. } => 500,
        }
    }

    /// Seconds a client should wait before trying again (`Retry-After`), for the errors that
    /// pass by themselves.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            AppError::Unavailable => Some(5),
            _ => None,
        }
    }

    /// A stable, short code for URLs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid { .. } => "invalid",
            AppError::BadRequest { .. } => "bad_request",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::SsoRefused => "sso_refused",
            AppError::EmailNotVerified => "email_not_verified",
            AppError::InvalidToken => "invalid_token",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::DpaAcceptanceRequired => "dpa_acceptance_required",
            AppError::MfaEnrolmentRequired => "mfa_enrolment_required",
            AppError::StorageQuotaExceeded => "storage_quota_exceeded",
            AppError::ConsentRequired { .. } => "consent_required",
            AppError::ProcessingRestricted => "processing_restricted",
            AppError::PrivacyContactRequired => "privacy_contact_required",
            AppError::Conflict { .. } => "conflict",
            AppError::DeletionRequestPending { .. } => "deletion_request_pending",
            AppError::ConfirmationRequired { .. } => "confirmation_required",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::NotAcceptable => "not_acceptable",
            AppError::ContentTooLarge { .. } => "content_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::Unavailable => "unavailable",
            AppError::Internal { .. } => "internal",
        }
    }

    pub fn invalid(field: &str, message: impl ToString) -> Self {
        AppError::Invalid {
            fields: vec![FieldError {
                field: field.to_owned(),
                message: message.to_string(),
            }],
        }
    }

    /// The message for one form field, if this error names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields } => fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The client sent something we could not read: its mistake, said plainly.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::BadRequest {
                message: "The request was incomplete or malformed.".into(),
            },
            ServerFnErrorErr::Request(_) => AppError::Unavailable,
            _ => AppError::Internal {
                request_id: String::new(),
            },
        }
    }
}

impl AppError {
    /// Rebuilds an error from the `?error=code` a browser without JavaScript was redirected with.
    /// Free-text variants get a fixed message: the URL never supplies words.
    pub fn from_code(code: &str, retry_after_secs: Option<u64>) -> Option<Self> {
        Some(match code {
            "unauthenticated" => AppError::Unauthenticated,
            "forbidden" => AppError::Forbidden,
            "not_found" => AppError::NotFound,
            "invalid" => AppError::Invalid { fields: vec![] },
            "bad_request" => AppError::BadRequest {
                message: "The request could not be processed.".into(),
            },
            "invalid_credentials" => AppError::InvalidCredentials,
            "sso_refused" => AppError::SsoRefused,
            "email_not_verified" => AppError::EmailNotVerified,
            "invalid_token" => AppError::InvalidToken,
            "rate_limited" => AppError::RateLimited {
                retry_after_secs: retry_after_secs.unwrap_or(60),
            },
            "dpa_acceptance_required" => AppError::DpaAcceptanceRequired,
            "mfa_enrolment_required" => AppError::MfaEnrolmentRequired,
            "storage_quota_exceeded" => AppError::StorageQuotaExceeded,
            "processing_restricted" => AppError::ProcessingRestricted,
            "privacy_contact_required" => AppError::PrivacyContactRequired,
            "conflict" => AppError::Conflict {
                message: "The request clashes with the current state.".into(),
            },
            "consent_required" => AppError::ConsentRequired {
                purpose: "this use".into(),
            },
            "confirmation_required" => AppError::ConfirmationRequired {
                what: "this step (it cannot be undone)".into(),
            },
            "unavailable" => AppError::Unavailable,
            "internal" => AppError::Internal {
                request_id: "see server logs".into(),
            },
            _ => return None,
        })
    }

    /// Rebuilds the pending-deletion refusal from a no-JavaScript redirect's `request` and
    /// `received` (see `guard::error_location`): only an id and a day, both checked for their
    /// shape, so the URL still supplies no words.
    pub fn deletion_request_pending_from(request: &str, received: &str) -> Option<Self> {
        let id =
            crate::domain::ids::PublicId::parse(crate::domain::ids::IdKind::DataRequest, request)?;
        let day = time::macros::format_description!("[year]-[month]-[day]");
        let received = time::Date::parse(received, &day).ok()?;
        Some(AppError::DeletionRequestPending {
            request_id: id.to_string(),
            received_on: received.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_errors_that_pass_say_when_to_retry() {
        let limited = AppError::RateLimited {
            retry_after_secs: 30,
        };
        assert_eq!(limited.retry_after_secs(), Some(30));
        assert_eq!(AppError::Unavailable.retry_after_secs(), Some(5));
        assert_eq!(AppError::NotFound.retry_after_secs(), None);
        assert_eq!(
            AppError::Internal {
                request_id: "r".into()
            }
            .retry_after_secs(),
            None
        );
    }

    #[test]
    fn the_wire_form_round_trips_and_names_the_error() {
        let err = AppError::RateLimited {
            retry_after_secs: 30,
        };
        let json = serde_json::to_string(&err).unwrap();
        assert_eq!(json, r#"{"error":"rate_limited","retry_after_secs":30}"#);
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), err);
    }

    #[test]
    fn a_pending_deletion_comes_back_from_a_redirect_only_as_an_id_and_a_day() {
        let request = "dsr_0123456789abcdefghjkmnpqrs";
        assert_eq!(
            AppError::deletion_request_pending_from(request, "2026-03-01"),
            Some(AppError::DeletionRequestPending {
                request_id: request.into(),
                received_on: "2026-03-01".into(),
            })
        );
        for (request, day) in [
            ("<b>Pay now</b>", "2026-03-01"),
            ("cand_0123456789abcdefghjkmnpqrs", "2026-03-01"),
            (request, "tomorrow"),
            (request, "2026-02-30"),
        ] {
            assert_eq!(
                AppError::deletion_request_pending_from(request, day),
                None,
                "{request} {day}"
            );
        }
        assert_eq!(AppError::from_code("deletion_request_pending", None), None);
    }

    #[test]
    fn client_mistakes_are_never_server_errors() {
        let from_args = AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into()));
        assert_eq!(from_args.status(), 400);
        assert_eq!(AppError::invalid("email", "bad").status(), 422);
    }
}

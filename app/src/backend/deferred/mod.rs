//! Requests whose answer must not tell whether an address is known (F1, F3, F9): sign-up,
//! password reset, verification resend and the privacy page's links. The request checks its rate
//! limits and its form, then only queues what it asks for ([`defer`]); whether the address is
//! known, the token, the e-mail and the audit event are the worker's ([`worker::work`]). Both
//! kinds of address therefore cost the request the same statements and the same time.

pub mod worker;

use super::db;
use super::request::RequestMeta;
use super::state::AppState;
use crate::error::AppError;
use ipnetwork::IpNetwork;
use serde::{Deserialize, Serialize};

/// What a request asked for, as queued. Addresses were parsed by the request.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    SignUp(SignUp),
    PasswordReset { email: String },
    VerificationResend { email: String },
    PrivacyLinks { email: String, lang: String },
}

/// A sign-up as the form gave it, the password already hashed (the request did the hashing, so
/// that its time says nothing either, and no password is ever queued).
#[derive(Debug, Serialize, Deserialize)]
pub struct SignUp {
    pub org_name: String,
    pub display_name: String,
    pub email: String,
    pub password_hash: String,
}

/// Queues `job`: the request's only write besides its rate limits.
pub async fn defer(state: &AppState, meta: &RequestMeta, job: &Job) -> Result<(), AppError> {
    let value = serde_json::to_value(job).map_err(super::errors::internal)?;
    db::deferred::insert(
        state.db.app_pool(),
        &value,
        &meta.request_id,
        IpNetwork::from(meta.client_addr),
        state.clock.now(),
    )
    .await?;
    Ok(())
}

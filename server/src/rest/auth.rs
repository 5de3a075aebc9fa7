//! The API's guard (S2 for integrations): every handler takes an [`Integration`], so no endpoint
//! runs without an authenticated key; scopes are checked by the use case.

use super::problem::Problem;
use axum::extract::FromRequestParts;
use axum::extract::Query;
use candor_app::backend::{api_keys, api_keys::ApiCaller, request::RequestMeta, state::AppState};
use candor_app::error::AppError;
use http::request::Parts;
use serde::de::DeserializeOwned;

pub struct Integration {
    pub caller: ApiCaller,
    pub meta: RequestMeta,
}

impl Integration {
    pub fn problem(&self, error: AppError) -> Problem {
        Problem::new(error, &self.meta.request_id)
    }
}

fn meta_of(parts: &Parts) -> RequestMeta {
    parts
        .extensions
        .get::<RequestMeta>()
        .cloned()
        .expect("the request-meta middleware runs before every route")
}

impl FromRequestParts<AppState> for Integration {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let meta = meta_of(parts);
        let presented = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let caller = api_keys::authenticate(state, &meta, presented)
            .await
            .map_err(|e| Problem::new(e, &meta.request_id))?;
        Ok(Self { caller, meta })
    }
}

/// Query parameters, with a malformed query answered as a problem (400), not as plain text.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(Problem::new(
                AppError::BadRequest {
                    message: format!("The query string is not valid: {}", rejection.body_text()),
                },
                &meta_of(parts).request_id,
            )),
        }
    }
}

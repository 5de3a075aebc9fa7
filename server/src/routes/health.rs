//! Liveness and readiness (SPEC section 5), and the published verification key.

use axum::{extract::State, http::StatusCode};
use candor_app::backend::state::AppState;

pub async fn healthz() -> StatusCode {
    StatusCode::OK
}

pub async fn readyz(State(state): State<AppState>) -> StatusCode {
    if state.db.ping().await {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// The public key that signs consent receipts and deletion certificates, for anyone to verify.
pub async fn jwks(State(state): State<AppState>) -> axum::Json<serde_json::Value> {
    axum::Json(state.signer.jwks())
}

//! `POST /logout` (SPEC section 5): a plain form post, so it works without JavaScript.

use axum::{
    extract::{Request, State},
    response::{IntoResponse, Redirect, Response},
};
use candor_app::backend::{
    accounts,
    guard::{load_caller, AUTHZ_HEADER},
    request::RequestMeta,
    state::AppState,
};
use candor_app::domain::role::Access;
use http::{HeaderValue, StatusCode};
use tower_sessions::Session;

pub async fn logout(State(state): State<AppState>, request: Request) -> Response {
    let (Some(session), Some(meta)) = (
        request.extensions().get::<Session>().cloned(),
        request.extensions().get::<RequestMeta>().cloned(),
    ) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // Signing out is open to anyone (Access::Public); with a session, it is ended and audited.
    let caller = load_caller(&state, &session).await.ok().flatten();
    let mut response = match accounts::sign_out(&state, &meta, &session, caller.as_ref()).await {
        Ok(()) => Redirect::to("/login").into_response(),
        Err(e) => StatusCode::from_u16(e.status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
    };
    if state.settings.expose_authz_decisions {
        if let Ok(v) = HeaderValue::from_str(&Access::Public.describe()) {
            response.headers_mut().insert(AUTHZ_HEADER, v);
        }
    }
    response
}

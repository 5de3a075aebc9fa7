//! Single sign-on routes (F2): the browser leaves for the provider from `start` and comes back to
//! `callback`. Thin: the use cases in `backend::sso` decide; every refusal lands on the sign-in
//! page with the same code.

use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
    Extension,
};
use candor_app::backend::{
    accounts::SignInOutcome, guard::Ctx, request::RequestMeta, sso, state::AppState,
};
use candor_app::domain::sso::SsoProvider;
use candor_app::error::AppError;
use candor_app::routes::TWO_FACTOR_PAGE;
use serde::Deserialize;
use tower_sessions::Session;

fn ctx(state: AppState, meta: RequestMeta, session: Session) -> Ctx {
    Ctx {
        state,
        meta,
        session,
        caller: None,
    }
}

fn back_to_login(err: &AppError) -> Response {
    let code = match err {
        AppError::RateLimited { .. } | AppError::Unavailable => err.code(),
        _ => AppError::SsoRefused.code(),
    };
    Redirect::to(&format!("/login?error={code}")).into_response()
}

#[derive(Deserialize)]
pub struct StartParams {
    email: Option<String>,
    /// An invitation accepted through the provider.
    invite: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(session): Extension<Session>,
    Path(provider): Path<String>,
    Query(params): Query<StartParams>,
) -> Response {
    let Some(kind) = SsoProvider::parse(&provider) else {
        return back_to_login(&AppError::NotFound);
    };
    let c = ctx(state, meta, session);
    match sso::start(&c, kind, params.email.as_deref(), params.invite.as_deref()).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => back_to_login(&e),
    }
}

#[derive(Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(session): Extension<Session>,
    Path(provider): Path<String>,
    Query(params): Query<CallbackParams>,
) -> Response {
    let Some(kind) = SsoProvider::parse(&provider) else {
        return back_to_login(&AppError::NotFound);
    };
    let c = ctx(state, meta, session);
    match sso::finish(&c, kind, params.code.as_deref(), params.state.as_deref()).await {
        Ok(SignInOutcome::SignedIn) => Redirect::to("/app").into_response(),
        Ok(SignInOutcome::SecondFactorNeeded) => Redirect::to("/login/two-factor").into_response(),
        Ok(SignInOutcome::EnrolmentNeeded) => Redirect::to(TWO_FACTOR_PAGE).into_response(),
        Err(e) => back_to_login(&e),
    }
}

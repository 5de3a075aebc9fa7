//! The guard for pages (S2): before a page renders, its access from `routes::PAGES` is decided.
//! Signed-out visitors of staff pages go to `/login`; a role without the permission gets 403.
//! The decided caller is kept in the request so the page's server functions reuse it.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use candor_app::backend::guard::{authorize, AUTHZ_HEADER};
use candor_app::backend::state::AppState;
use candor_app::domain::role::Access;
use candor_app::error::AppError;
use http::{HeaderValue, Method, StatusCode};
use tower_sessions::Session;

pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    let access = candor_app::routes::page_access(request.uri().path());
    let (true, Some(access)) = (is_read, access) else {
        return next.run(request).await;
    };
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let decision = authorize(&state, &session, None, access).await;
    let mut response = match decision {
        Ok(caller) => {
            if let Some(caller) = caller {
                request.extensions_mut().insert(caller);
            }
            next.run(request).await
        }
        Err(AppError::Unauthenticated) => Redirect::to("/login").into_response(),
        Err(AppError::MfaEnrolmentRequired) => {
            Redirect::to(candor_app::routes::TWO_FACTOR_PAGE).into_response()
        }
        Err(AppError::Forbidden) | Err(AppError::DpaAcceptanceRequired) => forbidden_page(),
        Err(AppError::Unavailable) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if state.settings.expose_authz_decisions {
        if let Ok(v) = HeaderValue::from_str(&Access::describe(access)) {
            response.headers_mut().insert(AUTHZ_HEADER, v);
        }
    }
    response
}

fn forbidden_page() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not allowed · Candor</title>\
         <link rel=\"stylesheet\" href=\"/pkg/candor.css\"></head><body><main class=\"narrow\">\
         <h1>Not allowed</h1><p>Your role does not give access to this page.</p>\
         <p><a href=\"/app\">Back to the dashboard</a></p></main></body></html>",
    )
        .into_response()
}

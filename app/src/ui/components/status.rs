//! The HTTP status of a page that could not show what it loads.

use crate::error::AppError;
use leptos::prelude::*;

/// Answers the page being rendered on the server with `error`'s status and, for an error that
/// passes by itself, its `Retry-After`: a page about a record that is not there (or not the
/// reader's, R3) is a 404 to a crawler, a monitor or a script as it is to the reader. In the
/// browser (hydration, later navigation) there is no response to set.
pub fn answer_page_with(error: &AppError) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(error.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
        if let Some(secs) = error.retry_after_secs() {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = error;
}

/// Whether `error` refuses a one-time link's page: never a link (404) or spent (410). The page
/// explains it in its own words, with that status.
pub fn is_link_refusal(error: &AppError) -> bool {
    matches!(error, AppError::NotFound | AppError::InvalidToken)
}

/// What a page shows instead of what it could not load; the page answers with the error's status.
pub fn load_error(error: &AppError) -> AnyView {
    answer_page_with(error);
    view! { <p class="banner banner-error" role="alert">{error.to_string()}</p> }.into_any()
}

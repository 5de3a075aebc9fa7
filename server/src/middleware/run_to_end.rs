//! Every request runs to its end in a task of its own, even after its client has gone away.
//!
//! Hyper drops a request's future when the connection closes. Dropped between sending a statement
//! and reading its answer, sqlx could lose track of a transaction (measured under load: a `BEGIN`
//! sent into a transaction left open, a `ROLLBACK` sent after it had ended): the connection went
//! back to the pool still inside the abandoned transaction, with that request's organisation
//! scope and half-done writes, for the next request to run in and commit. A request that has
//! started finishes, so its transaction commits or rolls back whole.

use axum::{extract::Request, middleware::Next, response::IntoResponse, response::Response};
use http::StatusCode;
use tracing::Instrument;

pub async fn detach(request: Request, next: Next) -> Response {
    match tokio::spawn(next.run(request).in_current_span()).await {
        Ok(response) => response,
        // Only a panic outside the panic-catching layer, or the runtime shutting down.
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response(),
    }
}

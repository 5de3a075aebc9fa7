//! HTTP middleware, outermost first in `startup::router`: request metadata and tracing, a task of
//! its own for each request, security headers, body limits, CSRF, the outage answer, sessions,
//! the page guard and the server-function error map.

pub mod client_addr;
pub mod fn_errors;
pub mod headers;
pub mod outage;
pub mod page_access;
pub mod request_meta;
pub mod run_to_end;
pub mod same_origin;

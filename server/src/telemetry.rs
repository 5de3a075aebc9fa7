//! Structured JSON logs. Request spans carry the request id and a path with tokens redacted;
//! nothing logs bodies, so passwords, tokens and candidate content never reach the log (S14).

use tracing_subscriber::{fmt, fmt::MakeWriter, util::SubscriberInitExt, EnvFilter};

/// The log filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_sessions=warn";

pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Also routes the `log` records of dependencies (lettre, …) into the same lines.
    let _ = subscriber(filter, std::io::stdout).try_init();
}

/// The portal's log: JSON lines, each with the span of its request (request id, redacted path).
/// Tests read what the portal logs through the same subscriber.
pub fn subscriber<W>(filter: EnvFilter, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
}

/// The path as logged: a one-time token in the URL becomes `:token`.
pub fn loggable_path(path: &str) -> String {
    if candor_app::routes::is_token_page(path) {
        match path.rsplit_once('/') {
            Some((prefix, _)) => format!("{prefix}/:token"),
            None => path.to_owned(),
        }
    } else {
        path.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_reach_the_log() {
        assert_eq!(loggable_path("/reset/s3cr3t-token"), "/reset/:token");
        assert_eq!(loggable_path("/verify-email/abc"), "/verify-email/:token");
        assert_eq!(loggable_path("/app/account"), "/app/account");
    }
}

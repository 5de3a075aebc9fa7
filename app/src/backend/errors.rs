//! Conversions from infrastructure errors into the wire error. Internal causes are logged here,
//! once, inside the request's tracing span (which carries the request id), and never returned.

use crate::error::AppError;

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => AppError::NotFound,
            // An outage is never "not found": the caller should retry, not give up.
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            // The server shutting down or starting up (57P01-57P03), or the connection lost
            // (class 08), is an outage too, met on a connection the pool had handed out.
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")) =>
            {
                tracing::warn!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            // A write referring to a record deleted meanwhile (a candidate whose deletion
            // committed while the request ran): what it referred to is gone.
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                tracing::info!(error = %err, "a referenced record is gone");
                AppError::NotFound
            }
            // Text PostgreSQL cannot hold (a NUL byte) came from the client: its mistake, not ours.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("22021") => {
                AppError::BadRequest {
                    message: "The request contains characters that cannot be stored.".into(),
                }
            }
            _ => internal(err),
        }
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        internal(err)
    }
}

/// Logs an unexpected failure and returns the opaque error; the guard fills in the request id.
pub fn internal(err: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %err, "internal error");
    AppError::Internal {
        request_id: String::new(),
    }
}

/// True when a unique constraint refused the write (a race between two sign-ups, for instance).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

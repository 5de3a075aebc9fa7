//! Credentials and sessions: password hashing, one-time tokens, the session record.

pub mod password;
pub mod session;
pub mod tokens;
pub mod totp;

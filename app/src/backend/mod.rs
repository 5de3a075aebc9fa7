//! Server-only code: state, the authorisation guard, all SQL, use cases and e-mail.
//! Nothing here is compiled into the browser bundle.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod audit_log;
pub mod auth;
pub mod candidates;
pub mod clock;
pub mod consent;
pub mod data_requests;
pub mod db;
pub mod deferred;
pub mod documents;
pub mod errors;
pub mod files;
pub mod guard;
pub mod html;
pub mod idempotency;
pub mod interviews;
pub mod links;
pub mod mail;
pub mod mfa;
pub mod privacy;
pub mod public_api;
pub mod purge;
pub mod rate_limit;
pub mod recruitments;
pub mod request;
pub mod retention;
pub mod settings;
pub mod signing;
pub mod sso;
pub mod state;
pub mod users;
pub mod webhooks;

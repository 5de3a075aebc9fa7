//! Pure business rules: no I/O, no HTTP, no clock of their own (time is always a parameter).

pub mod api_key;
pub mod audit;
pub mod consent;
pub mod controller;
pub mod dpa;
pub mod dsar;
pub mod email_address;
pub mod i18n;
pub mod ids;
pub mod interview;
pub mod listing;
pub mod mfa;
pub mod password;
pub mod pipeline;
pub mod rate_limit;
pub mod recruitment;
pub mod retention;
pub mod role;
pub mod sso;
pub mod token;
pub mod upload;

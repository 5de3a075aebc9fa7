//! The integration test binary: real PostgreSQL (a fresh database per test, via `sqlx::test`),
//! the real router on a real port, actors named after what they do.

mod audit;
mod auth;
mod coverage;
mod email;
mod helpers;
mod security;
mod tenancy;

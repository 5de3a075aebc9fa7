//! The integration test binary: real PostgreSQL (a fresh database per test, via `sqlx::test`),
//! the real router on a real port, actors named after what they do.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod audit;
mod auth;
mod candidates;
mod consent;
mod contract;
mod controller;
mod coverage;
mod defaults;
mod email;
mod faults;
mod files;
mod forms;
mod helpers;
mod instances;
mod interviews;
mod logs;
mod metrics;
mod mfa;
mod pages;
mod pending_deletion;
mod privacy;
mod process;
mod purge;
mod queries;
mod races;
mod reads;
mod recruitments;
mod rest;
mod retention;
mod security;
mod shutdown;
mod site;
mod smtp;
mod sso;
mod tenancy;
mod traces;
mod upgrades;
mod users;
mod visibility;
mod webhooks;
mod xss;

//! The composition root: configuration, telemetry, middleware and wiring. Application logic
//! lives in `candor-app`.

pub mod cli;
pub mod config;
pub mod demo;
pub mod embedded_pg;
pub mod memory;
pub mod metrics;
pub mod middleware;
pub mod migrations;
pub mod rest;
pub mod routes;
pub mod sessions;
pub mod startup;
pub mod telemetry;
pub mod workers;

//! Candor: the Leptos application shared by the server (`ssr`) and the browser (`hydrate`).
//!
//! Layers: `domain` (pure rules), `api` (server functions, thin), `ui` (pages and components) and,
//! on the server only, `backend` (state, authorisation guard, SQL, use cases, e-mail).
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod domain;
pub mod error;
pub mod routes;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod backend;

pub use app::{shell, App};

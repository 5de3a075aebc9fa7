pub mod files;
pub mod health;
pub mod logout;
pub mod sso;
pub mod webhooks;

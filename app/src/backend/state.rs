//! Application state shared by every request and background task.

use super::{clock::Clock, db::Db, files::FileVault, mail::Mailer, signing::Signer, sso::Sso};
use std::sync::Arc;

/// Settings the application needs at run time, validated by the server's configuration loader.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The public origin, e.g. `https://candor.example.com`, used for links in e-mail.
    pub base_url: String,
    /// Cookies carry `Secure` and the `__Host-` prefix unless this is plain-http development.
    pub secure_cookies: bool,
    /// Adds an `x-candor-authz` header naming the guard's decision, so tests can prove that every
    /// route made one. Off in production.
    pub expose_authz_decisions: bool,
    pub mail_from: String,
    /// The shared secret of the e-mail provider's webhook (S15); without one it is off.
    pub email_webhook_secret: Option<String>,
}

impl Settings {
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path)
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-candor_session"
        } else {
            "candor_session"
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub mailer: Mailer,
    pub files: FileVault,
    pub signer: Arc<Signer>,
    pub sso: Arc<Sso>,
}

//! The one authorisation guard (S2). Every server function runs through [`serve`], every page
//! through the server's page-access middleware, both deciding with [`authorize`]: who the caller
//! is (re-validated on every request, F2), whether their role allows the route, and with which
//! organisation scope their transactions run.

use super::auth::session::{
    SessionUser, ABSOLUTE_TIMEOUT, ACTIVITY_GRANULARITY, LAST_ACTIVE_KEY, SESSION_KEY,
};
use super::db;
use super::request::RequestMeta;
use super::state::AppState;
use crate::domain::mfa::{second_factor_required, MfaPolicy};
use crate::domain::role::{allows, Access, Permission, Role};
use crate::error::AppError;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use std::future::Future;
use tower_sessions::Session;
use uuid::Uuid;

pub use crate::domain::dpa::CURRENT_VERSION as CURRENT_DPA_VERSION;

/// A signed-in, active user of one organisation, as read from the database on this request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Uuid,
    pub user_public_id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: Uuid,
    pub org_public_id: String,
    pub org_name: String,
    pub session_epoch: i32,
    pub dpa_current: bool,
    pub mfa_enabled: bool,
    /// The role or the organisation's policy demands a second factor (F2).
    pub mfa_required: bool,
}

impl Caller {
    /// The role check every use case starts with.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if !allows(self.role, permission) {
            return Err(AppError::Forbidden);
        }
        if self.mfa_required && !self.mfa_enabled && permission != Permission::ManageOwnAccount {
            return Err(AppError::MfaEnrolmentRequired);
        }
        if permission.needs_current_dpa() && !self.dpa_current {
            return Err(AppError::DpaAcceptanceRequired);
        }
        Ok(())
    }
}

/// Everything a use case may need from the request.
pub struct Ctx {
    pub state: AppState,
    pub meta: RequestMeta,
    pub session: Session,
    pub caller: Option<Caller>,
}

impl Ctx {
    /// The caller of a route whose access demanded one.
    pub fn caller(&self) -> Result<&Caller, AppError> {
        self.caller.as_ref().ok_or(AppError::Unauthenticated)
    }
}

/// Loads and re-validates the session's user: the session must be within its absolute lifetime,
/// the user must still exist, be active and carry the session's epoch. Anything else ends the
/// session.
pub async fn load_caller(state: &AppState, session: &Session) -> Result<Option<Caller>, AppError> {
    let Some(record) = session.get::<SessionUser>(SESSION_KEY).await? else {
        return Ok(None);
    };
    let now = state.clock.now();
    let expired = now.unix_timestamp() - record.signed_in_at > ABSOLUTE_TIMEOUT.whole_seconds();
    let row = if expired {
        None
    } else {
        db::users::caller(state.db.app_pool(), record.org_id, record.user_id).await?
    };
    let valid = row.filter(|r| r.active && r.session_epoch == record.epoch);
    match valid.and_then(Caller::from_row) {
        Some(caller) => {
            let last_active = session.get::<i64>(LAST_ACTIVE_KEY).await?;
            let now = now.unix_timestamp();
            if last_active.is_none_or(|t| now - t >= ACTIVITY_GRANULARITY.whole_seconds()) {
                session.insert(LAST_ACTIVE_KEY, now).await?;
            }
            Ok(Some(caller))
        }
        None => {
            session.flush().await?;
            Ok(None)
        }
    }
}

impl Caller {
    /// The caller a user row describes; `None` for a role the portal does not know.
    pub fn from_row(row: db::users::CallerRow) -> Option<Caller> {
        let role = Role::parse(&row.role)?;
        Some(Caller {
            user_id: row.user_id,
            user_public_id: row.user_public_id,
            email: row.email,
            display_name: row.display_name,
            role,
            org_id: row.org_id,
            org_public_id: row.org_public_id,
            org_name: row.org_name,
            session_epoch: row.session_epoch,
            dpa_current: row.dpa_version_accepted.as_deref() == Some(CURRENT_DPA_VERSION),
            mfa_enabled: row.mfa_enabled,
            mfa_required: second_factor_required(
                role,
                MfaPolicy::parse(&row.mfa_policy).unwrap_or(MfaPolicy::Everyone),
            ),
        })
    }
}

/// The decision for one request: the caller when the access demands one, or an error.
pub async fn authorize(
    state: &AppState,
    session: &Session,
    cached: Option<Caller>,
    access: Access,
) -> Result<Option<Caller>, AppError> {
    if access == Access::Public {
        return Ok(None);
    }
    let caller = match cached {
        Some(c) => c,
        None => load_caller(state, session)
            .await?
            .ok_or(AppError::Unauthenticated)?,
    };
    if let Access::Requires(permission) = access {
        caller.require(permission)?;
    }
    Ok(Some(caller))
}

/// Header naming the decision, present when `Settings::expose_authz_decisions` is on.
pub const AUTHZ_HEADER: &str = "x-candor-authz";

/// Runs a server function body behind the guard. `form_page` names the page whose form posts
/// here: a browser without JavaScript is sent back to it with the error's code in the query.
pub async fn serve<T, F, Fut>(
    access: Access,
    form_page: Option<&str>,
    body: F,
) -> Result<T, AppError>
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let parts = use_context::<http::request::Parts>()
        .ok_or_else(|| super::errors::internal("server function without request parts"))?;
    let state = use_context::<AppState>()
        .ok_or_else(|| super::errors::internal("server function without application state"))?;
    let meta = parts
        .extensions
        .get::<RequestMeta>()
        .cloned()
        .ok_or_else(|| super::errors::internal("request without metadata"))?;
    let session = parts
        .extensions
        .get::<Session>()
        .cloned()
        .ok_or_else(|| super::errors::internal("request without session layer"))?;
    let cached = parts.extensions.get::<Caller>().cloned();

    if state.settings.expose_authz_decisions {
        if let Some(res) = use_context::<ResponseOptions>() {
            if let Ok(v) = http::HeaderValue::from_str(&access.describe()) {
                res.insert_header(http::HeaderName::from_static(AUTHZ_HEADER), v);
            }
        }
    }

    let outcome = match authorize(&state, &session, cached, access).await {
        Ok(caller) => {
            body(Ctx {
                state,
                meta: meta.clone(),
                session,
                caller,
            })
            .await
        }
        Err(e) => Err(e),
    };
    outcome.map_err(|err| finish_error(err, &meta, &parts, form_page))
}

fn finish_error(
    err: AppError,
    meta: &RequestMeta,
    parts: &http::request::Parts,
    form_page: Option<&str>,
) -> AppError {
    let err = match err {
        AppError::Internal { .. } => AppError::Internal {
            request_id: meta.request_id.clone(),
        },
        other => other,
    };
    let plain_form_post = parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if let (true, Some(page)) = (plain_form_post, form_page) {
        leptos_axum::redirect(&error_location(page, &err));
    }
    err
}

/// `page?error=code[&fields=a,b]`: codes, field names, and the id and day of a pending deletion
/// request (which its confirmation names), never free text, so a crafted link cannot put words
/// in the portal's mouth.
pub fn error_location(page: &str, err: &AppError) -> String {
    let sep = if page.contains('?') { '&' } else { '?' };
    let mut location = format!("{page}{sep}error={}", err.code());
    if let AppError::Invalid { fields } = err {
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        location.push_str("&fields=");
        location.push_str(&names.join(","));
    }
    if let AppError::RateLimited { retry_after_secs } = err {
        location.push_str(&format!("&retry_after={retry_after_secs}"));
    }
    if let AppError::DeletionRequestPending {
        request_id,
        received_on,
    } = err
    {
        location.push_str(&format!("&request={request_id}&received={received_on}"));
    }
    location
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(dpa_current: bool) -> Caller {
        Caller {
            user_id: Uuid::nil(),
            user_public_id: "usr_x".into(),
            email: "a@example.com".into(),
            display_name: "A".into(),
            role: Role::Admin,
            org_id: Uuid::nil(),
            org_public_id: "org_x".into(),
            org_name: "Org".into(),
            session_epoch: 0,
            dpa_current,
            mfa_enabled: true,
            mfa_required: true,
        }
    }

    #[test]
    fn admin_work_waits_for_the_current_dpa_but_accepting_it_does_not() {
        let outdated = admin(false);
        assert_eq!(
            outdated.require(Permission::ManageUsers),
            Err(AppError::DpaAcceptanceRequired)
        );
        assert_eq!(outdated.require(Permission::AcceptDpa), Ok(()));
        assert_eq!(outdated.require(Permission::ViewDashboard), Ok(()));
        assert_eq!(admin(true).require(Permission::ManageUsers), Ok(()));
    }

    #[test]
    fn without_a_required_second_factor_only_the_own_account_is_open() {
        let mut unenrolled = admin(true);
        unenrolled.mfa_enabled = false;
        assert_eq!(
            unenrolled.require(Permission::ViewDashboard),
            Err(AppError::MfaEnrolmentRequired)
        );
        assert_eq!(
            unenrolled.require(Permission::ManageUsers),
            Err(AppError::MfaEnrolmentRequired)
        );
        assert_eq!(unenrolled.require(Permission::ManageOwnAccount), Ok(()));
        let mut optional = unenrolled.clone();
        optional.role = Role::Recruiter;
        optional.mfa_required = false;
        assert_eq!(optional.require(Permission::ViewDashboard), Ok(()));
    }

    fn row(role: &str, dpa: Option<&str>, mfa_policy: &str) -> db::users::CallerRow {
        db::users::CallerRow {
            user_id: Uuid::nil(),
            user_public_id: "usr_x".into(),
            email: "a@example.com".into(),
            display_name: "A".into(),
            role: role.into(),
            active: true,
            session_epoch: 3,
            org_id: Uuid::nil(),
            org_public_id: "org_x".into(),
            org_name: "Org".into(),
            dpa_version_accepted: dpa.map(str::to_owned),
            mfa_enabled: false,
            mfa_policy: mfa_policy.into(),
        }
    }

    #[test]
    fn a_caller_is_read_from_its_row_with_the_dpa_and_second_factor_it_owes() {
        let current = Caller::from_row(row("recruiter", Some(CURRENT_DPA_VERSION), "admins"))
            .expect("a known role");
        assert_eq!(
            (current.role, current.dpa_current, current.mfa_required),
            (Role::Recruiter, true, false)
        );
        assert_eq!(current.session_epoch, 3);
        let outdated = Caller::from_row(row("admin", Some("2025-01"), "admins")).unwrap();
        assert_eq!((outdated.dpa_current, outdated.mfa_required), (false, true));
        assert!(
            !Caller::from_row(row("admin", None, "admins"))
                .unwrap()
                .dpa_current
        );
        // Everyone owes a second factor under that policy, and under a policy not understood.
        for policy in ["everyone", "unknown"] {
            let c = Caller::from_row(row("interviewer", None, policy)).unwrap();
            assert!(c.mfa_required, "{policy}");
        }
        assert!(Caller::from_row(row("owner", None, "admins")).is_none());
    }

    #[test]
    fn a_form_error_goes_back_to_its_page_as_codes_only() {
        assert_eq!(
            error_location("/login", &AppError::InvalidCredentials),
            "/login?error=invalid_credentials"
        );
        assert_eq!(
            error_location("/c/consent/t?lang=de", &AppError::InvalidToken),
            "/c/consent/t?lang=de&error=invalid_token"
        );
        let invalid = AppError::Invalid {
            fields: ["email", "password"]
                .map(|f| crate::error::FieldError {
                    field: f.into(),
                    message: "free text never travels".into(),
                })
                .to_vec(),
        };
        assert_eq!(
            error_location("/signup", &invalid),
            "/signup?error=invalid&fields=email,password"
        );
        assert_eq!(
            error_location(
                "/reset",
                &AppError::RateLimited {
                    retry_after_secs: 30
                }
            ),
            "/reset?error=rate_limited&retry_after=30"
        );
    }

    #[test]
    fn a_refusal_for_a_pending_deletion_redirects_with_the_request_id_and_day_alone() {
        let err = AppError::DeletionRequestPending {
            request_id: "dsr_0123456789abcdefghjkmnpqrs".into(),
            received_on: "2026-03-01".into(),
        };
        assert_eq!(
            error_location("/app/recruitments/rec_x", &err),
            "/app/recruitments/rec_x?error=deletion_request_pending\
             &request=dsr_0123456789abcdefghjkmnpqrs&received=2026-03-01"
        );
    }

    #[test]
    fn a_weaker_role_is_forbidden_whatever_the_dpa() {
        let mut recruiter = admin(true);
        recruiter.role = Role::Recruiter;
        assert_eq!(
            recruiter.require(Permission::AcceptDpa),
            Err(AppError::Forbidden)
        );
        assert_eq!(
            recruiter.require(Permission::ManageUsers),
            Err(AppError::Forbidden)
        );
    }
}

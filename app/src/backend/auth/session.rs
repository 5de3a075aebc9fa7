//! The server-side session record (S4). The cookie holds only the session id.

use serde::{Deserialize, Serialize};
use time::Duration;
use uuid::Uuid;

pub const SESSION_KEY: &str = "auth";
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);

/// The session store re-stamps the idle deadline whenever it saves a session. Saving on every
/// request would cost a database write each, so activity marks the session changed at most this
/// often: the deadline then falls between 29 and 30 minutes after the last request, never later.
pub const ACTIVITY_GRANULARITY: Duration = Duration::minutes(1);

/// Unix seconds of the last request that moved the idle deadline.
pub const LAST_ACTIVE_KEY: &str = "last_active";
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: Uuid,
    pub org_id: Uuid,
    /// Must equal the user's current epoch; bumping it revokes this session.
    pub epoch: i32,
    /// Unix seconds at sign-in, for the absolute timeout.
    pub signed_in_at: i64,
}

/// The audit event of the sign-in that opens the session (`audit::DeferredEvent`), carried in it
/// from the sign-in to the session store, which takes it out and stores the session and the event
/// in one statement (`server/src/sessions.rs`): neither is stored without the other, and never is
/// the event stored in the session.
pub const OPENING_EVENT_KEY: &str = "opening_event";

/// The password (or SSO) step passed; the second factor is still to come (F2). Kept apart from
/// [`SessionUser`] so that nothing treats this session as signed in.
pub const PENDING_SIGN_IN_KEY: &str = "pending_sign_in";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub epoch: i32,
    /// Unix seconds when the first factor passed.
    pub started_at: i64,
}

/// Recovery codes just made, shown once by the next page load and then forgotten.
pub const FRESH_RECOVERY_CODES_KEY: &str = "fresh_recovery_codes";

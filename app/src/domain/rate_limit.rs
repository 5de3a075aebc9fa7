//! Fixed-window rate limits (S7). The counter lives in PostgreSQL; the decision lives here.

use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Names the bucket family, e.g. `signin:addr`.
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
}

pub const SIGN_IN_PER_ADDRESS: Policy = Policy {
    name: "signin:addr",
    limit: 20,
    window: Duration::minutes(15),
};
pub const SIGN_IN_PER_ACCOUNT: Policy = Policy {
    name: "signin:acct",
    limit: 10,
    window: Duration::minutes(15),
};
/// Second-factor codes per account: 10 tries against a million codes leave no room to guess.
pub const SECOND_FACTOR_PER_ACCOUNT: Policy = Policy {
    name: "mfa:acct",
    limit: 10,
    window: Duration::minutes(15),
};
pub const SIGN_UP_PER_ADDRESS: Policy = Policy {
    name: "signup:addr",
    limit: 5,
    window: Duration::hours(1),
};
pub const RESET_PER_ADDRESS: Policy = Policy {
    name: "reset:addr",
    limit: 10,
    window: Duration::hours(1),
};
pub const RESET_PER_ACCOUNT: Policy = Policy {
    name: "reset:acct",
    limit: 3,
    window: Duration::hours(1),
};
pub const RESEND_PER_ADDRESS: Policy = Policy {
    name: "resend:addr",
    limit: 10,
    window: Duration::hours(1),
};
pub const RESEND_PER_ACCOUNT: Policy = Policy {
    name: "resend:acct",
    limit: 3,
    window: Duration::hours(1),
};
pub const TOKEN_PAGE_PER_ADDRESS: Policy = Policy {
    name: "token:addr",
    limit: 30,
    window: Duration::minutes(15),
};

/// The public privacy page: links asked per address and per e-mail address.
pub const PRIVACY_LINK_PER_ADDRESS: Policy = Policy {
    name: "privacy:addr",
    limit: 10,
    window: Duration::hours(1),
};
pub const PRIVACY_LINK_PER_EMAIL: Policy = Policy {
    name: "privacy:email",
    limit: 3,
    window: Duration::hours(1),
};

/// Calls per API key per minute, by the organisation's plan tier (S7).
pub const fn api_key_policy(plan_tier: &str) -> Policy {
    match plan_tier.as_bytes() {
        b"enterprise" => API_KEY_ENTERPRISE,
        b"standard" => API_KEY_STANDARD,
        _ => API_KEY_TRIAL,
    }
}
pub const API_KEY_TRIAL: Policy = Policy {
    name: "api:trial",
    limit: 60,
    window: Duration::minutes(1),
};
pub const API_KEY_STANDARD: Policy = Policy {
    name: "api:standard",
    limit: 600,
    window: Duration::minutes(1),
};
pub const API_KEY_ENTERPRISE: Policy = Policy {
    name: "api:enterprise",
    limit: 3000,
    window: Duration::minutes(1),
};

impl Policy {
    /// The start of the window that `now` falls into; windows are aligned to the Unix epoch so
    /// that every portal instance agrees on them.
    pub fn window_start(&self, now: OffsetDateTime) -> OffsetDateTime {
        let window = self.window.whole_seconds().max(1);
        let secs = now.unix_timestamp();
        let start = secs - secs.rem_euclid(window);
        OffsetDateTime::from_unix_timestamp(start).expect("aligned timestamp is in range")
    }

    /// Given the number of hits counted in the current window (this one included).
    pub fn decide(&self, hits: i64, window_start: OffsetDateTime, now: OffsetDateTime) -> Decision {
        if hits <= i64::from(self.limit) {
            return Decision::Allowed;
        }
        let reset_at = window_start + self.window;
        let wait = (reset_at - now).whole_seconds().max(1);
        Decision::Limited {
            retry_after_secs: wait as u64,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Limited { retry_after_secs: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn hits_up_to_the_limit_pass_and_the_next_waits_for_the_window() {
        let now = datetime!(2026-11-21 10:07:30 UTC);
        let start = SIGN_IN_PER_ACCOUNT.window_start(now);
        assert_eq!(start, datetime!(2026-11-21 10:00:00 UTC));
        assert_eq!(
            SIGN_IN_PER_ACCOUNT.decide(10, start, now),
            Decision::Allowed
        );
        assert_eq!(
            SIGN_IN_PER_ACCOUNT.decide(11, start, now),
            Decision::Limited {
                retry_after_secs: 450
            }
        );
    }

    #[test]
    fn an_api_key_is_limited_by_its_organisations_plan() {
        let per_minute = |tier| {
            let policy = api_key_policy(tier);
            assert_eq!(policy.window, Duration::minutes(1), "{tier}");
            policy.limit
        };
        assert_eq!(per_minute("trial"), 60);
        assert_eq!(per_minute("standard"), 600);
        assert_eq!(per_minute("enterprise"), 3000);
        assert_eq!(per_minute("unknown"), 60);
    }

    #[test]
    fn retry_after_is_never_zero() {
        let now = datetime!(2026-11-21 10:14:59.999 UTC);
        let start = SIGN_IN_PER_ACCOUNT.window_start(now);
        assert_eq!(
            SIGN_IN_PER_ACCOUNT.decide(99, start, now),
            Decision::Limited {
                retry_after_secs: 1
            }
        );
    }
}

//! Fixed-window rate limits (S7). The counter lives in PostgreSQL; the decision lives here.

use std::net::IpAddr;
use time::{Duration, OffsetDateTime};

/// The subject of a per-address limit: an IPv4 client by its address (an IPv4-mapped IPv6 peer
/// as the IPv4 address it is), an IPv6 client by its /64 — one host usually holds the whole /64,
/// and counting single addresses would give it 2^64 budgets.
pub fn address_subject(addr: IpAddr) -> String {
    match addr.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

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

/// Staff may ask a candidate again for consent, but not flood their inbox.
pub const CONSENT_RESEND_PER_APPLICATION: Policy = Policy {
    name: "consent-resend:app",
    limit: 3,
    window: Duration::days(1),
};

/// Invitations an organisation sends: enough for a team's on-boarding, not for mass e-mail.
pub const INVITATIONS_PER_ORG: Policy = Policy {
    name: "invite:org",
    limit: 50,
    window: Duration::days(1),
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

/// Every policy, for the purge of buckets whose window has ended: a bucket of a policy missing
/// here is never purged (its window is unknown), so a new policy belongs here too.
pub const POLICIES: &[Policy] = &[
    SIGN_IN_PER_ADDRESS,
    SIGN_IN_PER_ACCOUNT,
    SECOND_FACTOR_PER_ACCOUNT,
    SIGN_UP_PER_ADDRESS,
    RESET_PER_ADDRESS,
    RESET_PER_ACCOUNT,
    RESEND_PER_ADDRESS,
    RESEND_PER_ACCOUNT,
    TOKEN_PAGE_PER_ADDRESS,
    PRIVACY_LINK_PER_ADDRESS,
    PRIVACY_LINK_PER_EMAIL,
    CONSENT_RESEND_PER_APPLICATION,
    INVITATIONS_PER_ORG,
    API_KEY_TRIAL,
    API_KEY_STANDARD,
    API_KEY_ENTERPRISE,
];

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

    #[test]
    fn an_ipv6_client_counts_by_its_slash_64_and_a_mapped_ipv4_peer_as_ipv4() {
        let subject = |raw: &str| address_subject(raw.parse().unwrap());
        assert_eq!(subject("2001:db8:1:2::1"), subject("2001:db8:1:2:ffff::9"));
        assert_eq!(subject("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(subject("2001:db8:1:2::1"), subject("2001:db8:1:3::1"));
        assert_eq!(subject("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(subject("192.0.2.7"), "192.0.2.7");
        assert_ne!(subject("192.0.2.7"), subject("192.0.2.8"));
    }
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
    fn every_policy_is_listed_once_and_no_bucket_family_contains_another() {
        // The declarations in this file, counted in its text (split so this line is no match).
        let declared = include_str!("rate_limit.rs")
            .matches(concat!(": Policy", " = Policy {"))
            .count();
        assert_eq!(
            declared,
            POLICIES.len(),
            "a policy is missing from POLICIES"
        );
        for (i, a) in POLICIES.iter().enumerate() {
            for b in &POLICIES[i + 1..] {
                assert_ne!(a.name, b.name);
                // A bucket is `family:digest`: one family's buckets must never start with another's.
                assert!(
                    !a.name.starts_with(&format!("{}:", b.name)),
                    "{} {}",
                    a.name,
                    b.name
                );
                assert!(
                    !b.name.starts_with(&format!("{}:", a.name)),
                    "{} {}",
                    a.name,
                    b.name
                );
            }
        }
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

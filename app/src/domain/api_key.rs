//! API keys (F11) as rules: the scopes, the shape of a presented key, and a key's status.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub const KEY_PREFIX: &str = "cnd_";
/// Base32 (lower case) characters of the lookup part: 60 bits, only for finding the row.
pub const LOOKUP_LEN: usize = 12;
/// Base64url characters of the secret part: 256 bits.
pub const SECRET_LEN: usize = 43;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every GET of the public API.
    Read,
    /// Creating recruitments and candidates.
    Write,
    /// Applicant tracking: moving applications through stages and recording decisions.
    Ats,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Ats];

    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Ats => "ats",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub const fn describe(self) -> &'static str {
        match self {
            Scope::Read => {
                "read: list and read recruitments, candidates, applications, interviews, consents"
            }
            Scope::Write => "write: create recruitments and candidates",
            Scope::Ats => "ats: move applications between stages and record hiring decisions",
        }
    }
}

/// A presented key split into its lookup and secret parts; `None` for anything not shaped like
/// a Candor key (answered exactly like an unknown key).
pub fn split_presented(raw: &str) -> Option<(&str, &str)> {
    let rest = raw.strip_prefix(KEY_PREFIX)?;
    let (lookup, secret) = rest.split_once('_')?;
    let lookup_ok = lookup.len() == LOOKUP_LEN
        && lookup
            .chars()
            .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c));
    let secret_ok = secret.len() == SECRET_LEN
        && secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (lookup_ok && secret_ok).then_some((lookup, secret))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Active,
    Expired,
    Revoked,
}

impl KeyStatus {
    pub fn of(
        revoked_at: Option<OffsetDateTime>,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Self {
        if revoked_at.is_some() {
            KeyStatus::Revoked
        } else if expires_at.is_some_and(|e| e <= now) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Expired => "Expired",
            KeyStatus::Revoked => "Revoked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn only_well_formed_keys_are_split() {
        let secret = "a".repeat(SECRET_LEN);
        let key = format!("cnd_abcdefghij23_{secret}");
        assert_eq!(
            split_presented(&key),
            Some(("abcdefghij23", secret.as_str()))
        );
        // A base64url secret holds `-` and `_` as often as not; its first `_` is not the split.
        let url_safe = format!("{}-_-", "a".repeat(SECRET_LEN - 3));
        assert_eq!(
            split_presented(&format!("cnd_abcdefghij23_{url_safe}")),
            Some(("abcdefghij23", url_safe.as_str()))
        );
        for bad in [
            format!("cnx_abcdefghij23_{secret}"),
            format!("cnd_ABCDEFGHIJ23_{secret}"),
            format!("cnd_abcdefghij2_{secret}"),
            format!("cnd_abcdefghij23_{}", &secret[1..]),
            format!("cnd_abcdefghij23_{}!", &secret[1..]),
            "cnd_".into(),
            String::new(),
        ] {
            assert_eq!(split_presented(&bad), None, "{bad}");
        }
    }

    #[test]
    fn revocation_wins_over_expiry_and_expiry_is_exclusive() {
        let now = datetime!(2026-11-21 12:00 UTC);
        assert_eq!(KeyStatus::of(None, None, now), KeyStatus::Active);
        assert_eq!(KeyStatus::of(None, Some(now), now), KeyStatus::Expired);
        assert_eq!(
            KeyStatus::of(Some(now), Some(now + time::Duration::days(1)), now),
            KeyStatus::Revoked
        );
    }

    #[test]
    fn scopes_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("admin"), None);
    }
}

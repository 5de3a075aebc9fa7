//! Two-factor sign-in rules (F2): who must have a second factor, how a typed code is read, and
//! which TOTP time step a code may be accepted for (never one already used).

use crate::domain::role::Role;
use crate::domain::token::constant_time_eq;
use serde::{Deserialize, Serialize};

/// TOTP parameters every authenticator app understands (RFC 6238 defaults).
pub const TOTP_DIGITS: usize = 6;
pub const TOTP_STEP_SECS: u64 = 30;
/// One step either side of now, for clocks that drift a little.
pub const TOTP_SKEW_STEPS: u64 = 1;
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Base32 characters per recovery code: 16 × 5 = 80 random bits.
pub const RECOVERY_CODE_LEN: usize = 16;
/// How long the password step stays valid while the second factor is asked.
pub const PENDING_SIGN_IN_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaPolicy {
    /// The floor: admins always need a second factor, others choose.
    Admins,
    Everyone,
}

impl MfaPolicy {
    pub const fn as_str(self) -> &'static str {
        match self {
            MfaPolicy::Admins => "admins",
            MfaPolicy::Everyone => "everyone",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [MfaPolicy::Admins, MfaPolicy::Everyone]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }

    pub const fn label(self) -> &'static str {
        match self {
            MfaPolicy::Admins => "Admins only (others may choose)",
            MfaPolicy::Everyone => "Everyone",
        }
    }
}

/// Whether a user with `role` must enrol before doing anything else.
pub const fn second_factor_required(role: Role, policy: MfaPolicy) -> bool {
    matches!(role, Role::Admin) || matches!(policy, MfaPolicy::Everyone)
}

/// A code typed at the second step: six digits from the app, or a recovery code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactor {
    Totp(String),
    /// Normalised: upper case, no separators.
    Recovery(String),
}

impl SecondFactor {
    pub fn parse(raw: &str) -> Option<Self> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.len() == TOTP_DIGITS && compact.chars().all(|c| c.is_ascii_digit()) {
            return Some(SecondFactor::Totp(compact));
        }
        let upper = compact.to_ascii_uppercase();
        let base32 = |c: char| c.is_ascii_uppercase() || ('2'..='7').contains(&c);
        (upper.len() == RECOVERY_CODE_LEN && upper.chars().all(base32))
            .then_some(SecondFactor::Recovery(upper))
    }
}

/// Shows a normalised recovery code in groups of four, easier to copy by hand.
pub fn display_recovery_code(normalised: &str) -> String {
    normalised
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The time step `code` is valid for, if any, among the steps around `now_unix` that are newer
/// than `last_used_step`. `code_at(step)` computes the app's code for a step; comparison is in
/// constant time.
pub fn accepted_step(
    code: &str,
    now_unix: u64,
    last_used_step: u64,
    code_at: impl Fn(u64) -> String,
) -> Option<u64> {
    let current = now_unix / TOTP_STEP_SECS;
    let first = current.saturating_sub(TOTP_SKEW_STEPS);
    (first..=current + TOTP_SKEW_STEPS)
        .filter(|step| *step > last_used_step)
        .find(|step| constant_time_eq(code_at(*step).as_bytes(), code.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_code(step: u64) -> String {
        format!("{:06}", (step * 7919) % 1_000_000)
    }

    #[test]
    fn the_password_step_waits_five_minutes_for_the_second_factor() {
        assert_eq!(PENDING_SIGN_IN_SECS, 300);
    }

    #[test]
    fn each_policy_is_offered_in_words_of_its_own() {
        assert_eq!(MfaPolicy::Admins.label(), "Admins only (others may choose)");
        assert_eq!(MfaPolicy::Everyone.label(), "Everyone");
    }

    #[test]
    fn admins_always_need_a_second_factor_others_by_policy() {
        for role in Role::ALL {
            assert_eq!(
                second_factor_required(role, MfaPolicy::Admins),
                role == Role::Admin
            );
            assert!(second_factor_required(role, MfaPolicy::Everyone));
        }
    }

    #[test]
    fn a_code_is_accepted_for_the_current_or_a_neighbouring_step_only() {
        let now = 1_800_000_015;
        let current = now / TOTP_STEP_SECS;
        for step in [current - 1, current, current + 1] {
            assert_eq!(
                accepted_step(&fake_code(step), now, 0, fake_code),
                Some(step)
            );
        }
        assert_eq!(
            accepted_step(&fake_code(current - 2), now, 0, fake_code),
            None
        );
        assert_eq!(
            accepted_step(&fake_code(current + 2), now, 0, fake_code),
            None
        );
    }

    #[test]
    fn a_used_step_and_every_older_one_are_refused() {
        let now = 1_800_000_015;
        let current = now / TOTP_STEP_SECS;
        assert_eq!(
            accepted_step(&fake_code(current), now, current, fake_code),
            None
        );
        assert_eq!(
            accepted_step(&fake_code(current - 1), now, current, fake_code),
            None
        );
        assert_eq!(
            accepted_step(&fake_code(current + 1), now, current, fake_code),
            Some(current + 1)
        );
    }

    #[test]
    fn typed_codes_are_read_leniently_but_never_guessed() {
        assert_eq!(
            SecondFactor::parse(" 123 456 "),
            Some(SecondFactor::Totp("123456".into()))
        );
        assert_eq!(
            SecondFactor::parse("abcd-efgh-ijkl-mn23"),
            Some(SecondFactor::Recovery("ABCDEFGHIJKLMN23".into()))
        );
        for bad in ["12345", "1234567", "abcd-efgh-ijkl-mn01", "", "12345a"] {
            assert_eq!(SecondFactor::parse(bad), None, "{bad}");
        }
        assert_eq!(
            display_recovery_code("ABCDEFGHIJKLMN23"),
            "ABCD-EFGH-IJKL-MN23"
        );
    }
}

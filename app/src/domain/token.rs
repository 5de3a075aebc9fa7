//! One-time token purposes (S11): each token serves exactly one purpose and one record.

use time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    EmailVerification,
    PasswordReset,
    Invite,
    /// A candidate's consent request for one application (F7).
    Consent,
    /// Changing or withdrawing given consent, from the confirmation e-mail (F7).
    ConsentManage,
    /// Opening one's own data at one organisation (F9).
    Privacy,
}

impl TokenPurpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::EmailVerification => "email_verification",
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::Invite => "invite",
            TokenPurpose::Consent => "consent",
            TokenPurpose::ConsentManage => "consent_manage",
            TokenPurpose::Privacy => "privacy",
        }
    }

    pub const fn lifetime(self) -> Duration {
        match self {
            TokenPurpose::EmailVerification => Duration::hours(48),
            TokenPurpose::PasswordReset => Duration::minutes(30),
            TokenPurpose::Invite => Duration::days(7),
            TokenPurpose::Consent => Duration::days(30),
            // As long as the organisation may keep an application's data at most.
            TokenPurpose::ConsentManage => Duration::days(730),
            TokenPurpose::Privacy => Duration::days(7),
        }
    }
}

/// Random bytes in a token: 256 bits, as S11 asks.
pub const TOKEN_BYTES: usize = 32;

/// A token as it appears in a link: 43 characters of unpadded URL-safe base64.
pub fn looks_like_token(raw: &str) -> bool {
    raw.len() == 43
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Compares secrets without an early exit, so the time taken says nothing about where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_purpose_has_its_own_stored_name() {
        let all = [
            TokenPurpose::EmailVerification,
            TokenPurpose::PasswordReset,
            TokenPurpose::Invite,
            TokenPurpose::Consent,
            TokenPurpose::ConsentManage,
            TokenPurpose::Privacy,
        ];
        // As stored in one_time_tokens.purpose: a token is found only under its own purpose.
        assert_eq!(
            all.map(TokenPurpose::as_str),
            [
                "email_verification",
                "password_reset",
                "invite",
                "consent",
                "consent_manage",
                "privacy"
            ]
        );
    }

    #[test]
    fn only_43_url_safe_characters_look_like_a_token() {
        assert!(looks_like_token(&"aZ09-_".repeat(8)[..43]));
        for wrong in [
            String::new(),
            "a".repeat(42),
            "a".repeat(44),
            format!("{}=", "a".repeat(42)),
            format!("{}/", "a".repeat(42)),
            format!("{}é", "a".repeat(41)),
        ] {
            assert!(!looks_like_token(&wrong), "{wrong}");
        }
    }

    #[test]
    fn secrets_are_equal_only_when_every_byte_is() {
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sane"));
        assert!(!constant_time_eq(b"same", b"same!"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}

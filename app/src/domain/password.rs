//! The password policy of S3: long enough, not absurdly long, and not a common password.

use std::fmt;

pub const MIN_CHARS: usize = 12;
/// Hashing cost grows with input; an upper bound keeps one request from becoming a CPU sink.
pub const MAX_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejected {
    #[error("Use at least {MIN_CHARS} characters.")]
    TooShort,
    #[error("Use at most {MAX_CHARS} characters.")]
    TooLong,
    #[error("This password is too common or too easy to guess; choose another.")]
    Common,
}

/// A new password that passed the policy. It cannot be printed or serialised.
pub struct NewPassword(String);

impl NewPassword {
    /// `is_common` is the dictionary check, injected so this rule stays free of large data.
    pub fn parse(
        raw: String,
        is_common: impl FnOnce(&str) -> bool,
    ) -> Result<Self, PasswordRejected> {
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordRejected::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordRejected::TooLong);
        }
        if is_common(&raw) {
            return Err(PasswordRejected::Common);
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_long_and_common_passwords_are_refused() {
        let never_common = |_: &str| false;
        assert_eq!(
            NewPassword::parse("elevenchars".into(), never_common).unwrap_err(),
            PasswordRejected::TooShort
        );
        assert_eq!(
            NewPassword::parse("x".repeat(129), never_common).unwrap_err(),
            PasswordRejected::TooLong
        );
        assert_eq!(
            NewPassword::parse("password1234".into(), |_| true).unwrap_err(),
            PasswordRejected::Common
        );
        assert!(NewPassword::parse("twelve chars".into(), never_common).is_ok());
        assert!(NewPassword::parse("x".repeat(128), never_common).is_ok());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // Twelve characters, far more bytes.
        assert!(NewPassword::parse("ééééééééééé1".into(), |_| false).is_ok());
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let p = NewPassword::parse("correct horse battery".into(), |_| false).unwrap();
        assert_eq!(format!("{p:?}"), "NewPassword(<redacted>)");
    }
}

//! Argon2id hashing with OWASP's parameters (S3), run off the async runtime.

use crate::domain::password::{NewPassword, PasswordRejected};
use crate::error::AppError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::num::NonZeroUsize;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// OWASP: argon2id, m = 19 MiB, t = 2, p = 1.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Applies the policy, with zxcvbn's dictionaries as the common-password check.
pub fn parse_new_password(raw: String, context: &[&str]) -> Result<NewPassword, PasswordRejected> {
    NewPassword::parse(raw, |candidate| {
        u8::from(zxcvbn::zxcvbn(candidate, context).score()) < 3
    })
}

/// At most one hash per core at a time. Each holds 19 MiB while it runs; more at once would not
/// finish sooner (the cores are busy) but would add up their memory — a burst of sign-ins would
/// otherwise take 19 MiB for every thread of the blocking pool. Waiting callers queue in order.
fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
    })
}

pub async fn hash(password: &NewPassword) -> Result<String, AppError> {
    let raw = password.expose().to_owned();
    let _permit = permits()
        .acquire()
        .await
        .map_err(super::super::errors::internal)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(raw.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(super::super::errors::internal)?
    .map_err(super::super::errors::internal)
}

/// Verifies `candidate` against `stored`; with no stored hash (unknown account) a dummy hash is
/// verified instead, so both cases take the same time (F2).
pub async fn verify(candidate: String, stored: Option<String>) -> Result<bool, AppError> {
    let _permit = permits()
        .acquire()
        .await
        .map_err(super::super::errors::internal)?;
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let matches = verify_blocking(&candidate, &stored);
        known && matches
    })
    .await
    .map_err(super::super::errors::internal)
}

/// The verification itself, on the calling thread (about 20 ms of one core): for blocking
/// contexts only. The load benchmark measures the machine's raw rate with it.
pub fn verify_blocking(candidate: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    hasher()
        .verify_password(candidate.as_bytes(), &parsed)
        .is_ok()
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(b"candor-dummy-password-for-timing", &salt)
            .expect("hashing a constant succeeds")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password_and_is_argon2id() {
        let pw = parse_new_password("a sturdy passphrase 42".into(), &[]).unwrap();
        let stored = hash(&pw).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!stored.contains("sturdy"));
        assert!(
            verify("a sturdy passphrase 42".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("a sturdy passphrase 43".into(), Some(stored))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify("candor-dummy-password-for-timing".into(), None)
            .await
            .unwrap());
    }

    #[test]
    fn common_passwords_are_refused_even_when_long() {
        for common in [
            "password1234",
            "qwertyuiop123",
            "123456789012",
            "iloveyou2024!",
        ] {
            assert_eq!(
                parse_new_password(common.into(), &[]).unwrap_err(),
                PasswordRejected::Common,
                "{common}"
            );
        }
    }

    #[test]
    fn the_users_own_details_count_as_common() {
        let err = parse_new_password(
            "ada.lovelace@example.com".into(),
            &["ada.lovelace@example.com"],
        );
        assert_eq!(err.unwrap_err(), PasswordRejected::Common);
    }
}

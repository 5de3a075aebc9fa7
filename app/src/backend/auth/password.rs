//! Argon2id hashing with OWASP's parameters (S3), run off the async runtime.

use crate::domain::password::{NewPassword, PasswordRejected};
use crate::error::AppError;
use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::num::NonZeroUsize;
use std::sync::{Mutex, OnceLock, PoisonError};
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
    PERMITS.get_or_init(|| Semaphore::new(cores()))
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

pub async fn hash(password: &NewPassword) -> Result<String, AppError> {
    let raw = password.expose().to_owned();
    off_the_runtime(permits(), move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(raw.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await?
    .map_err(super::super::errors::internal)
}

/// Runs `work` on the blocking pool once a permit is free. The permit is held by the work itself
/// and given back the moment it ends: a caller dropped meanwhile (its client gone) cannot free a
/// permit whose memory is still in use, and the next in line starts without waiting for this
/// caller's task to be scheduled again.
async fn off_the_runtime<R: Send + 'static>(
    permits: &'static Semaphore,
    work: impl FnOnce() -> R + Send + 'static,
) -> Result<R, AppError> {
    let permit = permits
        .acquire()
        .await
        .map_err(super::super::errors::internal)?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(super::super::errors::internal)
}

/// Verifies `candidate` against `stored`; with no stored hash (unknown account) a dummy hash is
/// verified instead, so both cases take the same time (F2).
pub async fn verify(candidate: String, stored: Option<String>) -> Result<bool, AppError> {
    off_the_runtime(permits(), move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let matches = verify_blocking(&candidate, &stored);
        known && matches
    })
    .await
}

/// The verification itself, on the calling thread (about 15 ms of one core here): for blocking
/// contexts only. The load benchmark measures the machine's raw rate with it.
///
/// It is the argon2 crate's own verification (`PasswordVerifier`) with one difference: the
/// 19 MiB of working memory come from [`WORKING_MEMORY`] instead of a fresh allocation.
pub fn verify_blocking(candidate: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else {
        return false;
    };
    let mut salt_buffer = [0_u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut computed = vec![0_u8; expected.len()];
    let hashed = with_working_memory(blocks, |memory| {
        argon2.hash_password_into_with_memory(candidate.as_bytes(), salt, &mut computed, memory)
    });
    // `Output`'s equality takes the same time wherever the first difference is.
    hashed.is_ok() && Output::new(&computed).is_ok_and(|computed| computed == expected)
}

/// Argon2id's working memory, kept from one verification to the next: at most one block set
/// (19 MiB) per core, as many as verifications may run at once, taken by a verification and given
/// back when it ends. Allocated anew for each verification, it was mapped fresh from the system
/// (the allocator maps blocks this large and unmaps them when freed, `server/src/memory.rs`) and
/// faulted in page by page: the kernel's zeroing, faulting and unmapping took about a sixth of the
/// portal's CPU per sign-in. Argon2id writes every block before it reads it, so nothing a
/// previous verification left is ever used.
static WORKING_MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn with_working_memory<R>(blocks: usize, use_it: impl FnOnce(&mut [Block]) -> R) -> R {
    let kept = WORKING_MEMORY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop();
    let mut memory = kept
        .filter(|memory| memory.len() >= blocks)
        .unwrap_or_else(|| vec![Block::default(); blocks]);
    let result = use_it(&mut memory);
    let mut pool = WORKING_MEMORY
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if pool.len() < cores() {
        pool.push(memory);
    }
    result
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

    /// The pooled verification answers exactly as the argon2 crate's own verifier, whatever the
    /// variant and parameters a stored hash names, and whatever memory an earlier one left.
    #[test]
    fn verification_agrees_with_the_crates_verifier_for_every_variant_and_size() {
        use argon2::password_hash::PasswordVerifier;
        let settings = [
            (Algorithm::Argon2id, 19 * 1024, 2, 1),
            (Algorithm::Argon2id, 64, 1, 1),
            (Algorithm::Argon2i, 256, 3, 2),
            (Algorithm::Argon2d, 32 * 1024, 1, 4),
            (Algorithm::Argon2id, 19 * 1024, 2, 1),
        ];
        for (algorithm, m, t, p) in settings {
            let params = Params::new(m, t, p, None).unwrap();
            let argon2 = Argon2::new(algorithm, Version::V0x13, params);
            let salt = SaltString::generate(&mut OsRng);
            let stored = argon2
                .hash_password(b"right horse", &salt)
                .unwrap()
                .to_string();
            let parsed = PasswordHash::new(&stored).unwrap();
            for candidate in ["right horse", "right horsf", "", "right horse "] {
                assert_eq!(
                    verify_blocking(candidate, &stored),
                    argon2
                        .verify_password(candidate.as_bytes(), &parsed)
                        .is_ok(),
                    "{stored} / {candidate:?}"
                );
            }
            assert!(verify_blocking("right horse", &stored), "{stored}");
        }
    }

    #[test]
    fn a_malformed_or_foreign_hash_verifies_nothing() {
        let salt = SaltString::generate(&mut OsRng);
        let good = hasher().hash_password(b"pw", &salt).unwrap().to_string();
        let truncated = &good[..good.len() - 4];
        let no_hash = good.rsplit_once('$').unwrap().0;
        for stored in [
            "",
            "$argon2id$",
            truncated,
            no_hash,
            "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=99$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ] {
            assert!(!verify_blocking("pw", stored), "{stored}");
        }
        assert!(verify_blocking("pw", &good));
    }

    /// However many verify at once, no more working memory is kept than one set per core.
    #[test]
    fn the_kept_working_memory_is_bounded_by_the_cores() {
        let salt = SaltString::generate(&mut OsRng);
        let stored = hasher().hash_password(b"pw", &salt).unwrap().to_string();
        std::thread::scope(|scope| {
            for _ in 0..cores() * 3 {
                scope.spawn(|| assert!(verify_blocking("pw", &stored)));
            }
        });
        let kept = WORKING_MEMORY.lock().unwrap().len();
        assert!((1..=cores()).contains(&kept), "{kept} kept");
    }

    /// The permit goes with the work, not with its caller: a caller dropped while its work runs
    /// leaves the permit taken until the work ends.
    #[tokio::test]
    async fn a_dropped_caller_leaves_the_permit_with_its_work_until_it_ends() {
        let permits: &'static Semaphore = Box::leak(Box::new(Semaphore::new(1)));
        let (started, has_started) = std::sync::mpsc::channel::<()>();
        let (finish, may_finish) = std::sync::mpsc::channel::<()>();
        let caller = tokio::spawn(off_the_runtime(permits, move || {
            started.send(()).unwrap();
            may_finish.recv().ok();
        }));
        tokio::task::spawn_blocking(move || has_started.recv())
            .await
            .unwrap()
            .unwrap();
        caller.abort();
        assert!(caller.await.unwrap_err().is_cancelled());
        assert_eq!(permits.available_permits(), 0, "the work still holds it");
        finish.send(()).unwrap();
        let given_back =
            tokio::time::timeout(std::time::Duration::from_secs(10), permits.acquire()).await;
        assert!(
            given_back.is_ok_and(|p| p.is_ok()),
            "given back when the work ended"
        );
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

//! Argon2id hashing with OWASP's parameters (S3), run off the async runtime.

use crate::domain::password::{NewPassword, PasswordRejected};
use crate::error::AppError;
use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::{mpsc, Arc, Mutex, OnceLock, PoisonError};
use tokio::sync::oneshot;

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

fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    // Asking the system reads the cgroup's files each time: once is enough.
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
}

pub async fn hash(password: &NewPassword) -> Result<String, AppError> {
    let raw = password.expose().to_owned();
    hashers()
        .run(move || {
            let salt = SaltString::generate(&mut OsRng);
            hasher()
                .hash_password(raw.as_bytes(), &salt)
                .map(|h| h.to_string())
        })
        .await?
        .map_err(super::super::errors::internal)
}

/// The portal's hashing threads: one per core.
fn hashers() -> &'static Hashers {
    static HASHERS: OnceLock<Hashers> = OnceLock::new();
    HASHERS.get_or_init(|| Hashers::start(cores()))
}

type Job = Box<dyn FnOnce() + Send>;

/// Threads of their own for argon2id, taking work in order from one queue. One per core: each
/// hash holds 19 MiB while it runs, and more at once would not finish sooner (the cores are busy)
/// but would add up their memory. A thread that ends a hash takes the next one queued straight
/// away; on tokio's blocking pool each hash had woken a worker to hand the next one over, and
/// parked and woken a pool thread, in the middle of sign-ins that are all argon2id but for a
/// fraction.
struct Hashers {
    queue: mpsc::Sender<Job>,
}

impl Hashers {
    fn start(threads: usize) -> Self {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..threads {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("argon2id-{n}"))
                .spawn(move || loop {
                    let next = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok(job) = next else { return };
                    // A job that panics drops its reply (its caller gets an error); the thread
                    // goes on with the next.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                })
                .expect("the system starts the hashing threads");
        }
        Self { queue }
    }

    /// Runs `work` on a hashing thread when its turn comes; queued at once, before the answer is
    /// awaited. A caller dropped before then (its client gone) wants no answer, and its work never
    /// runs: under a burst, abandoned sign-ins do not delay the ones still waiting.
    fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce() -> R + Send + 'static,
    ) -> impl Future<Output = Result<R, AppError>> {
        let (reply, answer) = oneshot::channel();
        let queued = self.queue.send(Box::new(move || {
            if !reply.is_closed() {
                let _ = reply.send(work());
            }
        }));
        async move {
            queued.map_err(super::super::errors::internal)?;
            answer.await.map_err(super::super::errors::internal)
        }
    }
}

/// Verifies `candidate` against `stored`; with no stored hash (unknown account) a dummy hash is
/// verified instead, so both cases take the same time (F2).
pub async fn verify(candidate: String, stored: Option<String>) -> Result<bool, AppError> {
    hashers()
        .run(move || {
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
        .unwrap_or_else(|| new_working_memory(blocks));
    let result = use_it(&mut memory);
    let mut pool = WORKING_MEMORY
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if pool.len() < cores() {
        pool.push(memory);
    }
    result
}

/// Working memory backed by huge pages where the system grants them. Argon2id reads its blocks
/// in an order it cannot predict, all over its 19 MiB: with 4 KiB pages nearly every read needed
/// a page-table walk, and more of them whenever PostgreSQL or the portal's other threads had run
/// on the core in between (a sign-in's argon2id ran 5 % slower than the same work alone).
fn new_working_memory(blocks: usize) -> Vec<Block> {
    let mut memory: Vec<Block> = Vec::with_capacity(blocks);
    advise_huge_pages(memory.as_mut_ptr().cast(), blocks * size_of::<Block>());
    // Written only now, so the kernel backs it as advised.
    memory.resize(blocks, Block::default());
    memory
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(start: *mut u8, len: usize) {
    const PAGE: usize = 4096;
    let skip = start.align_offset(PAGE);
    let whole_pages = len.saturating_sub(skip) / PAGE * PAGE;
    if whole_pages > 0 {
        // SAFETY: the range lies within an allocation this function's caller owns and has not yet
        // written; MADV_HUGEPAGE only tells the kernel how to back it, changing neither its
        // contents nor its validity. A refusal (no transparent huge pages) is harmless.
        unsafe {
            libc::madvise(start.add(skip).cast(), whole_pages, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_start: *mut u8, _len: usize) {}

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

    /// However much is queued, no more runs at once than there are hashing threads.
    #[tokio::test]
    async fn no_more_work_runs_at_once_than_there_are_threads() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hashers = Hashers::start(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let queued: Vec<_> = (0..6)
            .map(|n| {
                let (running, most) = (running.clone(), most.clone());
                hashers.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // On a hashing thread, not the runtime: it stands for argon2id's work.
                    #[allow(clippy::disallowed_methods)]
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    running.fetch_sub(1, Ordering::SeqCst);
                    n * 10
                })
            })
            .collect();
        // Each was queued when it was made: awaited in turn, they have run side by side.
        let mut answers = Vec::new();
        for answer in queued {
            answers.push(answer.await.unwrap());
        }
        assert_eq!(answers, [0, 10, 20, 30, 40, 50]);
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    /// A caller gone before its turn costs no work; one gone while its work runs leaves that work
    /// to end before the next starts (its memory is still in use).
    #[tokio::test]
    async fn work_whose_caller_is_gone_before_its_turn_never_runs() {
        let hashers = Hashers::start(1);
        let log = Arc::new(Mutex::new(Vec::new()));
        let (started, has_started) = mpsc::channel::<()>();
        let (finish, may_finish) = mpsc::channel::<()>();
        let first = {
            let log = log.clone();
            hashers.run(move || {
                log.lock().unwrap().push("first starts");
                started.send(()).unwrap();
                may_finish.recv().unwrap();
                log.lock().unwrap().push("first ends");
            })
        };
        let abandoned = {
            let log = log.clone();
            hashers.run(move || log.lock().unwrap().push("abandoned runs"))
        };
        let next = {
            let log = log.clone();
            hashers.run(move || log.lock().unwrap().push("next runs"))
        };
        tokio::task::spawn_blocking(move || has_started.recv())
            .await
            .unwrap()
            .unwrap();
        drop(first);
        drop(abandoned);
        finish.send(()).unwrap();
        next.await.unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            ["first starts", "first ends", "next runs"]
        );
    }

    #[tokio::test]
    async fn work_that_panics_answers_an_error_and_its_thread_serves_on() {
        let hashers = Hashers::start(1);
        let panicked = hashers
            .run(|| -> u8 { panic!("argon2id went wrong") })
            .await;
        assert!(panicked.is_err());
        assert_eq!(hashers.run(|| 7).await.unwrap(), 7);
    }

    /// New working memory asks the kernel for huge pages (`hg` among its mapping's flags).
    #[cfg(target_os = "linux")]
    #[test]
    fn new_working_memory_is_advised_huge_pages() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            // A kernel built without transparent huge pages refuses the advice (harmlessly).
            return;
        }
        let memory = new_working_memory(19 * 1024);
        let middle = memory.as_ptr() as usize + memory.len() * size_of::<Block>() / 2;
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        let mut flags = None;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((start, end)) = range.split_once('-') {
                    if let (Ok(start), Ok(end)) = (
                        usize::from_str_radix(start, 16),
                        usize::from_str_radix(end, 16),
                    ) {
                        inside = (start..end).contains(&middle);
                        continue;
                    }
                }
            }
            if inside {
                if let Some(found) = line.strip_prefix("VmFlags:") {
                    flags = Some(
                        found
                            .split_whitespace()
                            .map(str::to_owned)
                            .collect::<Vec<_>>(),
                    );
                }
            }
        }
        let flags = flags.expect("the working memory's mapping is listed");
        assert!(flags.iter().any(|f| f == "hg"), "{flags:?}");
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

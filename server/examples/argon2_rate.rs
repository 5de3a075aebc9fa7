//! The machine's raw argon2id verification rate for the load benchmark (`scripts/bench`): one
//! thread per core verifying a hash made by the portal's own `password::hash` with the portal's
//! own `password::verify_blocking` (so the same parameters), for the given seconds.
//! Usage: `argon2_rate [SECONDS]` (default 10); prints `verifies_per_second <n>`.

use candor_app::backend::auth::password;
use candor_server::memory;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The portal's allocator tuning, so the rate is the one its sign-ins can reach.
    memory::tune_allocator();
    let seconds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10);
    let raw = "bench load passphrase for candor 2026";
    let checked = password::parse_new_password(raw.into(), &[])
        .map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let stored = password::hash(&checked).await?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (stored, done) = (stored.clone(), done.clone());
            std::thread::spawn(move || {
                while Instant::now() < deadline {
                    assert!(password::verify_blocking(raw, &stored));
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for w in workers {
        w.join()
            .map_err(|_| anyhow::anyhow!("a verifying thread panicked"))?;
    }
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!("threads {threads}");
    println!("verifies_per_second {rate:.1}");
    Ok(())
}

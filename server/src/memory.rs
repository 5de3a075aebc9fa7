//! Allocator tuning. Two kinds of large blocks pull glibc's defaults in opposite directions:
//!
//! - argon2id (S3) works in 19 MiB blocks. glibc raises its mmap threshold to the size of every
//!   large block freed, so after the first sign-in these blocks came from the heap and stayed
//!   resident in every arena: a few hundred sign-ins left the portal at about 450 MB (measured by
//!   `scripts/bench`). The threshold is therefore fixed, so it never adapts. Verification now keeps
//!   its blocks, one set per core (`password::verify_blocking`), mapped once; a new password's
//!   hash still maps its own and gives it back.
//! - A page's HTML is built in buffers of a few hundred KiB (a recruitment's board of a hundred
//!   cards is 140 KB). At glibc's default threshold (128 KiB) each of them was a fresh mapping,
//!   zeroed page by page by the kernel: fifty page faults a request and about a fifth of the
//!   portal's CPU on that page. Fixed at 1 MiB, they come from the heap and are reused.
//!
//! The trim threshold keeps that reuse: freeing a page's buffers at the top of a heap would
//! otherwise hand the memory back to the system, only for the next request to fault it in again.

/// Blocks from this size on are mapped and go back to the system when freed (argon2id's).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1024 * 1024;
/// Free memory at the top of a heap kept for reuse before it is returned.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 8 * 1024 * 1024;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune_allocator() {
    // SAFETY: mallopt only changes the allocator's tuning; it is thread-safe and its arguments
    // are valid options with valid values.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}

/// Other allocators need no tuning.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune_allocator() {}

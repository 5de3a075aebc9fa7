//! Allocator tuning for argon2id (S3). Each password verification allocates one 19 MiB block.
//! glibc raises its mmap threshold to the size of every large block freed, so after the first
//! sign-in these blocks come from the heap and stay resident: a few hundred sign-ins left the
//! portal at about 450 MB (measured by `scripts/bench`). With the threshold pinned at glibc's
//! default, large blocks stay mapped and go back to the system when freed.

/// glibc's default mmap threshold (128 KiB), fixed so it no longer adapts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn pin_mmap_threshold() {
    const THRESHOLD: libc::c_int = 128 * 1024;
    // SAFETY: mallopt only changes the allocator's tuning; it is thread-safe and its argument is
    // a valid option with a valid value.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
    }
}

/// Other allocators need no tuning.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn pin_mmap_threshold() {}

//! Handing the memory of request bodies back to the system once they are answered.
//!
//! glibc serves an allocation of at least its mmap threshold from a mapping of its own, which
//! `free` returns to the system; smaller ones come from the heap, whose freed pages it keeps.
//! The threshold starts at 128 KiB, but each time a mapped block is freed glibc raises it to that
//! block's size (up to 32 MiB). After the first verify body, the next ones (up to 16 MiB, and the
//! decoded proof beside each) came from the heap and were kept: three bursts of eight 16 MiB
//! bodies left the API process at 223 MiB resident, from 8 MiB before. Fixing the threshold at
//! its starting value stops the raising: the same bursts leave it at 10 MiB, and its peak falls
//! from 441 to 239 MiB (`scripts/verify-burst.py`, RELIABILITY.md).
//!
//! Only the API process does this. The prover's large buffers are made once and reused, and
//! it runs in its own process, untouched.

/// glibc's starting mmap threshold, in bytes.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 << 10;

/// Fixes glibc's mmap threshold (see the module's text). Returns false only if glibc refused it;
/// with another C library it does nothing.
pub(super) fn return_large_blocks_on_free() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` takes two integers and changes a setting of the allocator under
        // its own lock; it touches no memory of ours. 1 is success.
        #[allow(unsafe_code)]
        let taken = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
        taken == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        true
    }
}

//! Measurement helpers shared by the benchmark and `origami sdr`: the SHA-256 compression rate
//! of one core, which bounds the labeling rate (labeling is one serial chain of compressions),
//! and the on-CPU time of a thread, which tells a labeler's cost from time lost to other
//! processes on a shared machine.

use std::time::{Duration, Instant};

use sha2::digest::consts::U64;
use sha2::digest::generic_array::GenericArray;

/// SHA-256 compressions per second on the calling thread.
#[derive(Clone, Copy, Debug)]
pub struct ShaRate {
    /// Compressions per wall-clock second.
    pub per_wall_second: f64,
    /// Compressions per second the thread was actually on a CPU (Linux only).
    pub per_cpu_second: Option<f64>,
}

/// Measures the SHA-256 compression rate of the calling thread for about `duration`, with the
/// same `sha2::compress256` the labelers use (SHA-NI when the CPU has it).
pub fn sha256_rate(duration: Duration) -> ShaRate {
    let blocks = vec![GenericArray::<u8, U64>::default(); crate::COMPRESSIONS_PER_LABEL];
    let mut state = [0x6a09e667u32; 8];
    let rate = measure(duration, || {
        sha2::compress256(&mut state, std::hint::black_box(&blocks));
        blocks.len() as u64
    });
    std::hint::black_box(state);
    rate
}

/// SHA-256 compressions per second on the calling thread with `N` interleaved chains
/// ([`crate::sha::compress_lanes`]), counting every lane's compressions.
pub fn interleaved_sha256_rate<const N: usize>(duration: Duration) -> ShaRate {
    let block = [0x5au8; 64];
    let rows = [[&block; N]; crate::COMPRESSIONS_PER_LABEL];
    let mut states = [crate::sha::SHA256_IV; N];
    let rate = measure(duration, || {
        crate::sha::compress_lanes(&mut states, std::hint::black_box(&rows));
        (rows.len() * N) as u64
    });
    std::hint::black_box(states);
    rate
}

/// Runs `batch` (which returns the compressions it did) for about `duration`.
fn measure(duration: Duration, mut batch: impl FnMut() -> u64) -> ShaRate {
    let mut count = 0u64;
    let cpu_start = thread_cpu_time();
    let start = Instant::now();
    while start.elapsed() < duration {
        for _ in 0..256 {
            count += batch();
        }
    }
    let wall = start.elapsed();
    let cpu = match (cpu_start, thread_cpu_time()) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    };
    ShaRate {
        per_wall_second: count as f64 / wall.as_secs_f64(),
        per_cpu_second: cpu.map(|c| count as f64 / c.as_secs_f64()),
    }
}

/// Time the calling thread has spent on a CPU (`/proc/thread-self/schedstat`), if known.
pub fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Whether this CPU has the SHA extensions (SHA-NI) that `sha2` uses when present.
pub fn has_sha_ni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("sha")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The 1, 5 and 15 minute load averages, for benchmark reports ("n/a" where unknown).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

/// A benchmark setting from the environment variable `name`, or `default` when it is unset.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(v) => v.parse().map_err(|_| format!("{name}={v:?} is not valid")),
        Err(_) => Ok(default),
    }
}

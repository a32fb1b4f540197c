//! Measurement helpers shared by the benchmark and `origami sdr`: the SHA-256 compression rate
//! of one core, which bounds the labeling rate (labeling is one serial chain of compressions).

use std::time::{Duration, Instant};

use sha2::digest::consts::U64;
use sha2::digest::generic_array::GenericArray;

/// SHA-256 compressions per second on the calling thread, measured for about `duration`
/// with the same `sha2::compress256` the labelers use (SHA-NI when the CPU has it).
pub fn sha256_compressions_per_second(duration: Duration) -> f64 {
    let blocks = vec![GenericArray::<u8, U64>::default(); crate::COMPRESSIONS_PER_LABEL];
    let mut state = [0x6a09e667u32; 8];
    let mut count = 0u64;
    let start = Instant::now();
    while start.elapsed() < duration {
        for _ in 0..256 {
            sha2::compress256(&mut state, &blocks);
        }
        count += 256 * blocks.len() as u64;
    }
    std::hint::black_box(state);
    count as f64 / start.elapsed().as_secs_f64()
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

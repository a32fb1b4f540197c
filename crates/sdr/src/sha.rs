//! SHA-256 compression of several independent messages at once.
//!
//! One SHA-256 chain is latency-bound: each `sha256rnds2` waits for the one before it, so the
//! SHA-NI unit sits idle most cycles. Interleaving the rounds of `N` independent states fills
//! those cycles (the batch labeler hashes one node of `N` sectors together). The states are
//! kept in the instructions' ABEF/CDGH form across all blocks of the messages and converted
//! once at each end. Without SHA-NI (or off x86-64) each lane goes through
//! `sha2::compress256`, which picks the best portable code.

use sha2::digest::consts::U64;
use sha2::digest::generic_array::GenericArray;

/// A 64-byte message block.
pub type Block = [u8; 64];

/// SHA-256 initial hash value (FIPS 180-4, 5.3.3).
pub const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Whether [`compress_lanes`] runs on the SHA extensions (detected once, at run time).
pub fn interleaved_sha_ni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("sha")
            && std::is_x86_feature_detected!("sse4.1")
            && std::is_x86_feature_detected!("ssse3")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Compresses `blocks[i][lane]` into `states[lane]`, for every block index `i` in order:
/// the same as `sha2::compress256(&mut states[lane], …)` over each lane's blocks, with the
/// lanes' rounds interleaved.
#[inline]
pub fn compress_lanes<const N: usize>(states: &mut [[u32; 8]; N], blocks: &[[&Block; N]]) {
    #[cfg(target_arch = "x86_64")]
    // `is_x86_feature_detected!` caches what it finds, so this is an atomic load per call.
    if interleaved_sha_ni() {
        // SAFETY: the CPU has the SHA, SSSE3 and SSE4.1 extensions (checked above).
        unsafe { ni::compress_lanes(states, blocks) };
        return;
    }
    for (lane, state) in states.iter_mut().enumerate() {
        for row in blocks {
            sha2::compress256(state, &[GenericArray::<u8, U64>::from(*row[lane])]);
        }
    }
}

/// The big-endian bytes of a state (the digest, once the last block is in).
pub fn state_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod ni {
    use std::arch::x86_64::*;

    use super::Block;

    /// FIPS 180-4 round constants, four per 4-round group.
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    /// # Safety
    /// The CPU must have the SHA, SSSE3 and SSE4.1 extensions.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) unsafe fn compress_lanes<const N: usize>(
        states: &mut [[u32; 8]; N],
        blocks: &[[&Block; N]],
    ) {
        // Loads of big-endian words: reverse the bytes of each 32-bit lane.
        let swap = _mm_set_epi64x(0x0c0d0e0f08090a0b, 0x0405060700010203);
        let mut abef = [_mm_setzero_si128(); N];
        let mut cdgh = [_mm_setzero_si128(); N];
        for lane in 0..N {
            // SAFETY: each state is 8 words; unaligned loads.
            let (dcba, hgfe) = unsafe {
                let p = states[lane].as_ptr().cast::<__m128i>();
                (_mm_loadu_si128(p), _mm_loadu_si128(p.add(1)))
            };
            let cdab = _mm_shuffle_epi32::<0xB1>(dcba);
            let efgh = _mm_shuffle_epi32::<0x1B>(hgfe);
            abef[lane] = _mm_alignr_epi8::<8>(cdab, efgh);
            cdgh[lane] = _mm_blend_epi16::<0xF0>(efgh, cdab);
        }
        for row in blocks {
            let saved = (abef, cdgh);
            // The message schedule, four words per register, for each lane.
            let mut w = [[_mm_setzero_si128(); N]; 4];
            for group in 0..16 {
                // SAFETY: `K` has 64 words, `group * 4 + 3 < 64`.
                let k = unsafe { _mm_loadu_si128(K.as_ptr().add(group * 4).cast()) };
                for lane in 0..N {
                    let words = if group < 4 {
                        // SAFETY: a block is 64 bytes.
                        let raw =
                            unsafe { _mm_loadu_si128(row[lane].as_ptr().add(group * 16).cast()) };
                        _mm_shuffle_epi8(raw, swap)
                    } else {
                        // W[t..t+4] from the four groups before it, oldest first.
                        let [x0, x1, x2, x3] = [
                            w[group % 4][lane],
                            w[(group + 1) % 4][lane],
                            w[(group + 2) % 4][lane],
                            w[(group + 3) % 4][lane],
                        ];
                        let partial = _mm_add_epi32(
                            _mm_sha256msg1_epu32(x0, x1),
                            _mm_alignr_epi8::<4>(x3, x2),
                        );
                        _mm_sha256msg2_epu32(partial, x3)
                    };
                    w[group % 4][lane] = words;
                    let wk = _mm_add_epi32(words, k);
                    // Two rounds each; after them the old ABEF is the new CDGH.
                    cdgh[lane] = _mm_sha256rnds2_epu32(cdgh[lane], abef[lane], wk);
                    abef[lane] = _mm_sha256rnds2_epu32(
                        abef[lane],
                        cdgh[lane],
                        _mm_shuffle_epi32::<0x0E>(wk),
                    );
                }
            }
            for lane in 0..N {
                abef[lane] = _mm_add_epi32(abef[lane], saved.0[lane]);
                cdgh[lane] = _mm_add_epi32(cdgh[lane], saved.1[lane]);
            }
        }
        for lane in 0..N {
            let feba = _mm_shuffle_epi32::<0x1B>(abef[lane]);
            let dchg = _mm_shuffle_epi32::<0xB1>(cdgh[lane]);
            let dcba = _mm_blend_epi16::<0xF0>(feba, dchg);
            let hgfe = _mm_alignr_epi8::<8>(dchg, feba);
            // SAFETY: each state is 8 words; unaligned stores.
            unsafe {
                let p = states[lane].as_mut_ptr().cast::<__m128i>();
                _mm_storeu_si128(p, dcba);
                _mm_storeu_si128(p.add(1), hgfe);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    use super::*;

    fn reference(state: &mut [u32; 8], blocks: &[&Block]) {
        for b in blocks {
            sha2::compress256(state, &[GenericArray::<u8, U64>::from(**b)]);
        }
    }

    fn check<const N: usize>(rng: &mut ChaCha20Rng, rows: usize) {
        let mut states = [[0u32; 8]; N];
        for s in states.iter_mut().flatten() {
            *s = rng.next_u32();
        }
        let data: Vec<[Block; N]> = (0..rows)
            .map(|_| {
                let mut row = [[0u8; 64]; N];
                for b in row.iter_mut() {
                    rng.fill_bytes(b);
                }
                row
            })
            .collect();
        let rows_ref: Vec<[&Block; N]> = data
            .iter()
            .map(|r| std::array::from_fn(|l| &r[l]))
            .collect();
        let mut expected = states;
        for (lane, state) in expected.iter_mut().enumerate() {
            let lane_blocks: Vec<&Block> = data.iter().map(|r| &r[lane]).collect();
            reference(state, &lane_blocks);
        }
        compress_lanes(&mut states, &rows_ref);
        assert_eq!(states, expected, "{N} lanes, {rows} blocks");
    }

    /// Random states and blocks, for every lane count the labeler uses.
    #[test]
    fn interleaved_equals_sha2() {
        let mut rng = ChaCha20Rng::seed_from_u64(0x5a5a);
        for rows in [1, 2, 20] {
            for _ in 0..25 {
                check::<1>(&mut rng, rows);
                check::<2>(&mut rng, rows);
                check::<3>(&mut rng, rows);
                check::<4>(&mut rng, rows);
            }
        }
    }

    /// The digest of "abc" (FIPS 180-4 example), through the interleaved path.
    #[test]
    fn known_answer() {
        let mut block = [0u8; 64];
        block[..3].copy_from_slice(b"abc");
        block[3] = 0x80;
        block[63] = 24;
        let mut states = [SHA256_IV; 2];
        compress_lanes(&mut states, &[[&block, &block]]);
        let digest = hex::encode(state_bytes(&states[1]));
        assert_eq!(
            digest,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(states[0], states[1]);
    }
}

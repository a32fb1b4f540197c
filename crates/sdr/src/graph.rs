//! Filecoin's SDR parent graph: 6 base (DRG) parents from bucket sampling and 8 expander
//! parents from a keyed Feistel permutation.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

use crate::porep::{ApiVersion, PorepId, SectorSize};

/// Base (DRG) parents per node; one of them is always the immediate predecessor.
pub const BASE_DEGREE: usize = 6;
/// Expander parents per node, taken from the previous layer.
pub const EXP_DEGREE: usize = 8;
/// All parents per node, in cache order: base first, then expander.
pub const DEGREE: usize = BASE_DEGREE + EXP_DEGREE;

/// Rounds of the Feistel network (three rounds give a pseudo-random permutation).
const FEISTEL_ROUNDS: usize = 3;

/// The domain-separation tags Filecoin hashes with the porep id.
const DRSAMPLE_DST: &[u8] = b"Filecoin_DRSample";
const FEISTEL_DST: &[u8] = b"Filecoin_Feistel";

fn porep_domain_seed(tag: &[u8], porep_id: &PorepId) -> [u8; 32] {
    Sha256::new()
        .chain_update(tag)
        .chain_update(porep_id)
        .finalize()
        .into()
}

/// The stacked DRG + expander graph of one sector size, porep id and API version.
#[derive(Clone, Debug)]
pub struct Graph {
    nodes: usize,
    api_version: ApiVersion,
    drg_seed: [u8; 28],
    feistel_keys: [u64; 4],
    feistel: FeistelMasks,
}

/// Masks of the Feistel network: the smallest even number of bits that covers the domain.
#[derive(Clone, Copy, Debug)]
struct FeistelMasks {
    left_mask: u64,
    right_mask: u64,
    half_bits: u32,
}

impl FeistelMasks {
    fn new(num_elements: u64) -> Self {
        // Smallest power of four >= num_elements (at least 4), so both halves have equal width.
        let mut half_bits = 1u32;
        let mut next_pow4: u64 = 4;
        while next_pow4 < num_elements {
            next_pow4 *= 4;
            half_bits += 1;
        }
        let right_mask = (1u64 << half_bits) - 1;
        FeistelMasks {
            left_mask: right_mask << half_bits,
            right_mask,
            half_bits,
        }
    }
}

impl Graph {
    /// The graph of a sector of `sector_size` for `porep_id`, in the `api_version` flavour.
    pub fn new(sector_size: SectorSize, porep_id: &PorepId, api_version: ApiVersion) -> Self {
        let nodes = sector_size.nodes();
        let mut drg_seed = [0u8; 28];
        drg_seed.copy_from_slice(&porep_domain_seed(DRSAMPLE_DST, porep_id)[..28]);
        let raw = porep_domain_seed(FEISTEL_DST, porep_id);
        let mut feistel_keys = [0u64; 4];
        for (key, bytes) in feistel_keys.iter_mut().zip(raw.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            *key = u64::from_le_bytes(word);
        }
        Graph {
            nodes,
            api_version,
            drg_seed,
            feistel_keys,
            feistel: FeistelMasks::new((nodes * EXP_DEGREE) as u64),
        }
    }

    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// The API version whose graph this is.
    pub fn api_version(&self) -> ApiVersion {
        self.api_version
    }

    /// The Feistel keys derived from the porep id (they name the parent cache).
    pub fn feistel_keys(&self) -> [u64; 4] {
        self.feistel_keys
    }

    /// Base parents of `node` by bucket sampling over the metagraph of degree 5.
    ///
    /// Nodes 0 and 1 have all parents 0. Otherwise one parent is the predecessor (index 5 in
    /// V1, index 0 in V1.1) and five are sampled with a ChaCha8 stream seeded by
    /// `drg_seed || node (u32 LE)`.
    pub fn base_parents(&self, node: u32) -> [u32; BASE_DEGREE] {
        let mut parents = [0u32; BASE_DEGREE];
        if node < 2 {
            return parents;
        }
        let mut seed = [0u8; 32];
        seed[..28].copy_from_slice(&self.drg_seed);
        seed[28..].copy_from_slice(&node.to_le_bytes());
        let mut rng = ChaCha8Rng::from_seed(seed);

        let m_prime = (BASE_DEGREE - 1) as u64;
        let metagraph_node = node as u64 * m_prime;
        // Filecoin computes this in f64; exact for metagraphs below 2^53 nodes.
        let n_buckets = (metagraph_node as f64).log2().ceil() as u64;

        let (predecessor, sampled) = match self.api_version {
            ApiVersion::V1_0 => (BASE_DEGREE - 1, 0..BASE_DEGREE - 1),
            ApiVersion::V1_1 => (0, 1..BASE_DEGREE),
        };
        for slot in sampled {
            let bucket_index = (rng.next_u64() % n_buckets) + 1;
            let largest_distance = metagraph_node.min(1u64 << bucket_index);
            let smallest_distance = (largest_distance >> 1).max(2);
            let distances = largest_distance - smallest_distance + 1;
            let distance = smallest_distance + rng.next_u64() % distances;
            let parent = ((metagraph_node - distance) / m_prime) as u32;
            parents[slot] = if parent == node { node - 1 } else { parent };
        }
        parents[predecessor] = node - 1;
        parents
    }

    /// Expander parents of `node`: the Feistel image of `node * 8 + i`, collapsed to its row.
    pub fn expander_parents(&self, node: u32) -> [u32; EXP_DEGREE] {
        let mut parents = [0u32; EXP_DEGREE];
        let domain = self.nodes as u64 * EXP_DEGREE as u64;
        for (i, parent) in parents.iter_mut().enumerate() {
            let transformed = self.permute(domain, node as u64 * EXP_DEGREE as u64 + i as u64);
            *parent = match self.api_version {
                // The legacy graph truncated to u32 before dividing (so 64 GiB parents skew low).
                ApiVersion::V1_0 => (transformed as u32) / EXP_DEGREE as u32,
                ApiVersion::V1_1 => (transformed / EXP_DEGREE as u64) as u32,
            };
        }
        parents
    }

    /// All 14 parents in cache order.
    pub fn parents(&self, node: u32) -> [u32; DEGREE] {
        let mut all = [0u32; DEGREE];
        all[..BASE_DEGREE].copy_from_slice(&self.base_parents(node));
        all[BASE_DEGREE..].copy_from_slice(&self.expander_parents(node));
        all
    }

    /// Feistel permutation of `[0, domain)`; values that land outside are re-encrypted
    /// (cycle-walking) until they fall inside.
    fn permute(&self, domain: u64, index: u64) -> u64 {
        let mut u = self.feistel_encode(index);
        while u >= domain {
            u = self.feistel_encode(u);
        }
        u
    }

    fn feistel_encode(&self, index: u64) -> u64 {
        let FeistelMasks {
            left_mask,
            right_mask,
            half_bits,
        } = self.feistel;
        let mut left = (index & left_mask) >> half_bits;
        let mut right = index & right_mask;
        for &key in self.feistel_keys.iter().take(FEISTEL_ROUNDS) {
            let next_right = left ^ feistel_round(right, key, right_mask);
            left = right;
            right = next_right;
        }
        (left << half_bits) | right
    }
}

/// Round function: the first 8 bytes (big-endian) of Blake2b-512(right BE || key BE), masked.
fn feistel_round(right: u64, key: u64, right_mask: u64) -> u64 {
    let mut data = [0u8; 16];
    data[..8].copy_from_slice(&right.to_be_bytes());
    data[8..].copy_from_slice(&key.to_be_bytes());
    let hash = blake2b_simd::blake2b(&data);
    let mut head = [0u8; 8];
    head.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_be_bytes(head) & right_mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn size(s: &str) -> SectorSize {
        s.parse().unwrap()
    }

    #[test]
    fn base_parents_are_earlier_and_predecessor_is_placed_by_version() {
        for (version, pred) in [(ApiVersion::V1_0, 5), (ApiVersion::V1_1, 0)] {
            let g = Graph::new(size("64KiB"), &[3u8; 32], version);
            assert_eq!(g.base_parents(0), [0; 6]);
            assert_eq!(g.base_parents(1), [0; 6]);
            for node in 2..g.nodes() as u32 {
                let p = g.base_parents(node);
                assert_eq!(p[pred], node - 1);
                assert!(p.iter().all(|&x| x < node), "node {node}: {p:?}");
            }
        }
    }

    #[test]
    fn expander_is_a_permutation() {
        let g = Graph::new(size("32KiB"), &[5u8; 32], ApiVersion::V1_1);
        let domain = g.nodes() as u64 * EXP_DEGREE as u64;
        let image: HashSet<u64> = (0..domain).map(|i| g.permute(domain, i)).collect();
        assert_eq!(image.len() as u64, domain);
        assert!(image.iter().all(|&x| x < domain));
    }
}

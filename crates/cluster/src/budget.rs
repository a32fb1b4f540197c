//! How many shards a memory budget lets a process prove at once.

use std::path::Path;

use origami_arith::Cycle;
use origami_format::FileKind;
use origami_nova::CompressedProverKey;
use serde::Serialize;

use crate::error::ClusterError;

const MIB: u64 = 1 << 20;

/// Estimated memory of a process proving shards with one prover key: what every shard shares
/// (the key, the runtime) and what each shard being proven adds (its folding state, witnesses,
/// and the compression's vectors, which dominate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardMemory {
    /// Bytes shared by all shards.
    pub shared: u64,
    /// Bytes each shard in flight adds.
    pub per_shard: u64,
}

impl ShardMemory {
    /// Bytes each shard in flight adds, per byte of prover key file.
    ///
    /// Calibrated on `origami prove` (one shard, preprocessing variant, this project's 2-core
    /// machine): peak resident memory over the prover key file's size was 4.5 at 2^12 (281 MiB,
    /// key 62.8 MiB), 4.5 at 2^14 (385 MiB, 86.1 MiB) and 5.3 at 2^18 (1,308 MiB, 249 MiB); less
    /// the key itself, 3.5–4.3. 4.5 keeps every measurement under the estimate.
    pub const PER_SHARD_PER_KEY_BYTE: f64 = 4.5;

    /// The estimate for a prover key file of `prover_key_bytes`.
    pub fn estimate(prover_key_bytes: u64) -> Self {
        Self {
            shared: prover_key_bytes + 16 * MIB,
            per_shard: (prover_key_bytes as f64 * Self::PER_SHARD_PER_KEY_BYTE) as u64,
        }
    }

    /// The estimate for `pk`, scaled from its key file at `path` when it was loaded from one,
    /// else from its encoded size.
    pub fn for_key<Y, SC>(
        pk: &CompressedProverKey<Y, SC>,
        path: Option<&Path>,
    ) -> Result<Self, ClusterError>
    where
        Y: Cycle,
        SC: Serialize + serde::de::DeserializeOwned,
    {
        let bytes = match path {
            Some(path) => std::fs::metadata(path)
                .map_err(|source| ClusterError::KeySize {
                    path: path.to_path_buf(),
                    source,
                })?
                .len(),
            None => origami_format::encoded_len(FileKind::ProverKey, pk)
                .map_err(origami_shard::ShardError::from)?,
        };
        Ok(Self::estimate(bytes))
    }

    /// How many of `shards` this process proves at once: `wanted` (default: one per core), at
    /// most `shards`, and no more than fit in `budget` (default: the memory available now).
    /// Returns the count and the budget used, if any.
    pub fn shards_at_once(
        &self,
        wanted: Option<usize>,
        budget: Option<u64>,
        shards: usize,
    ) -> Result<(usize, Option<u64>), ClusterError> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let wanted = wanted.unwrap_or(cores).min(shards).max(1);
        let budget = budget.or_else(available_memory);
        let at_once = match budget {
            Some(b) => self.concurrency(b, wanted)?,
            None => wanted,
        };
        Ok((at_once, budget))
    }

    /// The estimated peak with `shards` in flight.
    pub fn peak(&self, shards: usize) -> u64 {
        self.shared + self.per_shard * shards as u64
    }

    /// How many shards may be proven at once within `budget` bytes: at most `wanted`, at least
    /// one — and an error when even one would not fit.
    pub fn concurrency(&self, budget: u64, wanted: usize) -> Result<usize, ClusterError> {
        if self.peak(1) > budget {
            return Err(ClusterError::OverBudget {
                needed_mib: self.peak(1).div_ceil(MIB),
                budget_mib: budget / MIB,
            });
        }
        let fit = (budget - self.shared) / self.per_shard.max(1);
        Ok((fit as usize).clamp(1, wanted.max(1)))
    }
}

/// The memory available to new allocations now (`MemAvailable`), if the system says.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_bounds_the_shards_in_flight() {
        let m = ShardMemory::estimate(100 * MIB);
        assert_eq!(m.peak(1), 100 * MIB + 16 * MIB + 450 * MIB);
        assert_eq!(m.concurrency(u64::MAX, 3).unwrap(), 3);
        assert_eq!(m.concurrency(m.peak(2), 8).unwrap(), 2);
        assert_eq!(m.concurrency(m.peak(2) - 1, 8).unwrap(), 1);
        assert_eq!(m.concurrency(m.peak(1), 8).unwrap(), 1);
        let err = m.concurrency(m.peak(1) - 1, 8).unwrap_err();
        assert!(
            err.to_string().contains("566 MiB") && err.to_string().contains("565 MiB"),
            "{err}"
        );
    }
}

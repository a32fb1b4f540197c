//! Labeling: the label of node `v` in layer `l` is
//!
//! ```text
//! SHA-256( replica_id || l (u32 BE) || v (u64 BE) || 20 zero bytes || 37 parent labels )
//! ```
//!
//! with the top two bits of its last byte cleared. Node 0 has no parents (the hash covers the
//! first 64 bytes only). Layer 1 hashes its 6 base parents six times over, then base parent 0
//! again; later layers hash the 6 base parents (from the layer being built) and the 8 expander
//! parents (from the previous layer) twice, then parents 0..8, then parent 8. Either way the
//! message is 64 + 37 * 32 = 1248 bytes: 20 SHA-256 compressions with the padding block.

mod batch;
mod buffer;
mod dir;
mod pipelined;
mod reference;

pub use batch::{MAX_LANES, SectorLayer};
pub use buffer::LayerBuffer;
pub use dir::{LayerReport, SectorOutput, check_output_dir, layer_record_name, layers_need};

use std::path::Path;
use std::time::Duration;

use crate::cache::ParentCache;
use crate::error::{Result, SdrError};
use crate::graph::{BASE_DEGREE, DEGREE};
use crate::porep::NODE_SIZE;

/// Parent labels hashed per node (a node's 6 or 14 parents, repeated).
pub(crate) const PARENT_SLOTS: usize = 37;
/// Bytes hashed for a node with parents.
pub(crate) const MESSAGE_BYTES: usize = 64 + PARENT_SLOTS * NODE_SIZE;
/// SHA-256 blocks of such a message, padding included.
pub const COMPRESSIONS_PER_LABEL: usize = MESSAGE_BYTES.div_ceil(64);

/// Which of the 14 parents (0..6 base, 6..14 expander) fills parent slot `slot` of the message.
#[inline]
pub(crate) const fn parent_in_slot(has_expanders: bool, slot: usize) -> usize {
    if !has_expanders {
        // 6 base parents, repeated; slot 36 is parent 0 again.
        slot % BASE_DEGREE
    } else if slot < 2 * DEGREE {
        slot % DEGREE
    } else {
        // Slots 28..36 are parents 0..8 and slot 36 is parent 8.
        slot - 2 * DEGREE
    }
}

/// Asks the CPU to bring the cache line at `ptr` closer (a hint: it never faults).
#[inline]
pub(crate) fn prefetch(ptr: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint and never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(ptr.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
}

/// The 32 bytes that follow the replica id in the first block.
#[inline]
pub(crate) fn header_tail(layer: u32, node: u64) -> [u8; 32] {
    let mut tail = [0u8; 32];
    tail[..4].copy_from_slice(&layer.to_be_bytes());
    tail[4..12].copy_from_slice(&node.to_be_bytes());
    tail
}

/// File name Filecoin gives layer `layer` (1-based) of a sealed sector's cache directory.
pub fn layer_file_name(layer: usize) -> String {
    format!("sc-02-data-layer-{layer}.dat")
}

/// Which labeler computes the layers. Both write identical bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Labeler {
    /// Single-threaded, written to read like the specification.
    Reference,
    /// Producer threads gather parent labels into a ring ahead of one hashing thread.
    Pipelined {
        /// All the threads (at least 2: one producer and the hasher).
        threads: usize,
    },
}

/// The most threads the pipelined labeler can use: one hasher and one producer per ring chunk
/// (producers never run more than the ring ahead of the hasher, so more would only wait).
pub const MAX_PIPELINED_THREADS: usize = pipelined::RING_CHUNKS + 1;

/// The most hashing threads a batch uses (more than one per sector would only wait).
pub const MAX_BATCH_THREADS: usize = 1024;

/// The most layers a run may label. Filecoin's registered proofs use 2 or 11; the bound keeps
/// a mistyped count from sizing files and buffers by it.
pub const MAX_LAYERS: usize = 256;

impl Labeler {
    /// Checks the labeler's thread count: [`Labeler::Pipelined`] takes 2 to
    /// [`MAX_PIPELINED_THREADS`] threads.
    pub fn check(self) -> Result<()> {
        match self {
            Labeler::Reference => Ok(()),
            Labeler::Pipelined { threads } if (2..=MAX_PIPELINED_THREADS).contains(&threads) => {
                Ok(())
            }
            Labeler::Pipelined { threads } => Err(SdrError::ThreadCount {
                given: threads,
                max: MAX_PIPELINED_THREADS,
            }),
        }
    }
}

/// Checks a layer count: 1 to [`MAX_LAYERS`].
pub fn check_layer_count(layers: usize) -> Result<()> {
    match layers {
        0 => Err(SdrError::NoLayers),
        n if n > MAX_LAYERS => Err(SdrError::TooManyLayers {
            given: n,
            max: MAX_LAYERS,
        }),
        _ => Ok(()),
    }
}

/// Receives progress while layers are labeled; every method has a no-op default. Label
/// counts are of all sectors of a batch together.
pub trait Progress: Sync {
    /// A run to directories starts: `labels` labels remain to be computed (after any layers
    /// kept from an earlier run).
    fn run_started(&self, _labels: u64) {}
    /// A layer an earlier run completed passed its check and is kept.
    fn layer_reused(&self, _layer: usize, _path: &Path) {}
    /// A layer an earlier run left is not trusted, for `reason`, and is labeled again.
    fn layer_untrusted(&self, _layer: usize, _path: &Path, _reason: &str) {}
    /// Layer `layer` (1-based) starts: `labels` labels to compute.
    fn layer_started(&self, _layer: usize, _labels: usize) {}
    /// `done` labels of the layer are computed (called every few thousand nodes).
    fn nodes_done(&self, _layer: usize, _done: usize) {}
    /// The layer is written; `elapsed` is its labeling time.
    fn layer_finished(&self, _layer: usize, _elapsed: Duration) {}
}

/// Progress that nobody watches.
pub struct NoProgress;
impl Progress for NoProgress {}

/// How often (in nodes) labelers report progress.
pub(crate) const PROGRESS_EVERY: usize = 1 << 16;

/// Labels one layer into `out` (32 bytes per node). `layer` is 1-based; layers after the first
/// need the previous layer for their expander parents.
pub fn label_layer(
    labeler: Labeler,
    cache: &ParentCache,
    replica_id: &[u8; 32],
    layer: usize,
    previous: Option<&[u8]>,
    out: &mut [u8],
    progress: &dyn Progress,
) -> Result<()> {
    let previous = checked_buffers(cache, layer, previous, out)?;
    if layer == 0 {
        return Err(SdrError::NoLayers);
    }
    labeler.check()?;
    let layer_u32 = u32::try_from(layer).map_err(|_| SdrError::NoLayers)?;
    match labeler {
        Labeler::Reference => {
            reference::label_layer(cache, replica_id, layer_u32, previous, out, progress)
        }
        Labeler::Pipelined { threads } => pipelined::label_layer(
            cache,
            replica_id,
            layer_u32,
            previous,
            out,
            threads - 1,
            progress,
        ),
    }
}

/// Labels layer `layer` (1-based) of several sectors of one graph (`cache`) in one pass over
/// the parents, with up to `threads` hashing threads: a thread owns a group of sectors and
/// hashes their chains interleaved (see [`SectorLayer`]). Every sector gets exactly the labels
/// [`label_layer`] would write.
pub fn label_layer_batch(
    cache: &ParentCache,
    layer: usize,
    sectors: &mut [SectorLayer<'_>],
    threads: usize,
    progress: &dyn Progress,
) -> Result<()> {
    if threads == 0 {
        return Err(SdrError::ThreadCount {
            given: 0,
            max: MAX_BATCH_THREADS,
        });
    }
    let layer = match u32::try_from(layer) {
        Ok(0) | Err(_) => return Err(SdrError::NoLayers),
        Ok(l) => l,
    };
    batch::label_layer(
        cache,
        layer,
        sectors,
        threads.min(MAX_BATCH_THREADS),
        progress,
    )
}

/// Checks one sector's buffers for layer `layer` (1-based) of `cache`'s graph: `out` is a
/// whole layer, and so is `previous` for every layer after the first. Returns the previous
/// layer the labeling reads (none for layer 1, which has no expander parents).
fn checked_buffers<'a>(
    cache: &ParentCache,
    layer: usize,
    previous: Option<&'a [u8]>,
    out: &[u8],
) -> Result<Option<&'a [u8]>> {
    let layer_bytes = cache.nodes() * NODE_SIZE;
    if out.len() != layer_bytes {
        return Err(SdrError::WrongBufferSize {
            what: "output layer",
            expected: layer_bytes,
            actual: out.len(),
        });
    }
    if layer <= 1 {
        return Ok(None);
    }
    match previous {
        Some(prev) if prev.len() == layer_bytes => Ok(Some(prev)),
        _ => Err(SdrError::WrongBufferSize {
            what: "previous layer",
            expected: layer_bytes,
            actual: previous.map_or(0, <[u8]>::len),
        }),
    }
}

/// Labels `layers` layers in memory and returns them (for tests and small sectors).
pub fn label_layers_in_memory(
    labeler: Labeler,
    cache: &ParentCache,
    replica_id: &[u8; 32],
    layers: usize,
) -> Result<Vec<Vec<u8>>> {
    check_layer_count(layers)?;
    labeler.check()?;
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(layers);
    for layer in 1..=layers {
        let mut labels = vec![0u8; cache.nodes() * NODE_SIZE];
        let previous = out.last().map(|v| v.as_slice());
        label_layer(
            labeler,
            cache,
            replica_id,
            layer,
            previous,
            &mut labels,
            &NoProgress,
        )?;
        out.push(labels);
    }
    Ok(out)
}

/// Labels `layers` layers of one sector and writes them to `out_dir` as
/// `sc-02-data-layer-N.dat`, resuming from the last complete layer an earlier run of the same
/// sector left there (see [`label_batch_to_dirs`] for what is checked and trusted).
pub fn label_layers_to_dir(
    labeler: Labeler,
    cache: &ParentCache,
    replica_id: &[u8; 32],
    layers: usize,
    out_dir: &Path,
    progress: &dyn Progress,
) -> Result<Vec<LayerReport>> {
    labeler.check()?;
    let sector = SectorOutput {
        replica_id: *replica_id,
        dir: out_dir.to_path_buf(),
    };
    let mut reports = dir::label_to_dirs(cache, &[sector], layers, progress, &|layer, parts| {
        let [part] = parts else {
            return Err(SdrError::EmptyBatch);
        };
        label_part(labeler, cache, layer, part, progress)
    })?;
    Ok(reports.pop().unwrap_or_default())
}

/// [`label_layer`] for one sector's part of a layer.
fn label_part(
    labeler: Labeler,
    cache: &ParentCache,
    layer: usize,
    part: &mut SectorLayer<'_>,
    progress: &dyn Progress,
) -> Result<()> {
    label_layer(
        labeler,
        cache,
        part.replica_id,
        layer,
        part.previous,
        part.out,
        progress,
    )
}

/// Labels `layers` layers of every sector of a batch (one graph: `cache`) into each sector's
/// own directory, layer by layer in one pass over the parents for all sectors that need the
/// layer ([`label_layer_batch`] with up to `threads` hashing threads; a layer only one sector
/// needs goes to the pipelined labeler). Every sector gets exactly the files a single-sector
/// run writes, beside a completion record per layer.
///
/// A run killed at any point resumes: a layer an earlier run of the same sector completed is
/// reused once its record names this replica id and graph and the file's SHA-256 equals the
/// recorded one; a layer that fails that check, and every layer after it, is labeled again.
/// A directory holding anything but the labeler's files, or another sector's layers, is
/// refused. The free space for the remaining layers is checked and every remaining file's
/// blocks reserved before the first label, so a full disk is reported at the start; on an
/// error the temporaries are removed.
pub fn label_batch_to_dirs(
    cache: &ParentCache,
    sectors: &[SectorOutput],
    layers: usize,
    threads: usize,
    progress: &dyn Progress,
) -> Result<Vec<Vec<LayerReport>>> {
    if threads == 0 {
        return Err(SdrError::ThreadCount {
            given: 0,
            max: MAX_BATCH_THREADS,
        });
    }
    dir::label_to_dirs(
        cache,
        sectors,
        layers,
        progress,
        &|layer, parts| match parts {
            [part] => {
                let labeler = if threads == 1 {
                    Labeler::Reference
                } else {
                    Labeler::Pipelined {
                        threads: threads.min(MAX_PIPELINED_THREADS),
                    }
                };
                label_part(labeler, cache, layer, part, progress)
            }
            _ => label_layer_batch(cache, layer, parts, threads, progress),
        },
    )
}

/// The memory a batch works in: per sector, the layer being written and the one before it
/// (memory-mapped files), and the parent cache. Stated before a run and checked against the
/// limit the caller sets; a batch that does not fit would page its layers to and from disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchMemory {
    /// Sectors in the batch.
    pub sectors: usize,
    /// Bytes of one layer.
    pub layer_bytes: u64,
    /// Bytes of the parent cache.
    pub cache_bytes: u64,
}

impl BatchMemory {
    /// The memory of a batch of `sectors` sectors of `nodes` nodes each.
    pub fn of(sectors: usize, nodes: usize) -> Self {
        BatchMemory {
            sectors,
            layer_bytes: (nodes * NODE_SIZE) as u64,
            cache_bytes: (nodes * crate::cache::ENTRY_BYTES) as u64,
        }
    }

    /// All of it, in bytes.
    pub fn total(&self) -> u64 {
        (self.sectors as u64)
            .saturating_mul(2)
            .saturating_mul(self.layer_bytes)
            .saturating_add(self.cache_bytes)
    }

    /// Fails with [`SdrError::NotEnoughMemory`] if the batch needs more than `limit` bytes.
    pub fn check(&self, limit: u64) -> Result<()> {
        if self.total() > limit {
            return Err(SdrError::NotEnoughMemory {
                needed: self.total(),
                limit,
                detail: self.to_string(),
            });
        }
        Ok(())
    }
}

impl std::fmt::Display for BatchMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sector{} x 2 layers x {} + parent cache {} = {}",
            self.sectors,
            if self.sectors == 1 { "" } else { "s" },
            crate::error::human_bytes(self.layer_bytes),
            crate::error::human_bytes(self.cache_bytes),
            crate::error::human_bytes(self.total())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_is_twenty_blocks() {
        assert_eq!(MESSAGE_BYTES, 1248);
        assert_eq!(COMPRESSIONS_PER_LABEL, 20);
    }

    #[test]
    fn slot_order_matches_filecoin() {
        let layer1: Vec<usize> = (0..PARENT_SLOTS)
            .map(|s| parent_in_slot(false, s))
            .collect();
        assert_eq!(&layer1[..7], &[0, 1, 2, 3, 4, 5, 0]);
        assert_eq!(layer1[36], 0);
        let later: Vec<usize> = (0..PARENT_SLOTS).map(|s| parent_in_slot(true, s)).collect();
        assert_eq!(
            &later[..15],
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0]
        );
        assert_eq!(&later[28..], &[0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }
}

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

mod pipelined;
mod reference;

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use memmap2::{Mmap, MmapMut};

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
    /// `threads` counts all of them (at least 2: one producer and the hasher).
    Pipelined { threads: usize },
}

/// Receives progress while layers are labeled; every method has a no-op default.
pub trait Progress: Sync {
    /// Layer `layer` (1-based) of `nodes` nodes starts.
    fn layer_started(&self, _layer: usize, _nodes: usize) {}
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
    let layer_bytes = cache.nodes() * NODE_SIZE;
    if out.len() != layer_bytes {
        return Err(SdrError::WrongBufferSize {
            what: "output layer",
            expected: layer_bytes,
            actual: out.len(),
        });
    }
    if layer == 0 {
        return Err(SdrError::NoLayers);
    }
    let previous = if layer > 1 {
        let prev = previous.ok_or(SdrError::WrongBufferSize {
            what: "previous layer",
            expected: layer_bytes,
            actual: 0,
        })?;
        if prev.len() != layer_bytes {
            return Err(SdrError::WrongBufferSize {
                what: "previous layer",
                expected: layer_bytes,
                actual: prev.len(),
            });
        }
        Some(prev)
    } else {
        None
    };
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
            threads.max(2) - 1,
            progress,
        ),
    }
}

/// Labels `layers` layers in memory and returns them (for tests and small sectors).
pub fn label_layers_in_memory(
    labeler: Labeler,
    cache: &ParentCache,
    replica_id: &[u8; 32],
    layers: usize,
) -> Result<Vec<Vec<u8>>> {
    if layers == 0 {
        return Err(SdrError::NoLayers);
    }
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

/// One written layer file.
#[derive(Clone, Debug)]
pub struct LayerReport {
    /// 1-based layer index.
    pub layer: usize,
    /// Where the layer was written.
    pub path: PathBuf,
    /// Time spent labeling it (file creation and flush included).
    pub elapsed: Duration,
}

/// Labels `layers` layers and writes them to `out_dir` as `sc-02-data-layer-N.dat`.
///
/// `out_dir` must be empty or absent: nothing is ever overwritten. Each layer is labeled into a
/// memory-mapped temporary file and linked to its final name once complete, so an interrupted
/// run never leaves a partial layer under a final name.
pub fn label_layers_to_dir(
    labeler: Labeler,
    cache: &ParentCache,
    replica_id: &[u8; 32],
    layers: usize,
    out_dir: &Path,
    progress: &dyn Progress,
) -> Result<Vec<LayerReport>> {
    if layers == 0 {
        return Err(SdrError::NoLayers);
    }
    ensure_empty_dir(out_dir)?;
    let layer_bytes = (cache.nodes() * NODE_SIZE) as u64;
    let mut reports = Vec::with_capacity(layers);
    let mut previous: Option<Mmap> = None;
    for layer in 1..=layers {
        let start = Instant::now();
        progress.layer_started(layer, cache.nodes());
        let path = out_dir.join(layer_file_name(layer));
        let tmp = out_dir.join(format!("{}.tmp", layer_file_name(layer)));
        let map = write_layer_file(&tmp, &path, layer_bytes, |out| {
            label_layer(
                labeler,
                cache,
                replica_id,
                layer,
                previous.as_deref(),
                out,
                progress,
            )
        })?;
        let elapsed = start.elapsed();
        progress.layer_finished(layer, elapsed);
        reports.push(LayerReport {
            layer,
            path,
            elapsed,
        });
        previous = Some(map);
    }
    Ok(reports)
}

/// Creates `tmp`, lets `fill` write its `len` bytes through a memory map, then links it to
/// `path` (failing rather than replacing an existing file). `tmp` is removed in every case.
/// Returns the finished layer, mapped read-only.
fn write_layer_file(
    tmp: &Path,
    path: &Path,
    len: u64,
    fill: impl FnOnce(&mut [u8]) -> Result<()>,
) -> Result<Mmap> {
    let result = (|| {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(tmp)
            .map_err(SdrError::io("creating", tmp))?;
        file.set_len(len).map_err(SdrError::io("sizing", tmp))?;
        // SAFETY: the file was just created (create_new) by this process and nobody else
        // writes it while it is mapped.
        let mut map = unsafe { MmapMut::map_mut(&file) }.map_err(SdrError::io("mapping", tmp))?;
        fill(&mut map)?;
        map.flush().map_err(SdrError::io("flushing", tmp))?;
        fs::hard_link(tmp, path).map_err(SdrError::io("publishing", path))?;
        map.make_read_only()
            .map_err(SdrError::io("remapping", path))
    })();
    // Only a temporary this call created may be removed: if creating it failed (it existed),
    // it belongs to someone else.
    if !matches!(
        &result,
        Err(SdrError::Io {
            action: "creating",
            ..
        })
    ) {
        let _ = fs::remove_file(tmp);
    }
    result
}

/// Checks that `dir` can receive layer files: it is absent, or an empty directory. Callers
/// may check this before expensive work (a parent cache) that would otherwise be wasted.
pub fn check_output_dir(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let mut entries = fs::read_dir(dir).map_err(SdrError::io("listing", dir))?;
    if let Some(entry) = entries.next() {
        let entry = entry.map_err(SdrError::io("listing", dir))?;
        return Err(SdrError::OutputNotEmpty {
            dir: dir.to_path_buf(),
            example: entry.file_name().to_string_lossy().into_owned(),
        });
    }
    Ok(())
}

/// Creates `dir` if needed; fails if it holds anything.
fn ensure_empty_dir(dir: &Path) -> Result<()> {
    check_output_dir(dir)?;
    fs::create_dir_all(dir).map_err(SdrError::io("creating directory", dir))
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

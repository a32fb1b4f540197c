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

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use memmap2::{Mmap, MmapMut};

use crate::cache::ParentCache;
use crate::error::{Result, SdrError};
use crate::graph::{BASE_DEGREE, DEGREE};
use crate::porep::NODE_SIZE;
use crate::space::{self, SpaceNeed, check_free_space};

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

/// The most threads the pipelined labeler can use: one hasher and one producer per ring chunk
/// (producers never run more than the ring ahead of the hasher, so more would only wait).
pub const MAX_PIPELINED_THREADS: usize = pipelined::RING_CHUNKS + 1;

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
    labeler.check()?;
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
            threads - 1,
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
/// `out_dir` must be empty or absent: nothing is ever overwritten. The free space for every
/// layer is checked, and each layer file's blocks reserved, before the first label is computed,
/// so a full disk is reported at the start (naming the file and the space needed) and never
/// faults a memory-mapped write. Each layer is labeled into a memory-mapped temporary file and
/// linked to its final name once complete, so an interrupted run never leaves a partial layer
/// under a final name; on an error every temporary is removed.
pub fn label_layers_to_dir(
    labeler: Labeler,
    cache: &ParentCache,
    replica_id: &[u8; 32],
    layers: usize,
    out_dir: &Path,
    progress: &dyn Progress,
) -> Result<Vec<LayerReport>> {
    check_layer_count(layers)?;
    labeler.check()?;
    let layer_bytes = (cache.nodes() * NODE_SIZE) as u64;
    check_free_space(&[layers_need(out_dir, layers, layer_bytes)])?;
    ensure_empty_dir(out_dir)?;
    let mut reserved = ReservedLayers::new(out_dir, layers, layer_bytes)?;
    let mut reports = Vec::with_capacity(layers);
    let mut previous: Option<Mmap> = None;
    for layer in 1..=layers {
        let start = Instant::now();
        progress.layer_started(layer, cache.nodes());
        let path = out_dir.join(layer_file_name(layer));
        let map = reserved.fill_and_publish(layer, &path, |out| {
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

/// The space [`label_layers_to_dir`] will write into `out_dir`, for callers that check it
/// together with other needs (a parent cache to generate) before any work.
pub fn layers_need(out_dir: &Path, layers: usize, layer_bytes: u64) -> SpaceNeed {
    SpaceNeed {
        dir: out_dir.to_path_buf(),
        bytes: layer_bytes.saturating_mul(layers as u64),
        what: format!("{layers} layer file{}", if layers == 1 { "" } else { "s" }),
    }
}

/// Every layer's temporary file, created and given its blocks up front. Dropping it removes
/// the temporaries that were not published (a published layer keeps its final name).
struct ReservedLayers {
    files: Vec<(PathBuf, Option<File>)>,
    len: u64,
}

impl ReservedLayers {
    fn new(out_dir: &Path, layers: usize, len: u64) -> Result<Self> {
        let mut reserved = ReservedLayers {
            files: Vec::with_capacity(layers),
            len,
        };
        for layer in 1..=layers {
            let tmp = out_dir.join(format!("{}.tmp", layer_file_name(layer)));
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(SdrError::io("creating", &tmp))?;
            // Listed before reserving, so that a failed reservation is removed too.
            reserved.files.push((tmp.clone(), None));
            space::reserve(&file, len, &tmp)?;
            if let Some(last) = reserved.files.last_mut() {
                last.1 = Some(file);
            }
        }
        Ok(reserved)
    }

    /// Lets `fill` write layer `layer` through a memory map of its reserved file, then links it
    /// to `path` (failing rather than replacing an existing file). Returns the finished layer,
    /// mapped read-only.
    fn fill_and_publish(
        &mut self,
        layer: usize,
        path: &Path,
        fill: impl FnOnce(&mut [u8]) -> Result<()>,
    ) -> Result<Mmap> {
        let (tmp, file) = &mut self.files[layer - 1];
        let file = file.take().ok_or_else(|| SdrError::Io {
            action: "mapping",
            path: tmp.clone(),
            source: std::io::Error::other("layer file used twice"),
        })?;
        debug_assert_eq!(file.metadata().map(|m| m.len()).ok(), Some(self.len));
        // SAFETY: the file was created (create_new) by this process, nobody else writes it
        // while it is mapped, and its blocks are allocated, so stores cannot fault for space.
        let mut map = unsafe { MmapMut::map_mut(&file) }.map_err(SdrError::io("mapping", &*tmp))?;
        fill(&mut map)?;
        map.flush().map_err(SdrError::io("flushing", &*tmp))?;
        fs::hard_link(&*tmp, path).map_err(SdrError::io("publishing", path))?;
        let _ = fs::remove_file(&*tmp);
        map.make_read_only()
            .map_err(SdrError::io("remapping", path))
    }
}

impl Drop for ReservedLayers {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = fs::remove_file(tmp);
        }
    }
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

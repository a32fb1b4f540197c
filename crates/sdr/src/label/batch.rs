//! The batch labeler: one layer of several sectors of one graph, in one pass over the parents.
//!
//! Labeling one sector is a serial chain, and one SHA-256 chain leaves most of the core's
//! SHA-NI throughput unused. A batch gives each hashing thread a group of sectors (pairs, when
//! there are more sectors than threads): for every node the thread reads the node's parent
//! entry once, gathers the parent labels of each of its sectors, and compresses the sectors'
//! messages with their rounds interleaved ([`crate::sha::compress_lanes`]). The thread owns its
//! sectors' output layers outright, so no label crosses threads and nothing needs unsafe code
//! here. Parent labels are prefetched a few nodes ahead.
//!
//! A message is never laid out whole: its 20 blocks are the header block, the parent labels in
//! the slot order of [`super::parent_in_slot`] (which repeats whole blocks of the distinct
//! labels), and one final block holding the last parent label and the padding. So per sector
//! and node only the 6 or 14 distinct labels are copied.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::{COMPRESSIONS_PER_LABEL, MESSAGE_BYTES, PROGRESS_EVERY, Progress, header_tail};
use crate::cache::ParentCache;
use crate::error::{Result, SdrError};
use crate::graph::{BASE_DEGREE, DEGREE};
use crate::porep::NODE_SIZE;
use crate::replica::fr32_truncate;
use crate::sha::{Block, SHA256_IV, compress_lanes, state_bytes};

/// The most sectors one thread interleaves per node (more gave no more throughput on SHA-NI).
pub const MAX_LANES: usize = 4;
/// How many nodes ahead a thread prefetches parent labels.
const PREFETCH_AHEAD: usize = 8;
/// How often (in nodes) a thread looks whether another has failed.
const CHECK_EVERY: usize = 4096;

/// One sector's part of a layer: its replica id, the previous layer (for layers after the
/// first) and the layer being written.
pub struct SectorLayer<'a> {
    /// The sector's replica id.
    pub replica_id: &'a [u8; 32],
    /// The previous layer (32 bytes per node); `None` for layer 1.
    pub previous: Option<&'a [u8]>,
    /// The layer to write (32 bytes per node).
    pub out: &'a mut [u8],
}

/// Per sector and node: the header block, the distinct parent labels (7 blocks) and the final
/// block (last parent label and padding).
struct Lane {
    header: Block,
    labels: [Block; DEGREE * NODE_SIZE / 64],
    last: Block,
}

impl Lane {
    fn new(replica_id: &[u8; 32]) -> Self {
        let mut header = [0u8; 64];
        header[..32].copy_from_slice(replica_id);
        let mut last = [0u8; 64];
        last[NODE_SIZE] = 0x80;
        last[56..].copy_from_slice(&(MESSAGE_BYTES as u64 * 8).to_be_bytes());
        Lane {
            header,
            labels: [[0u8; 64]; DEGREE * NODE_SIZE / 64],
            last,
        }
    }

    fn label_mut(&mut self, k: usize) -> &mut [u8] {
        let (block, half) = (k / 2, (k % 2) * NODE_SIZE);
        &mut self.labels[block][half..half + NODE_SIZE]
    }

    /// The message's 20 blocks in order (see the module documentation).
    fn blocks(&self, has_expanders: bool) -> [&Block; COMPRESSIONS_PER_LABEL] {
        std::array::from_fn(|i| match i {
            0 => &self.header,
            _ if i == COMPRESSIONS_PER_LABEL - 1 => &self.last,
            // Parents 0..14 twice (7 blocks each), then parents 0..8 (4 blocks).
            _ if has_expanders => &self.labels[(i - 1) % 7],
            // The six base parents (3 blocks) six times.
            _ => &self.labels[(i - 1) % 3],
        })
    }
}

/// How a batch of `sectors` is split over at most `threads` hashing threads: the sector
/// indices each thread owns. Sectors are dealt out in pairs while there are more sectors than
/// threads, so every thread interleaves at least two chains where it can.
pub(super) fn split(sectors: usize, threads: usize) -> Vec<std::ops::Range<usize>> {
    let threads = threads.clamp(1, sectors.max(1));
    let per = sectors.div_ceil(threads);
    (0..sectors)
        .step_by(per.max(1))
        .map(|start| start..(start + per).min(sectors))
        .collect()
}

pub(super) fn label_layer(
    cache: &ParentCache,
    layer: u32,
    sectors: &mut [SectorLayer<'_>],
    threads: usize,
    progress: &dyn Progress,
) -> Result<()> {
    for s in sectors.iter() {
        super::checked_buffers(cache, layer as usize, s.previous, s.out)?;
        // A previous layer handed in for layer 1 means the sectors' layers were mixed up.
        if layer == 1
            && let Some(prev) = s.previous
        {
            return Err(SdrError::WrongBufferSize {
                what: "previous layer",
                expected: 0,
                actual: prev.len(),
            });
        }
    }
    let shared = Shared {
        cache,
        layer,
        progress,
        done: AtomicUsize::new(0),
        failed: AtomicBool::new(false),
        error: Mutex::new(None),
    };
    let groups = split(sectors.len(), threads);
    let mut rest: &mut [SectorLayer<'_>] = sectors;
    let panicked = std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(groups.len());
        for (i, group) in groups.iter().enumerate() {
            let (mine, tail) = std::mem::take(&mut rest).split_at_mut(group.len());
            rest = tail;
            let shared = &shared;
            let spawned = std::thread::Builder::new()
                .name(format!("sdr-batch-{i}"))
                .spawn_scoped(scope, move || shared.run(mine));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(e) => {
                    shared.fail(SdrError::Threads(e.to_string()));
                    break;
                }
            }
        }
        handles
            .into_iter()
            .map(|h| h.join())
            .fold(false, |any, r| any | r.is_err())
    });
    if let Some(error) = shared.error.lock().ok().and_then(|mut e| e.take()) {
        return Err(error);
    }
    if panicked {
        return Err(SdrError::WorkerPanicked);
    }
    progress.nodes_done(layer as usize, shared.done.load(Ordering::Acquire));
    Ok(())
}

struct Shared<'a> {
    cache: &'a ParentCache,
    layer: u32,
    progress: &'a dyn Progress,
    /// Labels written so far, all threads together (for progress).
    done: AtomicUsize,
    failed: AtomicBool,
    error: Mutex<Option<SdrError>>,
}

impl Shared<'_> {
    fn fail(&self, error: SdrError) {
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert(error);
        }
        self.failed.store(true, Ordering::Release);
    }

    fn run(&self, sectors: &mut [SectorLayer<'_>]) {
        let result = match sectors.len() {
            0 => Ok(()),
            1 => self.run_lanes::<1>(sectors),
            2 => self.run_lanes::<2>(sectors),
            3 => self.run_lanes::<3>(sectors),
            _ => self.run_groups(sectors),
        };
        if let Err(e) = result {
            self.fail(e);
        }
    }

    /// More sectors than [`MAX_LANES`]: groups of up to four, node by node.
    fn run_groups(&self, sectors: &mut [SectorLayer<'_>]) -> Result<()> {
        // Interleaving more than MAX_LANES chains bought nothing when measured, and labeling
        // one group's whole layer after another keeps every group's working set small.
        for group in sectors.chunks_mut(MAX_LANES) {
            match group.len() {
                1 => self.run_lanes::<1>(group)?,
                2 => self.run_lanes::<2>(group)?,
                3 => self.run_lanes::<3>(group)?,
                _ => self.run_lanes::<4>(group)?,
            }
        }
        Ok(())
    }

    /// Labels the layer of `N` sectors, interleaving their chains.
    fn run_lanes<const N: usize>(&self, sectors: &mut [SectorLayer<'_>]) -> Result<()> {
        let nodes = self.cache.nodes();
        let has_expanders = self.layer > 1;
        let mut lanes: [Lane; N] = std::array::from_fn(|i| Lane::new(sectors[i].replica_id));
        let mut reported = 0;
        for node in 0..nodes {
            if node.is_multiple_of(CHECK_EVERY) && node > 0 {
                if self.failed.load(Ordering::Acquire) {
                    return Ok(());
                }
                if node.is_multiple_of(PROGRESS_EVERY) {
                    let labels = N * (node - reported);
                    reported = node;
                    let done = self.done.fetch_add(labels, Ordering::AcqRel) + labels;
                    self.progress.nodes_done(self.layer as usize, done);
                }
            }
            for lane in lanes.iter_mut() {
                lane.header[32..].copy_from_slice(&header_tail(self.layer, node as u64));
            }
            let mut states = [SHA256_IV; N];
            if node == 0 {
                // No parents: the 64-byte header and a padding block.
                let mut pad = [0u8; 64];
                pad[0] = 0x80;
                pad[56..].copy_from_slice(&(64u64 * 8).to_be_bytes());
                let rows = [
                    std::array::from_fn::<_, N, _>(|i| &lanes[i].header),
                    [&pad; N],
                ];
                compress_lanes(&mut states, &rows);
            } else {
                if node + PREFETCH_AHEAD < nodes {
                    self.prefetch(node + PREFETCH_AHEAD, sectors);
                }
                let parents = self.cache.parents(node);
                self.cache.check_entry(node, &parents)?;
                let distinct = if has_expanders { DEGREE } else { BASE_DEGREE };
                for (lane, sector) in lanes.iter_mut().zip(sectors.iter()) {
                    for (k, &p) in parents[..distinct].iter().enumerate() {
                        let from = match sector.previous {
                            Some(prev) if k >= BASE_DEGREE => prev,
                            _ => &*sector.out,
                        };
                        let at = p as usize * NODE_SIZE;
                        lane.label_mut(k).copy_from_slice(&from[at..at + NODE_SIZE]);
                    }
                    // The final block's parent (slot 36): 8 with expanders, else 0; both are
                    // the first label of their block.
                    let block = if has_expanders { 4 } else { 0 };
                    let (labels, last) = (&lane.labels, &mut lane.last);
                    last[..NODE_SIZE].copy_from_slice(&labels[block][..NODE_SIZE]);
                }
                let blocks: [[&Block; COMPRESSIONS_PER_LABEL]; N] =
                    std::array::from_fn(|i| lanes[i].blocks(has_expanders));
                let rows: [[&Block; N]; COMPRESSIONS_PER_LABEL] =
                    std::array::from_fn(|r| std::array::from_fn(|i| blocks[i][r]));
                compress_lanes(&mut states, &rows);
            }
            for (state, sector) in states.iter().zip(sectors.iter_mut()) {
                let mut label = state_bytes(state);
                fr32_truncate(&mut label);
                sector.out[node * NODE_SIZE..(node + 1) * NODE_SIZE].copy_from_slice(&label);
            }
        }
        self.done
            .fetch_add(N * (nodes - reported), Ordering::AcqRel);
        Ok(())
    }

    /// Prefetches node `node`'s parent labels in every sector of the group.
    fn prefetch(&self, node: usize, sectors: &[SectorLayer<'_>]) {
        let parents = self.cache.parents(node);
        for sector in sectors {
            for (k, &p) in parents.iter().enumerate() {
                let from = match sector.previous {
                    Some(prev) if k >= BASE_DEGREE => prev,
                    None if k >= BASE_DEGREE => break,
                    _ => &*sector.out,
                };
                if let Some(label) = from.get(p as usize * NODE_SIZE..) {
                    super::prefetch(label.as_ptr());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sectors_are_dealt_in_pairs_when_threads_are_few() {
        assert_eq!(split(4, 2), vec![0..2, 2..4]);
        assert_eq!(split(3, 2), vec![0..2, 2..3]);
        assert_eq!(split(2, 2), vec![0..1, 1..2]);
        assert_eq!(split(1, 4), vec![0..1]);
        assert_eq!(split(8, 2), vec![0..4, 4..8]);
    }
}

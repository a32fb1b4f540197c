//! The pipelined labeler.
//!
//! Labeling is serial: node `v` needs the label of `v - 1`. So one hashing thread does nothing
//! but SHA-256 compressions, and producer threads prepare each node's whole 20-block message
//! (header, 37 parent labels, padding) in a ring buffer ahead of it. A producer copies every
//! parent label that exists when it prepares the node: expander parents (previous layer) always,
//! base parents if the hasher has already labeled them. The few base parents that are still
//! missing (at least the predecessor) are recorded in a bit mask, and the hasher copies them in
//! from the layer it is writing just before it compresses the message.
//!
//! Synchronisation: the ring holds `RING_CHUNKS` chunks of `CHUNK_NODES` messages, and each
//! ring entry has a `state`: which chunk it holds and whether that chunk is claimed by a producer,
//! ready, or taken over by the hasher. Producers take chunks round-robin. A producer may claim
//! chunk `c` (a compare-and-swap on its state) once the hasher has consumed chunk
//! `c - RING_CHUNKS` (`consumed`) and that chunk's writer has finished; it publishes the chunk
//! by setting its state to ready. The hasher never waits for a producer: a chunk nobody has
//! claimed it takes over and prepares in place; a chunk a producer is still writing (say, one
//! the scheduler has just taken off its core) it prepares node by node in a private message,
//! switching to the ring as soon as the chunk turns ready. On an oversubscribed machine the
//! pipeline therefore degrades to a single-threaded labeler instead of stalling.
//! The hasher publishes each label through `labeled` (the number of labels written) after
//! writing it; producers only read labels of nodes below the value they loaded (once per
//! chunk, so that the counter's cache line does not bounce between cores on every label).
//! A producer whose ring is full spins briefly, then sleeps 50 µs.

use std::cell::UnsafeCell;
use std::hint::spin_loop;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use sha2::digest::consts::U64;
use sha2::digest::generic_array::GenericArray;

use super::{
    COMPRESSIONS_PER_LABEL, MESSAGE_BYTES, PARENT_SLOTS, PROGRESS_EVERY, Progress, header_tail,
    parent_in_slot, prefetch,
};
use crate::cache::ParentCache;
use crate::error::{Result, SdrError};
use crate::graph::{BASE_DEGREE, DEGREE};
use crate::porep::NODE_SIZE;
use crate::sha::{SHA256_IV, state_bytes};

/// Nodes per ring chunk (the unit producers claim and publish).
const CHUNK_NODES: usize = 64;
/// Chunks in the ring: how far producers may run ahead of the hasher (1024 nodes, 1.3 MB).
pub(super) const RING_CHUNKS: usize = 16;
/// How many nodes ahead a producer prefetches parent labels.
const PREFETCH_AHEAD: usize = 4;
/// Bytes of a padded message.
const PADDED_BYTES: usize = COMPRESSIONS_PER_LABEL * 64;

type Block = GenericArray<u8, U64>;
// The cast from bytes to blocks below relies on this layout (sha2 makes the same assumption).
const _: () = assert!(size_of::<Block>() == 64 && align_of::<Block>() == 1);

/// SHA-256 compressions of whole 64-byte blocks; `sha2` picks SHA-NI at run time.
#[inline]
fn compress(state: &mut [u32; 8], bytes: &[u8]) {
    debug_assert_eq!(bytes.len() % 64, 0);
    // SAFETY: Block is 64 bytes with alignment 1 (checked above), and `bytes` holds
    // `len / 64` whole blocks.
    let blocks =
        unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<Block>(), bytes.len() / 64) };
    sha2::compress256(state, blocks);
}

/// One node's message and what the hasher must still fill in.
#[repr(C, align(64))]
struct Slot {
    message: [u8; PADDED_BYTES],
    base_parents: [u32; BASE_DEGREE],
    /// Bit `k` set: base parent `k` had no label yet when the message was prepared.
    missing: u8,
}

/// A counter alone on its cache line, so that polling it does not slow down writers of
/// neighbouring data (the hasher stores `labeled` after every node).
#[repr(align(128))]
struct Padded(AtomicUsize);

impl std::ops::Deref for Padded {
    type Target = AtomicUsize;
    fn deref(&self) -> &AtomicUsize {
        &self.0
    }
}

/// The ring of prepared messages; see the module documentation for who may touch which slot.
struct Ring {
    slots: Box<[UnsafeCell<Slot>]>,
    /// Per ring entry: [`UNUSED`] or a [`chunk_state`] value.
    state: Box<[Padded]>,
}

// SAFETY: slots are handed between threads through `state` and `consumed` (release/acquire),
// so each slot has one writer at a time and is never read while written.
unsafe impl Sync for Ring {}

/// State of a ring entry that has never held a chunk.
const UNUSED: usize = 0;
/// A producer is writing the chunk.
const CLAIMED: usize = 1;
/// The chunk's messages are complete.
const READY: usize = 2;
/// The hasher took the chunk over (no producer touches it).
const TAKEN: usize = 3;

/// Encodes "chunk `chunk` is in phase `phase`" for a ring entry's state.
#[inline]
const fn chunk_state(chunk: usize, phase: usize) -> usize {
    (chunk + 1) * 4 + phase
}

/// Whether a ring entry in state `current` may be claimed for `chunk`: it never held a chunk,
/// or it holds an earlier chunk that is complete or was taken over by the hasher (a chunk the
/// hasher passed while its producer lagged may never have been written at all).
#[inline]
fn entry_free_for(chunk: usize, current: usize) -> bool {
    if current == UNUSED {
        return true;
    }
    let (held, phase) = (current / 4 - 1, current % 4);
    held < chunk && (phase == READY || phase == TAKEN)
}

/// The layer being written, shared by the hasher (writes label `v`, then publishes `v + 1` in
/// `labeled`) and the producers (read only labels below a published `labeled`).
struct SharedLayer {
    ptr: *mut u8,
    nodes: usize,
}

// SAFETY: reads and writes are to disjoint labels, ordered through `labeled`.
unsafe impl Sync for SharedLayer {}

impl SharedLayer {
    /// # Safety
    /// `node < nodes` and the label must have been published through `labeled`.
    #[inline]
    unsafe fn label(&self, node: usize) -> &[u8; NODE_SIZE] {
        debug_assert!(node < self.nodes);
        unsafe { &*self.ptr.add(node * NODE_SIZE).cast::<[u8; NODE_SIZE]>() }
    }

    /// # Safety
    /// Only the hasher writes, `node < nodes`, and no producer reads `node` before it is
    /// published.
    #[inline]
    unsafe fn write(&self, node: usize, label: &[u8; NODE_SIZE]) {
        debug_assert!(node < self.nodes);
        unsafe {
            std::ptr::copy_nonoverlapping(label.as_ptr(), self.ptr.add(node * NODE_SIZE), NODE_SIZE)
        }
    }
}

/// For each base parent, the message slots it fills (at most 7: six repeats plus slot 36).
struct SlotTable {
    slots: [[u8; 7]; BASE_DEGREE],
    counts: [u8; BASE_DEGREE],
}

impl SlotTable {
    fn new(has_expanders: bool) -> Self {
        let mut table = SlotTable {
            slots: [[0; 7]; BASE_DEGREE],
            counts: [0; BASE_DEGREE],
        };
        for slot in 0..PARENT_SLOTS {
            let parent = parent_in_slot(has_expanders, slot);
            if parent < BASE_DEGREE {
                let n = table.counts[parent] as usize;
                table.slots[parent][n] = slot as u8;
                table.counts[parent] += 1;
            }
        }
        table
    }

    #[inline]
    fn slots_of(&self, parent: usize) -> &[u8] {
        &self.slots[parent][..self.counts[parent] as usize]
    }
}

struct Pipeline<'a> {
    cache: &'a ParentCache,
    layer: u32,
    previous: Option<&'a [u8]>,
    current: SharedLayer,
    ring: Ring,
    table: SlotTable,
    labeled: Padded,
    consumed: Padded,
    failed: AtomicBool,
    error: Mutex<Option<SdrError>>,
}

/// Sets `failed` if the thread unwinds, so that the other side stops waiting.
struct FailOnPanic<'a>(&'a AtomicBool);
impl Drop for FailOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Release);
        }
    }
}

/// Spins briefly, then sleeps in 50 µs steps, until `done()` holds; false if the pipeline
/// failed meanwhile. Only producers wait, and only when they are a whole ring ahead.
#[inline]
fn wait_until(failed: &AtomicBool, mut done: impl FnMut() -> bool) -> bool {
    let mut spins = 0u32;
    while !done() {
        if failed.load(Ordering::Acquire) {
            return false;
        }
        if spins < 256 {
            spins += 1;
            spin_loop();
        } else {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
    true
}

impl Pipeline<'_> {
    fn fail(&self, error: SdrError) {
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert(error);
        }
        self.failed.store(true, Ordering::Release);
    }

    fn chunks(&self) -> usize {
        self.cache.nodes().div_ceil(CHUNK_NODES)
    }

    /// Prefetches the parent labels of `node`, if it is a valid, sane entry.
    fn prefetch_parents(&self, node: usize) {
        if node >= self.cache.nodes() {
            return;
        }
        let parents = self.cache.parents(node);
        for &p in &parents[..BASE_DEGREE] {
            if (p as usize) < self.cache.nodes() {
                prefetch(self.current.ptr.wrapping_add(p as usize * NODE_SIZE));
            }
        }
        if let Some(prev) = self.previous {
            for &p in &parents[BASE_DEGREE..] {
                if let Some(label) = prev.get(p as usize * NODE_SIZE..) {
                    prefetch(label.as_ptr());
                }
            }
        }
    }

    /// Producer `index` of `count`: prepares chunks `index, index + count, ...`.
    fn produce(&self, index: usize, count: usize) {
        let _guard = FailOnPanic(&self.failed);
        for chunk in (index..self.chunks()).step_by(count) {
            let ring_chunk = chunk % RING_CHUNKS;
            let state = &self.ring.state[ring_chunk];
            // Wait until the hasher is done with the chunk this entry held and its writer has
            // finished; skip the chunk if the hasher has got to it first.
            let mut skip = false;
            let go = wait_until(&self.failed, || {
                let consumed = self.consumed.load(Ordering::Acquire);
                let current = state.load(Ordering::Acquire);
                if consumed > chunk || current == chunk_state(chunk, TAKEN) {
                    skip = true;
                    return true;
                }
                entry_free_for(chunk, current) && chunk < consumed + RING_CHUNKS
            });
            if !go {
                return;
            }
            if skip || !self.claim(chunk, CLAIMED) {
                continue;
            }
            let first = chunk * CHUNK_NODES;
            let end = (first + CHUNK_NODES).min(self.cache.nodes());
            // Read once per chunk: polling the hasher's counter per node would bounce its
            // cache line between the cores on every label.
            let labeled = self.labeled.load(Ordering::Acquire);
            for node in first..end {
                self.prefetch_parents(node + PREFETCH_AHEAD);
                // SAFETY: the chunk is claimed by us; nobody reads it before it is ready.
                let slot =
                    unsafe { &mut *self.ring.slots[ring_chunk * CHUNK_NODES + node - first].get() };
                if let Err(e) = self.prepare(node, labeled, slot) {
                    self.fail(e);
                    return;
                }
            }
            state.store(chunk_state(chunk, READY), Ordering::Release);
        }
    }

    /// Moves `chunk`'s ring entry from "free" to `phase` (CLAIMED for a producer, TAKEN for
    /// the hasher). At most one caller succeeds. Callers know the hasher is done with the
    /// entry's earlier chunk (producers check `consumed`; the hasher has passed it).
    fn claim(&self, chunk: usize, phase: usize) -> bool {
        let state = &self.ring.state[chunk % RING_CHUNKS];
        let current = state.load(Ordering::Acquire);
        entry_free_for(chunk, current)
            && state
                .compare_exchange(
                    current,
                    chunk_state(chunk, phase),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
    }

    /// Writes node `node`'s header and the parent labels among the first `labeled` nodes.
    fn prepare(&self, node: usize, labeled: usize, slot: &mut Slot) -> Result<()> {
        slot.message[32..64].copy_from_slice(&header_tail(self.layer, node as u64));
        slot.missing = 0;
        if node == 0 {
            return Ok(());
        }
        let parents = self.cache.parents(node);
        self.cache.check_entry(node, &parents)?;
        // The node's distinct parent labels, in cache order, then laid out in the message's
        // slot order with a few block copies (see `parent_in_slot`).
        let mut labels = [0u8; DEGREE * NODE_SIZE];
        for k in 0..BASE_DEGREE {
            let p = parents[k] as usize;
            if p < labeled {
                // SAFETY: p < labeled, so the hasher has written and published label p.
                labels[k * NODE_SIZE..(k + 1) * NODE_SIZE]
                    .copy_from_slice(unsafe { self.current.label(p) });
            } else {
                slot.missing |= 1 << k;
            }
        }
        let body = &mut slot.message[64..MESSAGE_BYTES];
        const BASE_BYTES: usize = BASE_DEGREE * NODE_SIZE;
        const ALL_BYTES: usize = DEGREE * NODE_SIZE;
        match self.previous {
            Some(prev) => {
                for k in BASE_DEGREE..DEGREE {
                    // check_entry guarantees parents[k] < nodes.
                    let start = parents[k] as usize * NODE_SIZE;
                    labels[k * NODE_SIZE..(k + 1) * NODE_SIZE]
                        .copy_from_slice(&prev[start..start + NODE_SIZE]);
                }
                // Parents 0..14 twice, then 0..8, then parent 8.
                body[..ALL_BYTES].copy_from_slice(&labels);
                body[ALL_BYTES..2 * ALL_BYTES].copy_from_slice(&labels);
                body[2 * ALL_BYTES..2 * ALL_BYTES + 8 * NODE_SIZE]
                    .copy_from_slice(&labels[..8 * NODE_SIZE]);
                body[36 * NODE_SIZE..].copy_from_slice(&labels[8 * NODE_SIZE..9 * NODE_SIZE]);
            }
            None => {
                // The six base parents six times, then parent 0.
                for copy in body[..6 * BASE_BYTES].chunks_exact_mut(BASE_BYTES) {
                    copy.copy_from_slice(&labels[..BASE_BYTES]);
                }
                body[36 * NODE_SIZE..].copy_from_slice(&labels[..NODE_SIZE]);
            }
        }
        slot.base_parents.copy_from_slice(&parents[..BASE_DEGREE]);
        Ok(())
    }

    /// The hashing thread: consumes every chunk in order.
    fn hash(&self, replica_id: &[u8; 32], progress: &dyn Progress) {
        let _guard = FailOnPanic(&self.failed);
        let nodes = self.cache.nodes();
        // Where the hasher prepares a node whose chunk a producer is still writing.
        let mut scratch = Box::new(new_slot(replica_id));
        for chunk in 0..self.chunks() {
            let ring_chunk = chunk % RING_CHUNKS;
            let state = &self.ring.state[ring_chunk];
            let ready = chunk_state(chunk, READY);
            let mut source = if state.load(Ordering::Acquire) == ready {
                Source::Ring
            } else if self.claim(chunk, TAKEN) {
                Source::Taken
            } else {
                Source::Scratch
            };
            let first = chunk * CHUNK_NODES;
            let end = (first + CHUNK_NODES).min(nodes);
            for node in first..end {
                if source == Source::Scratch && state.load(Ordering::Acquire) == ready {
                    source = Source::Ring;
                }
                let in_ring = self.ring.slots[ring_chunk * CHUNK_NODES + node - first].get();
                let slot: &mut Slot = match source {
                    Source::Ring => {
                        if node + 1 < end {
                            // The producer wrote the next message on its core: start moving
                            // it here while this one is hashed, rather than stalling on it.
                            let next = in_ring.wrapping_add(1).cast::<u8>();
                            for line in (0..PADDED_BYTES).step_by(64) {
                                prefetch(next.wrapping_add(line));
                            }
                        }
                        // SAFETY: the chunk is ready, and no producer writes it again before
                        // `consumed` passes it.
                        unsafe { &mut *in_ring }
                    }
                    Source::Taken | Source::Scratch => {
                        let slot = if source == Source::Taken {
                            // SAFETY: the chunk is TAKEN, so no producer touches it, and
                            // producers wait for `consumed` before reusing the entry.
                            unsafe { &mut *in_ring }
                        } else {
                            &mut *scratch
                        };
                        self.prefetch_parents(node + PREFETCH_AHEAD);
                        // Every label below `node` exists, so nothing is left missing.
                        if let Err(e) = self.prepare(node, node, slot) {
                            self.fail(e);
                            return;
                        }
                        slot
                    }
                };
                let mut label = self.hash_message(node, slot, replica_id);
                crate::replica::fr32_truncate(&mut label);
                // SAFETY: only this thread writes, and `node` is published only below.
                unsafe { self.current.write(node, &label) };
                self.labeled.store(node + 1, Ordering::Release);
            }
            self.consumed.store(chunk + 1, Ordering::Release);
            if end.is_multiple_of(PROGRESS_EVERY) || end == nodes {
                progress.nodes_done(self.layer as usize, end);
            }
        }
    }

    /// Fills in the parents flagged missing and compresses the message of `node`.
    #[inline]
    fn hash_message(&self, node: usize, slot: &mut Slot, replica_id: &[u8; 32]) -> [u8; 32] {
        let mut state = SHA256_IV;
        if node == 0 {
            // No parents: SHA-256 of the 64-byte header alone.
            let mut padded = [0u8; 128];
            padded[..32].copy_from_slice(replica_id);
            padded[32..64].copy_from_slice(&slot.message[32..64]);
            padded[64] = 0x80;
            padded[120..].copy_from_slice(&(64u64 * 8).to_be_bytes());
            compress(&mut state, &padded);
        } else {
            let mut missing = slot.missing;
            while missing != 0 {
                let k = missing.trailing_zeros() as usize;
                missing &= missing - 1;
                // SAFETY: base parents precede the node (check_entry), so the hasher has
                // written them.
                let label = unsafe { self.current.label(slot.base_parents[k] as usize) };
                for &s in self.table.slots_of(k) {
                    let at = 64 + s as usize * NODE_SIZE;
                    slot.message[at..at + NODE_SIZE].copy_from_slice(label);
                }
            }
            compress(&mut state, &slot.message);
        }
        state_bytes(&state)
    }
}

/// Where the hasher takes a chunk's messages from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A producer prepared the chunk.
    Ring,
    /// Nobody had claimed the chunk: the hasher prepares it in the ring itself.
    Taken,
    /// A producer is still writing the chunk: the hasher prepares nodes in its own message.
    Scratch,
}

/// An empty message for `replica_id`: replica id and padding in place, the rest to be written.
fn new_slot(replica_id: &[u8; 32]) -> Slot {
    let mut message = [0u8; PADDED_BYTES];
    message[..32].copy_from_slice(replica_id);
    // Padding of the 1248-byte message, the same for every node.
    message[MESSAGE_BYTES] = 0x80;
    message[PADDED_BYTES - 8..].copy_from_slice(&(MESSAGE_BYTES as u64 * 8).to_be_bytes());
    Slot {
        message,
        base_parents: [0; BASE_DEGREE],
        missing: 0,
    }
}

pub(super) fn label_layer(
    cache: &ParentCache,
    replica_id: &[u8; 32],
    layer: u32,
    previous: Option<&[u8]>,
    out: &mut [u8],
    producers: usize,
    progress: &dyn Progress,
) -> Result<()> {
    let slots = (0..RING_CHUNKS * CHUNK_NODES)
        .map(|_| UnsafeCell::new(new_slot(replica_id)))
        .collect();
    let pipeline = Pipeline {
        cache,
        layer,
        previous,
        current: SharedLayer {
            ptr: out.as_mut_ptr(),
            nodes: cache.nodes(),
        },
        ring: Ring {
            slots,
            state: (0..RING_CHUNKS)
                .map(|_| Padded(AtomicUsize::new(UNUSED)))
                .collect(),
        },
        table: SlotTable::new(previous.is_some()),
        labeled: Padded(AtomicUsize::new(0)),
        consumed: Padded(AtomicUsize::new(0)),
        failed: AtomicBool::new(false),
        error: Mutex::new(None),
    };
    // More producers than chunks would have nothing to prepare.
    let producers = producers.clamp(1, pipeline.chunks().max(1));
    let panicked = std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(producers);
        for i in 0..producers {
            let pipeline = &pipeline;
            match std::thread::Builder::new()
                .name(format!("sdr-producer-{i}"))
                .spawn_scoped(scope, move || pipeline.produce(i, producers))
            {
                Ok(handle) => handles.push(handle),
                Err(e) => {
                    // The producers already started see the failure and stop.
                    pipeline.fail(SdrError::Threads(e.to_string()));
                    break;
                }
            }
        }
        if !pipeline.failed.load(Ordering::Acquire) {
            pipeline.hash(replica_id, progress);
        }
        handles
            .into_iter()
            .map(|h| h.join())
            .fold(false, |any, r| any | r.is_err())
    });
    if let Some(error) = pipeline.error.lock().ok().and_then(|mut e| e.take()) {
        return Err(error);
    }
    if panicked || pipeline.labeled.load(Ordering::Acquire) != cache.nodes() {
        return Err(SdrError::WorkerPanicked);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::label_layers_in_memory;
    use crate::{ApiVersion, Graph, Labeler, NoProgress, SectorSize};

    /// Without producers the hasher claims and prepares every chunk itself: that fallback
    /// path must give the reference labels too.
    #[test]
    fn hasher_alone_prepares_every_chunk() {
        let size: SectorSize = "128KiB".parse().expect("size");
        let graph = Graph::new(size, &[7; 32], ApiVersion::V1_1);
        let cache = ParentCache::in_memory(&graph);
        let replica = [0x21; 32];
        let reference =
            label_layers_in_memory(Labeler::Reference, &cache, &replica, 2).expect("reference");
        let mut previous: Option<Vec<u8>> = None;
        for (layer, expected) in reference.iter().enumerate() {
            let mut out = vec![0u8; expected.len()];
            label_layer(
                &cache,
                &replica,
                layer as u32 + 1,
                previous.as_deref(),
                &mut out,
                0,
                &NoProgress,
            )
            .expect("label");
            assert!(&out == expected, "layer {}", layer + 1);
            previous = Some(out);
        }
    }
}

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
//! Synchronisation: the ring holds `RING_CHUNKS` chunks of `CHUNK_NODES` messages. Producers take
//! chunks round-robin. A producer may fill chunk `c` once the hasher has consumed chunk
//! `c - RING_CHUNKS` (`consumed`), and publishes it through `ready[c % RING_CHUNKS] = c + 1`.
//! The hasher publishes each label through `labeled` (the number of labels written) after
//! writing it; producers only read labels of nodes below the value they loaded.

use std::cell::UnsafeCell;
use std::hint::spin_loop;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sha2::digest::consts::U64;
use sha2::digest::generic_array::GenericArray;

use super::{
    COMPRESSIONS_PER_LABEL, MESSAGE_BYTES, PARENT_SLOTS, PROGRESS_EVERY, Progress, header_tail,
    parent_in_slot,
};
use crate::cache::ParentCache;
use crate::error::{Result, SdrError};
use crate::graph::{BASE_DEGREE, DEGREE};
use crate::porep::NODE_SIZE;

/// Nodes per ring chunk (the unit producers claim and publish).
const CHUNK_NODES: usize = 64;
/// Chunks in the ring: how far producers may run ahead of the hasher (1024 nodes, 1.3 MB).
const RING_CHUNKS: usize = 16;
/// How many nodes ahead a producer prefetches parent labels.
const PREFETCH_AHEAD: usize = 4;
/// Bytes of a padded message.
const PADDED_BYTES: usize = COMPRESSIONS_PER_LABEL * 64;

/// SHA-256 initial hash value (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

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

fn digest_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// One node's message and what the hasher must still fill in.
#[repr(C, align(64))]
struct Slot {
    message: [u8; PADDED_BYTES],
    base_parents: [u32; BASE_DEGREE],
    /// Bit `k` set: base parent `k` had no label yet when the message was prepared.
    missing: u8,
}

/// The ring of prepared messages; see the module documentation for who may touch which slot.
struct Ring {
    slots: Box<[UnsafeCell<Slot>]>,
    ready: Box<[AtomicUsize]>,
}

// SAFETY: slots are handed between threads through `ready` / `consumed` (release/acquire), so
// each slot has one user at a time.
unsafe impl Sync for Ring {}

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
    labeled: AtomicUsize,
    consumed: AtomicUsize,
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

/// Spins, then yields, until `done()` holds; false if the pipeline failed meanwhile.
#[inline]
fn wait_until(failed: &AtomicBool, mut done: impl FnMut() -> bool) -> bool {
    let mut spins = 0u32;
    while !done() {
        if failed.load(Ordering::Acquire) {
            return false;
        }
        if spins < 512 {
            spins += 1;
            spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
    true
}

#[inline]
fn prefetch(ptr: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint and never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(ptr.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
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
            let free = wait_until(&self.failed, || {
                chunk < self.consumed.load(Ordering::Acquire) + RING_CHUNKS
            });
            if !free {
                return;
            }
            let ring_chunk = chunk % RING_CHUNKS;
            let first = chunk * CHUNK_NODES;
            let end = (first + CHUNK_NODES).min(self.cache.nodes());
            for node in first..end {
                self.prefetch_parents(node + PREFETCH_AHEAD);
                // SAFETY: this chunk's slots are ours until we publish it in `ready`.
                let slot =
                    unsafe { &mut *self.ring.slots[ring_chunk * CHUNK_NODES + node - first].get() };
                if let Err(e) = self.prepare(node, slot) {
                    self.fail(e);
                    return;
                }
            }
            self.ring.ready[ring_chunk].store(chunk + 1, Ordering::Release);
        }
    }

    /// Writes node `node`'s header and every parent label that already exists.
    fn prepare(&self, node: usize, slot: &mut Slot) -> Result<()> {
        slot.message[32..64].copy_from_slice(&header_tail(self.layer, node as u64));
        slot.missing = 0;
        if node == 0 {
            return Ok(());
        }
        let parents = self.cache.parents(node);
        self.cache.check_entry(node, &parents)?;
        let labeled = self.labeled.load(Ordering::Acquire);
        let mut labels = [[0u8; NODE_SIZE]; DEGREE];
        for k in 0..BASE_DEGREE {
            let p = parents[k] as usize;
            if p < labeled {
                // SAFETY: p < labeled, so the hasher has written and published label p.
                labels[k] = unsafe { *self.current.label(p) };
            } else {
                slot.missing |= 1 << k;
            }
        }
        let degree = match self.previous {
            Some(prev) => {
                for k in BASE_DEGREE..DEGREE {
                    // check_entry guarantees parents[k] < nodes.
                    let start = parents[k] as usize * NODE_SIZE;
                    labels[k].copy_from_slice(&prev[start..start + NODE_SIZE]);
                }
                DEGREE
            }
            None => BASE_DEGREE,
        };
        let has_expanders = degree == DEGREE;
        for (s, dst) in slot.message[64..MESSAGE_BYTES]
            .chunks_exact_mut(NODE_SIZE)
            .enumerate()
        {
            dst.copy_from_slice(&labels[parent_in_slot(has_expanders, s)]);
        }
        slot.base_parents.copy_from_slice(&parents[..BASE_DEGREE]);
        Ok(())
    }

    /// The hashing thread: consumes every chunk in order.
    fn hash(&self, replica_id: &[u8; 32], progress: &dyn Progress) {
        let _guard = FailOnPanic(&self.failed);
        let nodes = self.cache.nodes();
        for chunk in 0..self.chunks() {
            let ring_chunk = chunk % RING_CHUNKS;
            let filled = wait_until(&self.failed, || {
                self.ring.ready[ring_chunk].load(Ordering::Acquire) == chunk + 1
            });
            if !filled {
                return;
            }
            let first = chunk * CHUNK_NODES;
            let end = (first + CHUNK_NODES).min(nodes);
            for node in first..end {
                // SAFETY: the chunk was published to us and producers wait for `consumed`.
                let slot =
                    unsafe { &mut *self.ring.slots[ring_chunk * CHUNK_NODES + node - first].get() };
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
                        // SAFETY: base parents precede the node (check_entry), so the hasher
                        // has written them.
                        let label = unsafe { self.current.label(slot.base_parents[k] as usize) };
                        for &s in self.table.slots_of(k) {
                            let at = 64 + s as usize * NODE_SIZE;
                            slot.message[at..at + NODE_SIZE].copy_from_slice(label);
                        }
                    }
                    compress(&mut state, &slot.message);
                }
                let mut label = digest_bytes(&state);
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
    let producers = producers.max(1);
    let slots = (0..RING_CHUNKS * CHUNK_NODES)
        .map(|_| {
            let mut message = [0u8; PADDED_BYTES];
            message[..32].copy_from_slice(replica_id);
            // Padding of the 1248-byte message, the same for every node.
            message[MESSAGE_BYTES] = 0x80;
            message[PADDED_BYTES - 8..].copy_from_slice(&(MESSAGE_BYTES as u64 * 8).to_be_bytes());
            UnsafeCell::new(Slot {
                message,
                base_parents: [0; BASE_DEGREE],
                missing: 0,
            })
        })
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
            ready: (0..RING_CHUNKS).map(|_| AtomicUsize::new(0)).collect(),
        },
        table: SlotTable::new(previous.is_some()),
        labeled: AtomicUsize::new(0),
        consumed: AtomicUsize::new(0),
        failed: AtomicBool::new(false),
        error: Mutex::new(None),
    };
    let panicked = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..producers)
            .map(|i| {
                let pipeline = &pipeline;
                scope.spawn(move || pipeline.produce(i, producers))
            })
            .collect();
        pipeline.hash(replica_id, progress);
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

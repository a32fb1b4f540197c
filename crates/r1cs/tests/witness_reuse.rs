//! The second witness generation of a circuit allocates nothing of witness size.

// A counting allocator implements `GlobalAlloc`, an unsafe trait; it only forwards to `System`.
#![allow(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::{Sha256Block, Squarings};
use halo2curves::pasta::Fq;
use origami_r1cs::WitnessBuffer;

/// Records the largest single allocation made while `TRACKING` is on.
struct LargestAllocation;

static TRACKING: AtomicBool = AtomicBool::new(false);
static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if TRACKING.load(Ordering::Relaxed) {
            LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if TRACKING.load(Ordering::Relaxed) {
            LARGEST.fetch_max(new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// Runs `second` with tracking on and returns the largest allocation it made.
fn largest_allocation_during(second: impl FnOnce()) -> usize {
    LARGEST.store(0, Ordering::SeqCst);
    TRACKING.store(true, Ordering::SeqCst);
    second();
    TRACKING.store(false, Ordering::SeqCst);
    LARGEST.load(Ordering::SeqCst)
}

// One test function, so no other test's allocations run while tracking is on.
#[test]
fn second_synthesis_reuses_the_buffer() {
    let mut buf = WitnessBuffer::<Fq>::new();

    buf.synthesize(Squarings {
        n: 1 << 15,
        x: Some(Fq::from(3)),
    })
    .unwrap();
    let (capacity, witness_bytes) = (buf.capacity(), std::mem::size_of_val(buf.z()));
    let first_z = buf.z().to_vec();
    let largest = largest_allocation_during(|| {
        buf.synthesize(Squarings {
            n: 1 << 15,
            x: Some(Fq::from(5)),
        })
        .unwrap();
    });
    assert_eq!(
        buf.capacity(),
        capacity,
        "the witness buffer was reallocated"
    );
    assert_ne!(buf.z(), &first_z[..], "the buffer was not refilled");
    assert!(
        largest < witness_bytes / 64,
        "an allocation of {largest} bytes during re-synthesis; the witness is {witness_bytes} bytes"
    );

    let mut block = [7u8; 64];
    buf.synthesize(Sha256Block { block: Some(block) }).unwrap();
    let capacity = buf.capacity();
    let witness_bytes = std::mem::size_of_val(buf.z());
    block[0] = 8;
    let largest =
        largest_allocation_during(|| buf.synthesize(Sha256Block { block: Some(block) }).unwrap());
    assert_eq!(buf.capacity(), capacity);
    // The gadget allocates its own bit vectors; none of them is O(witness).
    assert!(
        largest < witness_bytes / 8,
        "an allocation of {largest} bytes during re-synthesis; the witness is {witness_bytes} bytes"
    );
}

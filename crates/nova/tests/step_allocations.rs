//! After the first steps, proving a step allocates nothing of size O(circuit): the witness
//! buffers, the folded W and E, Az/Bz/Cz and T are all reused.

// A counting allocator implements `GlobalAlloc`, an unsafe trait; it only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use origami_arith::{PastaCycle, ScalarOf};
use origami_nova::{PublicParams, RecursiveSnark};

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

#[path = "support/squarings.rs"]
mod squarings;
use squarings::Squarings;

#[test]
fn steps_3_to_10_allocate_nothing_of_circuit_size() {
    let pk = PublicParams::<PastaCycle, Squarings>::setup(Squarings(1 << 14)).unwrap();
    let z0 = vec![ScalarOf::<origami_arith::Pallas>::from(3)];
    let mut snark = RecursiveSnark::new(&pk, &z0).unwrap();
    snark.prove_step(&pk, &()).unwrap();
    snark.prove_step(&pk, &()).unwrap();
    // The smallest O(circuit) vector is one of field elements per secondary constraint.
    let smallest_circuit_vector = 32
        * pk.shape_secondary()
            .num_cons()
            .min(pk.shape_primary().num_cons());
    LARGEST.store(0, Ordering::SeqCst);
    TRACKING.store(true, Ordering::SeqCst);
    for _ in 3..=10 {
        snark.prove_step(&pk, &()).unwrap();
    }
    TRACKING.store(false, Ordering::SeqCst);
    let largest = LARGEST.load(Ordering::SeqCst);
    assert!(
        largest < smallest_circuit_vector / 2,
        "a step allocated {largest} bytes at once; a circuit-sized vector is {smallest_circuit_vector} bytes"
    );
    snark.verify(&pk, 10, &z0).unwrap();
}

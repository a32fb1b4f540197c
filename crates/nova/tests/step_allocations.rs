//! After the first steps, proving a step allocates nothing of size O(circuit): the witness
//! buffers, the folded W and E, Az/Bz/Cz and T are all reused. A Mova fold allocates nothing of
//! that size either.

// A counting allocator implements `GlobalAlloc`, an unsafe trait; it only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ff::Field;
use origami_arith::{Commitment, Pallas, PastaCycle, ScalarOf};
use origami_nova::mova::MovaProver;
use origami_nova::{PublicParams, RecursiveSnark};
use origami_r1cs::R1csInstance;

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

/// The tracking is process-wide: the tests take turns.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `f` with tracking on; the largest single allocation it made.
fn largest_allocation(f: impl FnOnce()) -> usize {
    LARGEST.store(0, Ordering::SeqCst);
    TRACKING.store(true, Ordering::SeqCst);
    f();
    TRACKING.store(false, Ordering::SeqCst);
    LARGEST.load(Ordering::SeqCst)
}

#[path = "support/squarings.rs"]
mod squarings;
use squarings::Squarings;

#[test]
fn steps_3_to_10_allocate_nothing_of_circuit_size() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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
    let largest = largest_allocation(|| {
        for _ in 3..=10 {
            snark.prove_step(&pk, &()).unwrap();
        }
    });
    assert!(
        largest < smallest_circuit_vector / 2,
        "a step allocated {largest} bytes at once; a circuit-sized vector is {smallest_circuit_vector} bytes"
    );
    snark.verify(&pk, 10, &z0).unwrap();
}

#[test]
fn mova_folds_allocate_nothing_of_circuit_size() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let pk = PublicParams::<PastaCycle, Squarings>::setup(Squarings(1 << 14)).unwrap();
    let shape = pk.shape_primary();
    // Satisfaction does not matter for what a fold allocates: random assignments, made (with
    // their instances) before the tracking starts.
    let mut rng = rand::rngs::OsRng;
    let steps: Vec<_> = (0..4)
        .map(|_| {
            let mut z: Vec<ScalarOf<Pallas>> = (0..shape.z_len())
                .map(|_| ScalarOf::<Pallas>::random(&mut rng))
                .collect();
            z[shape.num_vars()] = ScalarOf::<Pallas>::ONE;
            let x = z[shape.num_vars() + 1..].to_vec();
            let instance = R1csInstance::<Pallas> {
                comm_w: Commitment::identity(),
                x,
            };
            (z, instance)
        })
        .collect();
    let mut prover = MovaProver::<Pallas>::zero(shape);
    let pp = ScalarOf::<Pallas>::from(5);
    prover.fold(shape, &pp, &steps[0].0, &steps[0].1).unwrap();
    let largest = largest_allocation(|| {
        for (z, instance) in &steps[1..] {
            prover.fold(shape, &pp, z, instance).unwrap();
        }
    });
    let circuit_vector = 32 * shape.num_cons();
    assert!(
        largest < circuit_vector / 8,
        "a Mova fold allocated {largest} bytes at once; a circuit-sized vector is {circuit_vector} bytes"
    );
}

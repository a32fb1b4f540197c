//! Origami and the reference prover, driven by the side-by-side harness, prove the same thing.

// Shared with the benches; this test uses the folding half.
#[allow(dead_code)]
#[path = "../benches/reference_nova.rs"]
mod reference_nova;

use origami_bench::{Comparison, Origami, measure};
use reference_nova::ReferenceNova;

#[test]
fn both_provers_reach_the_same_state_on_the_same_step_circuit() {
    let (num_cons, steps) = (16, 4);
    let ours = measure::<Origami>(num_cons, steps).unwrap();
    let theirs = measure::<ReferenceNova>(num_cons, steps).unwrap();
    assert_eq!(ours.step_s.len(), steps);
    assert_eq!(theirs.step_s.len(), steps);
    // The final state is checked by each prover's own verifier and must agree across them.
    let cmp = Comparison::new(&ours, &theirs, 1).unwrap();
    // Same step circuit; only the in-circuit verifiers differ.
    assert!(cmp.primary_constraints.0 > num_cons && cmp.primary_constraints.1 > num_cons);
}

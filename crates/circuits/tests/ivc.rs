//! IVC of 1, 2 and 10 steps verifies for every built-in circuit, and ends where the native step
//! iterated ends; the 10-step run compressed with either Spartan variant verifies from the
//! verifier key alone.

use origami_arith::{Pallas, PastaCycle, ScalarOf};
use origami_circuits::{Builtin, CIRCUIT_NAMES, CircuitKind};
use origami_nova::{
    CompressedProof, CompressedProverKey, PublicParams, RecursiveSnark, StepCircuit, Variant,
};

type F = ScalarOf<Pallas>;

fn ivc_of(circuit: Builtin) {
    let pk = PublicParams::<PastaCycle, Builtin>::setup(circuit).unwrap();
    let z0: Vec<F> = circuit.default_z0();
    let mut snark = RecursiveSnark::new(&pk, &z0).unwrap();
    let mut native = z0.clone();
    for n in 1..=10u64 {
        // Every step its own input (none for the circuits that read none).
        let input = vec![n as u8; circuit.bytes_per_step()];
        snark.prove_step(&pk, &input).unwrap();
        native = circuit.step(&native, &input).unwrap();
        if [1, 2, 10].contains(&n) {
            let zn = snark
                .verify(&pk, n, &z0)
                .unwrap_or_else(|e| panic!("{circuit}, {n} steps: {e}"));
            assert_eq!(zn, native, "{circuit}: state after {n} steps");
        }
    }
    for variant in [Variant::Direct, Variant::Preprocessing] {
        let cpk = CompressedProverKey::from_params(pk.clone(), variant).unwrap();
        let proof = CompressedProof::prove(&cpk, &snark).unwrap();
        let verifier = cpk.verifier_key().clone().prepare().unwrap();
        let zn = proof
            .verify(&verifier, 10, &z0)
            .unwrap_or_else(|e| panic!("{circuit}, compressed ({variant}): {e}"));
        assert_eq!(zn, native, "{circuit}: compressed ({variant})");
        assert!(proof.verify(&verifier, 9, &z0).is_err());
    }
}

// One test per circuit so they run in parallel and a failure names its circuit.
#[test]
fn synthetic() {
    ivc_of(CircuitKind::Synthetic.with_size(64));
}

#[test]
fn poseidon_chain() {
    ivc_of(CircuitKind::PoseidonChain.with_size(2));
}

#[test]
fn sha256_chain() {
    ivc_of(CircuitKind::Sha256Chain.with_size(1));
}

#[test]
fn minroot() {
    ivc_of(CircuitKind::MinRoot.with_size(16));
}

#[test]
fn sha256_file() {
    ivc_of(CircuitKind::Sha256File.with_size(1));
}

#[test]
fn and() {
    ivc_of(CircuitKind::And.with_size(4));
}

#[test]
fn every_builtin_is_covered() {
    assert_eq!(
        CIRCUIT_NAMES,
        &[
            "synthetic",
            "poseidon-chain",
            "sha256-chain",
            "minroot",
            "sha256-file",
            "and"
        ]
    );
}

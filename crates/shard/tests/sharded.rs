//! Sharded proofs: K = 1, 2, 3 and 7 shards of a run whose length K does not divide verify and
//! end where the unsharded run ends; swapped, dropped, duplicated and altered shards, altered
//! boundaries and step counts, and shards of another circuit are each rejected.

use std::ops::ControlFlow;
use std::sync::OnceLock;

use origami_arith::{Pallas, PastaCycle, ScalarOf};
use origami_circuits::{Builtin, CircuitKind};
use origami_nova::{CompressedProverKey, CompressedVerifier, RecursiveSnark, StepCircuit, Variant};
use origami_shard::{
    InputSlice, ShardChain, ShardError, ShardPlan, ShardProof, StepInputs, checkpoints,
};

type F = ScalarOf<Pallas>;
type Keys = (
    CompressedProverKey<PastaCycle, Builtin>,
    CompressedVerifier<PastaCycle, Builtin>,
);

/// Steps in every run: not divisible by 2, 3 or 7.
const STEPS: u64 = 11;

fn circuit(size: usize) -> Builtin {
    CircuitKind::Synthetic.with_size(size)
}

fn keys_for(size: usize) -> Keys {
    let pk = CompressedProverKey::setup(circuit(size), Variant::Direct).unwrap();
    let cache = std::env::temp_dir().join(format!("origami-shard-tests-{}", std::process::id()));
    let verifier = pk
        .verifier_key()
        .clone()
        .prepare()
        .unwrap()
        .with_generator_cache(&cache);
    (pk, verifier)
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| keys_for(8))
}

fn z0() -> Vec<F> {
    circuit(8).default_z0()
}

fn prove_sharded((pk, _): &Keys, num_shards: u32) -> ShardChain<PastaCycle> {
    let plan = ShardPlan::new(STEPS, num_shards).unwrap();
    let states = checkpoints(pk.verifier_key().step(), &plan, &z0(), &StepInputs::none()).unwrap();
    let shards = plan
        .shards()
        .iter()
        .zip(&states)
        .map(|(shard, z_in)| {
            let none = InputSlice::default();
            ShardProof::prove(pk, shard, z_in, &none, |_| ControlFlow::Continue(())).unwrap()
        })
        .collect();
    ShardChain {
        verifier_key: pk.verifier_key().identity(),
        shards,
    }
}

/// The 3-shard proof the rejection tests alter.
fn three_shards() -> &'static ShardChain<PastaCycle> {
    static PROOF: OnceLock<ShardChain<PastaCycle>> = OnceLock::new();
    PROOF.get_or_init(|| prove_sharded(keys(), 3))
}

fn verify(proof: &ShardChain<PastaCycle>) -> Result<Vec<F>, ShardError> {
    proof.verify(&keys().1, STEPS, &z0())
}

fn unsharded_final_state() -> Vec<F> {
    let mut snark = RecursiveSnark::new(keys().0.params(), &z0()).unwrap();
    for _ in 0..STEPS {
        snark.prove_step(keys().0.params(), &[]).unwrap();
    }
    snark.zi().to_vec()
}

fn sharded_run_ends_where_the_unsharded_one_does(num_shards: u32) {
    let proof = prove_sharded(keys(), num_shards);
    assert_eq!(proof.shards.len(), num_shards as usize);
    let zn = verify(&proof).unwrap_or_else(|e| panic!("{num_shards} shards: {e}"));
    assert_eq!(zn, unsharded_final_state(), "{num_shards} shards");
    let mut native = z0();
    for _ in 0..STEPS {
        native = circuit(8).step(&native, &[]).unwrap();
    }
    assert_eq!(zn, native);
}

#[test]
fn one_shard() {
    sharded_run_ends_where_the_unsharded_one_does(1);
}

#[test]
fn two_shards() {
    sharded_run_ends_where_the_unsharded_one_does(2);
}

#[test]
fn three_shards_verify() {
    let zn = verify(three_shards()).unwrap();
    assert_eq!(zn, unsharded_final_state());
}

#[test]
fn seven_shards() {
    sharded_run_ends_where_the_unsharded_one_does(7);
}

#[test]
fn checkpoints_are_the_native_states_at_each_shard_start() {
    let plan = ShardPlan::new(STEPS, 3).unwrap();
    let states = checkpoints(&circuit(8), &plan, &z0(), &StepInputs::none()).unwrap();
    assert_eq!(states.len(), 4);
    let mut z = z0();
    for step in 0..=STEPS {
        if let Some(i) = plan.shards().iter().position(|s| s.first_step == step) {
            assert_eq!(states[i], z, "checkpoint of shard {i}");
        }
        if step < STEPS {
            z = circuit(8).step(&z, &[]).unwrap();
        }
    }
    assert_eq!(states[3], z);
    assert!(matches!(
        checkpoints(
            &circuit(8),
            &plan,
            &[F::from(1), F::from(2)],
            &StepInputs::none()
        ),
        Err(ShardError::Step(_))
    ));
}

#[test]
fn swapped_shards_are_rejected() {
    let mut p = three_shards().clone();
    p.shards.swap(1, 2);
    assert!(matches!(
        verify(&p),
        Err(ShardError::ShardOrder {
            position: 1,
            index: 2
        })
    ));
}

#[test]
fn a_dropped_shard_is_rejected() {
    for drop in 0..2 {
        let mut p = three_shards().clone();
        p.shards.remove(drop);
        assert!(
            matches!(verify(&p), Err(ShardError::ShardOrder { .. })),
            "dropping shard {drop}"
        );
    }
    // Without the last shard the chain holds but falls short of the run.
    let mut p = three_shards().clone();
    p.shards.pop();
    assert!(matches!(
        verify(&p),
        Err(ShardError::StepTotal {
            expected: 11,
            found: 8
        })
    ));
    let mut p = three_shards().clone();
    p.shards.clear();
    assert!(matches!(verify(&p), Err(ShardError::NoShards)));
}

#[test]
fn a_duplicated_shard_is_rejected() {
    let mut p = three_shards().clone();
    let copy = p.shards[1].clone();
    p.shards.insert(2, copy);
    assert!(matches!(
        verify(&p),
        Err(ShardError::ShardOrder {
            position: 2,
            index: 1
        })
    ));
    // Renumbered so the indices look right, the copy starts at the wrong step.
    for (i, s) in p.shards.iter_mut().enumerate() {
        s.index = i as u32;
    }
    assert!(matches!(
        verify(&p),
        Err(ShardError::FirstStep { index: 2, .. })
    ));
}

#[test]
fn altered_boundaries_are_rejected() {
    let other = vec![F::from(12345)];
    let mut p = three_shards().clone();
    p.shards[1].z_in = other.clone();
    assert!(matches!(verify(&p), Err(ShardError::Boundary { index: 1 })));

    let mut p = three_shards().clone();
    p.shards[0].z_in = other.clone();
    assert!(matches!(verify(&p), Err(ShardError::InitialState)));

    // Both sides of a boundary altered alike: the chain holds, the proofs do not.
    let mut p = three_shards().clone();
    p.shards[0].z_final = other.clone();
    p.shards[1].z_in = other.clone();
    assert!(matches!(
        verify(&p),
        Err(ShardError::FinalState { index: 0 })
    ));

    let mut p = three_shards().clone();
    p.shards[2].z_final = other;
    assert!(matches!(
        verify(&p),
        Err(ShardError::FinalState { index: 2 })
    ));

    assert!(matches!(
        three_shards().verify(&keys().1, STEPS, &[F::from(3)]),
        Err(ShardError::InitialState)
    ));
}

#[test]
fn altered_step_counts_are_rejected() {
    let mut p = three_shards().clone();
    p.shards[1].steps += 1;
    assert!(matches!(
        verify(&p),
        Err(ShardError::FirstStep { index: 2, .. })
    ));
    // Consistently shifted, the totals add up to one more step; the proof of shard 1 does not.
    p.shards[2].first_step += 1;
    assert!(matches!(
        p.verify(&keys().1, STEPS + 1, &z0()),
        Err(ShardError::InvalidShard { index: 1, .. })
    ));
    assert!(matches!(
        three_shards().verify(&keys().1, STEPS - 1, &z0()),
        Err(ShardError::StepTotal {
            expected: 10,
            found: 11
        })
    ));
    let mut p = three_shards().clone();
    p.shards[2].steps = 0;
    assert!(matches!(
        verify(&p),
        Err(ShardError::EmptyShard { index: 2 })
    ));
    // Step counts that add up past u64::MAX are an error, not a wrapped or saturated total.
    let mut p = three_shards().clone();
    let before_last = p.shards[2].first_step;
    p.shards[2].steps = u64::MAX - before_last + 1;
    assert!(matches!(
        p.verify(&keys().1, u64::MAX, &z0()),
        Err(ShardError::StepOverflow { index: 2 })
    ));
    assert_eq!(p.total_steps(), None);
    assert_eq!(p.shards[2].shard().end_step(), None);
}

#[test]
fn shards_of_another_circuit_are_rejected() {
    let other_keys = keys_for(9);
    let other = prove_sharded(&other_keys, 2);
    // The whole proof, against this circuit's key.
    assert!(matches!(
        verify(&other),
        Err(ShardError::KeyMismatch { .. })
    ));
    // One shard of it spliced into this circuit's proof, claiming this run's states: its own
    // proof ends elsewhere, which the chain check sees before any cryptography.
    let mut p = three_shards().clone();
    let mut foreign = other.shards[0].clone();
    foreign.index = 0;
    foreign.steps = p.shards[0].steps;
    foreign.z_final = p.shards[0].z_final.clone();
    p.shards[0] = foreign;
    assert!(matches!(
        verify(&p),
        Err(ShardError::FinalState { index: 0 })
    ));
    // On its own, consistent with its proof, it is refused by the key check.
    assert!(matches!(
        other.shards[0].verify(&keys().1),
        Err(ShardError::InvalidShard { index: 0, .. })
    ));
}

#[test]
fn sharded_proofs_survive_a_file_and_malformed_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.proof");
    let bytes = three_shards().save(&path).unwrap();
    assert!(bytes > 0);
    let digest = keys().0.verifier_key().identity();
    let loaded = ShardChain::<PastaCycle>::load(&path, Some(&digest)).unwrap();
    assert_eq!(verify(&loaded).unwrap(), verify(three_shards()).unwrap());
    assert!(ShardChain::<PastaCycle>::load(&path, Some(&[7; 32])).is_err());

    let mut raw = std::fs::read(&path).unwrap();
    raw.truncate(raw.len() / 2);
    std::fs::write(&path, &raw).unwrap();
    let err = ShardChain::<PastaCycle>::load(&path, None).unwrap_err();
    assert!(matches!(err, ShardError::Format(_)), "{err}");
}

/// Transcript binding of a sharded proof's own fields: none has a challenge of its own, so each
/// must be refused by the chain checks or by its shard's statement (steps and `z_in` are what
/// the shard's compressed proof is checked against) before the first challenge of any shard's
/// verification is drawn (docs/soundness.md §11).
#[test]
fn every_shard_field_is_checked_before_any_challenge() {
    use ff::Field;
    use origami_arith::transcript_log::{Before, check_bound, record};
    let proof = three_shards();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let run = |p: &ShardChain<PastaCycle>| pool.install(|| record(|| verify(p)));
    let (ok, honest) = run(proof);
    ok.unwrap();
    type Edit = fn(&mut ShardChain<PastaCycle>);
    let edits: [(&str, Edit); 10] = [
        ("verifier key", |p| p.verifier_key[3] ^= 1),
        ("index", |p| p.shards[1].index = 2),
        ("first step", |p| p.shards[1].first_step += 1),
        ("steps", |p| p.shards[0].steps += 1),
        ("z_in of shard 0", |p| p.shards[0].z_in[0] += F::ONE),
        ("z_in of shard 2", |p| p.shards[2].z_in[0] += F::ONE),
        ("z_final of shard 0", |p| p.shards[0].z_final[0] += F::ONE),
        ("z_final of the last shard", |p| {
            p.shards[2].z_final[0] += F::ONE
        }),
        ("a dropped shard", |p| drop(p.shards.pop())),
        ("swapped shards", |p| p.shards.swap(0, 1)),
    ];
    for (name, edit) in edits {
        let mut bad = proof.clone();
        edit(&mut bad);
        let (result, tampered) = run(&bad);
        assert!(result.is_err(), "{name}: accepted");
        let before = Before {
            transcript: 0,
            label: b"r",
            ordinal: 0,
        };
        if let Err(why) = check_bound(&honest, &tampered, before) {
            panic!("{name}: {why}");
        }
    }
}

//! Spartan for evaluated instances (the Mova decider): honest proofs verify; a false claim has
//! no verifying proof; every field of a proof and of the instance tampered is rejected.

use ff::Field;
use origami_arith::transcript_log::{Before, check_bound, record};
use origami_arith::{CommitmentKey, Pallas};
use origami_r1cs::{EvaluatedInstance, R1csShape};
use origami_spartan::{ClaimProof, DirectKey, SpartanError};
use rand::{SeedableRng, rngs::StdRng};

mod support;
use support::binding::{assert_bound, edit, g, ipa_edits, sumcheck_edits};
use support::{F, circuit};

struct ClaimFixture {
    ck: CommitmentKey<Pallas>,
    key: DirectKey<Pallas>,
    instance: EvaluatedInstance<Pallas>,
    w: Vec<F>,
}

/// A random satisfied evaluated instance of the test circuit at a random point.
fn claim_fixture(seed: u64) -> ClaimFixture {
    let mut rng = StdRng::seed_from_u64(seed);
    let shape = R1csShape::from_fn(circuit).unwrap();
    let key = DirectKey::new(&shape);
    let ck = CommitmentKey::<Pallas>::setup(b"spartan-claim-test", key.shape().num_vars());
    let point = (0..shape.error_vars())
        .map(|_| F::random(&mut rng))
        .collect();
    let (instance, w) = shape.random_evaluated(&ck, point, &mut rng).unwrap();
    shape.is_sat_evaluated(&ck, &instance, &w).unwrap();
    ClaimFixture {
        ck,
        key,
        instance,
        w,
    }
}

impl ClaimFixture {
    fn prove(&self) -> ClaimProof<Pallas> {
        ClaimProof::prove(&self.ck, &self.key, &self.instance, &self.w).unwrap()
    }

    fn verify(&self, proof: &ClaimProof<Pallas>) -> Result<(), SpartanError> {
        proof.verify(&self.ck, &self.key, &self.instance)
    }
}

#[test]
fn honest_claim_proofs_verify_and_survive_serialization() {
    for seed in 0..2 {
        let f = claim_fixture(seed);
        let proof = f.prove();
        f.verify(&proof).unwrap();
        let bytes = bincode::serialize(&proof).unwrap();
        let back: ClaimProof<Pallas> = bincode::deserialize(&bytes).unwrap();
        assert_eq!(back, proof);
        f.verify(&back).unwrap();
    }
}

#[test]
fn a_false_claim_has_no_verifying_proof() {
    let mut f = claim_fixture(3);
    f.instance.value += F::ONE;
    // The prover's sum-check starts from a sum its tables do not have: it refuses, or the
    // outer sum-check fails.
    match ClaimProof::prove(&f.ck, &f.key, &f.instance, &f.w) {
        Err(_) => {}
        Ok(proof) => assert!(f.verify(&proof).is_err()),
    }
    // A witness entry changed after the claim was made, the commitment kept consistent.
    let mut f = claim_fixture(4);
    f.w[3] += F::ONE;
    f.instance.comm_w = f.ck.commit(&f.w).unwrap();
    match ClaimProof::prove(&f.ck, &f.key, &f.instance, &f.w) {
        Err(_) => {}
        Ok(proof) => assert!(f.verify(&proof).is_err()),
    }
}

#[test]
fn every_tampered_field_of_a_claim_proof_is_rejected() {
    let f = claim_fixture(5);
    let proof = f.prove();
    let one = F::ONE;
    let mut cases: Vec<(String, ClaimProof<Pallas>)> = Vec::new();
    let mut push = |name: String, edit: &dyn Fn(&mut ClaimProof<Pallas>)| {
        let mut p = proof.clone();
        edit(&mut p);
        cases.push((name, p));
    };
    for r in 0..proof.outer.rounds().len() {
        for k in 0..3 {
            push(format!("outer round {r} value {k}"), &|p| {
                p.outer.rounds_mut()[r].evals_mut()[k] += one
            });
        }
    }
    for k in 0..3 {
        push(format!("outer claim {k}"), &|p| p.outer_claims[k] += one);
    }
    for r in 0..proof.inner.rounds().len() {
        for k in 0..2 {
            push(format!("inner round {r} value {k}"), &|p| {
                p.inner.rounds_mut()[r].evals_mut()[k] += one
            });
        }
    }
    push("eval W".into(), &|p| p.eval_w += one);
    for j in 0..proof.open_w.l.len() {
        push(format!("open W L {j}"), &|p| p.open_w.l[j] += g());
        push(format!("open W R {j}"), &|p| p.open_w.r[j] += g());
    }
    push("open W a".into(), &|p| p.open_w.a += one);
    push("outer claims short".into(), &|p| {
        p.outer_claims.pop();
    });
    assert!(cases.len() > 30, "only {} cases", cases.len());
    for (name, p) in cases {
        assert!(f.verify(&p).is_err(), "{name} accepted");
    }
}

#[test]
fn a_claim_proof_is_bound_to_every_field_of_its_instance() {
    let f = claim_fixture(6);
    let proof = f.prove();
    let check = |edit: &dyn Fn(&mut EvaluatedInstance<Pallas>)| {
        let mut other = f.instance.clone();
        edit(&mut other);
        proof.verify(&f.ck, &f.key, &other)
    };
    assert!(check(&|i| i.comm_w += g()).is_err());
    assert!(check(&|i| i.u += F::ONE).is_err());
    assert!(check(&|i| i.value += F::ONE).is_err());
    for k in 0..f.instance.x.len() {
        assert!(check(&|i| i.x[k] += F::ONE).is_err(), "X[{k}]");
    }
    for k in 0..f.instance.point.len() {
        assert!(check(&|i| i.point[k] += F::ONE).is_err(), "point[{k}]");
    }
    assert!(matches!(
        check(&|i| {
            i.point.pop();
        }),
        Err(SpartanError::Length { .. })
    ));
}

#[test]
fn a_claim_proof_binds_every_message_before_the_challenge_after_it() {
    let f = claim_fixture(7);
    let proof = f.prove();
    let (x, y) = (proof.outer.rounds().len(), proof.inner.rounds().len());
    let mut edits = sumcheck_edits("outer", x, 0, |p: &mut ClaimProof<Pallas>| &mut p.outer);
    edits.extend((0..3).map(|k| {
        edit(
            format!("outer claim {k}"),
            (b"rho", 0),
            move |p: &mut ClaimProof<Pallas>| p.outer_claims[k] += F::ONE,
        )
    }));
    edits.extend(sumcheck_edits(
        "inner",
        y,
        x,
        |p: &mut ClaimProof<Pallas>| &mut p.inner,
    ));
    edits.push(edit(
        "eval W".into(),
        (b"ipa u", 0),
        |p: &mut ClaimProof<Pallas>| p.eval_w += F::ONE,
    ));
    edits.extend(ipa_edits(
        "open W",
        y - 1,
        0,
        (b"ipa batch", 0),
        |p: &mut ClaimProof<Pallas>| &mut p.open_w,
    ));
    assert_bound(&proof, |p| f.verify(p), edits);
}

#[test]
fn the_claim_is_absorbed_before_the_first_challenge() {
    let f = claim_fixture(8);
    let proof = f.prove();
    let (ok, honest) = record(|| f.verify(&proof));
    ok.unwrap();
    let mut instances = vec![f.instance.clone(); 5];
    instances[0].comm_w += g();
    instances[1].u += F::ONE;
    instances[2].x[1] += F::ONE;
    instances[3].point[2] += F::ONE;
    instances[4].value += F::ONE;
    for (k, instance) in instances.iter().enumerate() {
        let (result, tampered) = record(|| proof.verify(&f.ck, &f.key, instance));
        assert!(result.is_err(), "instance edit {k} verifies");
        let before = Before {
            transcript: 0,
            label: b"sumcheck challenge",
            ordinal: 0,
        };
        if let Err(why) = check_bound(&honest, &tampered, before) {
            panic!("instance edit {k} is not bound before the first challenge: {why}");
        }
    }
}

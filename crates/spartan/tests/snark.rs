//! Spartan (direct variant) on relaxed R1CS: honest proofs verify; every field of a proof, every
//! part of the instance, and an unsatisfied instance are rejected.

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::Field;
use origami_arith::{CommitmentKey, Pallas, PointOf, ScalarOf};
use origami_r1cs::{R1csShape, RelaxedR1csInstance, RelaxedR1csWitness};
use origami_spartan::{DirectKey, IpaProof, SpartanError, SpartanProof};
use rand::{SeedableRng, rngs::StdRng};

type F = ScalarOf<Pallas>;

/// Two public inputs, a chain of products and squares, and a constraint with general coefficients.
fn circuit<CS: ConstraintSystem<F>>(cs: &mut CS) -> Result<(), SynthesisError> {
    let a = AllocatedNum::alloc_input(cs.namespace(|| "a"), || Ok(F::ONE))?;
    let b = AllocatedNum::alloc_input(cs.namespace(|| "b"), || Ok(F::ONE))?;
    let mut x = a.mul(cs.namespace(|| "ab"), &b)?;
    for i in 0..37 {
        x = x.square(cs.namespace(|| format!("sq {i}")))?;
    }
    let y = AllocatedNum::alloc(cs.namespace(|| "y"), || Ok(F::ONE))?;
    cs.enforce(
        || "3x + 5a = y * b",
        |l| l + (F::from(3), x.get_variable()) + (F::from(5), a.get_variable()),
        |l| l + b.get_variable(),
        |l| l + y.get_variable(),
    );
    Ok(())
}

struct Fixture {
    ck: CommitmentKey<Pallas>,
    key: DirectKey<Pallas>,
    instance: RelaxedR1csInstance<Pallas>,
    witness: RelaxedR1csWitness<F>,
}

/// A random satisfiable relaxed instance of the test circuit.
fn fixture(seed: u64) -> Fixture {
    let mut rng = StdRng::seed_from_u64(seed);
    let shape = R1csShape::from_fn(circuit).unwrap();
    let key = DirectKey::<Pallas>::new(&shape);
    let padded = key.shape();
    let ck =
        CommitmentKey::<Pallas>::setup(b"spartan-test", padded.num_cons().max(padded.num_vars()));
    let (instance, witness) = shape.random_relaxed(&ck, &mut rng).unwrap();
    shape.is_sat_relaxed(&ck, &instance, &witness).unwrap();
    Fixture {
        ck,
        key,
        instance,
        witness,
    }
}

#[test]
fn honest_proofs_verify_and_survive_serialization() {
    for seed in 0..3 {
        let f = fixture(seed);
        let proof = SpartanProof::prove(&f.ck, &f.key, &f.instance, &f.witness).unwrap();
        proof.verify(&f.ck, &f.key, &f.instance).unwrap();
        let bytes = bincode::serialize(&proof).unwrap();
        let back: SpartanProof<Pallas> = bincode::deserialize(&bytes).unwrap();
        assert_eq!(back, proof);
        back.verify(&f.ck, &f.key, &f.instance).unwrap();
    }
}

#[test]
fn every_tampered_field_is_rejected() {
    let f = fixture(7);
    let proof = SpartanProof::prove(&f.ck, &f.key, &f.instance, &f.witness).unwrap();
    let rejects = |p: &SpartanProof<Pallas>, what: &str| {
        assert!(p.verify(&f.ck, &f.key, &f.instance).is_err(), "{what}");
    };
    let one = F::ONE;
    for r in 0..proof.outer.rounds().len() {
        for k in 0..3 {
            let mut p = proof.clone();
            p.outer.rounds_mut()[r].evals_mut()[k] += one;
            rejects(&p, &format!("outer round {r} value {k}"));
        }
    }
    for k in 0..4 {
        let mut p = proof.clone();
        p.outer_claims[k] += one;
        rejects(&p, &format!("outer claim {k}"));
    }
    for r in 0..proof.inner.rounds().len() {
        for k in 0..2 {
            let mut p = proof.clone();
            p.inner.rounds_mut()[r].evals_mut()[k] += one;
            rejects(&p, &format!("inner round {r} value {k}"));
        }
    }
    let mut p = proof.clone();
    p.eval_w += one;
    rejects(&p, "eval W");
    let g = origami_arith::Commitment::<Pallas>::from_point(PointOf::<Pallas>::from(
        f.ck.generators()[1],
    ));
    for name in ["W", "E"] {
        let rounds = opening_mut(&mut proof.clone(), name).l.len();
        for j in 0..rounds {
            let mut p = proof.clone();
            opening_mut(&mut p, name).l[j] += g;
            rejects(&p, &format!("open {name} L {j}"));
            let mut p = proof.clone();
            opening_mut(&mut p, name).r[j] += g;
            rejects(&p, &format!("open {name} R {j}"));
        }
        let mut p = proof.clone();
        opening_mut(&mut p, name).a += one;
        rejects(&p, &format!("open {name} a"));
    }
}

fn opening_mut<'a>(p: &'a mut SpartanProof<Pallas>, name: &str) -> &'a mut IpaProof<Pallas> {
    if name == "W" {
        &mut p.open_w
    } else {
        &mut p.open_e
    }
}

#[test]
fn the_proof_is_bound_to_its_instance() {
    let f = fixture(8);
    let proof = SpartanProof::prove(&f.ck, &f.key, &f.instance, &f.witness).unwrap();
    let g = origami_arith::Commitment::<Pallas>::from_point(PointOf::<Pallas>::from(
        f.ck.generators()[0],
    ));
    let mut other = f.instance.clone();
    other.u += F::ONE;
    assert!(proof.verify(&f.ck, &f.key, &other).is_err());
    let mut other = f.instance.clone();
    other.x[1] += F::ONE;
    assert!(proof.verify(&f.ck, &f.key, &other).is_err());
    let mut other = f.instance.clone();
    other.comm_w += g;
    assert!(proof.verify(&f.ck, &f.key, &other).is_err());
    let mut other = f.instance.clone();
    other.comm_e += g;
    assert!(proof.verify(&f.ck, &f.key, &other).is_err());
    let mut other = f.instance.clone();
    other.x.pop();
    assert!(matches!(
        proof.verify(&f.ck, &f.key, &other),
        Err(SpartanError::Length { .. })
    ));
}

#[test]
fn an_unsatisfied_instance_has_no_verifying_proof() {
    let mut f = fixture(9);
    // Break one row of Az∘Bz = u·Cz + E, keeping the commitment consistent with the witness.
    f.witness.e[5] += F::ONE;
    f.instance.comm_e = f.ck.commit(&f.witness.e).unwrap();
    let proof = SpartanProof::prove(&f.ck, &f.key, &f.instance, &f.witness).unwrap();
    assert!(matches!(
        proof.verify(&f.ck, &f.key, &f.instance),
        Err(SpartanError::SumcheckFinal("outer"))
    ));
}

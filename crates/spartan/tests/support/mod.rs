//! The test circuit and a random satisfiable relaxed instance of it, shared by the Spartan tests.
#![allow(dead_code)]

pub mod binding;

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::Field;
use origami_arith::{CommitmentKey, Pallas, ScalarOf};
use origami_r1cs::{R1csShape, RelaxedR1csInstance, RelaxedR1csWitness};
use origami_spartan::{SnarkProof, SnarkProverKey, SnarkVerifierKey, SpartanError, Variant};
use rand::{SeedableRng, rngs::StdRng};

pub type F = ScalarOf<Pallas>;

/// Two public inputs, a chain of products and squares, and a constraint with general coefficients.
pub fn circuit<CS: ConstraintSystem<F>>(cs: &mut CS) -> Result<(), SynthesisError> {
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

pub struct Fixture {
    pub ck: CommitmentKey<Pallas>,
    pub pk: SnarkProverKey<Pallas>,
    pub vk: SnarkVerifierKey<Pallas>,
    pub instance: RelaxedR1csInstance<Pallas>,
    pub witness: RelaxedR1csWitness<F>,
}

pub const VARIANTS: [Variant; 2] = [Variant::Direct, Variant::Preprocessing];

/// A random satisfiable relaxed instance of the test circuit, with keys of `variant`.
pub fn fixture(variant: Variant, seed: u64) -> Fixture {
    let mut rng = StdRng::seed_from_u64(seed);
    let shape = R1csShape::from_fn(circuit).unwrap();
    let ck = CommitmentKey::<Pallas>::setup(
        b"spartan-test",
        variant.commitment_key_len::<Pallas>(&shape),
    );
    let pk = SnarkProverKey::setup(variant, &ck, &shape).unwrap();
    let vk = pk.verifier_key();
    assert_eq!(vk.commitment_key_len(), ck.len());
    let (instance, witness) = shape.random_relaxed(&ck, &mut rng).unwrap();
    shape.is_sat_relaxed(&ck, &instance, &witness).unwrap();
    Fixture {
        ck,
        pk,
        vk,
        instance,
        witness,
    }
}

impl Fixture {
    pub fn prove(&self) -> SnarkProof<Pallas> {
        SnarkProof::prove(&self.ck, &self.pk, &self.instance, &self.witness).unwrap()
    }

    pub fn verify(&self, proof: &SnarkProof<Pallas>) -> Result<(), SpartanError> {
        proof.verify(&self.ck, &self.vk, &self.instance)
    }
}

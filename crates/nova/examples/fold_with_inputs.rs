//! Folding a circuit of your own whose steps read private inputs.
//!
//! The step adds a private deposit (below 2³²) to a public running total and counts the
//! deposits: `z = (total, count)`. The deposits are each step's input; the compressed proof
//! shows the final total and count and hides the deposits.
//!
//! The circuit is written bellpepper-style, its witness value in its own field (`Option<u64>`,
//! `None` in the blank instance the keys are made from), and takes `Input = Self`: one filled
//! instance per step, as with Nova's `prove_step(&pp, &circuit)`.
//!
//! Run with `cargo run --release -p origami-nova --example fold_with_inputs`.

use bellpepper_core::{
    ConstraintSystem, LinearCombination, SynthesisError, boolean::AllocatedBit, num::AllocatedNum,
};
use ff::PrimeField;
use origami_arith::{Pallas, PastaCycle, ScalarOf};
use origami_nova::{
    CompressedProof, CompressedProverKey, RecursiveSnark, StepCircuit, StepError, Variant,
};
use serde::{Deserialize, Serialize};

type F = ScalarOf<Pallas>;

/// One deposit: `total' = total + amount`, `count' = count + 1`, with `amount < 2³²`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Deposit {
    amount: Option<u64>,
}

impl Deposit {
    const BITS: usize = 32;
}

impl<G: PrimeField> StepCircuit<G> for Deposit {
    // Each step gets a filled instance; the keys hold the blank one.
    type Input = Deposit;

    fn arity(&self) -> usize {
        2
    }

    fn synthesize<CS: ConstraintSystem<G>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<G>],
        input: Option<&Deposit>,
    ) -> Result<Vec<AllocatedNum<G>>, SynthesisError> {
        let amount = input.unwrap_or(self).amount;
        // The amount as 32 bits: its range check.
        let mut sum = LinearCombination::zero();
        let mut coeff = G::ONE;
        for i in 0..Self::BITS {
            let bit = AllocatedBit::alloc(
                cs.namespace(|| format!("amount bit {i}")),
                amount.map(|a| (a >> i) & 1 == 1),
            )?;
            sum = sum + (coeff, bit.get_variable());
            coeff = coeff.double();
        }
        let total = AllocatedNum::alloc(cs.namespace(|| "total'"), || {
            let t = z[0].get_value().ok_or(SynthesisError::AssignmentMissing)?;
            Ok(t + G::from(amount.ok_or(SynthesisError::AssignmentMissing)?))
        })?;
        cs.enforce(
            || "total' = total + amount",
            |_| sum + z[0].get_variable(),
            |l| l + CS::one(),
            |l| l + total.get_variable(),
        );
        let count = AllocatedNum::alloc(cs.namespace(|| "count'"), || {
            Ok(z[1].get_value().ok_or(SynthesisError::AssignmentMissing)? + G::ONE)
        })?;
        cs.enforce(
            || "count' = count + 1",
            |l| l + z[1].get_variable() + CS::one(),
            |l| l + CS::one(),
            |l| l + count.get_variable(),
        );
        Ok(vec![total, count])
    }

    fn step(&self, z: &[G], input: &Deposit) -> Result<Vec<G>, StepError> {
        self.check_arity(z)?;
        let amount = input
            .amount
            .filter(|a| a >> Self::BITS == 0)
            .ok_or_else(|| StepError::InvalidInput("a deposit must be below 2^32".into()))?;
        Ok(vec![z[0] + G::from(amount), z[1] + G::ONE])
    }
}

/// Folds one step per deposit, compresses, and verifies from the verifier key alone; returns
/// the final state.
fn run(deposits: &[u64]) -> Result<Vec<F>, Box<dyn std::error::Error>> {
    let blank = Deposit { amount: None };
    let pk = CompressedProverKey::<PastaCycle, Deposit>::setup(blank, Variant::Direct)?;
    let z0 = vec![F::from(0), F::from(0)];
    let mut snark = RecursiveSnark::new(pk.params(), &z0)?;
    for amount in deposits {
        let step = Deposit {
            amount: Some(*amount),
        };
        snark.prove_step(pk.params(), &step)?;
    }
    let proof = CompressedProof::prove(&pk, &snark)?;

    // The verifier holds the verifier key only (about 1 KiB with the preprocessing variant).
    let verifier = pk.verifier_key().clone().prepare()?;
    Ok(proof.verify(&verifier, deposits.len() as u64, &z0)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let deposits = [120, 7, 3_000, 42, 999_999];
    let z = run(&deposits)?;
    println!(
        "verified: {} deposits, total {:?} (count {:?})",
        deposits.len(),
        z[0],
        z[1]
    );
    Ok(())
}

#[test]
fn the_example_folds_private_inputs_and_verifies() {
    let z = run(&[5, 6, 7]).unwrap();
    assert_eq!(z, vec![F::from(18), F::from(3)]);
    // A deposit out of range has no witness: the native step refuses it, and a proof of it
    // cannot be made.
    let big = Deposit {
        amount: Some(1 << 32),
    };
    assert!(StepCircuit::<F>::step(&big, &[F::from(0), F::from(0)], &big).is_err());
}

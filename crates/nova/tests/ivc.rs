//! IVC end to end on a small step circuit (the built-in circuits are covered in `origami-circuits`).

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::{Field, PrimeField};
use origami_arith::{PastaCycle, ScalarOf};
use origami_nova::{NovaError, ProverKey, RecursiveSnark, StepCircuit, StepError};
use serde::{Deserialize, Serialize};

type F = ScalarOf<origami_arith::Pallas>;

/// `(a, b) ← (b, a·b + 1)`, `n` times per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Fib {
    n: usize,
}

impl<G: PrimeField> StepCircuit<G> for Fib {
    fn arity(&self) -> usize {
        2
    }
    fn synthesize<CS: ConstraintSystem<G>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<G>],
    ) -> Result<Vec<AllocatedNum<G>>, SynthesisError> {
        let (mut a, mut b) = (z[0].clone(), z[1].clone());
        for i in 0..self.n {
            let ab = a.mul(cs.namespace(|| format!("ab {i}")), &b)?;
            let next = AllocatedNum::alloc(cs.namespace(|| format!("next {i}")), || {
                ab.get_value()
                    .map(|v| v + G::ONE)
                    .ok_or(SynthesisError::AssignmentMissing)
            })?;
            cs.enforce(
                || format!("next {i}"),
                |l| l + ab.get_variable() + CS::one(),
                |l| l + CS::one(),
                |l| l + next.get_variable(),
            );
            (a, b) = (b, next);
        }
        Ok(vec![a, b])
    }
    fn step(&self, z: &[G]) -> Result<Vec<G>, StepError> {
        <Self as StepCircuit<G>>::check_arity(self, z)?;
        let (mut a, mut b) = (z[0], z[1]);
        for _ in 0..self.n {
            (a, b) = (b, a * b + G::ONE);
        }
        Ok(vec![a, b])
    }
}

#[test]
fn ivc_verifies_and_matches_the_native_step() {
    let pk = ProverKey::<PastaCycle, Fib>::setup(Fib { n: 3 }).unwrap();
    let z0 = vec![F::from(1), F::from(2)];
    let mut snark = RecursiveSnark::new(&pk, &z0).unwrap();
    let mut expected = z0.clone();
    for n in 1..=10u64 {
        snark.prove_step(&pk).unwrap();
        expected = StepCircuit::<F>::step(pk.step(), &expected).unwrap();
        if [1, 2, 10].contains(&n) {
            let zn = snark.verify(&pk, n, &z0).unwrap();
            assert_eq!(zn, expected, "after {n} steps");
        }
    }
    assert!(matches!(
        snark.verify(&pk, 9, &z0),
        Err(NovaError::StepCount {
            expected: 9,
            found: 10
        })
    ));
    assert!(matches!(
        snark.verify(&pk, 10, &[F::from(1), F::from(3)]),
        Err(NovaError::InitialState)
    ));
    let _ = F::ZERO;
}

//! A small step circuit shared by the IVC and compression tests.

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::PrimeField;
use origami_nova::{StepCircuit, StepError};
use serde::{Deserialize, Serialize};

/// `(a, b) ← (b, a·b + 1)`, `n` times per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fib {
    pub n: usize,
}

impl<G: PrimeField> StepCircuit<G> for Fib {
    type Input = ();

    fn arity(&self) -> usize {
        2
    }
    fn synthesize<CS: ConstraintSystem<G>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<G>],
        _input: Option<&()>,
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
    fn step(&self, z: &[G], _input: &()) -> Result<Vec<G>, StepError> {
        <Self as StepCircuit<G>>::check_arity(self, z)?;
        let (mut a, mut b) = (z[0], z[1]);
        for _ in 0..self.n {
            (a, b) = (b, a * b + G::ONE);
        }
        Ok(vec![a, b])
    }
}

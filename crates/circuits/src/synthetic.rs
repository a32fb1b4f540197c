//! `synthetic`: `n` constraints of repeated squaring, `z' = z^(2^n)`.
//!
//! The same construction as Nova's `NonTrivialCircuit`, so a step of size `n` here and there has
//! the same number of constraints and the two provers compare one to one.

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::PrimeField;
use origami_nova::{StepCircuit, StepError};

/// Repeated squaring of one state element, `num_cons` times per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Synthetic {
    num_cons: usize,
}

impl Synthetic {
    /// A step of exactly `num_cons` constraints.
    pub fn new(num_cons: usize) -> Self {
        Self { num_cons }
    }

    /// The step size.
    pub fn num_cons(&self) -> usize {
        self.num_cons
    }
}

impl<F: PrimeField> StepCircuit<F> for Synthetic {
    type Input = ();

    fn arity(&self) -> usize {
        1
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
        _input: Option<&()>,
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        let mut x = z[0].clone();
        for i in 0..self.num_cons {
            x = x.square(cs.namespace(|| format!("square {i}")))?;
        }
        Ok(vec![x])
    }

    fn step(&self, z: &[F], _input: &()) -> Result<Vec<F>, StepError> {
        <Self as StepCircuit<F>>::check_arity(self, z)?;
        let mut x = z[0];
        for _ in 0..self.num_cons {
            x = x.square();
        }
        Ok(vec![x])
    }
}

//! `Squarings(n)`: `n` squarings per step, like the `synthetic` built-in (which lives in
//! `origami-circuits`, above this crate). Shared by the allocation test and the key-load example.

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::PrimeField;
use origami_nova::{StepCircuit, StepError};
use serde::{Deserialize, Serialize};

/// `n` squarings of one state element per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Squarings(pub usize);

impl<G: PrimeField> StepCircuit<G> for Squarings {
    type Input = ();

    fn arity(&self) -> usize {
        1
    }
    fn synthesize<CS: ConstraintSystem<G>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<G>],
        _input: Option<&()>,
    ) -> Result<Vec<AllocatedNum<G>>, SynthesisError> {
        let mut x = z[0].clone();
        for i in 0..self.0 {
            x = x.square(cs.namespace(|| format!("sq {i}")))?;
        }
        Ok(vec![x])
    }
    fn step(&self, z: &[G], _input: &()) -> Result<Vec<G>, StepError> {
        Ok(vec![(0..self.0).fold(z[0], |x, _| x.square())])
    }
}

//! Step circuits: the function `F` that IVC applies `n` times, `z_{i+1} = F(z_i)`.

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::PrimeField;

/// Why a native step could not be computed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StepError {
    /// The state has the wrong number of elements.
    #[error("state has {got} elements but the circuit's arity is {expected}")]
    Arity {
        /// The circuit's arity.
        expected: usize,
        /// Length of the state given.
        got: usize,
    },
    /// The state is not one the step function accepts (e.g. a limb out of range).
    #[error("invalid state: {0}")]
    InvalidState(String),
}

/// One step of a long computation, both as a circuit and natively.
///
/// `synthesize` and `step` must agree: for every valid `z`, the values of the circuit's outputs
/// equal `step(z)`. The native `step` computes checkpoints cheaply (no proving) and cross-checks
/// the circuit in tests. Witness values are computed from `z` inside the circuit's allocation
/// closures, so a step circuit carries no per-step state.
pub trait StepCircuit<F: PrimeField>: Clone + Send + Sync {
    /// Number of field elements in the state `z`.
    fn arity(&self) -> usize;

    /// Constrains `z' = F(z)` and returns the allocated `z'`.
    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError>;

    /// Computes `F(z)` natively.
    fn step(&self, z: &[F]) -> Result<Vec<F>, StepError>;

    /// Checks that `z` has the circuit's arity.
    fn check_arity(&self, z: &[F]) -> Result<(), StepError> {
        if z.len() == self.arity() {
            Ok(())
        } else {
            Err(StepError::Arity {
                expected: self.arity(),
                got: z.len(),
            })
        }
    }
}

/// The identity on one element: the secondary curve's step, which only verifies folds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrivialCircuit;

impl<F: PrimeField> StepCircuit<F> for TrivialCircuit {
    fn arity(&self) -> usize {
        1
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        _cs: &mut CS,
        z: &[AllocatedNum<F>],
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        Ok(z.to_vec())
    }

    fn step(&self, z: &[F]) -> Result<Vec<F>, StepError> {
        <Self as StepCircuit<F>>::check_arity(self, z)?;
        Ok(z.to_vec())
    }
}

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
    /// The step's input is not one the step function accepts (e.g. too long, or given to a
    /// step that reads none).
    #[error("invalid step input: {0}")]
    InvalidInput(String),
}

/// One step of a long computation, both as a circuit and natively: `z' = F(z, w)`, where `w` is
/// the step's input.
///
/// The input is non-deterministic advice: the prover supplies it, each step its own, and a
/// zero-knowledge proof keeps it hidden; only `z₀` and `z_N` are public. A step that is a
/// function of its state alone takes `Input = ()`.
///
/// `synthesize` and `step` must agree: for every valid `z` and `w`, the values of the circuit's
/// outputs equal `step(z, w)`. The native `step` computes checkpoints cheaply (no proving) and
/// checks each proven step. Shapes and keys are made with `input = None`: the circuit allocates
/// the same variables and constraints, and its value closures are never called.
///
/// A bellpepper-style circuit whose witness values live in its own fields (`Option<F>`, one
/// instance per step as with Nova) fits with `Input = Self`: the key holds a blank instance and
/// each step is given the filled one (see `examples/` in the repository).
pub trait StepCircuit<F: PrimeField>: Clone + Send + Sync {
    /// What each step reads besides the state.
    type Input: ?Sized + Sync;

    /// Number of field elements in the state `z`.
    fn arity(&self) -> usize;

    /// Constrains `z' = F(z, input)` and returns the allocated `z'`. `input` is `None` only
    /// when the shape is being made.
    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
        input: Option<&Self::Input>,
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError>;

    /// Computes `F(z, input)` natively, refusing a state or an input the step does not accept.
    fn step(&self, z: &[F], input: &Self::Input) -> Result<Vec<F>, StepError>;

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
    type Input = ();

    fn arity(&self) -> usize {
        1
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        _cs: &mut CS,
        z: &[AllocatedNum<F>],
        _input: Option<&()>,
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        Ok(z.to_vec())
    }

    fn step(&self, z: &[F], _input: &()) -> Result<Vec<F>, StepError> {
        <Self as StepCircuit<F>>::check_arity(self, z)?;
        Ok(z.to_vec())
    }
}

//! Errors of the folding prover and verifier.

use bellpepper_core::SynthesisError;
use origami_arith::pedersen::CommitError;
use origami_r1cs::R1csError;

use crate::step::StepError;

/// What went wrong while proving or verifying.
#[derive(Debug, thiserror::Error)]
pub enum NovaError {
    /// A circuit failed to synthesize.
    #[error("circuit synthesis failed: {0}")]
    Synthesis(#[from] SynthesisError),
    /// An R1CS check or dimension failed.
    #[error(transparent)]
    R1cs(#[from] R1csError),
    /// A commitment could not be computed.
    #[error(transparent)]
    Commit(#[from] CommitError),
    /// The native step function rejected a state.
    #[error(transparent)]
    Step(#[from] StepError),
    /// A scalar of one field does not fit the other field of the cycle.
    #[error("{0} does not fit in the other field of the curve cycle")]
    ScalarOutOfRange(&'static str),
    /// A fresh instance does not have the two public inputs of an augmented circuit.
    #[error("an instance has {0} public inputs where 2 are expected")]
    PublicInputCount(usize),
}

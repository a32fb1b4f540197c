//! Errors of the R1CS layer.

use bellpepper_core::SynthesisError;
use origami_arith::pedersen::CommitError;

/// What went wrong when building or checking an R1CS instance.
#[derive(Debug, thiserror::Error)]
pub enum R1csError {
    /// Constraint `row` does not hold.
    #[error("constraint {row} is not satisfied")]
    Unsatisfied {
        /// Index of the first failing constraint.
        row: usize,
    },
    /// The assignment `z = (W, u, X)` has the wrong length.
    #[error("assignment has {got} entries but the shape needs {expected} (W, u, X)")]
    AssignmentLength {
        /// `num_vars + 1 + num_io`.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// The witness `W` has the wrong length.
    #[error("witness has {got} entries but the shape has {expected} variables")]
    WitnessLength {
        /// `num_vars`.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// The public input `X` has the wrong length.
    #[error("public input has {got} entries but the shape has {expected}")]
    PublicInputLength {
        /// `num_io`.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// The error vector `E` has the wrong length.
    #[error("error vector has {got} entries but the shape has {expected} constraints")]
    ErrorVectorLength {
        /// `num_cons`.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// An output buffer has the wrong length.
    #[error("output buffer has {got} entries but the shape has {expected} constraints")]
    OutputLength {
        /// `num_cons`.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// A plain R1CS assignment whose constant column is not 1.
    #[error("the constant column of a plain R1CS assignment must be 1")]
    ConstantNotOne,
    /// An evaluation claim's point has the wrong number of coordinates.
    #[error(
        "the claim's point has {got} coordinates but the error vector has {expected} variables"
    )]
    PointLength {
        /// `⌈log₂ num_cons⌉`.
        expected: usize,
        /// Coordinates given.
        got: usize,
    },
    /// The error vector does not evaluate to the instance's claimed value.
    #[error("the error vector does not evaluate to the claimed value at the claim's point")]
    ClaimMismatch,
    /// A commitment in the instance does not open to the witness.
    #[error("the commitment to {0} does not match the witness")]
    CommitmentMismatch(&'static str),
    /// Committing failed (the witness is longer than the commitment key).
    #[error(transparent)]
    Commit(#[from] CommitError),
    /// The circuit failed to synthesize.
    #[error("circuit synthesis failed: {0}")]
    Synthesis(#[from] SynthesisError),
}

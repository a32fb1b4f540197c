//! Errors of the folding prover and verifier.

use bellpepper_core::SynthesisError;
use origami_arith::pedersen::CommitError;
use origami_format::FormatError;
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
    /// A key or proof file could not be read or written.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A key's contents do not match its digest (or it is too small for its own shapes).
    #[error("the key's contents do not match its digest: it was altered or made by another build")]
    KeyInconsistent,
    /// A verifier key file whose header names another identity than its contents have: the key
    /// was edited after setup.
    #[error(
        "the verifier key's contents have identity {computed}, but its header records {recorded}: \
         the key was altered after setup"
    )]
    KeyIdentity {
        /// Identity in the file's header.
        recorded: String,
        /// Identity of the contents.
        computed: String,
    },
    /// A proof was made for another verifier key than the one given.
    #[error("the proof was made for verifier key {found}, but the key given is {expected}")]
    KeyMismatch {
        /// Identity of the key given.
        expected: String,
        /// Identity the proof names.
        found: String,
    },
    /// A commitment key's generators are not the ones derived from its label.
    #[error("the {0} commitment key's generators are not the ones its label derives")]
    Generators(&'static str),
    /// A proof was made with other public parameters than the key given.
    #[error("the proof was made for parameters {found}, but the key is for {expected}")]
    ParamsMismatch {
        /// Hex digest of the key.
        expected: String,
        /// Hex digest in the proof.
        found: String,
    },
    /// The proof covers another number of steps than the verifier expects.
    #[error("the proof covers {found} steps, but {expected} were expected")]
    StepCount {
        /// Steps the verifier asked for.
        expected: u64,
        /// Steps in the proof.
        found: u64,
    },
    /// A proof of zero steps proves nothing.
    #[error("a proof must cover at least one step")]
    NoSteps,
    /// The initial state in the proof is not the one the verifier expects.
    #[error("the proof starts from another initial state z0")]
    InitialState,
    /// A state has the wrong number of elements for the circuit.
    #[error("{state} has {got} elements but the circuit's arity is {expected}")]
    Arity {
        /// Which state: "the given z0" (to start a proof), "the expected z0" (to verify one),
        /// "the proof's z0", "the proof's final state", "the proof's secondary state".
        state: &'static str,
        /// The circuit's arity.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// A hash binding the running instances to the fresh one does not match.
    #[error("the {0} instance hash does not match the proof's public inputs")]
    HashMismatch(&'static str),
    /// One of the proof's R1CS relations does not hold.
    #[error("the {which} instance is not satisfied: {source}")]
    Unsatisfied {
        /// Which instance.
        which: &'static str,
        /// What failed.
        source: R1csError,
    },
    /// A compressed proof's Spartan proof failed (or could not be made).
    #[error("the {which} Spartan proof: {source}")]
    Snark {
        /// Which curve's proof.
        which: &'static str,
        /// What failed.
        source: origami_spartan::SpartanError,
    },
    /// A fresh instance does not have the two public inputs of an augmented circuit.
    #[error("an instance has {0} public inputs where 2 are expected")]
    PublicInputCount(usize),
    /// Two instances to fold have different numbers of public inputs.
    #[error("the {which} instance has {got} public inputs where the shape has {expected}")]
    InputCount {
        /// Which instance.
        which: &'static str,
        /// The shape's count.
        expected: usize,
        /// The instance's count.
        got: usize,
    },
    /// A Mova instance's evaluation point has the wrong number of coordinates.
    #[error(
        "the {which} instance's evaluation point has {got} coordinates where the error vector \
         has {expected} variables"
    )]
    PointLength {
        /// Which instance.
        which: &'static str,
        /// Variables of the shape's (padded) error vector.
        expected: usize,
        /// Coordinates given.
        got: usize,
    },
    /// A Mova line polynomial has the wrong number of coefficients.
    #[error("the {which} line polynomial has {got} coefficients where {expected} are expected")]
    LineLength {
        /// Whose restriction it claims to be.
        which: &'static str,
        /// One more than the number of variables.
        expected: usize,
        /// Coefficients given.
        got: usize,
    },
    /// A Mova line polynomial does not agree with its instance's claim at the instance's point.
    #[error("the {0} line polynomial does not pass through its instance's evaluation claim")]
    LineOffClaim(&'static str),
    /// A claim blinding fold's revealed value does not open the commitments it was folded from.
    #[error("the blinding fold's value does not open the commitments to t and v2")]
    BlindedValueMismatch,
    /// A Fiat–Shamir sponge was driven off its declared pattern (a length not checked first).
    #[error(transparent)]
    Sponge(#[from] origami_arith::poseidon::SpongeError),
}

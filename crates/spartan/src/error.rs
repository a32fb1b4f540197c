//! Why proving or verifying failed.

use origami_arith::multilinear::PolyError;

/// A Spartan or IPA error: a malformed input, or a proof that does not verify (and which check
/// rejected it).
#[derive(Debug, thiserror::Error)]
pub enum SpartanError {
    /// Sum-check tables of different sizes, none, too many, or degree 0.
    #[error("sum-check needs 1 to 16 tables of one size and a degree of at least 1")]
    SumcheckShape,
    /// A sum-check proof with the wrong number of rounds.
    #[error("sum-check proof has {got} rounds, expected {expected}")]
    SumcheckRounds {
        /// Rounds the statement needs.
        expected: usize,
        /// Rounds in the proof.
        got: usize,
    },
    /// A round message of the wrong degree.
    #[error("sum-check round {round} has {got} values, expected {expected}")]
    SumcheckDegree {
        /// Which round.
        round: usize,
        /// Values the degree needs.
        expected: usize,
        /// Values in the proof.
        got: usize,
    },
    /// A sum-check's final claim disagrees with the claimed evaluations.
    #[error("the {0} sum-check's final claim does not match the claimed evaluations")]
    SumcheckFinal(&'static str),
    /// The polynomial-commitment opening does not verify.
    #[error("the inner-product argument does not verify")]
    Ipa,
    /// An IPA proof whose number of rounds does not match the vector length.
    #[error("the inner-product argument has {got} rounds, expected {expected}")]
    IpaRounds {
        /// Rounds the vector length needs.
        expected: usize,
        /// Rounds in the proof.
        got: usize,
    },
    /// A vector longer than the commitment key, or lengths that disagree.
    #[error("vector of length {len} does not fit a commitment key of {key} generators")]
    KeyTooShort {
        /// Vector length.
        len: usize,
        /// Generators in the key.
        key: usize,
    },
    /// The generators the openings are checked against could not be used.
    #[error("generators: {0}")]
    Generators(#[from] origami_arith::generators::GeneratorError),
    /// A vector or point of the wrong length.
    #[error("{what}: length {got}, expected {expected}")]
    Length {
        /// What was measured.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// A lookup denominator was zero for the transcript's challenges (probability about
    /// `N / |F|`); proving again with another blinding succeeds.
    #[error("a lookup challenge made a denominator zero; prove again")]
    DegenerateChallenge,
    /// A verifier key whose parts do not fit together.
    #[error("the verifier key is malformed")]
    MalformedKey,
    /// A key or proof of the other Spartan variant.
    #[error("the proof is for the {proof} variant but the key is for the {key} variant")]
    VariantMismatch {
        /// The key's variant.
        key: &'static str,
        /// The proof's variant.
        proof: &'static str,
    },
    /// The shape is not padded to powers of two.
    #[error("the R1CS shape must be padded to powers of two")]
    NotPadded,
    /// A polynomial operation failed.
    #[error(transparent)]
    Poly(#[from] PolyError),
    /// An R1CS operation failed.
    #[error(transparent)]
    R1cs(#[from] origami_r1cs::R1csError),
    /// A commitment failed.
    #[error(transparent)]
    Commit(#[from] origami_arith::pedersen::CommitError),
}

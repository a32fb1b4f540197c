//! Compressing a folded instance: Spartan's sum-check reduction of relaxed R1CS to two multilinear
//! evaluations, opened with an inner-product argument over the Pedersen commitments the folding
//! prover already made.
//!
//! - [`sumcheck`]: the sum-check prover and verifier over multilinear tables.
//! - [`ipa`]: opening a Pedersen commitment to a multilinear evaluation.
//! - [`snark`]: Spartan for relaxed R1CS, direct variant (the verifier holds the shape).
//! - [`preprocessed`]: the preprocessing variant (the matrices are committed at setup; the
//!   verifier key is a few commitments).
//! - [`variant`]: keys and proofs of either variant behind one type, chosen at setup.

pub mod error;
pub mod ipa;
pub mod preprocessed;
pub mod snark;
pub mod sumcheck;
pub mod variant;

pub use error::SpartanError;
pub use ipa::{IpaProof, Opening};
pub use preprocessed::{PreprocessedProof, PreprocessedProverKey, PreprocessedVerifierKey};
pub use snark::{Dimensions, DirectKey, SpartanProof};
pub use sumcheck::{RoundPoly, SumcheckProof};
pub use variant::{SnarkProof, SnarkProverKey, SnarkVerifierKey, Variant};

//! Compressing a folded instance: Spartan's sum-check reduction of relaxed R1CS to two multilinear
//! evaluations, opened with an inner-product argument over the Pedersen commitments the folding
//! prover already made.
//!
//! - [`sumcheck`]: the sum-check prover and verifier over multilinear tables.
//! - [`ipa`]: opening a Pedersen commitment to a multilinear evaluation.

pub mod error;
pub mod ipa;
pub mod sumcheck;

pub use error::SpartanError;
pub use ipa::{IpaProof, Opening};
pub use sumcheck::{RoundPoly, SumcheckProof};

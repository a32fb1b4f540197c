#![doc = include_str!("../README.md")]

pub mod claim;
pub mod error;
pub mod ipa;
pub mod preprocessed;
pub mod snark;
pub mod sumcheck;
pub mod variant;

pub use claim::ClaimProof;
pub use error::SpartanError;
pub use ipa::{IpaProof, Opening};
pub use preprocessed::{PreprocessedProof, PreprocessedProverKey, PreprocessedVerifierKey};
pub use snark::{Dimensions, DirectKey, SpartanProof};
pub use sumcheck::{RoundPoly, SumcheckProof};
pub use variant::{SnarkProof, SnarkProverKey, SnarkVerifierKey, Variant};

#![doc = include_str!("../README.md")]

pub mod augmented;
pub mod compressed;
pub mod convert;
pub mod error;
pub mod gadgets;
pub mod ivc;
pub mod nifs;
pub mod params;
pub mod step;

pub use compressed::{
    CompressedProof, CompressedProverKey, CompressedVerifier, CompressedVerifierKey,
};
pub use error::NovaError;
pub use ivc::{PhaseTimes, RecursiveProof, RecursiveSnark};
pub use nifs::{BlindingFold, FoldingProver, NifsProof};
pub use origami_spartan::Variant;
pub use params::{ProvableStep, ProverKey};
pub use step::{StepCircuit, StepError, TrivialCircuit};

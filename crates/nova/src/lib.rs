#![doc = include_str!("../README.md")]

// Only `nifs`, `mova` and `cyclefold` are API as modules (proofs, challenges, instances); the
// others are reached through the re-exports below.
mod augmented;
mod compressed;
mod convert;
pub mod cyclefold;
mod error;
mod gadgets;
mod ivc;
pub mod mova;
pub mod nifs;
mod params;
mod step;

pub use compressed::{
    CompressedProof, CompressedProverKey, CompressedVerifier, CompressedVerifierKey,
};
pub use error::NovaError;
pub use ivc::{CircuitTimes, PhaseTimes, RecursiveProof, RecursiveSnark};
pub use nifs::{BlindingFold, FoldTimes, FoldingProver, NifsProof};
pub use origami_spartan::Variant;
pub use params::{PrimaryField, ProvableStep, PublicParams, SecondaryField};
pub use step::{StepCircuit, StepError, TrivialCircuit};

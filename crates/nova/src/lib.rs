//! Nova-style incremental verifiable computation for Origami.
//!
//! - [`StepCircuit`]: the computation step, as a circuit and natively.
//! - [`nifs`]: folding a fresh R1CS instance into a running relaxed one, with the prover's
//!   buffers owned by [`FoldingProver`].
//! - [`augmented`]: the circuits that run a step and verify the other curve's fold.
//! - [`ProverKey`]: public parameters, on disk behind a versioned header.
//! - [`RecursiveSnark`] / [`RecursiveProof`]: prove step by step, verify the result.
//! - [`compressed`]: zero-knowledge compression with Spartan ([`CompressedProof`]) and the small
//!   [`CompressedVerifierKey`].

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

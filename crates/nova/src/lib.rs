//! Nova-style incremental verifiable computation for Origami.
//!
//! - [`StepCircuit`]: the computation step, as a circuit and natively.
//! - [`nifs`]: folding a fresh R1CS instance into a running relaxed one, with the prover's
//!   buffers owned by [`FoldingProver`].

pub mod convert;
pub mod error;
pub mod gadgets;
pub mod nifs;
pub mod step;

pub use error::NovaError;
pub use nifs::{FoldingProver, NifsProof};
pub use step::{StepCircuit, StepError, TrivialCircuit};

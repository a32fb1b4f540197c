//! Nova-style incremental verifiable computation for Origami.
//!
//! This crate grows with the folding prover; today it defines what a computation step is.

pub mod gadgets;
pub mod step;

pub use step::{StepCircuit, StepError, TrivialCircuit};

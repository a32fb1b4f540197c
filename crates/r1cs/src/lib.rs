#![doc = include_str!("../README.md")]

pub mod error;
pub mod evaluated;
pub mod relaxed;
pub mod shape;
pub mod sparse;
pub mod witness;

pub use error::R1csError;
pub use evaluated::EvaluatedInstance;
pub use relaxed::{R1csInstance, R1csWitness, RelaxedR1csInstance, RelaxedR1csWitness};
pub use shape::{R1csShape, ShapeCs};
pub use sparse::SparseMatrix;
pub use witness::{WitnessBuffer, WitnessCs};

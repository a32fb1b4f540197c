//! R1CS frontend of Origami.
//!
//! - [`R1csShape`]: the matrices `A, B, C` of any bellpepper-core circuit, extracted once.
//! - [`WitnessBuffer`]: the circuit's assignment, regenerated in place on every step.
//! - [`SparseMatrix`]: compressed rows with ±1 coefficients kept apart; `Az, Bz, Cz` in one pass.
//! - [`RelaxedR1csInstance`] / [`RelaxedR1csWitness`]: the objects folding works on, with
//!   [`R1csShape::is_sat_relaxed`] to check them.
//!
//! Assignments are laid out as `z = (W, u, X)`: witness, constant column, public inputs.

pub mod error;
pub mod relaxed;
pub mod shape;
pub mod sparse;
pub mod witness;

pub use error::R1csError;
pub use relaxed::{R1csInstance, R1csWitness, RelaxedR1csInstance, RelaxedR1csWitness};
pub use shape::{R1csShape, ShapeCs};
pub use sparse::SparseMatrix;
pub use witness::{WitnessBuffer, WitnessCs};

//! Circuit gadgets for the augmented circuit.

pub mod nonnative;

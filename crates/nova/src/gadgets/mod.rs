//! Circuit gadgets the augmented (folding-verifier) circuits are built from.

pub mod ecc;
pub mod mova;
pub mod nonnative;

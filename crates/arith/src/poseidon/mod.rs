//! Poseidon: a native sponge and a bellpepper-core gadget that compute the same function, for
//! the Pallas and Vesta fields.
//!
//! The instance is the standard 128-bit one for the 255-bit Pasta fields: width t = 3 (rate 2,
//! capacity 1), S-box x^5, R_F = 8 full rounds and R_P = 56 partial rounds. Round constants and
//! the MDS matrix come from the Grain LFSR exactly as the Poseidon authors' reference script
//! `generate_parameters_grain.sage` derives them, and the permutation matches the published
//! reference outputs for the Pallas and Vesta base fields.
//!
//! The code is generic over any `ff::PrimeFieldBits` field and generates that field's constants
//! on first use. Two things are specific to the Pasta fields and must be re-established before
//! another field is used: that x^5 is a permutation (gcd(5, p − 1) = 1) with these round
//! numbers giving 128-bit security, and that the first Cauchy matrix drawn passes the reference
//! script's MDS security checks, which this module does not re-run (see `constants.rs`).
//!
//! * [`native::permute`] and [`gadget::permute`]: the permutation.
//! * [`PoseidonSponge`] and [`PoseidonSpongeGadget`]: the sponge, bound to a declared
//!   [`IoPattern`] (SAFE style: the pattern and a domain separator set the capacity element).
//! * [`hash`] / [`gadget::hash`]: a fixed number of elements to one.
//! * [`low_bits_le`] / [`gadget::low_bits_le`], [`truncate_to_bits`]: an N-bit challenge from a
//!   squeezed element.

mod constants;
pub mod gadget;
mod grain;
pub mod native;
mod pattern;

#[cfg(test)]
mod tests;

pub use constants::PoseidonConstants;
pub use gadget::{PERMUTATION_CONSTRAINTS, PoseidonSpongeGadget};
pub use native::{PoseidonSponge, hash, low_bits_le, truncate_to_bits};
pub use pattern::{IoPattern, SpongeError, SpongeOp};

/// State width t.
pub const WIDTH: usize = 3;
/// Elements absorbed or squeezed per permutation.
pub const RATE: usize = 2;
/// Elements of the state never read or written directly: state element 0.
pub const CAPACITY: usize = 1;
/// Full rounds R_F, half before and half after the partial rounds.
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds R_P.
pub const PARTIAL_ROUNDS: usize = 56;

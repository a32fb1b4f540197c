#![doc = include_str!("../README.md")]

pub mod curve;
pub mod encoding;
pub mod generators;
pub mod msm;
pub mod multilinear;
pub mod pedersen;
pub mod poseidon;
pub mod transcript;
#[cfg(feature = "transcript-log")]
pub mod transcript_log;

pub use curve::{
    AffineOf, BaseOf, Cycle, CycleCurve, Pallas, PastaCycle, PointOf, ScalarOf, Vesta,
};
pub use generators::{GeneratorSource, StreamedGenerators};
pub use multilinear::{EqPolynomial, MultilinearPolynomial};
pub use pedersen::{Commitment, CommitmentKey};
pub use transcript::Transcript;

/// The curve cycle the `origami` binary uses.
pub type DefaultCycle = PastaCycle;

/// How field and curve arithmetic is compiled: halo2curves' x86-64 assembly where available.
pub const FIELD_BACKEND: &str = if cfg!(target_arch = "x86_64") {
    "halo2curves (x86-64 assembly)"
} else {
    "halo2curves (portable)"
};

#![doc = include_str!("../README.md")]

mod dir;
mod proof;
mod state;

use std::path::Path;

use origami_arith::DefaultCycle;
use origami_circuits::Builtin;
use origami_nova::PrimaryField;
use origami_nova::{CompressedProverKey, CompressedVerifier, CompressedVerifierKey, NovaError};

pub use dir::{KeyDir, KeyError, PROVER_KEY_FILE, VERIFIER_KEY_FILE};
pub use proof::{ProofError, ProofFile, ProofKind};
pub use state::{FieldError, format_field, format_state, parse_field, parse_state};

/// A field element of a built-in circuit's state.
pub type Field = PrimaryField<DefaultCycle>;
/// The prover key of the default cycle for a built-in circuit (`prover.key`).
pub type ProverKey = CompressedProverKey<DefaultCycle, Builtin>;
/// The verifier key of the default cycle for a built-in circuit (`verifier.key`).
pub type VerifierKey = CompressedVerifierKey<DefaultCycle, Builtin>;
/// A verifier key made ready to verify compressed and sharded proofs.
pub type Verifier = CompressedVerifier<DefaultCycle, Builtin>;
/// The folding parameters of a built-in circuit (what a recursive proof is checked against).
pub type Params = origami_nova::PublicParams<DefaultCycle, Builtin>;

/// The verifier for `vk`, reading (and on first use writing) its commitment generators in
/// `generator_cache` when one is given, else deriving them for every proof.
pub fn prepare_verifier(
    vk: VerifierKey,
    generator_cache: Option<&Path>,
) -> Result<Verifier, NovaError> {
    let verifier = vk.prepare()?;
    Ok(match generator_cache {
        Some(dir) => verifier.with_generator_cache(dir),
        None => verifier,
    })
}

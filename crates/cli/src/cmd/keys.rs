//! Key files in a key directory: `prover.key` and `verifier.key`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use origami_arith::DefaultCycle;
use origami_circuits::Builtin;
use origami_nova::{ProverKey, VerifierKey};

/// The prover key of the default cycle for a built-in circuit.
pub type Pk = ProverKey<DefaultCycle, Builtin>;
/// The verifier key of the default cycle for a built-in circuit.
pub type Vk = VerifierKey<DefaultCycle, Builtin>;

/// Path of the prover key in `dir`.
pub fn prover_key_path(dir: &Path) -> PathBuf {
    dir.join("prover.key")
}

/// Path of the verifier key in `dir`.
pub fn verifier_key_path(dir: &Path) -> PathBuf {
    dir.join("verifier.key")
}

/// Loads `dir/prover.key`, checking it is for `expected` when a circuit was named.
pub fn load_prover_key(dir: &Path, expected: Option<&Builtin>) -> anyhow::Result<Pk> {
    let path = prover_key_path(dir);
    let pk = Pk::load(&path).with_context(|| format!("loading {}", path.display()))?;
    if let Some(c) = expected
        && c != pk.step()
    {
        bail!(
            "{} is for {}, but {} was asked for",
            path.display(),
            pk.step(),
            c
        );
    }
    Ok(pk)
}

/// Loads `dir/verifier.key`.
pub fn load_verifier_key(dir: &Path) -> anyhow::Result<Vk> {
    let path = verifier_key_path(dir);
    Vk::load(&path).with_context(|| format!("loading {}", path.display()))
}

//! Key files in a key directory: `prover.key` and `verifier.key`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use origami_arith::DefaultCycle;
use origami_circuits::Builtin;
use origami_nova::{CompressedProverKey, CompressedVerifierKey};

/// The prover key of the default cycle for a built-in circuit.
pub type Pk = CompressedProverKey<DefaultCycle, Builtin>;
/// The verifier key of the default cycle for a built-in circuit.
pub type Vk = CompressedVerifierKey<DefaultCycle, Builtin>;

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
    let step = pk.params().step();
    if let Some(c) = expected
        && c != step
    {
        bail!(
            "{} is for {}, but {} was asked for",
            path.display(),
            step,
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

/// Size of the verifier key as a file (the same bytes `save` writes).
pub fn verifier_key_bytes(vk: &Vk) -> anyhow::Result<u64> {
    Ok(origami_format::encoded_len(
        origami_format::FileKind::VerifierKey,
        vk,
    )?)
}

/// Where generator cache files live (see `origami_arith::StreamedGenerators`): verifiers read
/// the commitment-key generators from there instead of deriving them for every proof.
#[derive(clap::Args, Clone, Debug)]
pub struct GeneratorCacheArgs {
    /// Directory of generator cache files; default `$XDG_CACHE_HOME/origami` or
    /// `~/.cache/origami`. Written by `setup` and by the first `verify` on a machine.
    #[arg(long, env = "ORIGAMI_GENERATOR_CACHE", value_name = "DIR")]
    generator_cache: Option<PathBuf>,
    /// Derive the generators for every proof instead (slower; writes nothing). Overrides the
    /// directory, including one set by the environment.
    #[arg(long)]
    no_generator_cache: bool,
}

impl GeneratorCacheArgs {
    /// The cache directory, if caching is on and one can be named.
    pub fn dir(&self) -> Option<PathBuf> {
        if self.no_generator_cache {
            return None;
        }
        if let Some(d) = &self.generator_cache {
            return Some(d.clone());
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("origami"))
    }
}

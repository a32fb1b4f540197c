//! A key directory: `prover.key` and `verifier.key` as `origami setup` writes them.

use std::path::{Path, PathBuf};

use origami_circuits::Builtin;
use origami_format::{FormatError, hex};
use origami_nova::NovaError;

use crate::{Params, ProverKey, VerifierKey};

/// The prover key's file name in a key directory.
pub const PROVER_KEY_FILE: &str = "prover.key";
/// The verifier key's file name in a key directory.
pub const VERIFIER_KEY_FILE: &str = "verifier.key";

/// Why a key directory's keys could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key file could not be read, or is not a valid key.
    #[error("loading {}", path.display())]
    Load {
        /// The key file.
        path: PathBuf,
        /// Why.
        source: NovaError,
    },
    /// A key file could not be written.
    #[error("writing {}", path.display())]
    Save {
        /// The key file.
        path: PathBuf,
        /// Why.
        source: FormatError,
    },
    /// The verifier key could not be written; the prover key written before it was removed.
    #[error("writing {} ({} was removed again)", path.display(), removed.display())]
    SaveVerifierKey {
        /// The verifier key file.
        path: PathBuf,
        /// The prover key file, removed.
        removed: PathBuf,
        /// Why.
        source: FormatError,
    },
    /// The prover key is for another circuit than the one asked for.
    #[error("{} is for {found}, but {asked} was asked for", path.display())]
    OtherCircuit {
        /// The key file.
        path: PathBuf,
        /// The key's circuit.
        found: Builtin,
        /// The circuit asked for.
        asked: Builtin,
    },
    /// `prover.key` and `verifier.key` are not one key pair.
    #[error("prover.key belongs to verifier key {prover}, but verifier.key is {verifier}")]
    NotAPair {
        /// The prover key's verifier identity (hex).
        prover: String,
        /// The verifier key's identity (hex).
        verifier: String,
    },
    /// Neither key is there.
    #[error("the key directory {} has neither prover.key nor verifier.key", .0.display())]
    Empty(PathBuf),
    /// The parameters could not be re-derived from the verifier key.
    #[error("re-deriving the parameters from verifier.key")]
    Expand(#[source] NovaError),
}

/// A key directory from `origami setup`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyDir {
    path: PathBuf,
}

impl KeyDir {
    /// The key directory at `path` (nothing is read yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Path of its prover key.
    pub fn prover_key_path(&self) -> PathBuf {
        self.path.join(PROVER_KEY_FILE)
    }

    /// Path of its verifier key.
    pub fn verifier_key_path(&self) -> PathBuf {
        self.path.join(VERIFIER_KEY_FILE)
    }

    /// Loads the prover key (its generators checked against their labels), and checks it is
    /// for `expected` when a circuit was named.
    pub fn load_prover_key(&self, expected: Option<&Builtin>) -> Result<ProverKey, KeyError> {
        let path = self.prover_key_path();
        let pk = ProverKey::load(&path).map_err(|source| KeyError::Load {
            path: path.clone(),
            source,
        })?;
        let found = *pk.params().step();
        match expected {
            Some(asked) if *asked != found => Err(KeyError::OtherCircuit {
                path,
                found,
                asked: *asked,
            }),
            _ => Ok(pk),
        }
    }

    /// Loads the verifier key.
    pub fn load_verifier_key(&self) -> Result<VerifierKey, KeyError> {
        let path = self.verifier_key_path();
        VerifierKey::load(&path).map_err(|source| KeyError::Load { path, source })
    }

    /// Writes both keys of `pk`; when the verifier key cannot be written, the prover key is
    /// removed again (a prover key without its verifier key is half a key directory). Returns
    /// the bytes of each file.
    pub fn save(&self, pk: &ProverKey) -> Result<(u64, u64), KeyError> {
        let (pk_path, vk_path) = (self.prover_key_path(), self.verifier_key_path());
        let pk_bytes = pk.save(&pk_path).map_err(|source| KeyError::Save {
            path: pk_path.clone(),
            source,
        })?;
        match pk.verifier_key().save(&vk_path) {
            Ok(vk_bytes) => Ok((pk_bytes, vk_bytes)),
            Err(source) => {
                let _ = std::fs::remove_file(&pk_path);
                Err(KeyError::SaveVerifierKey {
                    path: vk_path,
                    removed: pk_path,
                    source,
                })
            }
        }
    }

    /// The folding parameters a recursive proof is checked against, with the verifier-key
    /// identity they belong to: from `prover.key` when it is there (checked to pair with
    /// `verifier.key` when that is there too), else re-derived from `verifier.key` (slower: it
    /// repeats setup). `re_deriving` is told before the slow path starts.
    pub fn load_params(&self, re_deriving: impl FnOnce()) -> Result<(Params, [u8; 32]), KeyError> {
        let vk = self
            .verifier_key_path()
            .exists()
            .then(|| self.load_verifier_key())
            .transpose()?;
        if self.prover_key_path().exists() {
            let pk = self.load_prover_key(None)?;
            let identity = pk.verifier_key().identity();
            if let Some(vk) = &vk
                && vk.identity() != identity
            {
                return Err(KeyError::NotAPair {
                    prover: hex(&identity),
                    verifier: hex(&vk.identity()),
                });
            }
            return Ok((pk.params().clone(), identity));
        }
        let vk = vk.ok_or_else(|| KeyError::Empty(self.path.clone()))?;
        re_deriving();
        Ok((vk.expand().map_err(KeyError::Expand)?, vk.identity()))
    }
}

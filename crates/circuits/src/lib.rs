#![doc = include_str!("../README.md")]

pub mod minroot;
pub mod poseidon_chain;
pub mod sha256_chain;
pub mod synthetic;

use core::fmt;
use core::str::FromStr;

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::PrimeFieldBits;
use origami_nova::{StepCircuit, StepError};
use serde::{Deserialize, Serialize};

pub use minroot::MinRoot;
pub use poseidon_chain::PoseidonChain;
pub use sha256_chain::Sha256Chain;
pub use synthetic::Synthetic;

/// The names [`CircuitKind::from_str`] accepts.
pub const CIRCUIT_NAMES: &[&str] = &["synthetic", "poseidon-chain", "sha256-chain", "minroot"];

/// Which built-in circuit, without its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CircuitKind {
    /// [`Synthetic`].
    Synthetic,
    /// [`PoseidonChain`].
    PoseidonChain,
    /// [`Sha256Chain`].
    Sha256Chain,
    /// [`MinRoot`].
    MinRoot,
}

/// A circuit name that is not built in.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown circuit `{name}`; built-in circuits are: {}", CIRCUIT_NAMES.join(", "))]
pub struct UnknownCircuit {
    /// The name given.
    pub name: String,
}

impl FromStr for CircuitKind {
    type Err = UnknownCircuit;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "synthetic" => Ok(Self::Synthetic),
            "poseidon-chain" => Ok(Self::PoseidonChain),
            "sha256-chain" => Ok(Self::Sha256Chain),
            "minroot" => Ok(Self::MinRoot),
            _ => Err(UnknownCircuit {
                name: s.to_string(),
            }),
        }
    }
}

impl fmt::Display for CircuitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Synthetic => "synthetic",
            Self::PoseidonChain => "poseidon-chain",
            Self::Sha256Chain => "sha256-chain",
            Self::MinRoot => "minroot",
        })
    }
}

impl CircuitKind {
    /// The size a user gets without asking: small enough for a proof in seconds on 2 cores.
    pub fn default_size(self) -> usize {
        match self {
            Self::Synthetic => 1 << 12,
            Self::PoseidonChain => 16,
            Self::Sha256Chain => 1,
            Self::MinRoot => 1024,
        }
    }

    /// The circuit of this kind at `size`.
    pub fn with_size(self, size: usize) -> Builtin {
        match self {
            Self::Synthetic => Builtin::Synthetic(Synthetic::new(size)),
            Self::PoseidonChain => Builtin::PoseidonChain(PoseidonChain::new(size)),
            Self::Sha256Chain => Builtin::Sha256Chain(Sha256Chain::new(size)),
            Self::MinRoot => Builtin::MinRoot(MinRoot::new(size)),
        }
    }
}

/// A built-in circuit chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Builtin {
    /// [`Synthetic`].
    Synthetic(Synthetic),
    /// [`PoseidonChain`].
    PoseidonChain(PoseidonChain),
    /// [`Sha256Chain`].
    Sha256Chain(Sha256Chain),
    /// [`MinRoot`].
    MinRoot(MinRoot),
}

impl Builtin {
    /// Which circuit this is.
    pub fn kind(&self) -> CircuitKind {
        match self {
            Self::Synthetic(_) => CircuitKind::Synthetic,
            Self::PoseidonChain(_) => CircuitKind::PoseidonChain,
            Self::Sha256Chain(_) => CircuitKind::Sha256Chain,
            Self::MinRoot(_) => CircuitKind::MinRoot,
        }
    }

    /// The step size it was made with.
    pub fn size(&self) -> usize {
        match self {
            Self::Synthetic(c) => c.num_cons(),
            Self::PoseidonChain(c) => c.hashes(),
            Self::Sha256Chain(c) => c.hashes(),
            Self::MinRoot(c) => c.iterations(),
        }
    }

    /// A fixed, valid initial state for demonstrations and benchmarks.
    pub fn default_z0<F: PrimeFieldBits>(&self) -> Vec<F> {
        match self {
            Self::Synthetic(_) => vec![F::from(2)],
            Self::PoseidonChain(_) => vec![F::from(0), F::from(1)],
            // The SHA-256 of the empty string, split into two 128-bit limbs.
            Self::Sha256Chain(_) => {
                sha256_chain::digest_to_state::<F>(&sha256_chain::empty_digest()).to_vec()
            }
            Self::MinRoot(_) => vec![F::from(1), F::from(2)],
        }
    }
}

impl fmt::Display for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (size {})", self.kind(), self.size())
    }
}

impl<F: PrimeFieldBits + 'static> StepCircuit<F> for Builtin {
    fn arity(&self) -> usize {
        match self {
            Self::Synthetic(c) => StepCircuit::<F>::arity(c),
            Self::PoseidonChain(c) => StepCircuit::<F>::arity(c),
            Self::Sha256Chain(c) => StepCircuit::<F>::arity(c),
            Self::MinRoot(c) => StepCircuit::<F>::arity(c),
        }
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        match self {
            Self::Synthetic(c) => c.synthesize(cs, z),
            Self::PoseidonChain(c) => c.synthesize(cs, z),
            Self::Sha256Chain(c) => c.synthesize(cs, z),
            Self::MinRoot(c) => c.synthesize(cs, z),
        }
    }

    fn step(&self, z: &[F]) -> Result<Vec<F>, StepError> {
        match self {
            Self::Synthetic(c) => c.step(z),
            Self::PoseidonChain(c) => c.step(z),
            Self::Sha256Chain(c) => c.step(z),
            Self::MinRoot(c) => c.step(z),
        }
    }
}

#![doc = include_str!("../README.md")]

pub mod and;
mod bits;
pub mod minroot;
pub mod poseidon_chain;
pub mod sha256_chain;
pub mod sha256_file;
pub mod synthetic;

use core::fmt;
use core::str::FromStr;

use bellpepper_core::{ConstraintSystem, SynthesisError, num::AllocatedNum};
use ff::PrimeFieldBits;
use origami_nova::{StepCircuit, StepError};
use serde::{Deserialize, Serialize};

pub use and::AndBatch;
pub use minroot::MinRoot;
pub use poseidon_chain::PoseidonChain;
pub use sha256_chain::Sha256Chain;
pub use sha256_file::Sha256File;
pub use synthetic::Synthetic;

/// The names [`CircuitKind::from_str`] accepts.
pub const CIRCUIT_NAMES: &[&str] = &[
    "synthetic",
    "poseidon-chain",
    "sha256-chain",
    "minroot",
    "sha256-file",
    "and",
];

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
    /// [`Sha256File`].
    Sha256File,
    /// [`AndBatch`].
    And,
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
            "sha256-file" => Ok(Self::Sha256File),
            "and" => Ok(Self::And),
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
            Self::Sha256File => "sha256-file",
            Self::And => "and",
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
            Self::Sha256File => 1,
            Self::And => 128,
        }
    }

    /// The circuit of this kind at `size`.
    pub fn with_size(self, size: usize) -> Builtin {
        match self {
            Self::Synthetic => Builtin::Synthetic(Synthetic::new(size)),
            Self::PoseidonChain => Builtin::PoseidonChain(PoseidonChain::new(size)),
            Self::Sha256Chain => Builtin::Sha256Chain(Sha256Chain::new(size)),
            Self::MinRoot => Builtin::MinRoot(MinRoot::new(size)),
            Self::Sha256File => Builtin::Sha256File(Sha256File::new(size)),
            Self::And => Builtin::And(AndBatch::new(size)),
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
    /// [`Sha256File`].
    Sha256File(Sha256File),
    /// [`AndBatch`].
    And(AndBatch),
}

impl Builtin {
    /// Which circuit this is.
    pub fn kind(&self) -> CircuitKind {
        match self {
            Self::Synthetic(_) => CircuitKind::Synthetic,
            Self::PoseidonChain(_) => CircuitKind::PoseidonChain,
            Self::Sha256Chain(_) => CircuitKind::Sha256Chain,
            Self::MinRoot(_) => CircuitKind::MinRoot,
            Self::Sha256File(_) => CircuitKind::Sha256File,
            Self::And(_) => CircuitKind::And,
        }
    }

    /// The step size it was made with.
    pub fn size(&self) -> usize {
        match self {
            Self::Synthetic(c) => c.num_cons(),
            Self::PoseidonChain(c) => c.hashes(),
            Self::Sha256Chain(c) => c.hashes(),
            Self::MinRoot(c) => c.iterations(),
            Self::Sha256File(c) => c.blocks(),
            Self::And(c) => c.ops(),
        }
    }

    /// Bytes of input each step reads; 0 for a step that reads none.
    pub fn bytes_per_step(&self) -> usize {
        match self {
            Self::Sha256File(c) => c.bytes_per_step(),
            Self::And(c) => c.bytes_per_step(),
            _ => 0,
        }
    }

    /// Steps a run over `len` bytes of input takes, for a circuit that reads input (`None`
    /// for one that reads none); an error when `len` bytes cannot be cut into its steps.
    pub fn steps_for_input(&self, len: u64) -> Result<Option<u64>, StepError> {
        match self {
            Self::Sha256File(c) => Ok(Some(sha256_file::steps_for(len, c.blocks()))),
            Self::And(c) => c.steps_for(len).map(Some),
            _ => Ok(None),
        }
    }

    /// What a run from `z0` to `z_final` attests beyond its states: for sha256-file, a file's
    /// digest and length (an error when the run is not a whole file's hash); `None` for the
    /// circuits whose states are all they state.
    pub fn attested<F: PrimeFieldBits>(
        &self,
        z0: &[F],
        z_final: &[F],
    ) -> Result<Option<sha256_file::FileDigest>, sha256_file::NotAttested> {
        match self {
            Self::Sha256File(_) => sha256_file::attested(z0, z_final).map(Some),
            _ => Ok(None),
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
            Self::Sha256File(_) => sha256_file::initial_state(),
            Self::And(_) => vec![F::ZERO],
        }
    }
}

impl fmt::Display for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (size {})", self.kind(), self.size())
    }
}

/// A deterministic circuit's refusal of an input.
fn no_input(circuit: &Builtin, input: &[u8]) -> Result<(), StepError> {
    if input.is_empty() {
        Ok(())
    } else {
        Err(StepError::InvalidInput(format!(
            "{} reads no input, but {} bytes were given",
            circuit.kind(),
            input.len()
        )))
    }
}

impl<F: PrimeFieldBits + 'static> StepCircuit<F> for Builtin {
    /// The step's bytes of the job's input stream ([`Builtin::bytes_per_step`] of them, fewer
    /// where the stream ends); empty for the deterministic circuits.
    type Input = [u8];

    fn arity(&self) -> usize {
        match self {
            Self::Synthetic(c) => StepCircuit::<F>::arity(c),
            Self::PoseidonChain(c) => StepCircuit::<F>::arity(c),
            Self::Sha256Chain(c) => StepCircuit::<F>::arity(c),
            Self::MinRoot(c) => StepCircuit::<F>::arity(c),
            Self::Sha256File(c) => StepCircuit::<F>::arity(c),
            Self::And(c) => StepCircuit::<F>::arity(c),
        }
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
        input: Option<&[u8]>,
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        if self.bytes_per_step() == 0 && input.is_some_and(|i| !i.is_empty()) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let none = input.map(|_| &());
        match self {
            Self::Synthetic(c) => c.synthesize(cs, z, none),
            Self::PoseidonChain(c) => c.synthesize(cs, z, none),
            Self::Sha256Chain(c) => c.synthesize(cs, z, none),
            Self::MinRoot(c) => c.synthesize(cs, z, none),
            Self::Sha256File(c) => c.synthesize(cs, z, input),
            Self::And(c) => c.synthesize(cs, z, input),
        }
    }

    fn step(&self, z: &[F], input: &[u8]) -> Result<Vec<F>, StepError> {
        match self {
            Self::Synthetic(c) => no_input(self, input).and_then(|()| c.step(z, &())),
            Self::PoseidonChain(c) => no_input(self, input).and_then(|()| c.step(z, &())),
            Self::Sha256Chain(c) => no_input(self, input).and_then(|()| c.step(z, &())),
            Self::MinRoot(c) => no_input(self, input).and_then(|()| c.step(z, &())),
            Self::Sha256File(c) => c.step(z, input),
            Self::And(c) => c.step(z, input),
        }
    }
}

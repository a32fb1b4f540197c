//! Arguments that name a built-in circuit, shared by `setup` and `prove`.

use anyhow::{Context, bail};
use clap::Args;
use origami_circuits::{Builtin, CircuitKind};

/// Which circuit, and how big one step is.
#[derive(Args, Clone, Debug)]
pub struct CircuitArgs {
    /// Built-in step circuit: synthetic, poseidon-chain, sha256-chain or minroot.
    #[arg(long)]
    pub circuit: Option<CircuitKind>,
    /// Step size: constraints (synthetic), hashes (poseidon-chain, sha256-chain) or iterations
    /// (minroot) per step. Defaults to a size that proves in seconds.
    #[arg(long)]
    pub size: Option<usize>,
}

impl CircuitArgs {
    /// The circuit asked for, or `None` when no `--circuit` was given.
    pub fn circuit(&self) -> anyhow::Result<Option<Builtin>> {
        match (self.circuit, self.size) {
            (Some(kind), size) => {
                let size = size.unwrap_or_else(|| kind.default_size());
                if size == 0 {
                    bail!("--size must be at least 1");
                }
                Ok(Some(kind.with_size(size)))
            }
            (None, Some(_)) => bail!("--size needs --circuit"),
            (None, None) => Ok(None),
        }
    }

    /// The circuit asked for; an error when none was.
    pub fn require(&self) -> anyhow::Result<Builtin> {
        self.circuit()?
            .context("--circuit is required (synthetic, poseidon-chain, sha256-chain or minroot)")
    }
}

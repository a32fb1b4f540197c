//! Arguments shared by several commands, and the one place that turns them into ready library
//! objects. Commands import from here, never from each other.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use origami_circuits::{Builtin, CircuitKind};
use origami_shard::StepInputs;

/// Which circuit, and how big one step is.
#[derive(Args, Clone, Debug)]
pub struct CircuitArgs {
    /// Built-in step circuit: synthetic, poseidon-chain, sha256-chain, minroot or sha256-file.
    #[arg(long)]
    pub circuit: Option<CircuitKind>,
    /// Step size: constraints (synthetic), hashes (poseidon-chain, sha256-chain), iterations
    /// (minroot) or 64-byte blocks (sha256-file) per step. Defaults to a size that proves in
    /// seconds.
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
        self.circuit()?.context(
            "--circuit is required (synthetic, poseidon-chain, sha256-chain, minroot or \
                 sha256-file)",
        )
    }
}

/// What the steps read, and so how many there are.
#[derive(Args, Clone, Debug)]
pub struct RunArgs {
    /// Number of steps to prove; for a circuit that reads input, the input decides it (and
    /// this, if given, must agree).
    #[arg(long)]
    pub steps: Option<u64>,
    /// The file the steps read (sha256-file: the file to hash). Streamed: only one step's
    /// bytes are held at a time.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
}

impl RunArgs {
    /// The steps' input and the number of steps, checked against what `circuit` reads.
    pub fn inputs(&self, circuit: &Builtin) -> anyhow::Result<(StepInputs, u64)> {
        let per_step = circuit.bytes_per_step();
        let inputs = match (&self.input, per_step) {
            (Some(path), 0) => bail!(
                "{} reads no input; --input {} was given",
                circuit.kind(),
                path.display()
            ),
            (Some(path), _) => StepInputs::open(path, per_step)?,
            (None, 0) => StepInputs::none(),
            (None, _) => bail!(
                "{} reads an input: give it with --input FILE",
                circuit.kind()
            ),
        };
        let steps = match (circuit.steps_for_input(inputs.len())?, self.steps) {
            (Some(needed), Some(asked)) if asked != needed => bail!(
                "the input of {} bytes takes {needed} steps of {per_step} bytes, but --steps {asked} \
                 was given",
                inputs.len()
            ),
            (Some(needed), _) => needed,
            (None, Some(asked)) => asked,
            (None, None) => bail!("--steps is required for {}", circuit.kind()),
        };
        if steps == 0 {
            bail!("--steps must be at least 1");
        }
        inputs.check_covered(&circuit.to_string(), steps)?;
        Ok((inputs, steps))
    }
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

    /// The verifier for `vk`, reading its generators from the cache when there is one.
    pub fn verifier(
        &self,
        vk: origami_keys::VerifierKey,
    ) -> anyhow::Result<origami_keys::Verifier> {
        Ok(origami_keys::prepare_verifier(vk, self.dir().as_deref())?)
    }
}

/// How a run is split into shards and how many are proven at once.
#[derive(Args, Clone, Debug)]
pub struct ShardArgs {
    /// Split the run into this many shards (each at least one step), proven separately and
    /// written as one sharded proof.
    #[arg(long, default_value_t = 1)]
    pub shards: u32,
    /// Worker threads proving shards at once (default: one per core, at most one per shard);
    /// fewer when `--max-memory` does not fit them.
    #[arg(long)]
    pub workers: Option<usize>,
    /// Memory budget for the shards in flight, e.g. `8GiB`, `512MiB` (default: the memory
    /// available now). One shard's peak is estimated from the prover key's size.
    #[arg(long, value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
    /// Submit the shards to the cluster whose database this is (`postgres://user@host/db`) and
    /// wait while `origami worker` processes prove them; each proof is checked here.
    // No `ORIGAMI_CLUSTER` default here: a plain `prove` must never go to a cluster unasked.
    #[arg(long, value_name = "URL")]
    pub cluster: Option<String>,
    /// With `--cluster`: print the job id and return once it is submitted; `origami cluster
    /// fetch` checks the proofs and writes the sharded proof later.
    #[arg(long, requires = "cluster")]
    pub detach: bool,
}

impl ShardArgs {
    /// True when more than one shard was asked for.
    pub fn is_sharded(&self) -> bool {
        self.shards > 1
    }

    /// True when the shards go to a cluster.
    pub fn is_clustered(&self) -> bool {
        self.cluster.is_some()
    }
}

/// `1234`, `512KiB`, `64MiB`, `8GiB` (also `K`, `M`, `G`, `KB`, `MB`, `GB`, all powers of 1024).
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a size such as 512MiB or 8GiB"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => return Err(format!("unknown size unit {other:?} (use KiB, MiB or GiB)")),
    };
    let bytes = value * scale as f64;
    if bytes >= u64::MAX as f64 {
        return Err(format!("{s:?} is too large"));
    }
    Ok(bytes as u64)
}

/// The host's name, for default worker names.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn sizes_parse_with_binary_units_and_refuse_nonsense() {
        assert_eq!(parse_bytes("1234"), Ok(1234));
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        assert_eq!(parse_bytes("8GiB"), Ok(8 << 30));
        assert_eq!(parse_bytes("1.5G"), Ok(3 << 29));
        assert_eq!(parse_bytes(" 64 mb "), Ok(64 << 20));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("5 parsecs").is_err());
    }
}

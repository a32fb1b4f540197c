//! `origami prove --shards K`: the run split into shards proven by local worker threads.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use origami_cluster::{JobEvent, LocalEvent, ShardMemory, WorkerEvent, prove_local};
use origami_nova::StepCircuit;
use origami_shard::ShardPlan;

use super::keys::{GeneratorCacheArgs, Pk, prover_key_path};
use crate::report;

/// How a run is split into shards and how many are proven at once.
#[derive(Args, Clone, Debug)]
pub struct ShardArgs {
    /// Split the run into this many shards (each at least one step), proven separately and
    /// written as one sharded proof.
    #[arg(long, default_value_t = 1)]
    shards: u32,
    /// Worker threads proving shards at once (default: one per core, at most one per shard);
    /// fewer when `--max-memory` does not fit them.
    #[arg(long)]
    workers: Option<usize>,
    /// Memory budget for the shards in flight, e.g. `8GiB`, `512MiB` (default: the memory
    /// available now). One shard's peak is estimated from the prover key's size.
    #[arg(long, value_parser = parse_bytes)]
    max_memory: Option<u64>,
}

impl ShardArgs {
    /// True when more than one shard was asked for.
    pub fn is_sharded(&self) -> bool {
        self.shards > 1
    }
}

/// `1234`, `512KiB`, `64MiB`, `8GiB` (also `K`, `M`, `G`, `KB`, `MB`, `GB`, all powers of 1024).
fn parse_bytes(s: &str) -> Result<u64, String> {
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
    Ok((value * scale as f64) as u64)
}

/// The memory available to new allocations now (`MemAvailable`), if the system says.
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Proves `steps` steps in `args.shards` shards on local worker threads and writes the sharded
/// proof to `out`.
pub fn prove(
    pk: &Pk,
    keys: Option<&Path>,
    steps: u64,
    args: &ShardArgs,
    cache: &GeneratorCacheArgs,
    out: &Path,
    start: Instant,
) -> anyhow::Result<()> {
    let plan = ShardPlan::new(steps, args.shards)?;
    // The estimate scales with the prover key file; without one at hand, with its encoded size.
    let key_bytes = match keys.map(prover_key_path) {
        Some(path) => std::fs::metadata(&path)
            .with_context(|| format!("reading {}", path.display()))?
            .len(),
        None => origami_format::encoded_len(origami_format::FileKind::ProverKey, pk)?,
    };
    let memory = ShardMemory::estimate(key_bytes);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let wanted = args.workers.unwrap_or(cores).min(plan.len()).max(1);
    let budget = args.max_memory.or_else(available_memory);
    let workers = match budget {
        Some(b) => memory.concurrency(b, wanted)?,
        None => wanted,
    };
    println!(
        "shards:        {} of {}..{} steps, {} worker thread{} (estimated {} per shard{})",
        plan.len(),
        plan.shards().iter().map(|s| s.steps).min().unwrap_or(0),
        plan.shards().iter().map(|s| s.steps).max().unwrap_or(0),
        workers,
        if workers == 1 { "" } else { "s" },
        report::bytes(memory.per_shard),
        budget.map_or(String::new(), |b| format!(", budget {}", report::bytes(b)))
    );

    let mut verifier = pk.verifier_key().clone().prepare()?;
    if let Some(dir) = cache.dir() {
        verifier = verifier.with_generator_cache(&dir);
    }
    let z0 = pk.params().step().default_z0();
    let bar = ProgressBar::new(steps);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} steps, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix("proving");
    let shard_steps = |i: u32| plan.shards().get(i as usize).map_or(0, |s| s.steps);
    // `println` on a bar prints nothing when the output is not a terminal; `suspend` always does.
    let say = |line: String| bar.suspend(|| println!("{line}"));
    let proving = Instant::now();
    let proof = prove_local(pk, &verifier, &plan, &z0, workers, &|event| match event {
        LocalEvent::Worker(WorkerEvent::Step { .. }) => bar.inc(1),
        LocalEvent::Worker(WorkerEvent::Failed { claim, reason }) => {
            bar.inc_length(shard_steps(claim.task.shard));
            say(format!(
                "shard {} failed on {} (attempt {}): {reason}",
                claim.task.shard, claim.worker, claim.attempt
            ));
        }
        LocalEvent::Job(JobEvent::Accepted {
            upload,
            done,
            total,
        }) => say(format!(
            "shard {} proven by {} and checked ({done}/{total})",
            upload.task.shard, upload.worker
        )),
        LocalEvent::Job(JobEvent::Rejected { upload, reason }) => {
            bar.inc_length(shard_steps(upload.task.shard));
            say(format!(
                "shard {} from {} refused, proving it again: {reason}",
                upload.task.shard, upload.worker
            ));
        }
        _ => {}
    })?;
    bar.finish_and_clear();
    let prove_time = proving.elapsed();

    // The native step, iterated, must land where the last shard does: a cheap end-to-end check.
    let mut expected = z0.clone();
    for _ in 0..steps {
        expected = pk.params().step().step(&expected)?;
    }
    let last = proof
        .shards
        .last()
        .context("the sharded proof holds no shard")?;
    anyhow::ensure!(
        last.z_out == expected,
        "the last shard's final state differs from the native step's"
    );
    let proof_bytes = proof
        .save(out)
        .with_context(|| format!("writing {}", out.display()))?;
    println!("circuit:       {}", pk.params().step());
    println!(
        "steps:         {steps} in {} ({:.2} steps/s, shards checked as they arrived)",
        report::duration(prove_time),
        steps as f64 / prove_time.as_secs_f64()
    );
    println!(
        "proof:         {} ({} B, {}; sharded, {} shards, {} variant)",
        out.display(),
        proof_bytes,
        report::bytes(proof_bytes),
        proof.shards.len(),
        pk.variant()
    );
    super::prove::print_closing(pk, start)
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

//! `origami prove --shards K`: the run split into shards proven by local worker threads, or by
//! the workers of a PostgreSQL cluster (`--cluster URL`).

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use origami_arith::DefaultCycle;
use origami_cluster::{JobEvent, LocalEvent, ShardMemory, WorkerEvent, prove_local};
use origami_nova::StepCircuit;
use origami_nova::params::PrimaryField;
use origami_shard::{ShardPlan, ShardedProof};

use super::cluster::Verifier;
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
    /// Submit the shards to the cluster whose database this is (`postgres://user@host/db`) and
    /// wait while `origami worker` processes prove them; each proof is checked here.
    // No `ORIGAMI_CLUSTER` default here: a plain `prove` must never go to a cluster unasked.
    #[arg(long, value_name = "URL")]
    cluster: Option<String>,
    /// With `--cluster`: print the job id and return once it is submitted; `origami cluster
    /// fetch` checks the proofs and writes the sharded proof later.
    #[arg(long, requires = "cluster")]
    detach: bool,
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
    Ok((value * scale as f64) as u64)
}

/// The memory available to new allocations now (`MemAvailable`), if the system says.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Proves `steps` steps in `args.shards` shards, on local worker threads or on a cluster, and
/// writes the sharded proof to `out`.
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
    let verifier = super::cluster::verifier(pk.verifier_key(), cache)?;
    let z0 = pk.params().step().default_z0();
    let proving = Instant::now();
    let proof = match &args.cluster {
        Some(url) => match super::cluster::submit(url, pk, &plan, &z0, &verifier, args.detach)? {
            Some(proof) => proof,
            None => return Ok(()),
        },
        None => prove_here(pk, keys, &plan, &z0, &verifier, args)?,
    };
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
    outln!("circuit:       {}", pk.params().step())?;
    outln!(
        "steps:         {steps} in {} ({:.2} steps/s, shards checked as they arrived)",
        report::duration(prove_time),
        steps as f64 / prove_time.as_secs_f64()
    )?;
    outln!(
        "proof:         {} ({} B, {}; sharded, {} shards, {} variant)",
        out.display(),
        proof_bytes,
        report::bytes(proof_bytes),
        proof.shards.len(),
        pk.variant()
    )?;
    super::prove::print_closing(pk, start)
}

/// The shards proven by worker threads of this process, as many at once as the memory budget
/// allows.
fn prove_here(
    pk: &Pk,
    keys: Option<&Path>,
    plan: &ShardPlan,
    z0: &[PrimaryField<DefaultCycle>],
    verifier: &Verifier,
    args: &ShardArgs,
) -> anyhow::Result<ShardedProof<DefaultCycle>> {
    let workers = shards_at_once(pk, keys, args.workers, args.max_memory, plan.len())?;
    outln!(
        "shards:        {} of {}..{} steps, {workers} worker thread{}",
        plan.len(),
        plan.shards().iter().map(|s| s.steps).min().unwrap_or(0),
        plan.shards().iter().map(|s| s.steps).max().unwrap_or(0),
        if workers == 1 { "" } else { "s" },
    )?;
    let bar = report::progress_bar(plan.total_steps(), "steps", "proving");
    let shard_steps = |i: u32| plan.shards().get(i as usize).map_or(0, |s| s.steps);
    // `println` on a bar prints nothing when the output is not a terminal; `suspend` always does.
    // Progress lines that cannot be printed are dropped; the result lines report the failure.
    let say = |line: String| {
        let _ = bar.suspend(|| outln!("{line}"));
    };
    let proof = prove_local(pk, verifier, plan, z0, workers, &|event| match event {
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
    Ok(proof)
}

/// How many shards this process proves at once: `wanted` (default: one per core), at most
/// `shards`, and no more than fit in `max_memory` (default: the memory available now), with one
/// shard's peak estimated from the prover key's size. Prints the estimate.
pub fn shards_at_once(
    pk: &Pk,
    keys: Option<&Path>,
    wanted: Option<usize>,
    max_memory: Option<u64>,
    shards: usize,
) -> anyhow::Result<usize> {
    // The estimate scales with the prover key file; without one at hand, with its encoded size.
    let key_bytes = match keys.map(prover_key_path) {
        Some(path) => std::fs::metadata(&path)
            .with_context(|| format!("reading {}", path.display()))?
            .len(),
        None => origami_format::encoded_len(origami_format::FileKind::ProverKey, pk)?,
    };
    let memory = ShardMemory::estimate(key_bytes);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let wanted = wanted.unwrap_or(cores).min(shards).max(1);
    let budget = max_memory.or_else(available_memory);
    let at_once = match budget {
        Some(b) => memory.concurrency(b, wanted)?,
        None => wanted,
    };
    outln!(
        "memory:        estimated {} per shard{}",
        report::bytes(memory.per_shard),
        budget.map_or(String::new(), |b| format!(", budget {}", report::bytes(b)))
    )?;
    Ok(at_once)
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

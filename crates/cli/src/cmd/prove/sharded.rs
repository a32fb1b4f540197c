//! `origami prove --shards K`: the run split into shards proven by local worker threads, or by
//! the workers of a PostgreSQL cluster (`--cluster URL`). Either way the library's one path
//! (`origami_cluster::await_job`) checks each shard as it arrives, assembles the sharded proof
//! and compares its end with the final state the checkpoints computed.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use origami_arith::DefaultCycle;
use origami_cluster::{
    JobEvent, LocalEvent, PgStore, ProvenJob, ShardJob, ShardMemory, WorkerEvent, prove_local,
};
use origami_keys::{KeyDir, ProverKey, Verifier};
use origami_shard::{ShardPlan, StepInputs};

use crate::args::{GeneratorCacheArgs, ShardArgs};
use crate::{cluster_job, report};

/// Proves `steps` steps in `args.shards` shards, on local worker threads or on a cluster, and
/// writes the sharded proof to `out`.
#[allow(clippy::too_many_arguments)]
pub fn prove(
    pk: &ProverKey,
    keys: Option<&KeyDir>,
    inputs: &StepInputs,
    steps: u64,
    args: &ShardArgs,
    cache: &GeneratorCacheArgs,
    out: &Path,
    start: Instant,
) -> anyhow::Result<()> {
    let plan = ShardPlan::new(steps, args.shards)?;
    let verifier = cache.verifier(pk.verifier_key().clone())?;
    let z0 = pk.params().step().default_z0();
    let proving = Instant::now();
    // Either way the chain's end was compared with the checkpoints' final state: the native
    // step ran once, over the whole run, when the job was made.
    let job = ShardJob::new(pk, &plan, &z0, inputs)?;
    let ProvenJob { proof, z_final } = match &args.cluster {
        Some(url) => match on_cluster(url, &job, &plan, &verifier, args.detach)? {
            Some(proven) => proven,
            None => return Ok(()),
        },
        None => prove_here(pk, keys, &job, &plan, &verifier, args)?,
    };
    let prove_time = proving.elapsed();
    let proof_bytes = proof
        .save(out)
        .with_context(|| format!("writing {}", out.display()))?;
    outln!("circuit:       {}", pk.params().step())?;
    outln!(
        "steps:         {steps} in {} ({:.2} steps/s, shards checked as they arrived)",
        report::duration(prove_time),
        steps as f64 / prove_time.as_secs_f64()
    )?;
    report::print_input(inputs, prove_time)?;
    report::print_attested(pk.params().step(), &z0, &z_final)?;
    outln!(
        "proof:         {} ({} B, {}; sharded, {} shards, {} variant)",
        out.display(),
        proof_bytes,
        report::bytes(proof_bytes),
        proof.shards.len(),
        pk.variant()
    )?;
    super::print_closing(pk, start)
}

/// Submits the job to the cluster at `url`. Detached, prints the job id and returns `None`;
/// otherwise waits for the workers, checking each proof, and returns the verified proof.
fn on_cluster(
    url: &str,
    job: &ShardJob<DefaultCycle>,
    plan: &ShardPlan,
    verifier: &Verifier,
    detach: bool,
) -> anyhow::Result<Option<ProvenJob<DefaultCycle>>> {
    let store = PgStore::connect(url)?;
    let id = job.submit(&store)?;
    outln!(
        "job:           {id} on {} ({} shards of {}..{} steps)",
        store.place(),
        plan.len(),
        plan.shards().iter().map(|s| s.steps).min().unwrap_or(0),
        plan.shards().iter().map(|s| s.steps).max().unwrap_or(0),
    )?;
    if detach {
        outln!(
            "detached: `origami cluster status --db URL {id}` shows its progress, `origami cluster fetch --db URL {id} --keys DIR --out FILE` writes its proof"
        )?;
        return Ok(None);
    }
    Ok(Some(cluster_job::wait(&store, job, verifier, true)?))
}

/// The shards proven by worker threads of this process, as many at once as the memory budget
/// allows.
fn prove_here(
    pk: &ProverKey,
    keys: Option<&KeyDir>,
    job: &ShardJob<DefaultCycle>,
    plan: &ShardPlan,
    verifier: &Verifier,
    args: &ShardArgs,
) -> anyhow::Result<ProvenJob<DefaultCycle>> {
    let key_file = keys.map(KeyDir::prover_key_path);
    let memory = ShardMemory::for_key(pk, key_file.as_deref())?;
    let workers = report::shards_at_once(&memory, args.workers, args.max_memory, plan.len())?;
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
    let proven = prove_local(pk, verifier, job, workers, &|event| match event {
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
    Ok(proven)
}

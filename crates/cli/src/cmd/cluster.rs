//! `origami cluster init|status|fetch`, and the submitting side of `prove --cluster`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use origami_arith::DefaultCycle;
use origami_circuits::Builtin;
use origami_cluster::{
    ClusterError, JobEvent, JobId, JobStatus, KeyChecker, PgStore, ShardJob, TaskState, TaskStore,
    assemble, collect,
};
use origami_format::hex;
use origami_nova::CompressedVerifier;
use origami_nova::params::PrimaryField;
use origami_shard::{ShardPlan, ShardedProof};

use super::keys::{GeneratorCacheArgs, Pk, Vk, load_verifier_key};
use crate::report;

/// The verifier of the default cycle for a built-in circuit.
pub type Verifier = CompressedVerifier<DefaultCycle, Builtin>;

/// How often the submitting side looks for uploaded proofs.
const POLL: Duration = Duration::from_millis(250);

/// A verifier for `vk`, reading its generators from the cache when there is one.
pub fn verifier(vk: &Vk, cache: &GeneratorCacheArgs) -> anyhow::Result<Verifier> {
    let verifier = vk.clone().prepare()?;
    Ok(match cache.dir() {
        Some(dir) => verifier.with_generator_cache(&dir),
        None => verifier,
    })
}

#[derive(Args)]
pub struct ClusterArgs {
    #[command(subcommand)]
    command: ClusterCommand,
}

#[derive(Subcommand)]
enum ClusterCommand {
    /// Create the cluster's tables (and the database, if the server has none of that name), or
    /// bring them up to this build's schema. Safe to run again.
    Init {
        /// The cluster's database, e.g. `postgres://origami@db-host/origami`.
        #[arg(long, env = "ORIGAMI_CLUSTER", value_name = "URL")]
        db: String,
    },
    /// Every job and how far it is, or one job's shards.
    Status {
        /// The cluster's database.
        #[arg(long, env = "ORIGAMI_CLUSTER", value_name = "URL")]
        db: String,
        /// The job id `prove --cluster` printed.
        job: Option<String>,
    },
    /// Check a job's uploaded shard proofs and write the sharded proof once every shard is in.
    Fetch {
        /// The cluster's database.
        #[arg(long, env = "ORIGAMI_CLUSTER", value_name = "URL")]
        db: String,
        /// The job id `prove --cluster --detach` printed.
        job: String,
        /// Key directory holding the job's `verifier.key` (the prover key is not read).
        #[arg(long)]
        keys: PathBuf,
        /// Where to write the sharded proof.
        #[arg(long)]
        out: PathBuf,
        /// Wait for the shards still being proven instead of failing while the job is incomplete.
        #[arg(long)]
        wait: bool,
        #[command(flatten)]
        generator_cache: GeneratorCacheArgs,
    },
}

pub fn run(args: ClusterArgs) -> anyhow::Result<()> {
    match args.command {
        ClusterCommand::Init { db } => {
            let (store, done) = PgStore::init(&db)?;
            if done.is_empty() {
                outln!("{}: schema up to date", store.place())?;
            }
            for step in done {
                outln!("{}: {step}", store.place())?;
            }
            Ok(())
        }
        ClusterCommand::Status { db, job } => {
            let store = PgStore::connect(&db)?;
            match job {
                Some(job) => print_job(&store.status(&JobId(job))?)?,
                None => {
                    let jobs = store.jobs()?;
                    if jobs.is_empty() {
                        outln!("no jobs in {}", store.place())?;
                    }
                    for job in jobs {
                        outln!("{job}  {}", summary(&store.status(&job)?))?;
                    }
                }
            }
            Ok(())
        }
        ClusterCommand::Fetch {
            db,
            job,
            keys,
            out,
            wait,
            generator_cache,
        } => {
            // `--wait` may wait hours; a proof that cannot be written then is lost.
            origami_format::check_writable(&out)
                .with_context(|| format!("the proof could not be written to {}", out.display()))?;
            let store = PgStore::connect(&db)?;
            let vk = load_verifier_key(&keys)?;
            let verifier = verifier(&vk, &generator_cache)?;
            let job = JobId(job);
            let (proof, _) = finish(&store, &job, &verifier, wait)?;
            let bytes = proof
                .save(&out)
                .with_context(|| format!("writing {}", out.display()))?;
            outln!(
                "proof:         {} ({bytes} B, {}; sharded, {} shards)",
                out.display(),
                report::bytes(bytes),
                proof.shards.len()
            )?;
            Ok(())
        }
    }
}

/// Submits the job of proving `plan`'s shards from `z0` to the cluster at `url`. Detached, prints
/// the job id and returns `None`; otherwise waits for the workers, checking each proof, and
/// returns the verified sharded proof.
pub fn submit(
    url: &str,
    pk: &Pk,
    plan: &ShardPlan,
    z0: &[PrimaryField<DefaultCycle>],
    verifier: &Verifier,
    detach: bool,
) -> anyhow::Result<Option<ShardedProof<DefaultCycle>>> {
    let store = PgStore::connect(url)?;
    let job = ShardJob::new(pk, plan, z0)?;
    let id = store.submit(&job.spec, &job.inputs)?;
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
    Ok(Some(finish(&store, &id, verifier, true)?.0))
}

/// Waits for `job`'s shards (or, without `wait`, takes what is there), checks every uploaded
/// proof before accepting it, and returns the sharded proof, verified as the job's statement,
/// with the run's final state.
fn finish(
    store: &PgStore,
    job: &JobId,
    verifier: &Verifier,
    wait: bool,
) -> anyhow::Result<(ShardedProof<DefaultCycle>, Vec<PrimaryField<DefaultCycle>>)> {
    let status = store.status(job)?;
    let vk_identity = verifier.key().identity();
    anyhow::ensure!(
        status.spec.verifier_key == vk_identity,
        "job {job} was submitted for verifier key {}, but the key given is {}",
        hex(&status.spec.verifier_key),
        hex(&vk_identity)
    );
    let inputs = store.inputs(job)?;
    let bar = report::progress_bar(status.tasks.len() as u64, "shards", "proving");
    bar.set_position(status.done() as u64);
    // Progress lines that cannot be printed are dropped; the result lines report the failure.
    let say = |line: String| {
        let _ = bar.suspend(|| outln!("{line}"));
    };
    let checker = KeyChecker::new(verifier);
    // Shards whose proofs the checker accepts here need no second verification when assembled.
    let checked = Mutex::new(Vec::new());
    let started = Instant::now();
    let incomplete = || {
        if wait {
            return None;
        }
        let status = store.status(job).ok()?;
        Some(format!(
            "{} (run again later, or with --wait)",
            summary(&status)
        ))
    };
    let proofs = collect(
        store,
        job,
        &inputs,
        &checker,
        POLL,
        &incomplete,
        &|event| match event {
            JobEvent::Accepted {
                upload,
                done,
                total,
            } => {
                if let Ok(mut checked) = checked.lock() {
                    checked.push(upload.task.shard);
                }
                bar.set_position(done as u64);
                say(format!(
                    "shard {} proven by {} and checked ({done}/{total}, {})",
                    upload.task.shard,
                    upload.worker,
                    report::duration(started.elapsed())
                ));
            }
            JobEvent::Rejected { upload, reason } => say(format!(
                "shard {} from {} refused, proving it again: {reason}",
                upload.task.shard, upload.worker
            )),
            JobEvent::Requeued(n) => say(format!(
                "{n} shard{} queued again: {} stopped renewing its lease",
                if n == 1 { "" } else { "s" },
                if n == 1 {
                    "its worker"
                } else {
                    "their workers"
                }
            )),
            JobEvent::StoreUnreachable(e) => say(format!("{e}; retrying")),
        },
    )
    .map_err(|e| match e {
        ClusterError::Abandoned(progress) => {
            anyhow::anyhow!("job {job} is not complete yet: {progress}")
        }
        e => anyhow::anyhow!("job {job}: {e}"),
    })?;
    bar.finish_and_clear();
    let checked = checked.into_inner().unwrap_or_default();
    let (proof, end) = assemble(&status.spec, &inputs, &proofs, verifier, &checked)
        .with_context(|| format!("assembling job {job}"))?;
    Ok((proof, end))
}

/// One line on a job: circuit, size, and where its shards stand.
fn summary(status: &JobStatus) -> String {
    let count = |f: fn(&TaskState) -> bool| status.tasks.iter().filter(|t| f(t)).count();
    let state = if let Some((shard, _)) = status.failure() {
        format!("failed (shard {shard} given up)")
    } else if status.is_complete() {
        "complete".to_string()
    } else {
        format!(
            "{} running, {} checking, {} queued",
            count(|t| matches!(t, TaskState::Running { .. })),
            count(|t| matches!(t, TaskState::Checking { .. })),
            count(|t| matches!(t, TaskState::Queued { .. })),
        )
    };
    format!(
        "{}, {} steps in {} shards: {}/{} done, {state}",
        status.spec.circuit,
        status.spec.steps,
        status.spec.shards,
        status.done(),
        status.tasks.len()
    )
}

fn print_job(status: &JobStatus) -> Result<(), crate::output::OutputError> {
    outln!("job:           {}", status.spec.id())?;
    outln!("circuit:       {}", status.spec.circuit)?;
    outln!("verifier key:  {}", hex(&status.spec.verifier_key))?;
    outln!("status:        {}", summary(status))?;
    for (shard, task) in status.tasks.iter().enumerate() {
        let line = match task {
            TaskState::Queued { attempts: 0 } => "queued".to_string(),
            TaskState::Queued { attempts } => format!("queued ({attempts} attempts so far)"),
            TaskState::Running { worker, attempt } => {
                format!("running on {worker} (attempt {attempt})")
            }
            TaskState::Checking { attempt } => {
                format!("proof uploaded (attempt {attempt}), checking")
            }
            TaskState::Done { worker } => format!("done (proven by {worker})"),
            TaskState::Failed { reason } => format!("given up: {reason}"),
        };
        outln!("shard {shard:>4}:    {line}")?;
    }
    Ok(())
}

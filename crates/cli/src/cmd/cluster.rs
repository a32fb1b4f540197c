//! `origami cluster init|status|fetch`, and the submitting side of `prove --cluster`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use origami_cluster::{JobId, JobStatus, PgStore, ShardJob, TaskState, TaskStore};
use origami_format::hex;
use origami_keys::KeyDir;

use crate::args::GeneratorCacheArgs;
use crate::cluster_job::{self, summary};
use crate::report;

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
    /// Cancel a job: its unfinished shards are given up, workers proving them stop at their
    /// next step, and a submitter waiting for it fails with the reason.
    Cancel {
        /// The cluster's database.
        #[arg(long, env = "ORIGAMI_CLUSTER", value_name = "URL")]
        db: String,
        /// The job id.
        job: String,
        /// Why, as the job's status will say.
        #[arg(long, default_value = "cancelled by `origami cluster cancel`")]
        reason: String,
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
        ClusterCommand::Cancel { db, job, reason } => {
            let store = PgStore::connect(&db)?;
            let job = JobId(job);
            let stopped = store.cancel(&job, &reason)?;
            let status = store.status(&job)?;
            if stopped > 0 {
                outln!(
                    "job {job}: cancelled, {stopped} unfinished shard{} given up",
                    if stopped == 1 { "" } else { "s" }
                )?;
            } else {
                outln!("job {job}: nothing to cancel ({})", summary(&status))?;
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
            let vk = KeyDir::new(keys).load_verifier_key()?;
            let verifier = generator_cache.verifier(vk)?;
            let job = ShardJob::from_store(&store, &JobId(job))?;
            let proof = cluster_job::wait(&store, &job, &verifier, wait)?.proof;
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

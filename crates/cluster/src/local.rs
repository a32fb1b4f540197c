//! A sharded run proven by worker threads of this process.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use origami_arith::Cycle;
use origami_nova::{CompressedProverKey, CompressedVerifier};
use origami_shard::StreamedStep;

use crate::error::ClusterError;
use crate::job::{JobEvent, ProvenJob, Watch, await_job};
use crate::memory::MemoryStore;
use crate::task::{ShardJob, TaskProver};
use crate::worker::{WorkerConfig, WorkerEvent, run_worker};

/// How often the submitting side looks for uploads, and idle workers for tasks.
const POLL: Duration = Duration::from_millis(50);

/// What a local sharded run did, for progress reports.
#[derive(Debug)]
pub enum LocalEvent<'a> {
    /// A worker thread's event.
    Worker(WorkerEvent<'a>),
    /// The submitting side's event.
    Job(JobEvent<'a>),
}

/// Proves `job`'s shards (see [`ShardJob::new`]) on `workers` threads of this process (each with
/// its own shard; the key is shared) and returns the assembled proof and the final state: every
/// shard proof checked as it arrived, the chain of shards checked when all are in (see
/// [`await_job`]).
///
/// The shards go through a [`MemoryStore`] exactly as they would through a shared store: every
/// proof is checked with `verifier` before it is accepted, and a shard whose proving fails is
/// tried again (up to [`DEFAULT_MAX_ATTEMPTS`](crate::DEFAULT_MAX_ATTEMPTS) times).
pub fn prove_local<Y, SC>(
    pk: &CompressedProverKey<Y, SC>,
    verifier: &CompressedVerifier<Y, SC>,
    job: &ShardJob<Y>,
    workers: usize,
    on_event: &(dyn Fn(LocalEvent<'_>) + Sync),
) -> Result<ProvenJob<Y>, ClusterError>
where
    Y: Cycle,
    SC: StreamedStep<Y> + Sync + std::fmt::Display,
{
    let store = MemoryStore::default();
    job.submit(&store)?;
    let prover = TaskProver::new(pk);
    let workers = workers.max(1);
    let stop = AtomicBool::new(false);
    let alive = AtomicUsize::new(workers);
    std::thread::scope(|s| {
        for w in 0..workers {
            let (store, prover, stop, alive) = (&store, &prover, &stop, &alive);
            s.spawn(move || {
                let mut config = WorkerConfig::new(format!("local-{w}"));
                config.poll = POLL;
                // In-process, the store is always there.
                config.outage = Duration::ZERO;
                let on_worker = |e: WorkerEvent<'_>| on_event(LocalEvent::Worker(e));
                // The in-process store cannot fail; a worker stopping early is caught below.
                let _ = run_worker(store, prover, &config, stop, &on_worker);
                alive.fetch_sub(1, Ordering::SeqCst);
            });
        }
        let abandon = || {
            (alive.load(Ordering::SeqCst) == 0).then(|| "every worker thread stopped".to_string())
        };
        let watch = Watch {
            poll: POLL,
            give_up: &abandon,
        };
        let result = await_job(&store, job, verifier, &watch, &|e| {
            on_event(LocalEvent::Job(e))
        });
        stop.store(true, Ordering::SeqCst);
        result
    })
}

//! `origami worker`: proves shard tasks from a PostgreSQL cluster until stopped.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use origami_cluster::{PgStore, ShardMemory, TaskProver, WorkerConfig, WorkerEvent, run_worker};
use origami_keys::KeyDir;

use crate::args::{host_name, parse_bytes};
use crate::report;

#[derive(Args)]
pub struct WorkerArgs {
    /// The cluster's database, e.g. `postgres://origami@db-host/origami`.
    #[arg(long, env = "ORIGAMI_CLUSTER", value_name = "URL")]
    cluster: String,
    /// Key directory from `origami setup`: the worker takes only tasks of jobs made with this
    /// key.
    #[arg(long)]
    keys: PathBuf,
    /// The worker's name in the cluster (default: host name and process id).
    #[arg(long)]
    name: Option<String>,
    /// Shards proven at once (each on its own thread; one shard already uses every core).
    #[arg(long, default_value_t = 1)]
    parallel: usize,
    /// Memory budget, e.g. `8GiB` (default: the memory available now); refused at start when one
    /// shard alone does not fit, and `--parallel` is lowered to what fits.
    #[arg(long, value_parser = parse_bytes)]
    max_memory: Option<u64>,
    /// Seconds a claimed shard stays this worker's without a heartbeat; a worker that dies
    /// loses its shards to others after this long. Renewed six times per lease.
    #[arg(long, default_value_t = 60)]
    lease: u64,
}

pub fn run(args: WorkerArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.lease >= 2, "--lease must be at least 2 seconds");
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                // Asked twice: leave now; the lease lapses and another worker takes the shard.
                eprintln!("stopping at once");
                std::process::exit(130);
            }
            eprintln!(
                "stopping: the shard in hand goes back to the queue at its next step (Ctrl-C again to quit at once)"
            );
        })?;
    }
    let store = PgStore::connect(&args.cluster)?;
    let keys = KeyDir::new(&args.keys);
    let pk = keys.load_prover_key(None)?;
    let memory = ShardMemory::for_key(&pk, Some(&keys.prover_key_path()))?;
    let parallel = report::shards_at_once(
        &memory,
        Some(args.parallel),
        args.max_memory,
        args.parallel.max(1),
    )?;
    let name = args
        .name
        .unwrap_or_else(|| format!("{}-{}", host_name(), std::process::id()));
    let prover = TaskProver::new(&pk);
    outln!(
        "worker {name} on {}: {} (verifier key {}), {parallel} shard{} at once",
        store.place(),
        pk.params().step(),
        origami_format::hex(&pk.verifier_key().identity()),
        if parallel == 1 { "" } else { "s" }
    )?;
    let lease = Duration::from_secs(args.lease);
    let uploaded = AtomicUsize::new(0);
    let started = std::sync::Mutex::new(None::<Instant>);
    // A worker keeps proving whether or not anyone reads its log lines.
    let on_event = |event: WorkerEvent<'_>| {
        let _ = match event {
            WorkerEvent::Claimed(c) => {
                if let Ok(mut s) = started.lock() {
                    *s = Some(Instant::now());
                }
                outln!(
                    "{}: claimed shard {} of job {} (attempt {})",
                    c.worker,
                    c.task.shard,
                    c.task.job,
                    c.attempt
                )
            }
            WorkerEvent::Uploaded(c) => {
                uploaded.fetch_add(1, Ordering::SeqCst);
                let took = started
                    .lock()
                    .ok()
                    .and_then(|s| *s)
                    .map_or(String::new(), |t| {
                        format!(" in {}", report::duration(t.elapsed()))
                    });
                outln!(
                    "{}: proved shard {} of job {}{took}, uploaded",
                    c.worker,
                    c.task.shard,
                    c.task.job
                )
            }
            WorkerEvent::Failed { claim, reason } => outln!(
                "{}: shard {} of job {} failed: {reason}",
                claim.worker,
                claim.task.shard,
                claim.task.job
            ),
            WorkerEvent::Abandoned(c) => outln!(
                "{}: stopped shard {} of job {}: the job was cancelled or the shard given up",
                c.worker,
                c.task.shard,
                c.task.job
            ),
            WorkerEvent::Released(c) => outln!(
                "{}: released shard {} of job {} (not counted as an attempt)",
                c.worker,
                c.task.shard,
                c.task.job
            ),
            WorkerEvent::LeaseLost(c) => outln!(
                "{}: lost the lease of shard {} of job {}; its proof still counts if it is first",
                c.worker,
                c.task.shard,
                c.task.job
            ),
            WorkerEvent::StoreUnreachable(e) => {
                eprintln!("{e}; retrying");
                Ok(())
            }
            WorkerEvent::Step { .. } => Ok(()),
        };
    };
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..parallel)
            .map(|i| {
                let mut config = WorkerConfig::new(if parallel == 1 {
                    name.clone()
                } else {
                    format!("{name}/{i}")
                });
                config.lease = lease;
                config.heartbeat = lease / 6;
                let (store, prover, stop, on_event) = (&store, &prover, &*stop, &on_event);
                s.spawn(move || run_worker(store, prover, &config, stop, on_event))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(origami_cluster::StoreError::Backend(
                        "a worker thread panicked".into(),
                    ))
                })
            })
            .collect()
    });
    for result in results {
        result?;
    }
    let uploaded = uploaded.load(Ordering::SeqCst);
    outln!(
        "worker {name} stopped after uploading {uploaded} shard proof{}",
        if uploaded == 1 { "" } else { "s" }
    )?;
    outln!("{}", report::peak_memory_line())?;
    Ok(())
}

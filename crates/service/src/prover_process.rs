//! The prover process: loads the prover key, hands its verifier key to the API process, and
//! proves jobs' shards through a task store (in-process, or a PostgreSQL cluster's), checking
//! every shard proof before accepting it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use origami_arith::DefaultCycle;
use origami_circuits::Builtin;
use origami_cluster::{
    JobEvent, JobId, KeyChecker, KeyProver, MemoryStore, PgStore, ShardJob, TaskState, TaskStore,
    WorkerConfig, WorkerEvent, assemble, collect, job_spec, run_worker,
};
use origami_nova::CompressedProverKey;
use origami_shard::ShardPlan;

use crate::ProcessError;
use crate::locked;
use crate::protocol::{
    JobProgress, Outcome, ProverHello, ProverRequest, ProverResponse, ShardProgress, State,
    read_frame, write_frame,
};
use crate::verifier_process::Verifier;

type Pk = CompressedProverKey<DefaultCycle, Builtin>;

/// How often the collectors look for uploaded shard proofs.
const POLL: Duration = Duration::from_millis(100);

/// What the prover process is started with.
#[derive(Clone, Debug)]
pub struct ProverOptions {
    /// The key directory; its `prover.key` is loaded.
    pub keys: PathBuf,
    /// A PostgreSQL cluster's database; jobs go there instead of to an in-process store.
    pub cluster: Option<String>,
    /// Worker threads proving shards in this process (0: only a cluster's workers prove).
    pub workers: usize,
    /// The prefix of this process's worker names in the store.
    pub worker_name: String,
    /// Where the verifier's commitment generators are cached.
    pub generator_cache: Option<PathBuf>,
}

/// Runs the prover process on `input` / `output` (its stdin and stdout): loads the key, sends
/// its verifier key, then answers requests until `input` closes.
pub fn run_prover(
    options: &ProverOptions,
    mut input: impl Read,
    mut output: impl Write,
) -> Result<(), ProcessError> {
    let node = match Node::start(options) {
        Ok(node) => node,
        Err(reason) => {
            write_frame(&mut output, &ProverHello::Err(reason.clone()))?;
            return Err(ProcessError::Start(reason));
        }
    };
    let vk = node
        .pk
        .verifier_key()
        .to_bytes()
        .map_err(|e| ProcessError::Start(e.to_string()))?;
    write_frame(&mut output, &ProverHello::Ok(vk))?;
    while let Some(request) = read_frame::<ProverRequest>(&mut input)? {
        write_frame(&mut output, &node.answer(request))?;
    }
    Ok(())
}

/// A job this process submitted, and how it ended.
enum Entry {
    /// Being planned, or proven.
    Open { shards: u32 },
    /// Assembled and verified: the sharded proof file's bytes.
    Complete(Vec<u8>),
    /// Given up.
    Failed(String),
}

struct Node {
    pk: Arc<Pk>,
    verifier: Arc<Verifier>,
    store: Arc<dyn TaskStore>,
    jobs: Arc<Mutex<HashMap<JobId, Entry>>>,
    shard_times: Arc<Mutex<Vec<f64>>>,
}

impl Node {
    fn start(options: &ProverOptions) -> Result<Self, String> {
        let path = options.keys.join("prover.key");
        let pk = Pk::load(&path).map_err(|e| format!("loading {}: {e}", path.display()))?;
        let mut verifier = pk
            .verifier_key()
            .clone()
            .prepare()
            .map_err(|e| e.to_string())?;
        if let Some(dir) = &options.generator_cache {
            verifier = verifier.with_generator_cache(dir);
        }
        let store: Arc<dyn TaskStore> = match &options.cluster {
            Some(url) => Arc::new(PgStore::connect(url).map_err(|e| e.to_string())?),
            None if options.workers == 0 => {
                return Err("without a cluster, at least one worker thread must prove".into());
            }
            None => Arc::new(MemoryStore::default()),
        };
        let node = Self {
            pk: Arc::new(pk),
            verifier: Arc::new(verifier),
            store,
            jobs: Arc::default(),
            shard_times: Arc::default(),
        };
        for w in 0..options.workers {
            node.start_worker(format!("{}-{w}", options.worker_name));
        }
        Ok(node)
    }

    /// A worker thread that proves shards from the store for as long as the process lives.
    fn start_worker(&self, name: String) {
        let (store, pk, times) = (
            self.store.clone(),
            self.pk.clone(),
            self.shard_times.clone(),
        );
        std::thread::spawn(move || {
            let prover = KeyProver::new(&pk);
            let config = WorkerConfig::new(name.clone());
            let started = Mutex::new(Instant::now());
            let on_event = |event: WorkerEvent<'_>| match event {
                WorkerEvent::Claimed(_) => *locked(&started) = Instant::now(),
                WorkerEvent::Uploaded(claim) => {
                    let seconds = locked(&started).elapsed().as_secs_f64();
                    locked(&times).push(seconds);
                    eprintln!("prover: shard {} proven in {seconds:.1} s", claim.task);
                }
                WorkerEvent::Failed { claim, reason } => {
                    eprintln!("prover: shard {} failed: {reason}", claim.task)
                }
                _ => {}
            };
            let never = AtomicBool::new(false);
            // A worker stops only when the store stayed unreachable too long; it starts over.
            loop {
                if let Err(e) = run_worker(&*store, &prover, &config, &never, &on_event) {
                    eprintln!("prover: worker {name} stopped: {e}; starting it again");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        });
    }

    fn answer(&self, request: ProverRequest) -> ProverResponse {
        match request {
            ProverRequest::Submit { steps, shards, z0 } => match self.submit(steps, shards, z0) {
                Ok(id) => ProverResponse::Submitted(id.0),
                Err(e) => ProverResponse::Error(e),
            },
            ProverRequest::Status { job } => match self.status(&JobId(job)) {
                Ok(p) => ProverResponse::Status(p),
                Err(e) => ProverResponse::Error(e),
            },
            ProverRequest::TakeProof { job } => {
                let job = JobId(job);
                let mut jobs = locked(&self.jobs);
                match jobs.remove(&job) {
                    Some(Entry::Complete(bytes)) => ProverResponse::Proof(bytes),
                    Some(other) => {
                        jobs.insert(job.clone(), other);
                        ProverResponse::Error(format!("job {job} is not complete"))
                    }
                    None => ProverResponse::Error(format!("no job {job} here")),
                }
            }
            ProverRequest::TakeShardTimes => {
                ProverResponse::ShardTimes(std::mem::take(&mut *locked(&self.shard_times)))
            }
        }
    }

    /// Records the job and plans it on a thread of its own (the checkpoints of a long run take
    /// a while), so this process keeps answering.
    fn submit(&self, steps: u64, shards: u32, z0: State) -> Result<JobId, String> {
        let plan = ShardPlan::new(steps, shards).map_err(|e| e.to_string())?;
        let id = job_spec(self.pk.verifier_key(), &plan, &z0.0).id();
        let mut jobs = locked(&self.jobs);
        if jobs.contains_key(&id) {
            return Ok(id);
        }
        jobs.insert(id.clone(), Entry::Open { shards });
        let (pk, verifier, store, jobs) = (
            self.pk.clone(),
            self.verifier.clone(),
            self.store.clone(),
            self.jobs.clone(),
        );
        let job = id.clone();
        std::thread::spawn(move || {
            let entry = match prove_job(&pk, &verifier, &*store, &plan, &z0) {
                Ok(bytes) => {
                    eprintln!("prover: job {job} complete");
                    Entry::Complete(bytes)
                }
                Err(reason) => {
                    eprintln!("prover: job {job} failed: {reason}");
                    Entry::Failed(reason)
                }
            };
            locked(&jobs).insert(job, entry);
        });
        Ok(id)
    }

    fn status(&self, job: &JobId) -> Result<JobProgress, String> {
        let (shards, outcome) = match locked(&self.jobs).get(job) {
            None => return Err(format!("no job {job} here")),
            Some(Entry::Open { shards }) => (*shards, None),
            Some(Entry::Complete(_)) => (0, Some(Outcome::Complete)),
            Some(Entry::Failed(reason)) => (0, Some(Outcome::Failed(reason.clone()))),
        };
        let shards = match self.store.status(job) {
            Ok(status) => status.tasks.iter().map(progress).collect(),
            // Still being planned: nothing is in the store yet.
            Err(_) => (0..shards)
                .map(|_| progress(&TaskState::Queued { attempts: 0 }))
                .collect(),
        };
        Ok(JobProgress { shards, outcome })
    }
}

fn progress(task: &TaskState) -> ShardProgress {
    let (state, worker, attempts) = match task {
        TaskState::Queued { attempts } => ("queued", None, *attempts),
        TaskState::Running { worker, attempt } => ("running", Some(worker.clone()), *attempt),
        TaskState::Checking { attempt } => ("checking", None, *attempt),
        TaskState::Done { worker } => ("done", Some(worker.clone()), 0),
        TaskState::Failed { reason: _ } => ("failed", None, 0),
    };
    ShardProgress {
        state: state.to_string(),
        worker,
        attempts,
    }
}

/// Submits the job to the store, waits for its shards (checking each proof), assembles and
/// verifies the sharded proof and returns its file bytes.
fn prove_job(
    pk: &Pk,
    verifier: &Verifier,
    store: &dyn TaskStore,
    plan: &ShardPlan,
    z0: &State,
) -> Result<Vec<u8>, String> {
    let ShardJob { spec, inputs } = ShardJob::new(pk, plan, &z0.0).map_err(|e| e.to_string())?;
    let job = store.submit(&spec, &inputs).map_err(|e| e.to_string())?;
    let checker = KeyChecker::new(verifier);
    let checked = Mutex::new(Vec::new());
    let proofs = collect(
        store,
        &job,
        &inputs,
        &checker,
        POLL,
        &|| None,
        &|event| match event {
            JobEvent::Accepted { upload, .. } => locked(&checked).push(upload.task.shard),
            JobEvent::Rejected { upload, reason } => eprintln!(
                "prover: shard {} from {} refused: {reason}",
                upload.task, upload.worker
            ),
            _ => {}
        },
    )
    .map_err(|e| e.to_string())?;
    let checked = checked.into_inner().unwrap_or_else(|e| e.into_inner());
    let (proof, _) =
        assemble(&spec, &inputs, &proofs, verifier, &checked).map_err(|e| e.to_string())?;
    proof.to_bytes().map_err(|e| e.to_string())
}

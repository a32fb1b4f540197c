//! The prover process: loads the prover key, hands its verifier key to the API process, and
//! proves jobs' shards through a task store (in-process, or a PostgreSQL cluster's), checking
//! every shard proof before accepting it. It keeps no job table: it reports what changed, and
//! the API process keeps the records.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use origami_arith::DefaultCycle;
use origami_cluster::{
    JobEvent, JobId, MemoryStore, PgStore, ShardJob, TaskProver, TaskStore, Watch, WorkerConfig,
    WorkerEvent, await_job, job_spec, run_worker,
};
use origami_keys::{KeyDir, ProverKey, Verifier, prepare_verifier};
use origami_shard::{ShardPlan, StepInputs};

use crate::error::ProcessError;
use crate::locked;
use crate::protocol::{
    JobUpdate, Outcome, ProverHello, ProverOptions, ProverRequest, ProverResponse, ShardProgress,
    StartError, State, SubmitError, Updates, read_frame, write_frame,
};

/// How often a job's thread looks for uploaded shard proofs.
const POLL: Duration = Duration::from_millis(100);

/// The reason a job cancelled through the service is given.
const CANCELLED: &str = "cancelled through the service (DELETE /v1/jobs/{id})";

/// Runs the prover process on `input` / `output` (its stdin and stdout): reads its options,
/// loads the key, sends its verifier key, then answers requests until `input` closes.
pub fn run_prover(mut input: impl Read, mut output: impl Write) -> Result<(), ProcessError> {
    let Some(options) = read_frame::<ProverOptions>(&mut input)? else {
        return Ok(());
    };
    let node = match Node::start(&options) {
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
        .map_err(|e| ProcessError::Start(StartError::Key(e.to_string())))?;
    write_frame(&mut output, &ProverHello::Ok(vk))?;
    while let Some(request) = read_frame::<ProverRequest>(&mut input)? {
        write_frame(&mut output, &node.answer(request))?;
    }
    Ok(())
}

struct Node {
    pk: Arc<ProverKey>,
    verifier: Arc<Verifier>,
    store: Arc<dyn TaskStore>,
    /// Jobs being proven here, so a job handed over twice is proven once.
    in_hand: Arc<Mutex<BTreeSet<JobId>>>,
    /// Jobs cancelled before they reached the store (still being planned).
    cancelled: Arc<Mutex<BTreeSet<JobId>>>,
    /// What changed since the API process last asked: the latest news of each job.
    news: Arc<Mutex<BTreeMap<JobId, JobUpdate>>>,
    shard_seconds: Arc<Mutex<Vec<f64>>>,
    /// Seconds per step measured on this process's proven shards (folding and compression).
    step_seconds: Arc<Mutex<Option<f64>>>,
    admission: Admission,
}

/// What a job may take here, and what an estimate is made from.
struct Admission {
    max_seconds: Option<u64>,
    max_memory: Option<u64>,
    /// Worker threads proving shards here at once (at least one counts for a cluster's).
    workers: usize,
    /// Constraints of one step's primary circuit, for the estimate before any shard is done.
    constraints: usize,
    memory: origami_cluster::ShardMemory,
}

/// Seconds per primary-circuit constraint and step on this project's 2-core machine (a
/// 2^14-constraint synthetic step, 26,000 primary constraints, proves and compresses in about
/// 1.2 s per step): the estimate used until this process has measured its own.
const SECONDS_PER_CONSTRAINT_STEP: f64 = 4.6e-5;

impl Admission {
    /// Refuses a job over the limits, with the estimates in the reason.
    fn check(&self, steps: u64, shards: u32, measured: Option<f64>) -> Result<(), SubmitError> {
        let parallel = self.workers.clamp(1, shards.max(1) as usize);
        let (per_step, basis) = match measured {
            Some(s) => (s, format!("{s:.2} s per step measured here")),
            None => {
                let s = self.constraints as f64 * SECONDS_PER_CONSTRAINT_STEP;
                (
                    s,
                    format!(
                        "about {s:.2} s per step for {} constraints",
                        self.constraints
                    ),
                )
            }
        };
        let seconds = steps as f64 * per_step / parallel as f64;
        if let Some(max) = self.max_seconds
            && seconds > max as f64
        {
            return Err(SubmitError::NotAdmitted(format!(
                "the job would take about {seconds:.0} s ({steps} steps, {basis}, {parallel} shard{} at once), more than this service's --max-job-seconds {max}",
                if parallel == 1 { "" } else { "s" }
            )));
        }
        let peak = self.memory.peak(parallel);
        if let Some(max) = self.max_memory
            && peak > max
        {
            return Err(SubmitError::NotAdmitted(format!(
                "the job would need about {} MiB ({parallel} shard{} at once, estimated from the prover key), more than this service's --max-memory of {} MiB",
                peak >> 20,
                if parallel == 1 { "" } else { "s" },
                max >> 20
            )));
        }
        Ok(())
    }
}

impl Node {
    fn start(options: &ProverOptions) -> Result<Self, StartError> {
        let keys = KeyDir::new(&options.keys);
        let pk = keys
            .load_prover_key(None)
            .map_err(|e| StartError::Key(error_chain(&e)))?;
        let memory = origami_cluster::ShardMemory::for_key(&pk, Some(&keys.prover_key_path()))
            .map_err(|e| StartError::Key(e.to_string()))?;
        let admission = Admission {
            max_seconds: options.max_job_seconds,
            max_memory: options.max_memory,
            workers: options.workers,
            constraints: pk.params().shape_primary().num_cons(),
            memory,
        };
        let verifier = prepare_verifier(
            pk.verifier_key().clone(),
            options.generator_cache.as_deref(),
        )
        .map_err(|e| StartError::Key(e.to_string()))?;
        let store: Arc<dyn TaskStore> = match &options.cluster {
            Some(url) => {
                Arc::new(PgStore::connect(url).map_err(|e| StartError::Store(e.to_string()))?)
            }
            None if options.workers == 0 => return Err(StartError::NoWorkers),
            None => Arc::new(MemoryStore::default()),
        };
        let node = Self {
            pk: Arc::new(pk),
            verifier: Arc::new(verifier),
            store,
            in_hand: Arc::default(),
            cancelled: Arc::default(),
            news: Arc::default(),
            shard_seconds: Arc::default(),
            step_seconds: Arc::default(),
            admission,
        };
        for w in 0..options.workers {
            node.start_worker(format!("{}-{w}", options.worker_name));
        }
        Ok(node)
    }

    /// A worker thread that proves shards from the store for as long as the process lives.
    fn start_worker(&self, name: String) {
        let (store, pk, times, per_step) = (
            self.store.clone(),
            self.pk.clone(),
            self.shard_seconds.clone(),
            self.step_seconds.clone(),
        );
        std::thread::spawn(move || {
            let prover = TaskProver::new(&pk);
            let config = WorkerConfig::new(name.clone());
            let started = Mutex::new((Instant::now(), 0u64));
            let on_event = |event: WorkerEvent<'_>| match event {
                WorkerEvent::Claimed(_) => *locked(&started) = (Instant::now(), 0),
                WorkerEvent::Step { done, .. } => locked(&started).1 = done,
                WorkerEvent::Uploaded(claim) => {
                    let (at, steps) = *locked(&started);
                    let seconds = at.elapsed().as_secs_f64();
                    locked(&times).push(seconds);
                    if steps > 0 {
                        *locked(&per_step) = Some(seconds / steps as f64);
                    }
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
            ProverRequest::Submit {
                steps,
                shards,
                z0,
                input,
            } => match self.submit(steps, shards, z0, input) {
                Ok(id) => ProverResponse::Submitted(id),
                Err(e) => ProverResponse::Refused(e),
            },
            ProverRequest::Cancel { job } => match self.cancel(&job) {
                Ok(stopped) => ProverResponse::Cancelled(stopped),
                Err(e) => ProverResponse::Refused(e),
            },
            ProverRequest::TakeUpdates => ProverResponse::Updates(Updates {
                jobs: std::mem::take(&mut *locked(&self.news))
                    .into_values()
                    .collect(),
                shard_seconds: std::mem::take(&mut *locked(&self.shard_seconds)),
            }),
        }
    }

    /// Cancels a job in the store; one still being planned is cancelled as soon as it is
    /// submitted there.
    fn cancel(&self, job: &JobId) -> Result<usize, SubmitError> {
        locked(&self.cancelled).insert(job.clone());
        match self.store.cancel(job, CANCELLED) {
            Ok(stopped) => Ok(stopped),
            Err(origami_cluster::StoreError::UnknownJob(_)) => Ok(0),
            Err(e) => Err(SubmitError::Store(e.to_string())),
        }
    }

    /// Proves the job on a thread of its own (the checkpoints of a long run take a while), so
    /// this process keeps answering; its news are kept for the next `TakeUpdates`.
    fn submit(
        &self,
        steps: u64,
        shards: u32,
        z0: State,
        input: Vec<u8>,
    ) -> Result<JobId, SubmitError> {
        let plan = ShardPlan::new(steps, shards).map_err(|e| SubmitError::Plan(e.to_string()))?;
        let inputs = StepInputs::from_bytes(input, self.pk.params().step().bytes_per_step());
        let id = job_spec(self.pk.verifier_key(), &plan, &z0.0, &inputs)
            .map_err(|e| SubmitError::Plan(e.to_string()))?
            .id();
        if locked(&self.in_hand).contains(&id) {
            return Ok(id);
        }
        let measured = *locked(&self.step_seconds);
        self.admission.check(steps, shards, measured)?;
        if !locked(&self.in_hand).insert(id.clone()) {
            return Ok(id);
        }
        let (pk, verifier, store, in_hand, news, cancelled) = (
            self.pk.clone(),
            self.verifier.clone(),
            self.store.clone(),
            self.in_hand.clone(),
            self.news.clone(),
            self.cancelled.clone(),
        );
        let job = id.clone();
        std::thread::spawn(move || {
            let report = |shards: Vec<ShardProgress>, outcome: Option<Outcome>| {
                let update = JobUpdate {
                    job: job.clone(),
                    shards,
                    outcome,
                };
                locked(&news).insert(job.clone(), update);
            };
            let was_cancelled = || locked(&cancelled).contains(&job);
            let outcome = match prove_job(
                &pk,
                &verifier,
                &*store,
                &plan,
                &z0,
                &inputs,
                &was_cancelled,
                &report,
            ) {
                Ok(bytes) => {
                    eprintln!("prover: job {job} complete");
                    Outcome::Complete(bytes)
                }
                Err(reason) => {
                    eprintln!("prover: job {job} failed: {reason}");
                    Outcome::Failed(reason)
                }
            };
            let shards = match store.status(&job) {
                Ok(status) => status.tasks.iter().map(ShardProgress::of).collect(),
                Err(_) => Vec::new(),
            };
            report(shards, Some(outcome));
            locked(&in_hand).remove(&job);
        });
        Ok(id)
    }
}

/// Submits the job to the store and proves it through the library's one path (every shard
/// proof checked, the chain checked against the checkpoints' final state); returns the sharded
/// proof file's bytes, or why the job failed. `report` hears where the shards stand.
#[allow(clippy::too_many_arguments)]
fn prove_job(
    pk: &ProverKey,
    verifier: &Verifier,
    store: &dyn TaskStore,
    plan: &ShardPlan,
    z0: &State,
    inputs: &StepInputs,
    cancelled: &dyn Fn() -> bool,
    report: &dyn Fn(Vec<ShardProgress>, Option<Outcome>),
) -> Result<Vec<u8>, String> {
    let job = ShardJob::<DefaultCycle>::new(pk, plan, &z0.0, inputs).map_err(|e| e.to_string())?;
    job.submit(store).map_err(|e| e.to_string())?;
    // Cancelled while its checkpoints were computed: cancel it in the store now.
    if cancelled() {
        store
            .cancel(&job.id(), CANCELLED)
            .map_err(|e| e.to_string())?;
    }
    let proven = await_job(
        store,
        &job,
        verifier,
        &Watch::patient(POLL),
        &|event| match event {
            JobEvent::Progress(status) => {
                report(status.tasks.iter().map(ShardProgress::of).collect(), None)
            }
            JobEvent::Rejected { upload, reason } => eprintln!(
                "prover: shard {} from {} refused: {reason}",
                upload.task, upload.worker
            ),
            _ => {}
        },
    )
    .map_err(|e| e.to_string())?;
    proven.proof.to_bytes().map_err(|e| e.to_string())
}

/// An error and its causes on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

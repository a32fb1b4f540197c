//! The task store: jobs, their shard tasks, leases, uploaded proofs and the submitter's verdicts.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A job's identity, derived from what the job proves: the same job submitted twice has the same
/// id, so it creates no second set of tasks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct JobId(pub String);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a job proves: `steps` steps of a circuit from an initial state, split into `shards`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpec {
    /// The circuit as a person names it (e.g. `synthetic (size 16384)`); the verifier key's
    /// identity is what binds the proofs to it.
    pub circuit: String,
    /// Identity of the verifier key every shard must be proven for.
    pub verifier_key: [u8; 32],
    /// Steps of the whole run.
    pub steps: u64,
    /// Shards the run is split into.
    pub shards: u32,
    /// The initial state, encoded.
    pub z0: Vec<u8>,
    /// Bytes of the run's input stream (0 for a circuit that reads none).
    pub input_len: u64,
    /// The input stream's digest (`StepInputs::digest`): the same circuit over other data is
    /// another job.
    pub input_digest: [u8; 32],
}

impl JobSpec {
    /// The job's id, once `inputs` are checked to be one per shard (what every store's
    /// `submit` needs first).
    pub fn id_for(&self, inputs: &[Vec<u8>]) -> Result<JobId, StoreError> {
        let id = self.id();
        if inputs.len() != self.shards as usize {
            return Err(StoreError::InputCount {
                job: id,
                shards: self.shards,
                inputs: inputs.len(),
            });
        }
        Ok(id)
    }

    /// The job's id: a hash of everything that defines the job.
    pub fn id(&self) -> JobId {
        let mut h = Sha256::new();
        h.update(b"origami-job/v3");
        h.update(self.verifier_key);
        h.update(self.steps.to_le_bytes());
        h.update(self.shards.to_le_bytes());
        h.update((self.z0.len() as u64).to_le_bytes());
        h.update(&self.z0);
        h.update(self.input_len.to_le_bytes());
        h.update(self.input_digest);
        JobId(origami_format::hex(&h.finalize()[..16]))
    }
}

/// One shard of a job.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    /// The job.
    pub job: JobId,
    /// The shard's index in the job's plan.
    pub shard: u32,
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.job, self.shard)
    }
}

/// A task a worker holds: the lease of `attempt` is the worker's until it lapses or is renewed.
#[derive(Clone, Debug)]
pub struct Claim {
    /// The task.
    pub task: TaskId,
    /// Which attempt at the task this is (from 1).
    pub attempt: u32,
    /// The worker holding it.
    pub worker: String,
    /// Identity of the verifier key the proof must be made for.
    pub verifier_key: [u8; 32],
    /// The task's input as submitted: the shard and the state it starts from, encoded.
    pub input: Vec<u8>,
}

/// A proof a worker uploaded, waiting for the submitter's check.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The task it claims to prove.
    pub task: TaskId,
    /// The attempt that made it.
    pub attempt: u32,
    /// The worker that made it.
    pub worker: String,
    /// The encoded shard proof.
    pub proof: Vec<u8>,
}

/// Where a task stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting for a worker; `attempts` were made before.
    Queued {
        /// Attempts that failed or lapsed so far.
        attempts: u32,
    },
    /// Held by a worker.
    Running {
        /// The worker.
        worker: String,
        /// The attempt.
        attempt: u32,
    },
    /// Its proof was uploaded and waits for the submitter's check.
    Checking {
        /// The attempt that uploaded it.
        attempt: u32,
    },
    /// Proven, and the proof accepted.
    Done {
        /// The worker whose proof was accepted.
        worker: String,
    },
    /// Given up after too many attempts.
    Failed {
        /// The last attempt's failure.
        reason: String,
    },
}

/// A task's state without its details: what the stores write and the service reports. Its
/// name ([`as_str`](Self::as_str)) is its only spelling: in SQL, in frames and in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskStage {
    /// Waiting for a worker.
    Queued,
    /// Held by a worker.
    Running,
    /// Its proof waits for the submitter's check.
    Checking,
    /// Proven, and the proof accepted.
    Done,
    /// Given up.
    Failed,
}

impl TaskStage {
    /// Every stage, in the order a task goes through them.
    pub const ALL: [TaskStage; 5] = [
        TaskStage::Queued,
        TaskStage::Running,
        TaskStage::Checking,
        TaskStage::Done,
        TaskStage::Failed,
    ];

    /// True for the stages a task does not leave: `done` and `failed`.
    pub fn is_over(self) -> bool {
        matches!(self, TaskStage::Done | TaskStage::Failed)
    }

    /// The stage's name: `queued`, `running`, `checking`, `done` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStage::Queued => "queued",
            TaskStage::Running => "running",
            TaskStage::Checking => "checking",
            TaskStage::Done => "done",
            TaskStage::Failed => "failed",
        }
    }
}

impl fmt::Display for TaskStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TaskStage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskStage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for TaskStage {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        TaskStage::ALL
            .into_iter()
            .find(|stage| stage.as_str() == s)
            .ok_or_else(|| StoreError::Backend(format!("unknown task state {s:?}")))
    }
}

impl TaskState {
    /// The state's stage.
    pub fn stage(&self) -> TaskStage {
        match self {
            TaskState::Queued { .. } => TaskStage::Queued,
            TaskState::Running { .. } => TaskStage::Running,
            TaskState::Checking { .. } => TaskStage::Checking,
            TaskState::Done { .. } => TaskStage::Done,
            TaskState::Failed { .. } => TaskStage::Failed,
        }
    }

    /// The worker holding the task, or whose proof was accepted.
    pub fn worker(&self) -> Option<&str> {
        match self {
            TaskState::Running { worker, .. } | TaskState::Done { worker } => Some(worker),
            _ => None,
        }
    }

    /// Attempts made so far (the one in progress included).
    pub fn attempts(&self) -> u32 {
        match self {
            TaskState::Queued { attempts } => *attempts,
            TaskState::Running { attempt, .. } | TaskState::Checking { attempt } => *attempt,
            TaskState::Done { .. } | TaskState::Failed { .. } => 0,
        }
    }
}

/// A job and the state of each of its tasks, shard 0 first.
#[derive(Clone, Debug)]
pub struct JobStatus {
    /// The job.
    pub spec: JobSpec,
    /// One state per shard.
    pub tasks: Vec<TaskState>,
    /// Why the job was cancelled, if it was.
    pub cancelled: Option<String>,
}

impl JobStatus {
    /// Shards whose proofs were accepted.
    pub fn done(&self) -> usize {
        self.tasks
            .iter()
            .filter(|t| matches!(t, TaskState::Done { .. }))
            .count()
    }

    /// True when every shard's proof was accepted.
    pub fn is_complete(&self) -> bool {
        self.done() == self.tasks.len()
    }

    /// The first shard that was given up, and why.
    pub fn failure(&self) -> Option<(u32, &str)> {
        self.tasks.iter().enumerate().find_map(|(i, t)| match t {
            TaskState::Failed { reason } => Some((i as u32, reason.as_str())),
            _ => None,
        })
    }
}

/// Why the task store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No job has this id.
    #[error("no job {0} in the task store")]
    UnknownJob(JobId),
    /// A job must come with one input per shard.
    #[error("job {job} has {shards} shards but was submitted with {inputs} task inputs")]
    InputCount {
        /// The job.
        job: JobId,
        /// Shards in its spec.
        shards: u32,
        /// Inputs given.
        inputs: usize,
    },
    /// The job's proofs were asked for before every shard was accepted.
    #[error("job {0} is not complete")]
    Incomplete(JobId),
    /// The store's backend failed (a database error, say).
    #[error("task store: {0}")]
    Backend(String),
    /// The store cannot be reached now (a database restarting, a dropped connection); the same
    /// request may succeed later.
    #[error("task store unreachable: {0}")]
    Unavailable(String),
    /// The store's disk is full (PostgreSQL's `disk_full`): the request may succeed once space
    /// is freed, so it is waited out like an outage.
    #[error("the task store's disk is full ({0}); waiting for space")]
    Full(String),
    /// The database server has no database of this name (`origami cluster init` creates it).
    #[error("the database {0:?} does not exist; `origami cluster init --db URL` creates it")]
    MissingDatabase(String),
    /// The store's schema is missing or of another version.
    #[error("task store schema: {0}")]
    Schema(String),
}

impl StoreError {
    /// True for failures that may pass by themselves ([`StoreError::Unavailable`],
    /// [`StoreError::Full`]).
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Full(_))
    }
}

/// How long workers and submitters keep retrying a store that cannot be reached before they give
/// up: long enough for a database restart or fail-over.
pub const STORE_OUTAGE: Duration = Duration::from_secs(300);

/// Runs `request` until it succeeds, fails for good, or the store has been unreachable for
/// `outage`; `on_retry` hears of each transient failure before the wait.
pub fn patiently<T>(
    outage: Duration,
    on_retry: &dyn Fn(&StoreError),
    mut request: impl FnMut() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let first_failure = std::time::Instant::now();
    let mut wait = Duration::from_millis(100);
    loop {
        match request() {
            Err(e) if e.is_transient() && first_failure.elapsed() < outage => {
                on_retry(&e);
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(2));
            }
            other => return other,
        }
    }
}

/// Where jobs and tasks live, shared by the side that submits a job and the workers that prove
/// its shards.
///
/// A task goes `Queued → Running` when a worker claims it (with a lease the worker renews),
/// `Running → Checking` when the worker uploads a proof, and `Checking → Done` when the submitter
/// accepts the proof. A failed, rejected or lapsed attempt sends the task back to `Queued`, or to
/// `Failed` once `max_attempts` were made. The first proof accepted for a task wins; later
/// uploads for it are dropped.
pub trait TaskStore: Send + Sync {
    /// Records a job with one encoded input per shard and returns its id. A job with the same id
    /// already in the store is left as it is.
    fn submit(&self, spec: &JobSpec, inputs: &[Vec<u8>]) -> Result<JobId, StoreError>;

    /// Claims a queued task of a job made with one of `params` (parameter digests: what the
    /// worker holds keys for) for `worker`, leased for `lease`, or `None` when no such task is
    /// queued. Older jobs' tasks go first.
    fn claim(
        &self,
        worker: &str,
        lease: Duration,
        params: &[[u8; 32]],
    ) -> Result<Option<Claim>, StoreError>;

    /// Extends the lease of a claim; `false` when the task is no longer this claim's (its lease
    /// lapsed and it was requeued, or it is done).
    fn renew(&self, claim: &Claim, lease: Duration) -> Result<bool, StoreError>;

    /// Uploads the proof a claim made, for the submitter to check.
    fn upload(&self, claim: &Claim, proof: Vec<u8>) -> Result<(), StoreError>;

    /// Gives a claimed task back without counting the attempt (a worker shutting down).
    fn release(&self, claim: &Claim) -> Result<(), StoreError>;

    /// Records that a claim failed; the attempt counts.
    fn fail(&self, claim: &Claim, reason: &str) -> Result<(), StoreError>;

    /// Requeues (or gives up) every task whose lease has lapsed; returns how many.
    fn reap(&self) -> Result<usize, StoreError>;

    /// The uploads of `job` waiting for a verdict.
    fn uploads(&self, job: &JobId) -> Result<Vec<Upload>, StoreError>;

    /// Accepts an upload: its task is done with this proof.
    fn accept(&self, upload: &Upload) -> Result<(), StoreError>;

    /// Rejects an upload; the attempt that made it counts as failed.
    fn reject(&self, upload: &Upload, reason: &str) -> Result<(), StoreError>;

    /// Every job's id, oldest first.
    fn jobs(&self) -> Result<Vec<JobId>, StoreError>;

    /// The task inputs `job` was submitted with, shard 0 first.
    fn inputs(&self, job: &JobId) -> Result<Vec<Vec<u8>>, StoreError>;

    /// The job and its tasks' states.
    fn status(&self, job: &JobId) -> Result<JobStatus, StoreError>;

    /// The accepted proofs of a complete job, shard 0 first.
    fn proofs(&self, job: &JobId) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Cancels `job` for `reason`: every task not done is given up (a worker proving one stops
    /// at its next step once its heartbeat finds out) and waiting uploads are dropped; the
    /// submitting side's wait ends with [`ClusterError::Cancelled`](crate::ClusterError).
    /// Returns how many tasks were stopped; cancelling again, or a job with nothing unfinished
    /// (complete, or failed), changes nothing.
    fn cancel(&self, job: &JobId, reason: &str) -> Result<usize, StoreError>;
}

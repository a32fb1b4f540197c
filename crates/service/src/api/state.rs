//! The API process's shared state: its children, its key, and the one table of jobs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, header};
use origami_circuits::Builtin;
use origami_cluster::{JobId, TaskStage};
use origami_keys::VerifierKey;
use origami_nova::StepCircuit;
use serde::Serialize;

use super::error::ApiError;
use crate::locked;
use crate::metrics::{Histogram, ProcessSample};
use crate::protocol::{
    JobUpdate, Outcome, ProverHello, ProverRequest, ProverResponse, ShardProgress, State,
    VerifierReady, VerifierStart,
};
use crate::requests::{BadRequest, FieldValue};
use crate::supervisor::{Link, Supervised};
use crate::{ServiceConfig, ServiceError};

/// How long a request waits for a child that is being restarted.
pub const RESTART_WAIT: Duration = Duration::from_secs(20);

/// Where a job stands, as the API reports it (by its [`as_str`](Self::as_str) name alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// No shard started yet.
    Queued,
    /// Shards are being proven.
    Proving,
    /// The sharded proof is ready.
    Complete,
    /// Given up.
    Failed,
    /// Cancelled (`DELETE /v1/jobs/{id}`).
    Cancelled,
}

impl JobState {
    /// Every state, in the order a job goes through them.
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Proving,
        JobState::Complete,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// `queued`, `proving`, `complete`, `failed` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Proving => "proving",
            JobState::Complete => "complete",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}

impl Serialize for JobState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How a job ended.
pub enum JobResult {
    /// The sharded proof file.
    Proof(Arc<Vec<u8>>),
    /// Why it was given up.
    Failed(String),
    /// Cancelled.
    Cancelled,
}

/// What the API process knows of a job: the service's one record of it. The prover process
/// reports what changes.
pub struct JobRecord {
    pub steps: u64,
    pub shards: u32,
    pub z0: State,
    pub input_bytes: u64,
    /// The steps' input while the job is open (a restarted prover process is handed it again);
    /// dropped when the job ends.
    pub input: Arc<[u8]>,
    /// Seconds since the Unix epoch.
    pub submitted_at: u64,
    pub submitted: Instant,
    pub progress: Vec<ShardProgress>,
    pub result: Option<JobResult>,
    pub took: Option<Duration>,
}

impl JobRecord {
    fn new(steps: u64, shards: u32, z0: State, input: Arc<[u8]>) -> Self {
        let queued = ShardProgress {
            state: TaskStage::Queued,
            worker: None,
            attempts: 0,
        };
        Self {
            steps,
            shards,
            z0,
            input_bytes: input.len() as u64,
            input,
            submitted_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            submitted: Instant::now(),
            progress: vec![queued; shards as usize],
            result: None,
            took: None,
        }
    }

    pub fn is_open(&self) -> bool {
        self.result.is_none()
    }

    pub fn state(&self) -> JobState {
        match &self.result {
            Some(JobResult::Proof(_)) => JobState::Complete,
            Some(JobResult::Failed(_)) => JobState::Failed,
            Some(JobResult::Cancelled) => JobState::Cancelled,
            None if self.progress.iter().any(|s| s.state != TaskStage::Queued) => JobState::Proving,
            None => JobState::Queued,
        }
    }

    pub fn shards_done(&self) -> usize {
        if let Some(JobResult::Proof(_)) = self.result {
            return self.shards as usize;
        }
        self.progress
            .iter()
            .filter(|s| s.state == TaskStage::Done)
            .count()
    }

    fn apply(&mut self, update: JobUpdate) {
        if !update.shards.is_empty() {
            self.progress = update.shards;
        }
        if let Some(outcome) = update.outcome {
            self.took = Some(self.submitted.elapsed());
            self.input = Arc::from([]);
            self.result = Some(match outcome {
                Outcome::Complete(bytes) => JobResult::Proof(Arc::new(bytes)),
                Outcome::Failed(reason) => JobResult::Failed(reason),
            });
        }
    }
}

/// Checks `Authorization: Bearer TOKEN` against `expected` (nothing to check when `None`). The
/// scheme is matched without regard to case (RFC 7235), the token exactly.
fn check_bearer(expected: Option<&str>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = expected else {
        return Ok(());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, given)| given.trim())
        .ok_or(ApiError::MissingToken)?;
    // Compared without stopping at the first difference, so timing says nothing of the token.
    let same = given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::WrongToken)
    }
}

/// Verify requests by outcome, for `/metrics`.
pub const VERIFY_OUTCOMES: [&str; 3] = ["verified", "rejected", "malformed"];

/// The service's shared state.
pub struct Service {
    pub prover: Option<Arc<Supervised>>,
    pub verifier: Arc<Supervised>,
    pub circuit: Builtin,
    pub vk: VerifierKey,
    token: Option<String>,
    verify_token: Option<String>,
    /// One permit per verify request in progress or waiting for the verifier.
    pub verify_slots: Arc<tokio::sync::Semaphore>,
    pub verify_queue: usize,
    pub verify_timeout: Duration,
    pub max_steps: u64,
    pub max_shards: u32,
    pub max_input: usize,
    pub jobs: Mutex<BTreeMap<JobId, JobRecord>>,
    pub shard_seconds: Mutex<Histogram>,
    pub verify_seconds: Mutex<[Histogram; VERIFY_OUTCOMES.len()]>,
}

impl Service {
    /// Starts the children (the prover process first, whose verifier key the verifier process
    /// receives) and returns the state the handlers share.
    pub fn start(config: &ServiceConfig) -> Result<Arc<Self>, ServiceError> {
        let start_error = |e: String| ServiceError::Start(e);
        // The verifier key: from the prover process, or (verify-only) from the key directory.
        let handed_over: Arc<Mutex<Option<Vec<u8>>>> = Arc::default();
        let this: Arc<OnceLock<Weak<Service>>> = Arc::default();
        let prover = if config.verify_only {
            let path = origami_keys::KeyDir::new(&config.keys).verifier_key_path();
            let bytes =
                origami_format::read_file_bytes(&path, origami_format::FileKind::VerifierKey, None)
                    .map_err(|e| start_error(format!("reading {}: {e}", path.display())))?;
            *locked(&handed_over) = Some(bytes);
            None
        } else {
            if config.token.is_none() {
                return Err(start_error(
                    "job submission needs a bearer token: set ORIGAMI_SERVICE_TOKEN or pass --token-file FILE (or serve --verify-only)".into(),
                ));
            }
            let (slot, options) = (handed_over.clone(), config.prover_options.clone());
            let handshake = Box::new(move |link: &mut Link| {
                let key = link
                    .ask::<_, ProverHello>(&options)
                    .map_err(|e| format!("the prover process did not greet: {e}"))?
                    .map_err(|e| e.to_string())?;
                let mut slot = locked(&slot);
                match slot.as_ref() {
                    Some(first) if *first != key => Err(
                        "the prover key changed since the service started; restart the service to serve the new key"
                            .to_string(),
                    ),
                    _ => {
                        *slot = Some(key);
                        Ok(())
                    }
                }
            });
            let service = this.clone();
            let resubmit = Box::new(move || {
                if let Some(service) = service.get().and_then(Weak::upgrade) {
                    service.resubmit();
                }
            });
            Some(
                Supervised::start("prover", config.prover.clone(), handshake, resubmit)
                    .map_err(|e| start_error(format!("the prover process: {e}")))?,
            )
        };
        let key = locked(&handed_over)
            .clone()
            .ok_or_else(|| start_error("no verifier key was handed over".into()))?;
        let vk = VerifierKey::from_bytes(&key)
            .map_err(|e| start_error(format!("the verifier key: {e}")))?;
        let generator_cache = config.generator_cache.clone();
        let handshake = Box::new(move |link: &mut Link| {
            let start = VerifierStart {
                verifier_key: key.clone(),
                generator_cache: generator_cache.clone(),
            };
            link.ask::<_, VerifierReady>(&start)
                .map_err(|e| format!("the verifier process did not answer: {e}"))?
                .map_err(|e| e.to_string())
        });
        let verifier = Supervised::start(
            "verifier",
            config.verifier.clone(),
            handshake,
            Box::new(|| {}),
        )
        .map_err(|e| start_error(format!("the verifier process: {e}")))?;
        let service = Arc::new(Self {
            prover,
            verifier,
            circuit: *vk.step(),
            vk,
            token: config.token.clone(),
            verify_token: config.verify_token.clone(),
            verify_slots: Arc::new(tokio::sync::Semaphore::new(config.verify_queue.max(1))),
            verify_queue: config.verify_queue.max(1),
            verify_timeout: config.verify_timeout,
            max_steps: config.max_steps,
            max_shards: config.max_shards,
            max_input: config.max_input,
            jobs: Mutex::default(),
            shard_seconds: Mutex::default(),
            verify_seconds: Mutex::default(),
        });
        let _ = this.set(Arc::downgrade(&service));
        Ok(service)
    }

    /// A state from a request, checked against this service's circuit.
    pub fn parse_state(
        &self,
        what: &'static str,
        values: &[FieldValue],
    ) -> Result<State, BadRequest> {
        let arity = StepCircuit::<crate::protocol::Field>::arity(&self.circuit);
        crate::requests::parse_state(&self.circuit, arity, what, values)
    }

    /// One line on what the service does.
    pub fn describe(&self) -> String {
        let pids = |s: &Supervised| format!("{} pid {}", s.name(), s.pid().unwrap_or(0));
        match &self.prover {
            Some(p) => format!(
                "proving and verifying {} ({}, {})",
                self.circuit,
                pids(p),
                pids(&self.verifier)
            ),
            None => format!(
                "verify-only for {} ({}; no prover process)",
                self.circuit,
                pids(&self.verifier)
            ),
        }
    }

    /// This process and its children, as `/healthz` and `/metrics` show them.
    pub fn processes(&self) -> Vec<ProcessSample> {
        let this = ProcessSample {
            name: "api",
            pid: Some(std::process::id()),
            restarts: 0,
        };
        let children = self.prover.iter().chain([&self.verifier]);
        [this]
            .into_iter()
            .chain(children.map(|p| ProcessSample {
                name: p.name(),
                pid: p.pid(),
                restarts: p.restarts(),
            }))
            .collect()
    }

    /// Refuses a job request without the service's bearer token.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        check_bearer(self.token.as_deref(), headers)
    }

    /// Refuses a verify request without the verify token, when the service has one.
    pub fn authorize_verify(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        check_bearer(self.verify_token.as_deref(), headers)
    }

    /// Records a job before it is handed to the prover process; `false` when it is known.
    pub fn record(
        &self,
        id: &JobId,
        steps: u64,
        shards: u32,
        z0: &State,
        input: Arc<[u8]>,
    ) -> bool {
        let mut jobs = locked(&self.jobs);
        if jobs.contains_key(id) {
            return false;
        }
        jobs.insert(id.clone(), JobRecord::new(steps, shards, z0.clone(), input));
        true
    }

    /// Marks an open job cancelled; returns its state instead when it is over already.
    pub fn close_cancelled(&self, id: &JobId) -> Result<(), ApiError> {
        let mut jobs = locked(&self.jobs);
        let record = jobs
            .get_mut(id)
            .ok_or_else(|| ApiError::UnknownJob(id.0.clone()))?;
        if !record.is_open() {
            return Err(ApiError::JobOver {
                id: id.clone(),
                state: record.state(),
            });
        }
        record.took = Some(record.submitted.elapsed());
        record.result = Some(JobResult::Cancelled);
        record.input = Arc::from([]);
        Ok(())
    }

    /// Forgets a job the prover process did not take.
    pub fn forget(&self, id: &JobId) {
        locked(&self.jobs).remove(id);
    }

    /// Brings the job records up to date with what the prover process reports.
    pub fn take_updates(&self) {
        let Some(prover) = &self.prover else { return };
        let Ok(ProverResponse::Updates(updates)) =
            prover.ask(&ProverRequest::TakeUpdates, Duration::ZERO)
        else {
            return;
        };
        {
            let mut h = locked(&self.shard_seconds);
            updates.shard_seconds.into_iter().for_each(|t| h.observe(t));
        }
        let mut jobs = locked(&self.jobs);
        for update in updates.jobs {
            if let Some(record) = jobs.get_mut(&update.job).filter(|r| r.is_open()) {
                record.apply(update);
            }
        }
    }

    /// Hands the open jobs to a restarted prover process (its in-process store started empty;
    /// a cluster's store still has them, and re-submitting a job there changes nothing).
    fn resubmit(&self) {
        let Some(prover) = &self.prover else { return };
        let open: Vec<(JobId, ProverRequest)> = locked(&self.jobs)
            .iter()
            .filter(|(_, r)| r.is_open())
            .map(|(id, r)| {
                let request = ProverRequest::Submit {
                    steps: r.steps,
                    shards: r.shards,
                    z0: r.z0.clone(),
                    input: r.input.to_vec(),
                };
                (id.clone(), request)
            })
            .collect();
        for (id, request) in open {
            match prover.ask::<_, ProverResponse>(&request, RESTART_WAIT) {
                Ok(ProverResponse::Submitted(_)) => {
                    eprintln!("serve: job {id} handed to the new prover process")
                }
                other => eprintln!("serve: job {id} could not be handed over again: {other:?}"),
            }
        }
    }

    /// Records how long a verify request with `outcome` (one of [`VERIFY_OUTCOMES`]) took.
    pub fn observe_verify(&self, outcome: &str, seconds: f64) {
        if let Some(i) = VERIFY_OUTCOMES.iter().position(|o| *o == outcome) {
            locked(&self.verify_seconds)[i].observe(seconds);
        }
    }
}

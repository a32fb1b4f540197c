//! A worker: claims tasks from a store, proves them, keeps its lease alive, uploads the proofs.

use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use crate::error::ProveError;
use crate::store::{Claim, STORE_OUTAGE, StoreError, TaskState, TaskStore, patiently};

/// Proves the task a claim holds.
pub trait ShardProver: Sync {
    /// Digests of the parameters this prover holds keys for: it is only given tasks of jobs
    /// made with one of them.
    fn params(&self) -> Vec<[u8; 32]>;

    /// Proves `claim`'s task and returns the encoded proof, or why it could not;
    /// `progress(done)` is called after each step, and proving stops (with an error) when it
    /// breaks.
    fn prove(
        &self,
        claim: &Claim,
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<Vec<u8>, ProveError>;
}

/// How a worker names itself and paces its leases.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// The worker's name in the store (unique among live workers).
    pub name: String,
    /// How long a claim is the worker's without a renewal.
    pub lease: Duration,
    /// How often the lease is renewed while proving (well under `lease`).
    pub heartbeat: Duration,
    /// How long to wait before asking again when no task is queued.
    pub poll: Duration,
    /// How long to keep retrying a store that cannot be reached before giving up.
    pub outage: Duration,
}

impl WorkerConfig {
    /// A worker named `name`: 60 s leases renewed every 10 s, polling every 100 ms when idle.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            lease: Duration::from_secs(60),
            heartbeat: Duration::from_secs(10),
            poll: Duration::from_millis(100),
            outage: STORE_OUTAGE,
        }
    }
}

/// What a worker did, for progress reports.
#[derive(Debug)]
pub enum WorkerEvent<'a> {
    /// It claimed a task.
    Claimed(&'a Claim),
    /// It proved `done` steps of the claimed task.
    Step {
        /// The task.
        claim: &'a Claim,
        /// Steps proven so far.
        done: u64,
    },
    /// It uploaded the task's proof.
    Uploaded(&'a Claim),
    /// Proving failed; the attempt was reported as failed.
    Failed {
        /// The task.
        claim: &'a Claim,
        /// Why.
        reason: &'a ProveError,
    },
    /// A renewal found the task no longer the worker's (its lease lapsed); the proof is still
    /// uploaded when done, and counts if it is the first valid one.
    LeaseLost(&'a Claim),
    /// The task was given up or its job cancelled while the worker proved it: proving stopped
    /// at the next step, and nothing was uploaded.
    Abandoned(&'a Claim),
    /// The worker was stopped while proving; the task went back to the queue, its attempt not
    /// counted.
    Released(&'a Claim),
    /// The store could not be reached; the worker waits and asks again.
    StoreUnreachable(&'a StoreError),
}

/// Claims and proves tasks until `stop` is set; returns how many tasks it uploaded.
///
/// When `stop` is set while a task is being proven, proving stops at the next step and the task
/// is released (its attempt does not count); a proof already past its last step is finished and
/// uploaded instead, so no finished work is lost.
///
/// The lease is renewed from a thread of its own, so a prover that keeps every core busy cannot
/// starve it. A prover that panics counts as a failed attempt, not a dead worker. A store that
/// cannot be reached is asked again for up to `config.outage`; a finished proof is kept until
/// its upload succeeds.
pub fn run_worker(
    store: &dyn TaskStore,
    prover: &dyn ShardProver,
    config: &WorkerConfig,
    stop: &AtomicBool,
    on_event: &(dyn Fn(WorkerEvent<'_>) + Sync),
) -> Result<usize, StoreError> {
    let params = prover.params();
    let unreachable = |e: &StoreError| on_event(WorkerEvent::StoreUnreachable(e));
    let patient = |request: &dyn Fn() -> Result<(), StoreError>| {
        patiently(config.outage, &unreachable, request)
    };
    let mut uploaded = 0;
    while !stop.load(Ordering::Relaxed) {
        // Workers reap too, so a dead worker's shard is proven again even while no submitter
        // is watching the job (one submitted with `--detach`).
        let claimed = patiently(config.outage, &unreachable, || {
            store.reap()?;
            store.claim(&config.name, config.lease, &params)
        })?;
        let Some(claim) = claimed else {
            std::thread::sleep(config.poll);
            continue;
        };
        on_event(WorkerEvent::Claimed(&claim));
        // Set by the heartbeat when the task was given up or its job cancelled: proving stops
        // at the next step and nothing is uploaded.
        let abandoned = AtomicBool::new(false);
        let result = std::thread::scope(|s| {
            let (done, finished) = mpsc::channel::<()>();
            let (claim, abandoned) = (&claim, &abandoned);
            s.spawn(move || {
                loop {
                    match finished.recv_timeout(config.heartbeat) {
                        Err(RecvTimeoutError::Timeout) => match store.renew(claim, config.lease) {
                            Ok(true) => {}
                            Ok(false) => {
                                if is_abandoned(store, claim) {
                                    abandoned.store(true, Ordering::SeqCst);
                                } else {
                                    on_event(WorkerEvent::LeaseLost(claim));
                                }
                                return;
                            }
                            // A store that is briefly unreachable: try again next beat.
                            Err(_) => {}
                        },
                        _ => return,
                    }
                }
            });
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                prover.prove(claim, &mut |steps| {
                    on_event(WorkerEvent::Step { claim, done: steps });
                    if stop.load(Ordering::Relaxed) || abandoned.load(Ordering::SeqCst) {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
            }));
            drop(done);
            outcome.unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(ProveError::Panicked(what))
            })
        });
        if abandoned.load(Ordering::SeqCst) {
            on_event(WorkerEvent::Abandoned(&claim));
            continue;
        }
        match result {
            Ok(proof) => {
                patient(&|| store.upload(&claim, proof.clone()))?;
                uploaded += 1;
                on_event(WorkerEvent::Uploaded(&claim));
            }
            Err(_) if stop.load(Ordering::Relaxed) => {
                patient(&|| store.release(&claim))?;
                on_event(WorkerEvent::Released(&claim));
            }
            Err(reason) => {
                let text = reason.to_string();
                patient(&|| store.fail(&claim, &text))?;
                on_event(WorkerEvent::Failed {
                    claim: &claim,
                    reason: &reason,
                });
            }
        }
    }
    Ok(uploaded)
}

/// True when `claim`'s task can no longer be done: its job was cancelled (or is gone), or the
/// task was given up. A lapsed lease alone is not that: the proof may still be the first valid.
fn is_abandoned(store: &dyn TaskStore, claim: &Claim) -> bool {
    match store.status(&claim.task.job) {
        Ok(status) => {
            status.cancelled.is_some()
                || matches!(
                    status.tasks.get(claim.task.shard as usize),
                    Some(TaskState::Failed { .. }) | None
                )
        }
        Err(StoreError::UnknownJob(_)) => true,
        // Unreachable: keep proving; the upload decides.
        Err(_) => false,
    }
}

//! The submitting side: checks every uploaded shard proof before accepting it.

use std::time::Duration;

use crate::ClusterError;
use crate::store::{JobId, STORE_OUTAGE, StoreError, TaskStore, Upload, patiently};

/// Checks an uploaded proof against the task input it claims to prove.
pub trait ShardChecker: Sync {
    /// `Ok` to accept the proof, `Err` with the reason to refuse it.
    fn check(&self, input: &[u8], proof: &[u8]) -> Result<(), String>;
}

/// What the submitting side did, for progress reports.
#[derive(Debug)]
pub enum JobEvent<'a> {
    /// A shard's proof checked out; the shard is done.
    Accepted {
        /// The upload.
        upload: &'a Upload,
        /// Shards done so far.
        done: usize,
        /// Shards in the job.
        total: usize,
    },
    /// A shard's proof was refused; the shard will be proven again (or given up).
    Rejected {
        /// The upload.
        upload: &'a Upload,
        /// Why.
        reason: &'a str,
    },
    /// Tasks whose workers stopped renewing their leases were queued again.
    Requeued(usize),
    /// The store could not be reached; the submitting side waits and asks again.
    StoreUnreachable(&'a StoreError),
}

/// Waits for every shard of `job` (submitted with `inputs`) to be proven, checking each uploaded
/// proof with `checker` before accepting it — so a worker returning garbage costs a retry, never
/// a wrong result — and returns the accepted proofs, shard 0 first.
///
/// Also requeues tasks whose leases lapsed. Fails when a shard is given up, when `abandon`
/// (asked once per round) says no worker is left to prove anything, or when the store has been
/// unreachable for [`STORE_OUTAGE`].
pub fn collect(
    store: &dyn TaskStore,
    job: &JobId,
    inputs: &[Vec<u8>],
    checker: &dyn ShardChecker,
    poll: Duration,
    abandon: &dyn Fn() -> Option<String>,
    on_event: &dyn Fn(JobEvent<'_>),
) -> Result<Vec<Vec<u8>>, ClusterError> {
    let unreachable = |e: &StoreError| on_event(JobEvent::StoreUnreachable(e));
    loop {
        let round = patiently(STORE_OUTAGE, &unreachable, || {
            collect_round(store, job, inputs, checker, on_event)
        })?;
        match round {
            Round::Complete(proofs) => return Ok(proofs),
            Round::GivenUp { shard, reason } => {
                return Err(ClusterError::ShardGivenUp { shard, reason });
            }
            Round::Pending => {}
        }
        if let Some(reason) = abandon() {
            return Err(ClusterError::Abandoned(reason));
        }
        std::thread::sleep(poll);
    }
}

/// Where a job stands after a round of [`collect`].
enum Round {
    Pending,
    Complete(Vec<Vec<u8>>),
    GivenUp { shard: u32, reason: String },
}

/// One round of [`collect`]: requeue lapsed tasks, give each waiting upload its verdict, see
/// where the job stands. A round cut short by the store is simply run again: the verdicts it
/// gave stand, and the uploads it did not reach are still waiting.
fn collect_round(
    store: &dyn TaskStore,
    job: &JobId,
    inputs: &[Vec<u8>],
    checker: &dyn ShardChecker,
    on_event: &dyn Fn(JobEvent<'_>),
) -> Result<Round, StoreError> {
    let requeued = store.reap()?;
    if requeued > 0 {
        on_event(JobEvent::Requeued(requeued));
    }
    for upload in store.uploads(job)? {
        let verdict = match inputs.get(upload.task.shard as usize) {
            Some(input) => checker.check(input, &upload.proof),
            None => Err(format!("the job has no shard {}", upload.task.shard)),
        };
        match verdict {
            Ok(()) => {
                store.accept(&upload)?;
                let status = store.status(job)?;
                on_event(JobEvent::Accepted {
                    upload: &upload,
                    done: status.done(),
                    total: status.tasks.len(),
                });
            }
            Err(reason) => {
                store.reject(&upload, &reason)?;
                on_event(JobEvent::Rejected {
                    upload: &upload,
                    reason: &reason,
                });
            }
        }
    }
    let status = store.status(job)?;
    Ok(if let Some((shard, reason)) = status.failure() {
        Round::GivenUp {
            shard,
            reason: reason.to_string(),
        }
    } else if status.is_complete() {
        Round::Complete(store.proofs(job)?)
    } else {
        Round::Pending
    })
}

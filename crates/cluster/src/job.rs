//! The submitting side: from a submitted job to its verified sharded proof.

use std::collections::BTreeMap;
use std::time::Duration;

use origami_arith::Cycle;
use origami_format::hex;
use origami_nova::PrimaryField;
use origami_nova::{CompressedVerifier, StepCircuit};
use origami_shard::{ShardChain, ShardProof};

use crate::error::{CheckError, ClusterError};
use crate::store::{JobId, JobStatus, STORE_OUTAGE, StoreError, TaskStore, Upload, patiently};
use crate::task::{ShardJob, check_upload};

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
        reason: &'a CheckError,
    },
    /// Where the job's shards stand, once per round.
    Progress(&'a JobStatus),
    /// Tasks whose workers stopped renewing their leases were queued again.
    Requeued(usize),
    /// The store could not be reached; the submitting side waits and asks again.
    StoreUnreachable(&'a StoreError),
}

/// How the submitting side waits.
pub struct Watch<'a> {
    /// How often the store is asked for uploads.
    pub poll: Duration,
    /// Asked once per round while shards are outstanding: `Some(reason)` stops the wait with
    /// [`ClusterError::Abandoned`] (no worker is left, or the caller does not wait).
    pub give_up: &'a dyn Fn() -> Option<String>,
}

impl Watch<'_> {
    /// Waits for as long as it takes, asking every `poll`.
    pub fn patient(poll: Duration) -> Watch<'static> {
        Watch {
            poll,
            give_up: &|| None,
        }
    }
}

/// A job's verified sharded proof and the state the run ends in.
#[derive(Debug)]
pub struct ProvenJob<Y: Cycle> {
    /// The sharded proof: every shard checked, the chain checked as the job's whole statement.
    pub proof: ShardChain<Y>,
    /// The run's final state, `z_N`.
    pub z_final: Vec<PrimaryField<Y>>,
}

/// Waits for every shard of `job` (already submitted to `store`) to be proven and returns the
/// verified sharded proof.
///
/// - The job must be for `verifier`'s key.
/// - Every uploaded proof is decoded once and checked (`check_upload`) before it is accepted,
///   so a worker returning garbage costs a retry, never a wrong result; tasks whose leases
///   lapsed are requeued.
/// - Once every shard is done, the proofs this call accepted are used as they are; any other
///   (accepted earlier, or by another process) is read from the store and checked here too.
/// - The chain is checked from the job's initial state over all its steps, and its end must be
///   the final state the checkpoints gave, when this process computed them.
///
/// Fails when a shard is given up, the job is cancelled, `watch.give_up` says so, or the store
/// has been unreachable for [`STORE_OUTAGE`].
pub fn await_job<Y, SC>(
    store: &dyn TaskStore,
    job: &ShardJob<Y>,
    verifier: &CompressedVerifier<Y, SC>,
    watch: &Watch<'_>,
    on_event: &dyn Fn(JobEvent<'_>),
) -> Result<ProvenJob<Y>, ClusterError>
where
    Y: Cycle,
    SC: StepCircuit<PrimaryField<Y>>,
{
    let id = job.id();
    let digest = verifier.key().identity();
    if job.spec.verifier_key != digest {
        return Err(ClusterError::KeyMismatch {
            job: id,
            submitted: hex(&job.spec.verifier_key),
            given: hex(&digest),
        });
    }
    let unreachable = |e: &StoreError| on_event(JobEvent::StoreUnreachable(e));
    let mut accepted = BTreeMap::new();
    let shards = loop {
        let round = patiently(STORE_OUTAGE, &unreachable, || {
            collect_round(store, &id, job, verifier, &mut accepted, on_event)
        })?;
        match round {
            Round::Complete => {
                break patiently(STORE_OUTAGE, &unreachable, || {
                    complete(store, &id, job, verifier, &mut accepted)
                })??;
            }
            Round::GivenUp { shard, reason } => {
                return Err(ClusterError::ShardGivenUp { shard, reason });
            }
            Round::Cancelled(reason) => return Err(ClusterError::Cancelled(reason)),
            Round::Pending => {}
        }
        if let Some(reason) = (watch.give_up)() {
            return Err(ClusterError::Abandoned(reason));
        }
        std::thread::sleep(watch.poll);
    };
    let proof = ShardChain {
        verifier_key: digest,
        shards,
    };
    let z_final = proof.check_chain(&digest, job.spec.steps, job.z0())?;
    if job.z_final().is_some_and(|expected| expected != z_final) {
        return Err(ClusterError::FinalStateMismatch);
    }
    Ok(ProvenJob { proof, z_final })
}

/// Where a job stands after a round of [`await_job`].
enum Round {
    Pending,
    Complete,
    GivenUp { shard: u32, reason: String },
    Cancelled(String),
}

/// One round: requeue lapsed tasks, give each waiting upload its verdict (keeping the proofs
/// accepted), see where the job stands. A round cut short by the store is simply run again:
/// the verdicts it gave stand, and the uploads it did not reach are still waiting.
fn collect_round<Y, SC>(
    store: &dyn TaskStore,
    id: &JobId,
    job: &ShardJob<Y>,
    verifier: &CompressedVerifier<Y, SC>,
    accepted: &mut BTreeMap<u32, ShardProof<Y>>,
    on_event: &dyn Fn(JobEvent<'_>),
) -> Result<Round, StoreError>
where
    Y: Cycle,
    SC: StepCircuit<PrimaryField<Y>>,
{
    let requeued = store.reap()?;
    if requeued > 0 {
        on_event(JobEvent::Requeued(requeued));
    }
    for upload in store.uploads(id)? {
        match check_upload(job, verifier, upload.task.shard, &upload.proof) {
            Ok(proof) => {
                store.accept(&upload)?;
                accepted.insert(upload.task.shard, proof);
                let status = store.status(id)?;
                on_event(JobEvent::Accepted {
                    upload: &upload,
                    done: status.done(),
                    total: status.tasks.len(),
                });
            }
            Err(reason) => {
                store.reject(&upload, &reason.to_string())?;
                on_event(JobEvent::Rejected {
                    upload: &upload,
                    reason: &reason,
                });
            }
        }
    }
    let status = store.status(id)?;
    on_event(JobEvent::Progress(&status));
    Ok(if let Some(reason) = status.cancelled {
        Round::Cancelled(reason)
    } else if let Some((shard, reason)) = status.failure() {
        Round::GivenUp {
            shard,
            reason: reason.to_string(),
        }
    } else if status.is_complete() {
        Round::Complete
    } else {
        Round::Pending
    })
}

/// A complete job's shard proofs, shard 0 first: those accepted here as they are, the others
/// read from the store and checked.
fn complete<Y, SC>(
    store: &dyn TaskStore,
    id: &JobId,
    job: &ShardJob<Y>,
    verifier: &CompressedVerifier<Y, SC>,
    accepted: &mut BTreeMap<u32, ShardProof<Y>>,
) -> Result<Result<Vec<ShardProof<Y>>, ClusterError>, StoreError>
where
    Y: Cycle,
    SC: StepCircuit<PrimaryField<Y>>,
{
    let shards = job.spec.shards;
    if accepted.len() < shards as usize {
        for (shard, bytes) in (0..shards).zip(store.proofs(id)?) {
            if accepted.contains_key(&shard) {
                continue;
            }
            match check_upload(job, verifier, shard, &bytes) {
                Ok(proof) => {
                    accepted.insert(shard, proof);
                }
                Err(source) => return Ok(Err(ClusterError::StoredProof { shard, source })),
            }
        }
    }
    Ok(Ok((0..shards)
        .filter_map(|s| accepted.remove(&s))
        .collect()))
}

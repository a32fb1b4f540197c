//! Why a sharded job, a shard task or an uploaded proof failed.

use origami_shard::{Shard, ShardError};

use crate::store::{JobId, StoreError};

/// Why a sharded job could not be proven.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The task store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Planning, checkpoints or assembling the sharded proof failed.
    #[error(transparent)]
    Shard(#[from] ShardError),
    /// The job was submitted for another verifier key than the one it is being checked with.
    #[error("job {job} was submitted for verifier key {submitted}, but the key given is {given}")]
    KeyMismatch {
        /// The job.
        job: JobId,
        /// The key the job names (hex).
        submitted: String,
        /// The key at hand (hex).
        given: String,
    },
    /// The store's task inputs are not the input the job's id was made from (altered rows).
    #[error(
        "the job's task inputs in the store are not the input its id was made from: the store \
         was altered"
    )]
    InputMismatch,
    /// The job was cancelled.
    #[error("the job was cancelled: {0}")]
    Cancelled(String),
    /// A shard failed on every attempt.
    #[error("shard {shard} was given up: {reason}")]
    ShardGivenUp {
        /// The shard.
        shard: u32,
        /// Its last failure.
        reason: String,
    },
    /// An accepted proof, read back from the store, does not check out: the store's rows were
    /// altered, or another process accepted it wrongly.
    #[error("the accepted proof of shard {shard} does not check out: {source}")]
    StoredProof {
        /// The shard.
        shard: u32,
        /// Why.
        source: CheckError,
    },
    /// The proven chain ends in another state than the checkpoints computed before submitting:
    /// the circuit and its native step disagree.
    #[error("the last shard's final state differs from the native step's")]
    FinalStateMismatch,
    /// The caller stopped waiting (no worker is left, or it does not wait for shards still
    /// being proven).
    #[error("the job was abandoned: {0}")]
    Abandoned(String),
    /// Not even one shard fits the memory budget.
    #[error(
        "one shard needs about {needed_mib} MiB (estimated from the prover key), more than the {budget_mib} MiB memory budget"
    )]
    OverBudget {
        /// Estimated peak of a process proving one shard.
        needed_mib: u64,
        /// The budget.
        budget_mib: u64,
    },
    /// The prover key file could not be measured for the memory estimate.
    #[error("reading the size of {path}: {source}")]
    KeySize {
        /// The prover key file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Why an uploaded shard proof was refused (the shard is proven again, or given up).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The upload names a shard the job does not have.
    #[error("the job has no shard {0}")]
    NoSuchShard(u32),
    /// The bytes are not a shard proof for the job's key.
    #[error("reading the proof: {0}")]
    Decode(ShardError),
    /// A proof of another shard than the task's.
    #[error("the proof covers {proven:?}, the task is {task:?}")]
    OtherShard {
        /// What the proof covers.
        proven: Shard,
        /// The task's shard.
        task: Shard,
    },
    /// A proof that starts from another state than the task's checkpoint.
    #[error("the proof starts from another state than the task")]
    OtherStart,
    /// The proof does not verify.
    #[error(transparent)]
    Invalid(ShardError),
}

/// Why a worker could not prove a shard task.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The task is for other parameters than the worker holds.
    #[error("the task is for verifier key {task}, this worker's key is {worker}")]
    OtherKey {
        /// The task's verifier key (hex).
        task: String,
        /// The worker's (hex).
        worker: String,
    },
    /// The task's input could not be read.
    #[error("reading the task: {0}")]
    Task(ShardError),
    /// Proving or encoding the proof failed (or was stopped).
    #[error(transparent)]
    Prove(ShardError),
    /// The prover panicked; the attempt counts as failed.
    #[error("the prover panicked: {0}")]
    Panicked(String),
}

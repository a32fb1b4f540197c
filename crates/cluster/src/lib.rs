//! Shards of a run proven by workers that take them from a task store.
//!
//! - [`TaskStore`]: jobs, their shard tasks, leases, uploads and verdicts; [`MemoryStore`] keeps
//!   them in the process (the default), [`PgStore`] in a PostgreSQL database shared by worker
//!   processes on any number of machines.
//! - [`run_worker`]: claims tasks, proves them ([`ShardProver`]), renews its lease from a thread
//!   of its own, uploads the proofs.
//! - [`collect`]: the submitting side; checks every uploaded proof ([`ShardChecker`]) before
//!   accepting it, so a worker that returns garbage costs a retry, never a wrong result.
//! - [`prove_local`]: all of it in one process, with as many worker threads as a memory budget
//!   allows ([`ShardMemory`]).

mod budget;
mod collect;
mod local;
mod memory;
mod nova;
mod postgres;
mod store;
mod worker;

pub use budget::ShardMemory;
pub use collect::{JobEvent, ShardChecker, collect};
pub use local::{LocalEvent, prove_local};
pub use memory::{DEFAULT_MAX_ATTEMPTS, MemoryStore};
pub use nova::{KeyChecker, KeyProver, ShardInput, ShardJob, assemble, job_spec, state_bytes};
pub use postgres::PgStore;
pub use store::{
    Claim, JobId, JobSpec, JobStatus, STORE_OUTAGE, StoreError, TaskId, TaskState, TaskStore,
    Upload, patiently,
};
pub use worker::{ShardProver, WorkerConfig, WorkerEvent, run_worker};

/// Why a sharded job could not be proven.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The task store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Planning, checkpoints or assembling the sharded proof failed.
    #[error(transparent)]
    Shard(#[from] origami_shard::ShardError),
    /// A shard failed on every attempt.
    #[error("shard {shard} was given up: {reason}")]
    ShardGivenUp {
        /// The shard.
        shard: u32,
        /// Its last failure.
        reason: String,
    },
    /// Nothing is left to prove the job's remaining shards.
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
}

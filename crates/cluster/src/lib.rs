#![doc = include_str!("../README.md")]

mod budget;
mod error;
mod job;
mod local;
mod memory;
mod postgres;
mod store;
mod task;
mod worker;

pub use budget::{ShardMemory, available_memory};
pub use error::{CheckError, ClusterError, ProveError};
pub use job::{JobEvent, ProvenJob, Watch, await_job};
pub use local::{LocalEvent, prove_local};
pub use memory::{DEFAULT_MAX_ATTEMPTS, MemoryStore};
pub use postgres::PgStore;
pub use store::{
    Claim, JobId, JobSpec, JobStatus, STORE_OUTAGE, StoreError, TaskId, TaskStage, TaskState,
    TaskStore, Upload, patiently,
};
pub use task::{ShardInput, ShardJob, TaskProver, job_spec, state_bytes};
pub use worker::{ShardProver, WorkerConfig, WorkerEvent, run_worker};

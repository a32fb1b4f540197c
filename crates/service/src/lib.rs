//! Origami's proving service: an HTTP API ([`serve`]) in front of two child processes.
//!
//! - The **prover process** ([`run_prover`]) loads the prover key and proves jobs' shards
//!   through a task store (in-process, or a PostgreSQL cluster's, where any number of
//!   `origami worker` processes prove them too). At start it sends the verifier key of the
//!   key it loaded.
//! - The **verifier process** ([`run_verifier`]) receives that verifier key over its stdin and
//!   checks proofs; it is never told where the key directory is, so it cannot open the prover
//!   key, and it stays small. A verify-only service starts no prover process and hands the
//!   verifier process the `verifier.key` it reads itself.
//! - The **API process** answers HTTP, keeps the jobs' records, and starts a child again when it
//!   dies, re-submitting the jobs a dead prover process was proving.
//!
//! The processes talk in length-prefixed frames ([`protocol`]).

mod api;
mod fields;
mod metrics;
pub mod protocol;
mod prover_process;
pub mod requests;
mod supervisor;
mod verifier_process;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use api::serve;
pub use fields::{format_field, parse_field};
pub use metrics::process_memory;
pub use prover_process::{ProverOptions, run_prover};
pub use supervisor::{ChildCommand, ChildError};
pub use verifier_process::{Verifier, run_verifier, verify};

/// Locks `m`, also after a thread panicked holding it: every update the service makes under its
/// locks is a single assignment, insert or swap, so a panic cannot leave one half done.
fn locked<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What [`serve`] runs.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// The key directory (`prover.key` is read by the prover process only; a verify-only
    /// service reads `verifier.key`).
    pub keys: PathBuf,
    /// Where to listen for HTTP.
    pub listen: SocketAddr,
    /// Start no prover process: answer verify requests only.
    pub verify_only: bool,
    /// The bearer token job submission requires (`None` only for a verify-only service).
    pub token: Option<String>,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// The most steps a job may ask for.
    pub max_steps: u64,
    /// Most shards a job may be split into.
    pub max_shards: u32,
    /// How to start the prover process.
    pub prover: ChildCommand,
    /// How to start the verifier process.
    pub verifier: ChildCommand,
}

/// Why the service could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A key, a child process or the configuration was not usable at start.
    #[error("{0}")]
    Start(String),
    /// The listening address could not be bound.
    #[error("listening on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP server or its runtime failed.
    #[error("the HTTP server: {0}")]
    Server(std::io::Error),
}

/// Why a child process stopped.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The pipe to the API process failed or carried something unreadable.
    #[error("the pipe to the API process: {0}")]
    Pipe(#[from] std::io::Error),
    /// The process could not start (its key was unusable, say); the API process was told why.
    #[error("{0}")]
    Start(String),
}

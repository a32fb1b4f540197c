#![doc = include_str!("../README.md")]

mod api;
mod error;
mod metrics;
pub mod protocol;
mod prover_process;
pub mod requests;
mod supervisor;
mod verifier_process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use api::head::{HeadLimits, check_stream};
pub use api::serve;
pub use error::{ProcessError, ServiceError};
pub use metrics::process_memory;
pub use origami_keys::{format_field, parse_field};
pub use protocol::ProverOptions;
pub use prover_process::run_prover;
pub use supervisor::{ChildCommand, ChildError};
pub use verifier_process::{run_verifier, verify};

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
    /// The bearer token verify requests require (`None`: verifying is open to all).
    pub verify_token: Option<String>,
    /// Verify requests in progress or waiting at once; one more is answered 503.
    pub verify_queue: usize,
    /// How long a verify request waits for the verifier's answer before it is answered 503.
    pub verify_timeout: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// How long a client has to send a request's headers (and may stay idle between requests).
    pub header_timeout: Duration,
    /// How long receiving and answering one request may take.
    pub request_timeout: Duration,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// The most steps a job may ask for.
    pub max_steps: u64,
    /// The largest job input accepted, in bytes (decoded).
    pub max_input: usize,
    /// Most shards a job may be split into.
    pub max_shards: u32,
    /// How to start the prover process.
    pub prover: ChildCommand,
    /// What the prover process is told at start (its first frame).
    pub prover_options: ProverOptions,
    /// How to start the verifier process.
    pub verifier: ChildCommand,
    /// Where the verifier process caches its commitment generators.
    pub generator_cache: Option<PathBuf>,
}

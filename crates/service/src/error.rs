//! Why the service, or one of its child processes, stopped.

use std::net::SocketAddr;

use crate::protocol::StartError;

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
    #[error(transparent)]
    Start(StartError),
}

//! The API process: the router and its shutdown; the handlers live by concern in `jobs`,
//! `verify` and `health`, the shared state in `state`, the error answers in `error`.

mod error;
pub(crate) mod head;
mod health;
mod jobs;
mod limits;
mod memory;
mod server;
mod state;
mod verify;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::middleware;
use axum::routing::{get, post};

use self::error::ApiError;
use self::head::HeadLimits;
use self::server::ConnectionLimits;
use self::state::Service;
use crate::{ServiceConfig, ServiceError};

/// How often the API process asks the prover process what changed.
const POLL: Duration = Duration::from_millis(250);

/// The longest path and query the API reads: its longest real one is under 100 bytes.
const MAX_URI: usize = 8 << 10;

/// The longest request head the API reads (a sixth of hyper's buffer, so hyper never refuses
/// a head that passed): its own requests' heads are well under 1 KiB.
const MAX_HEAD: usize = 64 << 10;

/// Runs the service until Ctrl-C or SIGTERM: starts the children (the prover process first,
/// whose verifier key the verifier process receives), binds `config.listen`, calls `listening`
/// with the bound address, and answers HTTP.
pub fn serve(
    config: ServiceConfig,
    listening: impl FnOnce(SocketAddr, &str),
) -> Result<(), ServiceError> {
    // Before any request: so that request bodies' memory goes back to the system.
    if !memory::return_large_blocks_on_free() {
        eprintln!("serve: memory freed after large requests may stay with this process");
    }
    let service = Service::start(&config)?;
    let poller = Arc::downgrade(&service);
    if service.prover.is_some() {
        std::thread::spawn(move || {
            while let Some(service) = poller.upgrade() {
                service.take_updates();
                drop(service);
                std::thread::sleep(POLL);
            }
        });
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()
        .map_err(ServiceError::Server)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| ServiceError::Listen {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(ServiceError::Server)?;
        listening(addr, &service.describe());
        let connections = ConnectionLimits {
            max_connections: config.max_connections.max(1),
            header_timeout: config.header_timeout,
            drain: config.request_timeout,
            head: HeadLimits {
                max_head: MAX_HEAD,
                max_uri: MAX_URI,
                max_body: config.max_body,
            },
        };
        let app = router(service, config.max_body, config.request_timeout);
        server::serve(listener, app, connections, shutdown()).await;
        Ok(())
    })
}

async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = interrupt => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = interrupt.await;
        }
    }
}

fn router(service: Arc<Service>, max_body: usize, deadline: Duration) -> Router {
    Router::new()
        .route("/v1/jobs", post(jobs::submit))
        .route("/v1/jobs/{id}", get(jobs::status).delete(jobs::cancel))
        .route("/v1/jobs/{id}/proof", get(jobs::proof))
        .route("/v1/verify", post(verify::verify))
        .route("/healthz", get(health::health))
        .route("/metrics", get(health::metrics))
        .fallback(|| async { ApiError::NoSuchEndpoint })
        .method_not_allowed_fallback(|method: Method| async move {
            ApiError::MethodNotAllowed(method.to_string())
        })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(deadline, limits::enforce))
        .with_state(service)
}

/// Runs a blocking call (a child's answer) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

//! The HTTP server under the router: an accept loop with a connection limit, a header-read
//! timeout (which also closes idle keep-alive connections), every request head checked before
//! hyper parses it ([`HeadGuard`]), and graceful shutdown. axum's own `serve` sets none of
//! these, so a client sending half a header, or a few hundred idle connections, held the
//! service's resources for as long as they liked.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

use super::error::ApiError;
use super::head::{HeadGuard, HeadLimits};

/// What one connection may take.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// How long a client has to send a request's headers, and how long a connection may sit
    /// idle between requests.
    pub header_timeout: Duration,
    /// How long shutdown waits for requests in progress.
    pub drain: Duration,
    /// What a request head may be.
    pub head: HeadLimits,
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets requests in progress finish
/// (for up to `limits.drain`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (closing, closed) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: wait a little rather than spin.
                    eprintln!("serve: accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream, limits.max_connections));
            continue;
        };
        let (app, mut closed) = (app.clone(), closed.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let mut builder = http1::Builder::new();
            // Half-closes are allowed so that the end of the stream that stands in for a refused
            // head does not cut off the answer to a request before it.
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .half_close(true);
            let stream = HeadGuard::new(stream, limits.head);
            let connection =
                builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closed.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    let _ = closing.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.drain, slots.acquire_many(all)).await;
}

/// Answers a connection over the limit with a 503 in the API's JSON and closes it.
async fn refuse(mut stream: TcpStream, max: usize) {
    let response = ApiError::TooManyConnections(max).raw_response();
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(&response).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

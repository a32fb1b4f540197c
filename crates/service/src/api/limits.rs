//! Limits the router applies before any handler runs: the URI's length, a declared body length
//! (one over the limit is refused at once, before a byte of it is read), and a deadline for
//! receiving and answering the request.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// What one request may take.
#[derive(Clone, Copy, Debug)]
pub struct RequestLimits {
    /// The longest path and query, in bytes.
    pub max_uri: usize,
    /// The largest body, in bytes.
    pub max_body: usize,
    /// How long receiving a request and answering it may take.
    pub deadline: Duration,
}

/// The middleware: refuses what is over a limit with the API's JSON error.
pub async fn enforce(
    State(limits): State<RequestLimits>,
    request: Request,
    next: Next,
) -> Response {
    let uri = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri > limits.max_uri {
        return ApiError::UriTooLong {
            length: uri,
            max: limits.max_uri,
        }
        .into_response();
    }
    if let Some(value) = request.headers().get(header::CONTENT_LENGTH) {
        match value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            None => return ApiError::BadContentLength.into_response(),
            Some(declared) if declared > limits.max_body as u64 => {
                return ApiError::TooLarge {
                    declared,
                    max: limits.max_body,
                }
                .into_response();
            }
            Some(_) => {}
        }
    }
    match tokio::time::timeout(limits.deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout(limits.deadline).into_response(),
    }
}

//! The deadline the router applies to every request: receiving it and answering it. What a
//! request head may be (its size, its URI, a declared body length) is checked before hyper
//! parses it, in `head`.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The middleware: a request not received and answered within `deadline` is answered 408.
pub async fn enforce(State(deadline): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout(deadline).into_response(),
    }
}

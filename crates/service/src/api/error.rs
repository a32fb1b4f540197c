//! Every reason the API answers with an error, and the one mapping of reasons to status codes.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use origami_circuits::{Builtin, UnknownCircuit};
use origami_cluster::JobId;
use origami_shard::ShardError;
use serde::Serialize;

use crate::requests::BadRequest;
use crate::supervisor::ChildError;

/// Why a request was not done. The message is the body's `error`; [`ApiError::status`] is the
/// only place that picks a status code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No route matches.
    #[error(
        "no such endpoint: the API has POST /v1/jobs, GET and DELETE /v1/jobs/{{id}}, GET /v1/jobs/{{id}}/proof, POST /v1/verify, GET /healthz and GET /metrics"
    )]
    NoSuchEndpoint,
    /// No bearer token where one is required.
    #[error("this endpoint needs an `Authorization: Bearer TOKEN` header")]
    MissingToken,
    /// Another bearer token than the service's.
    #[error("wrong bearer token")]
    WrongToken,
    /// The body is not the JSON the endpoint takes.
    #[error("{}", .0.body_text())]
    Body(JsonRejection),
    /// A field of the body says something the API cannot use.
    #[error(transparent)]
    BadRequest(#[from] BadRequest),
    /// The circuit named is not a built-in one.
    #[error("circuit: {0}")]
    UnknownCircuit(#[from] UnknownCircuit),
    /// The service's keys are for another circuit.
    #[error("this service's keys are for {keys}; it cannot prove {asked}")]
    OtherCircuit {
        /// The keys' circuit.
        keys: Builtin,
        /// The circuit asked for.
        asked: Builtin,
    },
    /// More steps than the service takes, or none.
    #[error("steps must be from 1 to {max} (this service's --max-steps), not {asked}")]
    Steps {
        /// The limit.
        max: u64,
        /// Asked for.
        asked: u64,
    },
    /// A job's input larger than the service takes.
    #[error("the input is {got} bytes; this service takes at most {max} (--max-input)")]
    InputTooLarge {
        /// Bytes given (decoded, or the most the base64 text can decode to).
        got: usize,
        /// The limit.
        max: usize,
    },
    /// Input given to a circuit that reads none, or none to one that needs it, or a step count
    /// that disagrees with the input.
    #[error("{0}")]
    Input(String),
    /// More shards than the service takes.
    #[error("shards must be at most {max} (this service's --max-shards), not {asked}")]
    Shards {
        /// The limit.
        max: u32,
        /// Asked for.
        asked: u32,
    },
    /// The steps cannot be split into the shards asked for.
    #[error(transparent)]
    Plan(ShardError),
    /// A verify-only service takes no jobs.
    #[error("this service was started with --verify-only: it verifies proofs but takes no jobs")]
    VerifyOnlyTakesNoJobs,
    /// A verify-only service has no jobs to show.
    #[error("this service was started with --verify-only: it has no jobs")]
    VerifyOnlyHasNoJobs,
    /// No job has this id.
    #[error("no job {0}")]
    UnknownJob(String),
    /// The job was given up.
    #[error("job {id} failed: {reason}")]
    JobFailed {
        /// The job.
        id: JobId,
        /// Why.
        reason: String,
    },
    /// The job is over: there is nothing to cancel.
    #[error("job {id} is {}: there is nothing to cancel", state.as_str())]
    JobOver {
        /// The job.
        id: JobId,
        /// How it ended.
        state: super::state::JobState,
    },
    /// The job's proof is not ready.
    #[error("job {id} is not complete: {done} of {total} shards done")]
    JobIncomplete {
        /// The job.
        id: JobId,
        /// Shards done.
        done: usize,
        /// Shards in the job.
        total: u32,
    },
    /// The job would take longer, or more memory, than the service allows.
    #[error("{0}")]
    NotAdmitted(String),
    /// The prover process did not take the job.
    #[error("the prover process did not take the job: {0}")]
    NotTaken(String),
    /// A child process is down or died answering.
    #[error(transparent)]
    Child(#[from] ChildError),
    /// A bug or a panic in the API process.
    #[error("internal error: {0}")]
    Internal(String),
    /// The route exists, but not for this method.
    #[error("this endpoint does not take {0}; see the API's endpoints in the documentation")]
    MethodNotAllowed(String),
    /// A path segment that is not what the route takes (not UTF-8, say).
    #[error("the path is not one the API takes: {0}")]
    BadPath(String),
    /// A path and query longer than the service reads.
    #[error("the URI is {length} bytes; the service reads at most {max}")]
    UriTooLong {
        /// Its length.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// A declared body larger than the limit: refused before it is read.
    #[error("the body is {declared} bytes; the service takes at most {max} (--max-body)")]
    TooLarge {
        /// The declared length.
        declared: u64,
        /// The limit.
        max: usize,
    },
    /// A `Content-Length` that is not a number.
    #[error("the Content-Length header is not a byte count")]
    BadContentLength,
    /// A request head that is not HTTP/1.1 the service can read.
    #[error("{0}")]
    BadHead(String),
    /// A request line longer than a whole head may be.
    #[error("the request line is over {0} bytes")]
    RequestLineTooLong(usize),
    /// A request head longer than the service reads.
    #[error("the request head is over {0} bytes")]
    HeadTooLarge(usize),
    /// More header fields than the service reads.
    #[error("the request has more than {0} header fields")]
    TooManyHeaders(usize),
    /// Every connection slot is taken.
    #[error("the service is serving {0} connections, its limit (--max-connections); retry shortly")]
    TooManyConnections(usize),
    /// The request was not received and answered in time.
    #[error("the request was not received and answered within {} s", .0.as_secs_f64())]
    RequestTimeout(std::time::Duration),
    /// Every verify slot is taken.
    #[error(
        "{0} proofs are being verified or waiting, this service's limit (--verify-queue); retry shortly"
    )]
    VerifyBusy(usize),
    /// The verifier did not answer in time (it is still busy with earlier proofs).
    #[error("the verifier did not answer within {} s (--verify-timeout); retry shortly", .0.as_secs_f64())]
    VerifyTimeout(std::time::Duration),
}

impl ApiError {
    /// The status code of each reason.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NoSuchEndpoint | ApiError::VerifyOnlyHasNoJobs | ApiError::UnknownJob(_) => {
                StatusCode::NOT_FOUND
            }
            ApiError::MissingToken | ApiError::WrongToken => StatusCode::UNAUTHORIZED,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadPath(_) | ApiError::BadContentLength | ApiError::BadHead(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::UriTooLong { .. } | ApiError::RequestLineTooLong(_) => {
                StatusCode::URI_TOO_LONG
            }
            ApiError::HeadTooLarge(_) | ApiError::TooManyHeaders(_) => {
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            }
            ApiError::TooLarge { .. } | ApiError::InputTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::VerifyBusy(_)
            | ApiError::VerifyTimeout(_)
            | ApiError::TooManyConnections(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Body(rejection) => rejection.status(),
            ApiError::BadRequest(_) | ApiError::UnknownCircuit(_) => StatusCode::BAD_REQUEST,
            ApiError::OtherCircuit { .. }
            | ApiError::Steps { .. }
            | ApiError::Input(_)
            | ApiError::Shards { .. }
            | ApiError::Plan(_)
            | ApiError::NotAdmitted(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::VerifyOnlyTakesNoJobs => StatusCode::FORBIDDEN,
            ApiError::JobFailed { .. }
            | ApiError::JobIncomplete { .. }
            | ApiError::JobOver { .. } => StatusCode::CONFLICT,
            ApiError::Child(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::NotTaken(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The body of every error answer.
#[derive(Serialize)]
pub struct ErrorBody {
    /// What was wrong.
    pub error: String,
}

/// The headers an error answer carries beside its JSON body.
fn extra_headers(status: StatusCode) -> Option<(header::HeaderName, &'static str)> {
    match status {
        StatusCode::UNAUTHORIZED => Some((header::WWW_AUTHENTICATE, "Bearer")),
        // Every 503 passes: a child restarting, a full queue, every connection taken.
        StatusCode::SERVICE_UNAVAILABLE => Some((header::RETRY_AFTER, "1")),
        _ => None,
    }
}

impl ApiError {
    /// The whole HTTP/1.1 answer, for the places that write to a socket before (or instead
    /// of) hyper: the same status, headers and JSON as [`IntoResponse`], and the connection
    /// closed.
    pub fn raw_response(&self) -> Vec<u8> {
        let status = self.status();
        let body = serde_json::to_vec(&ErrorBody {
            error: self.to_string(),
        })
        .unwrap_or_default();
        let extra = extra_headers(status)
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .unwrap_or_default();
        let mut response = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\n{extra}connection: close\r\ncontent-length: {}\r\n\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(&body);
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: self.to_string(),
        };
        let mut response = (status, Json(body)).into_response();
        if let Some((name, value)) = extra_headers(status) {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::Body(rejection)
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadPath(rejection.body_text())
    }
}

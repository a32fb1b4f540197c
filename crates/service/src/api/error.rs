//! Every reason the API answers with an error, and the one mapping of reasons to status codes.

use axum::Json;
use axum::extract::rejection::JsonRejection;
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
        "no such endpoint: the API has POST /v1/jobs, GET /v1/jobs/{{id}}, GET /v1/jobs/{{id}}/proof, POST /v1/verify, GET /healthz and GET /metrics"
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
    /// The prover process did not take the job.
    #[error("the prover process did not take the job: {0}")]
    NotTaken(String),
    /// A child process is down or died answering.
    #[error(transparent)]
    Child(#[from] ChildError),
    /// A bug or a panic in the API process.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The status code of each reason.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NoSuchEndpoint | ApiError::VerifyOnlyHasNoJobs | ApiError::UnknownJob(_) => {
                StatusCode::NOT_FOUND
            }
            ApiError::MissingToken | ApiError::WrongToken => StatusCode::UNAUTHORIZED,
            ApiError::Body(rejection) => rejection.status(),
            ApiError::BadRequest(_) | ApiError::UnknownCircuit(_) => StatusCode::BAD_REQUEST,
            ApiError::OtherCircuit { .. }
            | ApiError::Steps { .. }
            | ApiError::Shards { .. }
            | ApiError::Plan(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::VerifyOnlyTakesNoJobs => StatusCode::FORBIDDEN,
            ApiError::JobFailed { .. } | ApiError::JobIncomplete { .. } => StatusCode::CONFLICT,
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: self.to_string(),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::Body(rejection)
    }
}

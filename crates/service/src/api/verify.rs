//! `POST /v1/verify`.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{FromRequest, Json as JsonBody, Request, State as HttpState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::blocking;
use super::error::ApiError;
use super::jobs::state_text;
use super::state::{RESTART_WAIT, Service};
use crate::protocol::{State, VerifyFailure, VerifyRequest, VerifyResponse};
use crate::requests::VerifyBody;

/// The answer to a proof that verified.
#[derive(Serialize)]
struct Verified {
    verified: bool,
    circuit: String,
    steps: u64,
    proof: &'static str,
    shards: usize,
    z0: Vec<String>,
    z_final: Vec<String>,
    /// sha256-file: the file the run attests.
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<FileStatement>,
    seconds: f64,
}

/// What a sha256-file proof attests: a file of `bytes` bytes has SHA-256 `digest`.
#[derive(Serialize)]
struct FileStatement {
    digest: String,
    bytes: u64,
}

/// The answer to a proof that did not.
#[derive(Serialize)]
struct NotVerified {
    verified: bool,
    error: String,
}

/// `POST /v1/verify`: 200 with the statement, 400 for bytes that are not a proof for this key,
/// 422 for a proof of another statement.
pub async fn verify(
    HttpState(service): HttpState<Arc<Service>>,
    request: Request,
) -> Result<Response, ApiError> {
    service.authorize_verify(request.headers())?;
    // A slot before the body is read: at most `verify_queue` bodies are held at once.
    let slot = service
        .verify_slots
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::VerifyBusy(service.verify_queue))?;
    let JsonBody(body) = JsonBody::<VerifyBody>::from_request(request, &()).await?;
    let proof = body.proof_bytes()?;
    let z0 = match &body.z0 {
        Some(values) => service.parse_state("z0", values)?,
        None => State(service.circuit.default_z0()),
    };
    let request = VerifyRequest {
        proof,
        z0: z0.clone(),
        steps: body.steps,
    };
    let verifier = service.verifier.clone();
    let started = Instant::now();
    // The slot is held until the verifier answers, also when this request stops waiting.
    let asked = blocking(move || {
        let _slot = slot;
        Ok(verifier.ask::<_, VerifyResponse>(&request, RESTART_WAIT)?)
    });
    let answer = tokio::time::timeout(service.verify_timeout, asked)
        .await
        .map_err(|_| ApiError::VerifyTimeout(service.verify_timeout))??;
    let seconds = started.elapsed().as_secs_f64();
    // The statement the states attest, from the key's circuit and the proof's states.
    let answer = answer.and_then(|v| {
        let attested = service.circuit.attested(&z0.0, &v.z_final.0).map_err(|e| {
            VerifyFailure::Rejected(format!("the proof attests no file's digest: {e}"))
        })?;
        Ok((v, attested))
    });
    let (outcome, response) = match answer {
        Ok((v, attested)) => (
            "verified",
            (
                StatusCode::OK,
                Json(Verified {
                    verified: true,
                    circuit: service.circuit.to_string(),
                    steps: body.steps,
                    proof: v.kind.as_str(),
                    shards: v.shards,
                    z0: state_text(&z0),
                    z_final: state_text(&v.z_final),
                    sha256: attested.map(|f| FileStatement {
                        digest: origami_format::hex(&f.digest),
                        bytes: f.len,
                    }),
                    seconds,
                }),
            )
                .into_response(),
        ),
        Err(failure) => {
            let (outcome, status) = match failure {
                VerifyFailure::Malformed(_) => ("malformed", StatusCode::BAD_REQUEST),
                VerifyFailure::Rejected(_) => ("rejected", StatusCode::UNPROCESSABLE_ENTITY),
            };
            let body = NotVerified {
                verified: false,
                error: failure.to_string(),
            };
            (outcome, (status, Json(body)).into_response())
        }
    };
    service.observe_verify(outcome, seconds);
    Ok(response)
}

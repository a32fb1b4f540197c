//! `POST /v1/jobs`, `GET /v1/jobs/{id}`, `GET /v1/jobs/{id}/proof`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Json as JsonBody, Path, Request, State as HttpState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use origami_circuits::{Builtin, CircuitKind};
use origami_cluster::{JobId, TaskStage, job_spec};
use origami_shard::{ShardPlan, StepInputs};
use serde::Serialize;

use super::blocking;
use super::error::ApiError;
use super::state::{JobResult, JobState, RESTART_WAIT, Service};
use crate::locked;
use crate::protocol::{ProverRequest, ProverResponse, State, SubmitError};
use crate::requests::JobBody;

/// The answer to `POST /v1/jobs`.
#[derive(Serialize)]
struct Accepted {
    id: JobId,
    /// False when the job was known already (the same job submitted again).
    new: bool,
    status_url: String,
    proof_url: String,
}

/// The answer to `GET /v1/jobs/{id}`.
#[derive(Serialize)]
pub struct JobView {
    id: JobId,
    circuit: String,
    steps: u64,
    shards: u32,
    z0: Vec<String>,
    /// Bytes of input the steps read.
    input_bytes: u64,
    state: JobState,
    shards_done: usize,
    shard_states: Vec<ShardView>,
    submitted_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proof_url: Option<String>,
}

/// One shard in a [`JobView`].
#[derive(Serialize)]
struct ShardView {
    shard: usize,
    state: TaskStage,
    worker: Option<String>,
    attempts: u32,
}

/// A state's elements as the API writes them.
pub fn state_text(state: &State) -> Vec<String> {
    state.0.iter().map(origami_keys::format_field).collect()
}

/// `POST /v1/jobs`.
pub async fn submit(
    HttpState(service): HttpState<Arc<Service>>,
    request: Request,
) -> Result<Response, ApiError> {
    let Some(prover) = service.prover.clone() else {
        return Err(ApiError::VerifyOnlyTakesNoJobs);
    };
    // The token before the body: an unauthorised client gets nothing parsed.
    service.authorize(request.headers())?;
    let JsonBody(body) = JsonBody::<JobBody>::from_request(request, &()).await?;
    let kind: CircuitKind = body.circuit.parse()?;
    let asked = kind.with_size(body.size.unwrap_or(service.circuit.size()));
    if asked != service.circuit {
        return Err(ApiError::OtherCircuit {
            keys: service.circuit,
            asked,
        });
    }
    // The input's size before it is decoded, then what it decides.
    if body.input_len_bound() > service.max_input.saturating_add(3) {
        return Err(ApiError::InputTooLarge {
            got: body.input_len_bound(),
            max: service.max_input,
        });
    }
    let input = body.input_bytes()?;
    if input.len() > service.max_input {
        return Err(ApiError::InputTooLarge {
            got: input.len(),
            max: service.max_input,
        });
    }
    let input: Arc<[u8]> = input.into();
    let inputs = StepInputs::from_bytes(input.to_vec(), service.circuit.bytes_per_step());
    let steps = job_steps(&service.circuit, &inputs, body.input.is_some(), body.steps)?;
    if steps == 0 || steps > service.max_steps {
        return Err(ApiError::Steps {
            max: service.max_steps,
            asked: steps,
        });
    }
    if body.shards > service.max_shards {
        return Err(ApiError::Shards {
            max: service.max_shards,
            asked: body.shards,
        });
    }
    let plan = ShardPlan::new(steps, body.shards).map_err(ApiError::Plan)?;
    let z0 = match &body.z0 {
        Some(values) => service.parse_state("z0", values)?,
        None => State(service.circuit.default_z0()),
    };
    let id = job_spec(&service.vk, &plan, &z0.0, &inputs)
        .map_err(ApiError::Plan)?
        .id();
    let new = service.record(&id, steps, body.shards, &z0, input.clone());
    if new {
        let request = ProverRequest::Submit {
            steps,
            shards: body.shards,
            z0,
            input: input.to_vec(),
        };
        let answer = blocking(move || Ok(prover.ask(&request, RESTART_WAIT)?)).await;
        let taken = match answer {
            Ok(ProverResponse::Submitted(made)) if made == id => Ok(()),
            Ok(ProverResponse::Refused(SubmitError::NotAdmitted(reason))) => {
                Err(ApiError::NotAdmitted(reason))
            }
            Ok(other) => Err(ApiError::NotTaken(format!("{other:?}"))),
            Err(e) => Err(e),
        };
        if let Err(e) = taken {
            service.forget(&id);
            return Err(e);
        }
    }
    let location = format!("/v1/jobs/{id}");
    let body = Accepted {
        proof_url: format!("{location}/proof"),
        status_url: location.clone(),
        id,
        new,
    };
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// The job's step count: the input decides it for a circuit that reads one (`asked`, if given,
/// must agree); otherwise it must be asked for. Input given to a circuit that reads none, or
/// none to one that needs it, is refused.
fn job_steps(
    circuit: &Builtin,
    inputs: &StepInputs,
    input_given: bool,
    asked: Option<u64>,
) -> Result<u64, ApiError> {
    let needed = circuit
        .steps_for_input(inputs.len())
        .map_err(|e| ApiError::Input(e.to_string()))?;
    match (needed, asked) {
        (None, _) if input_given => Err(ApiError::Input(format!(
            "{} reads no input, but the job gives one",
            circuit.kind()
        ))),
        (Some(_), _) if !input_given => Err(ApiError::Input(format!(
            "{} reads an input: give it base64 in the body's `input`",
            circuit.kind()
        ))),
        (Some(needed), Some(asked)) if asked != needed => Err(ApiError::Input(format!(
            "the input of {} bytes takes {needed} steps, but steps {asked} was given",
            inputs.len()
        ))),
        (Some(needed), _) => Ok(needed),
        (None, Some(asked)) => Ok(asked),
        (None, None) => Err(ApiError::Input(format!(
            "steps is required for {}",
            circuit.kind()
        ))),
    }
}

fn no_job(service: &Service, id: &str) -> ApiError {
    if service.prover.is_none() {
        ApiError::VerifyOnlyHasNoJobs
    } else {
        ApiError::UnknownJob(id.to_string())
    }
}

/// `GET /v1/jobs/{id}`.
pub async fn status(
    HttpState(service): HttpState<Arc<Service>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<JobView>, ApiError> {
    let Path(id) = id?;
    let id = JobId(id);
    let jobs = locked(&service.jobs);
    let record = jobs.get(&id).ok_or_else(|| no_job(&service, &id.0))?;
    let shard_states = record
        .progress
        .iter()
        .enumerate()
        .map(|(shard, s)| ShardView {
            shard,
            state: s.state,
            worker: s.worker.clone(),
            attempts: s.attempts,
        })
        .collect();
    Ok(Json(JobView {
        circuit: service.circuit.to_string(),
        steps: record.steps,
        shards: record.shards,
        z0: state_text(&record.z0),
        input_bytes: record.input_bytes,
        state: record.state(),
        shards_done: record.shards_done(),
        shard_states,
        submitted_at: record.submitted_at,
        seconds: record.took.map(|t| t.as_secs_f64()),
        error: match &record.result {
            Some(JobResult::Failed(reason)) => Some(reason.clone()),
            _ => None,
        },
        proof_url: matches!(record.result, Some(JobResult::Proof(_)))
            .then(|| format!("/v1/jobs/{id}/proof")),
        id,
    }))
}

/// The answer to `DELETE /v1/jobs/{id}`.
#[derive(Serialize)]
pub struct Cancelled {
    id: JobId,
    state: JobState,
    /// Unfinished shards given up in the task store (their workers stop at their next step).
    shards_stopped: usize,
}

/// `DELETE /v1/jobs/{id}`: cancels an open job through the task store, so workers proving its
/// shards stop; a restarted prover process is not handed it again.
pub async fn cancel(
    HttpState(service): HttpState<Arc<Service>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Cancelled>, ApiError> {
    let Some(prover) = service.prover.clone() else {
        return Err(ApiError::VerifyOnlyHasNoJobs);
    };
    service.authorize(&headers)?;
    let Path(id) = id?;
    let id = JobId(id);
    service.close_cancelled(&id)?;
    let request = ProverRequest::Cancel { job: id.clone() };
    let answer = blocking(move || Ok(prover.ask(&request, RESTART_WAIT)?)).await?;
    let shards_stopped = match answer {
        ProverResponse::Cancelled(stopped) => stopped,
        other => return Err(ApiError::NotTaken(format!("{other:?}"))),
    };
    Ok(Json(Cancelled {
        id,
        state: JobState::Cancelled,
        shards_stopped,
    }))
}

/// `GET /v1/jobs/{id}/proof`: the sharded proof file, once the job is complete.
pub async fn proof(
    HttpState(service): HttpState<Arc<Service>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = id?;
    let id = JobId(id);
    let jobs = locked(&service.jobs);
    let record = jobs.get(&id).ok_or_else(|| no_job(&service, &id.0))?;
    let proof = match &record.result {
        Some(JobResult::Proof(proof)) => proof.clone(),
        Some(JobResult::Failed(reason)) => {
            return Err(ApiError::JobFailed {
                id,
                reason: reason.clone(),
            });
        }
        Some(JobResult::Cancelled) => {
            return Err(ApiError::JobOver {
                id,
                state: JobState::Cancelled,
            });
        }
        None => {
            return Err(ApiError::JobIncomplete {
                done: record.shards_done(),
                total: record.shards,
                id,
            });
        }
    };
    let disposition = format!("attachment; filename=\"{id}.proof\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        proof.as_ref().clone(),
    )
        .into_response())
}

//! The API process: HTTP routes, job records, the children it keeps running.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State as HttpState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, extract::Json as JsonBody};
use origami_arith::DefaultCycle;
use origami_circuits::{Builtin, CircuitKind};
use origami_cluster::job_spec;
use origami_nova::{CompressedVerifierKey, StepCircuit};
use origami_shard::ShardPlan;
use serde_json::{Value, json};

use crate::fields::format_field;
use crate::locked;
use crate::metrics::{Histogram, ProcessSample, Snapshot};
use crate::protocol::{
    JobProgress, Outcome, ProverHello, ProverRequest, ProverResponse, ShardProgress, State,
    VerifierReady, VerifierStart, VerifyFailure, VerifyRequest, VerifyResponse,
};
use crate::requests::{BadRequest, FieldValue, JobBody, VerifyBody};
use crate::supervisor::{ChildError, Supervised};
use crate::{ServiceConfig, ServiceError};

type Vk = CompressedVerifierKey<DefaultCycle, Builtin>;

/// How long a request waits for a child that is being restarted.
const RESTART_WAIT: Duration = Duration::from_secs(20);
/// How often the API process asks the prover process how its jobs stand.
const POLL: Duration = Duration::from_millis(250);

/// Runs the service until Ctrl-C or SIGTERM: starts the children (the prover process first,
/// whose verifier key the verifier process receives), binds `config.listen`, calls `listening`
/// with the bound address, and answers HTTP.
pub fn serve(
    config: ServiceConfig,
    listening: impl FnOnce(SocketAddr, &str),
) -> Result<(), ServiceError> {
    let service = Service::start(&config)?;
    let poller = Arc::downgrade(&service);
    if service.prover.is_some() {
        std::thread::spawn(move || {
            while let Some(service) = poller.upgrade() {
                service.poll();
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
        let app = router(service, config.max_body);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(ServiceError::Server)
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

fn router(service: Arc<Service>, max_body: usize) -> Router {
    Router::new()
        .route("/v1/jobs", post(submit_job))
        .route("/v1/jobs/{id}", get(job_status))
        .route("/v1/jobs/{id}/proof", get(job_proof))
        .route("/v1/verify", post(verify_proof))
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no such endpoint: the API has POST /v1/jobs, GET /v1/jobs/{id}, GET /v1/jobs/{id}/proof, POST /v1/verify, GET /healthz and GET /metrics",
            )
        })
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(service)
}

/// The service's shared state.
struct Service {
    prover: Option<Arc<Supervised>>,
    verifier: Arc<Supervised>,
    circuit: Builtin,
    vk: Vk,
    token: Option<String>,
    max_steps: u64,
    max_shards: u32,
    jobs: Mutex<BTreeMap<String, JobRecord>>,
    shard_seconds: Mutex<Histogram>,
    verify_seconds: Mutex<[(&'static str, Histogram); 3]>,
}

/// What the API process knows of a job.
struct JobRecord {
    steps: u64,
    shards: u32,
    z0: State,
    submitted_at: u64,
    submitted: Instant,
    progress: JobProgress,
    proof: Option<Arc<Vec<u8>>>,
    failure: Option<String>,
    took: Option<Duration>,
}

impl JobRecord {
    fn is_open(&self) -> bool {
        self.proof.is_none() && self.failure.is_none()
    }

    fn state(&self) -> &'static str {
        if self.failure.is_some() {
            "failed"
        } else if self.proof.is_some() {
            "complete"
        } else if self.progress.shards.iter().any(|s| s.state != "queued") {
            "proving"
        } else {
            "queued"
        }
    }

    fn shards_done(&self) -> usize {
        if self.proof.is_some() {
            return self.shards as usize;
        }
        self.progress
            .shards
            .iter()
            .filter(|s| s.state == "done")
            .count()
    }
}

impl Service {
    /// A state from a request, checked against this service's circuit.
    fn parse_state(&self, what: &'static str, values: &[FieldValue]) -> Result<State, BadRequest> {
        let arity = StepCircuit::<crate::protocol::Field>::arity(&self.circuit);
        crate::requests::parse_state(&self.circuit, arity, what, values)
    }

    fn start(config: &ServiceConfig) -> Result<Arc<Self>, ServiceError> {
        let start_error = |e: String| ServiceError::Start(e);
        // The verifier key: from the prover process, or (verify-only) from the key directory.
        let handed_over: Arc<Mutex<Option<Vec<u8>>>> = Arc::default();
        let this: Arc<OnceLock<Weak<Service>>> = Arc::default();
        let prover = if config.verify_only {
            let path = config.keys.join("verifier.key");
            let bytes =
                origami_format::read_file_bytes(&path, origami_format::FileKind::VerifierKey, None)
                    .map_err(|e| start_error(format!("reading {}: {e}", path.display())))?;
            *locked(&handed_over) = Some(bytes);
            None
        } else {
            if config.token.is_none() {
                return Err(start_error(
                    "job submission needs a bearer token: set ORIGAMI_SERVICE_TOKEN or pass --token-file FILE (or serve --verify-only)".into(),
                ));
            }
            let slot = handed_over.clone();
            let handshake = Box::new(move |link: &mut crate::supervisor::Link| {
                let key = link
                    .read::<ProverHello>()
                    .map_err(|e| format!("the prover process did not greet: {e}"))??;
                let mut slot = locked(&slot);
                match slot.as_ref() {
                    Some(first) if *first != key => Err(
                        "the prover key changed since the service started; restart the service to serve the new key"
                            .to_string(),
                    ),
                    _ => {
                        *slot = Some(key);
                        Ok(())
                    }
                }
            });
            let service = this.clone();
            let resubmit = Box::new(move || {
                if let Some(service) = service.get().and_then(Weak::upgrade) {
                    service.resubmit();
                }
            });
            Some(
                Supervised::start("prover", config.prover.clone(), handshake, resubmit)
                    .map_err(|e| start_error(format!("the prover process: {e}")))?,
            )
        };
        let key = locked(&handed_over)
            .clone()
            .ok_or_else(|| start_error("no verifier key was handed over".into()))?;
        let vk = Vk::from_bytes(&key).map_err(|e| start_error(format!("the verifier key: {e}")))?;
        let handshake = Box::new(move |link: &mut crate::supervisor::Link| {
            let verifier_key = key.clone();
            link.ask::<_, VerifierReady>(&VerifierStart { verifier_key })
                .map_err(|e| format!("the verifier process did not answer: {e}"))?
        });
        let verifier = Supervised::start(
            "verifier",
            config.verifier.clone(),
            handshake,
            Box::new(|| {}),
        )
        .map_err(|e| start_error(format!("the verifier process: {e}")))?;
        let service = Arc::new(Self {
            prover,
            verifier,
            circuit: *vk.step(),
            vk,
            token: config.token.clone(),
            max_steps: config.max_steps,
            max_shards: config.max_shards,
            jobs: Mutex::default(),
            shard_seconds: Mutex::default(),
            verify_seconds: Mutex::new([
                ("verified", Histogram::default()),
                ("rejected", Histogram::default()),
                ("malformed", Histogram::default()),
            ]),
        });
        let _ = this.set(Arc::downgrade(&service));
        Ok(service)
    }

    /// One line on what the service does.
    fn describe(&self) -> String {
        let pids = |s: &Supervised| format!("{} pid {}", s.name(), s.pid().unwrap_or(0));
        match &self.prover {
            Some(p) => format!(
                "proving and verifying {} ({}, {})",
                self.circuit,
                pids(p),
                pids(&self.verifier)
            ),
            None => format!(
                "verify-only for {} ({}; no prover process)",
                self.circuit,
                pids(&self.verifier)
            ),
        }
    }

    /// This process and its children, as `/healthz` and `/metrics` show them.
    fn processes(&self) -> Vec<ProcessSample> {
        let this = ProcessSample {
            name: "api",
            pid: Some(std::process::id()),
            restarts: 0,
        };
        let children = self.prover.iter().chain([&self.verifier]);
        [this]
            .into_iter()
            .chain(children.map(|p| ProcessSample {
                name: p.name(),
                pid: p.pid(),
                restarts: p.restarts(),
            }))
            .collect()
    }

    /// Refuses a request without the service's bearer token.
    fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(token) = &self.token else {
            return Ok(());
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "this endpoint needs an `Authorization: Bearer TOKEN` header",
                )
            })?;
        // Compared without stopping at the first difference, so timing says nothing of the token.
        let same = given.len() == token.len()
            && given
                .bytes()
                .zip(token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong bearer token",
            ))
        }
    }

    /// Brings the open jobs' records up to date and takes the proofs of finished ones.
    fn poll(&self) {
        let Some(prover) = &self.prover else { return };
        if let Ok(ProverResponse::ShardTimes(times)) =
            prover.ask(&ProverRequest::TakeShardTimes, Duration::ZERO)
        {
            let mut h = locked(&self.shard_seconds);
            times.into_iter().for_each(|t| h.observe(t));
        }
        let open: Vec<String> = locked(&self.jobs)
            .iter()
            .filter(|(_, r)| r.is_open())
            .map(|(id, _)| id.clone())
            .collect();
        for id in open {
            let status = prover.ask(&ProverRequest::Status { job: id.clone() }, Duration::ZERO);
            // Not known there: a restarted prover process the job is being re-submitted to.
            let Ok(ProverResponse::Status(progress)) = status else {
                continue;
            };
            let (proof, failure) = match &progress.outcome {
                Some(Outcome::Complete) => {
                    match prover.ask(
                        &ProverRequest::TakeProof { job: id.clone() },
                        Duration::ZERO,
                    ) {
                        Ok(ProverResponse::Proof(bytes)) => (Some(Arc::new(bytes)), None),
                        _ => (None, None),
                    }
                }
                Some(Outcome::Failed(reason)) => (None, Some(reason.clone())),
                None => (None, None),
            };
            if let Some(record) = locked(&self.jobs).get_mut(&id) {
                if proof.is_some() || failure.is_some() {
                    record.took = Some(record.submitted.elapsed());
                }
                record.progress = progress;
                record.proof = proof;
                record.failure = failure;
            }
        }
    }

    /// Hands the open jobs to a restarted prover process (its in-process store started empty;
    /// a cluster's store still has them, and re-submitting a job there changes nothing).
    fn resubmit(&self) {
        let Some(prover) = &self.prover else { return };
        let open: Vec<(String, ProverRequest)> = locked(&self.jobs)
            .iter()
            .filter(|(_, r)| r.is_open())
            .map(|(id, r)| {
                let request = ProverRequest::Submit {
                    steps: r.steps,
                    shards: r.shards,
                    z0: r.z0.clone(),
                };
                (id.clone(), request)
            })
            .collect();
        for (id, request) in open {
            match prover.ask::<_, ProverResponse>(&request, RESTART_WAIT) {
                Ok(ProverResponse::Submitted(_)) => {
                    eprintln!("serve: job {id} handed to the new prover process")
                }
                other => eprintln!("serve: job {id} could not be handed over again: {other:?}"),
            }
        }
    }

    fn observe_verify(&self, outcome: &str, seconds: f64) {
        if let Some((_, h)) = locked(&self.verify_seconds)
            .iter_mut()
            .find(|(o, _)| *o == outcome)
        {
            h.observe(seconds);
        }
    }
}

/// An error answer: a status and a message saying what was wrong.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "error": self.message }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        Self::new(rejection.status(), rejection.body_text())
    }
}

impl From<BadRequest> for ApiError {
    fn from(e: BadRequest) -> Self {
        Self::bad(e.to_string())
    }
}

impl From<ChildError> for ApiError {
    fn from(e: ChildError) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
    }
}

/// Runs a blocking call (a child's answer) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {e}"),
        )
    })?
}

fn state_json(state: &State) -> Value {
    Value::Array(
        state
            .0
            .iter()
            .map(|x| Value::String(format_field(x)))
            .collect(),
    )
}

async fn submit_job(
    HttpState(service): HttpState<Arc<Service>>,
    headers: HeaderMap,
    body: Result<JsonBody<JobBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Some(prover) = service.prover.clone() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this service was started with --verify-only: it verifies proofs but takes no jobs",
        ));
    };
    service.authorize(&headers)?;
    let JsonBody(body) = body?;
    let kind: CircuitKind = body
        .circuit
        .parse()
        .map_err(|e| ApiError::bad(format!("circuit: {e}")))?;
    let asked = kind.with_size(body.size.unwrap_or(service.circuit.size()));
    if asked != service.circuit {
        return Err(ApiError::unprocessable(format!(
            "this service's keys are for {}; it cannot prove {asked}",
            service.circuit
        )));
    }
    if body.steps == 0 || body.steps > service.max_steps {
        return Err(ApiError::unprocessable(format!(
            "steps must be from 1 to {} (this service's --max-steps), not {}",
            service.max_steps, body.steps
        )));
    }
    if body.shards > service.max_shards {
        return Err(ApiError::unprocessable(format!(
            "shards must be at most {} (this service's --max-shards), not {}",
            service.max_shards, body.shards
        )));
    }
    let plan = ShardPlan::new(body.steps, body.shards)
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let z0 = match &body.z0 {
        Some(values) => service.parse_state("z0", values)?,
        None => State(service.circuit.default_z0()),
    };
    let id = job_spec(&service.vk, &plan, &z0.0).id().0;
    let known = locked(&service.jobs).contains_key(&id);
    if !known {
        let request = ProverRequest::Submit {
            steps: body.steps,
            shards: body.shards,
            z0: z0.clone(),
        };
        let answer = blocking(move || Ok(prover.ask(&request, RESTART_WAIT)?)).await?;
        match answer {
            ProverResponse::Submitted(made) if made == id => {}
            other => {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the prover process did not take the job: {other:?}"),
                ));
            }
        }
        let submitted_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        locked(&service.jobs)
            .entry(id.clone())
            .or_insert_with(|| JobRecord {
                steps: body.steps,
                shards: body.shards,
                z0,
                submitted_at,
                submitted: Instant::now(),
                progress: JobProgress {
                    shards: Vec::new(),
                    outcome: None,
                },
                proof: None,
                failure: None,
                took: None,
            });
    }
    let location = format!("/v1/jobs/{id}");
    let mut response = (
        StatusCode::ACCEPTED,
        Json(json!({
            "id": id,
            "new": !known,
            "status_url": location,
            "proof_url": format!("{location}/proof"),
        })),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

fn no_jobs_here(service: &Service, id: &str) -> ApiError {
    if service.prover.is_none() {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "this service was started with --verify-only: it has no jobs",
        )
    } else {
        ApiError::new(StatusCode::NOT_FOUND, format!("no job {id}"))
    }
}

/// `GET /v1/jobs/{id}`.
async fn job_status(
    HttpState(service): HttpState<Arc<Service>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let jobs = locked(&service.jobs);
    let record = jobs.get(&id).ok_or_else(|| no_jobs_here(&service, &id))?;
    let shard = |i: usize, s: &ShardProgress| json!({ "shard": i, "state": s.state, "worker": s.worker, "attempts": s.attempts });
    let mut body = json!({
        "id": id,
        "circuit": service.circuit.to_string(),
        "steps": record.steps,
        "shards": record.shards,
        "z0": state_json(&record.z0),
        "state": record.state(),
        "shards_done": record.shards_done(),
        "shard_states": record.progress.shards.iter().enumerate().map(|(i, s)| shard(i, s)).collect::<Vec<_>>(),
        "submitted_at": record.submitted_at,
    });
    if let Some(took) = record.took {
        body["seconds"] = json!(took.as_secs_f64());
    }
    if let Some(reason) = &record.failure {
        body["error"] = json!(reason);
    }
    if record.proof.is_some() {
        body["proof_url"] = json!(format!("/v1/jobs/{id}/proof"));
    }
    Ok(Json(body))
}

/// `GET /v1/jobs/{id}/proof`: the sharded proof file, once the job is complete.
async fn job_proof(
    HttpState(service): HttpState<Arc<Service>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let jobs = locked(&service.jobs);
    let record = jobs.get(&id).ok_or_else(|| no_jobs_here(&service, &id))?;
    if let Some(reason) = &record.failure {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("job {id} failed: {reason}"),
        ));
    }
    let Some(proof) = &record.proof else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "job {id} is not complete: {} of {} shards done",
                record.shards_done(),
                record.shards
            ),
        ));
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

async fn verify_proof(
    HttpState(service): HttpState<Arc<Service>>,
    body: Result<JsonBody<VerifyBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let JsonBody(body) = body?;
    let proof = body.proof_bytes()?;
    let z0 = service.parse_state("z0", &body.z0)?;
    let request = VerifyRequest {
        proof,
        z0,
        steps: body.steps,
    };
    let verifier = service.verifier.clone();
    let started = Instant::now();
    let answer =
        blocking(move || Ok(verifier.ask::<_, VerifyResponse>(&request, RESTART_WAIT)?)).await?;
    let seconds = started.elapsed().as_secs_f64();
    let (outcome, status, body) = match answer {
        Ok(v) => (
            "verified",
            StatusCode::OK,
            json!({
                "verified": true,
                "circuit": service.circuit.to_string(),
                "steps": body.steps,
                "proof": v.kind,
                "shards": v.shards,
                "z_final": state_json(&v.z_final),
                "seconds": seconds,
            }),
        ),
        Err(VerifyFailure::Malformed(reason)) => (
            "malformed",
            StatusCode::BAD_REQUEST,
            json!({ "verified": false, "error": format!("not a proof this service can read: {reason}") }),
        ),
        Err(VerifyFailure::Rejected(reason)) => (
            "rejected",
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "verified": false, "error": format!("the proof does not verify: {reason}") }),
        ),
    };
    service.observe_verify(outcome, seconds);
    Ok((status, Json(body)).into_response())
}

/// `GET /healthz`: 200 when every process runs, 503 while one is being restarted.
async fn health(HttpState(service): HttpState<Arc<Service>>) -> Response {
    let processes = service.processes();
    let up = processes.iter().all(|p| p.pid.is_some());
    let processes: Vec<Value> = processes
        .iter()
        .map(|p| json!({ "name": p.name, "pid": p.pid, "up": p.pid.is_some(), "restarts": p.restarts }))
        .collect();
    let status = if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if up { "ok" } else { "restarting" },
        "mode": if service.prover.is_some() { "prove" } else { "verify-only" },
        "circuit": service.circuit.to_string(),
        "processes": processes,
    });
    (status, Json(body)).into_response()
}

/// `GET /metrics`: Prometheus text format.
async fn metrics(HttpState(service): HttpState<Arc<Service>>) -> Response {
    let mut jobs = vec![
        ("queued", 0),
        ("proving", 0),
        ("complete", 0),
        ("failed", 0),
    ];
    for record in locked(&service.jobs).values() {
        if let Some((_, n)) = jobs.iter_mut().find(|(s, _)| *s == record.state()) {
            *n += 1;
        }
    }
    let shard_seconds = locked(&service.shard_seconds).clone();
    let verify_seconds = locked(&service.verify_seconds).clone();
    let processes = service.processes();
    let proving = service.prover.is_some();
    let text = Snapshot {
        jobs: if proving { jobs } else { Vec::new() },
        shard_seconds: proving.then_some(&shard_seconds),
        verify_seconds: verify_seconds.iter().map(|(o, h)| (*o, h)).collect(),
        processes,
    }
    .render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

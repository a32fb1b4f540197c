//! `GET /healthz` and `GET /metrics`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as HttpState;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::state::{JobState, Service, VERIFY_OUTCOMES};
use crate::locked;
use crate::metrics::Snapshot;

/// The answer to `GET /healthz`.
#[derive(Serialize)]
struct Health {
    status: &'static str,
    mode: &'static str,
    circuit: String,
    processes: Vec<ProcessView>,
}

/// One process in [`Health`].
#[derive(Serialize)]
struct ProcessView {
    name: &'static str,
    pid: Option<u32>,
    up: bool,
    restarts: u64,
}

/// `GET /healthz`: 200 when every process runs, 503 while one is being restarted.
pub async fn health(HttpState(service): HttpState<Arc<Service>>) -> Response {
    let processes: Vec<ProcessView> = service
        .processes()
        .into_iter()
        .map(|p| ProcessView {
            name: p.name,
            pid: p.pid,
            up: p.pid.is_some(),
            restarts: p.restarts,
        })
        .collect();
    let up = processes.iter().all(|p| p.up);
    let status = if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        status: if up { "ok" } else { "restarting" },
        mode: if service.prover.is_some() {
            "prove"
        } else {
            "verify-only"
        },
        circuit: service.circuit.to_string(),
        processes,
    };
    (status, Json(body)).into_response()
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(HttpState(service): HttpState<Arc<Service>>) -> Response {
    let mut jobs: Vec<(&'static str, usize)> =
        JobState::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for record in locked(&service.jobs).values() {
        if let Some((_, n)) = jobs.iter_mut().find(|(s, _)| *s == record.state().as_str()) {
            *n += 1;
        }
    }
    let shard_seconds = locked(&service.shard_seconds).clone();
    let verify_seconds = locked(&service.verify_seconds).clone();
    let proving = service.prover.is_some();
    let text = Snapshot {
        jobs: if proving { jobs } else { Vec::new() },
        shard_seconds: proving.then_some(&shard_seconds),
        verify_seconds: VERIFY_OUTCOMES
            .iter()
            .copied()
            .zip(&verify_seconds)
            .collect(),
        processes: service.processes(),
    }
    .render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

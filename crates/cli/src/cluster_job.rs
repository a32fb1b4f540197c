//! Waiting for a cluster's job with a progress bar: shared by `prove --cluster` and `cluster
//! fetch`.

use std::time::{Duration, Instant};

use origami_arith::DefaultCycle;
use origami_cluster::{
    ClusterError, JobEvent, JobStatus, PgStore, ProvenJob, ShardJob, TaskState, TaskStore, Watch,
    await_job,
};
use origami_keys::Verifier;

use crate::report;

/// How often the submitting side looks for uploaded proofs.
const POLL: Duration = Duration::from_millis(250);

/// Waits for `job`'s shards (or, without `wait`, takes what is there), checking every uploaded
/// proof before accepting it, and returns the sharded proof verified as the job's statement.
pub fn wait(
    store: &PgStore,
    job: &ShardJob<DefaultCycle>,
    verifier: &Verifier,
    wait: bool,
) -> anyhow::Result<ProvenJob<DefaultCycle>> {
    let id = job.id();
    let status = store.status(&id)?;
    let bar = report::progress_bar(status.tasks.len() as u64, "shards", "proving");
    bar.set_position(status.done() as u64);
    // Progress lines that cannot be printed are dropped; the result lines report the failure.
    let say = |line: String| {
        let _ = bar.suspend(|| outln!("{line}"));
    };
    let started = Instant::now();
    let incomplete = || {
        if wait {
            return None;
        }
        let status = store.status(&id).ok()?;
        Some(format!(
            "{} (run again later, or with --wait)",
            summary(&status)
        ))
    };
    let watch = Watch {
        poll: POLL,
        give_up: &incomplete,
    };
    let proven = await_job(store, job, verifier, &watch, &|event| match event {
        JobEvent::Accepted {
            upload,
            done,
            total,
        } => {
            bar.set_position(done as u64);
            say(format!(
                "shard {} proven by {} and checked ({done}/{total}, {})",
                upload.task.shard,
                upload.worker,
                report::duration(started.elapsed())
            ));
        }
        JobEvent::Rejected { upload, reason } => say(format!(
            "shard {} from {} refused, proving it again: {reason}",
            upload.task.shard, upload.worker
        )),
        JobEvent::Requeued(n) => say(format!(
            "{n} shard{} queued again: {} stopped renewing its lease",
            if n == 1 { "" } else { "s" },
            if n == 1 {
                "its worker"
            } else {
                "their workers"
            }
        )),
        JobEvent::StoreUnreachable(e) => say(format!("{e}; retrying")),
        JobEvent::Progress(_) => {}
    })
    .map_err(|e| match e {
        ClusterError::Abandoned(progress) => {
            anyhow::anyhow!("job {id} is not complete yet: {progress}")
        }
        e @ ClusterError::KeyMismatch { .. } => e.into(),
        e => anyhow::anyhow!("job {id}: {e}"),
    })?;
    bar.finish_and_clear();
    Ok(proven)
}

/// One line on a job: circuit, size, and where its shards stand.
pub fn summary(status: &JobStatus) -> String {
    let count = |f: fn(&TaskState) -> bool| status.tasks.iter().filter(|t| f(t)).count();
    let state = if let Some(reason) = &status.cancelled {
        format!("cancelled ({reason})")
    } else if let Some((shard, _)) = status.failure() {
        format!("failed (shard {shard} given up)")
    } else if status.is_complete() {
        "complete".to_string()
    } else {
        format!(
            "{} running, {} checking, {} queued",
            count(|t| matches!(t, TaskState::Running { .. })),
            count(|t| matches!(t, TaskState::Checking { .. })),
            count(|t| matches!(t, TaskState::Queued { .. })),
        )
    };
    format!(
        "{}, {} steps in {} shards: {}/{} done, {state}",
        status.spec.circuit,
        status.spec.steps,
        status.spec.shards,
        status.done(),
        status.tasks.len()
    )
}

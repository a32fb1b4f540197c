//! The in-process task store.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::store::{Claim, JobId, JobSpec, JobStatus, StoreError, TaskState, TaskStore, Upload};

/// Attempts at a task before it is given up, unless set otherwise.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// A [`TaskStore`] in the process's memory: the default, for shards proven by local threads.
#[derive(Debug)]
pub struct MemoryStore {
    jobs: Mutex<Vec<Job>>,
    max_attempts: u32,
}

#[derive(Debug)]
struct Job {
    id: JobId,
    spec: JobSpec,
    tasks: Vec<Task>,
    cancelled: Option<String>,
}

#[derive(Debug)]
struct Task {
    input: Vec<u8>,
    state: TaskState,
    /// Attempts started so far (a released one is not counted).
    attempts: u32,
    lease_until: Option<Instant>,
    uploads: Vec<Upload>,
    proof: Option<Vec<u8>>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_ATTEMPTS)
    }
}

impl MemoryStore {
    /// An empty store that gives a task up after `max_attempts` (at least one).
    pub fn new(max_attempts: u32) -> Self {
        Self {
            jobs: Mutex::new(Vec::new()),
            max_attempts: max_attempts.max(1),
        }
    }

    fn jobs(&self) -> MutexGuard<'_, Vec<Job>> {
        // A worker thread that panicked while holding the lock left the tasks consistent: every
        // update below is a single assignment after its checks.
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the job `id`, if it exists.
    fn with_job<R>(&self, id: &JobId, f: impl FnOnce(&Job) -> R) -> Result<R, StoreError> {
        let jobs = self.jobs();
        let job = jobs
            .iter()
            .find(|j| &j.id == id)
            .ok_or_else(|| StoreError::UnknownJob(id.clone()))?;
        Ok(f(job))
    }

    /// Runs `f` on the task a claim or upload names, if it exists.
    fn with_task<R>(
        &self,
        job: &JobId,
        shard: u32,
        f: impl FnOnce(&mut Task, u32) -> R,
    ) -> Result<R, StoreError> {
        let mut jobs = self.jobs();
        let task = jobs
            .iter_mut()
            .find(|j| &j.id == job)
            .and_then(|j| j.tasks.get_mut(shard as usize))
            .ok_or_else(|| StoreError::UnknownJob(job.clone()))?;
        Ok(f(task, self.max_attempts))
    }
}

impl Task {
    /// Sends the task back to the queue after a failed attempt, or gives it up.
    fn retry_or_fail(&mut self, max_attempts: u32, reason: &str) {
        self.lease_until = None;
        self.state = if self.attempts >= max_attempts {
            TaskState::Failed {
                reason: format!("{} attempts; the last: {reason}", self.attempts),
            }
        } else {
            TaskState::Queued {
                attempts: self.attempts,
            }
        };
    }

    fn is_running(&self, claim: &Claim) -> bool {
        matches!(&self.state, TaskState::Running { worker, attempt }
            if *attempt == claim.attempt && *worker == claim.worker)
    }
}

impl TaskStore for MemoryStore {
    fn submit(&self, spec: &JobSpec, inputs: &[Vec<u8>]) -> Result<JobId, StoreError> {
        let id = spec.id_for(inputs)?;
        let mut jobs = self.jobs();
        if !jobs.iter().any(|j| j.id == id) {
            jobs.push(Job {
                id: id.clone(),
                spec: spec.clone(),
                tasks: inputs
                    .iter()
                    .map(|input| Task {
                        input: input.clone(),
                        state: TaskState::Queued { attempts: 0 },
                        attempts: 0,
                        lease_until: None,
                        uploads: Vec::new(),
                        proof: None,
                    })
                    .collect(),
                cancelled: None,
            });
        }
        Ok(id)
    }

    fn claim(
        &self,
        worker: &str,
        lease: Duration,
        params: &[[u8; 32]],
    ) -> Result<Option<Claim>, StoreError> {
        let mut jobs = self.jobs();
        for job in jobs
            .iter_mut()
            .filter(|j| params.contains(&j.spec.verifier_key))
        {
            for (shard, task) in job.tasks.iter_mut().enumerate() {
                if matches!(task.state, TaskState::Queued { .. }) {
                    task.attempts += 1;
                    task.state = TaskState::Running {
                        worker: worker.to_string(),
                        attempt: task.attempts,
                    };
                    task.lease_until = Some(Instant::now() + lease);
                    return Ok(Some(Claim {
                        task: crate::TaskId {
                            job: job.id.clone(),
                            shard: shard as u32,
                        },
                        attempt: task.attempts,
                        worker: worker.to_string(),
                        verifier_key: job.spec.verifier_key,
                        input: task.input.clone(),
                    }));
                }
            }
        }
        Ok(None)
    }

    fn renew(&self, claim: &Claim, lease: Duration) -> Result<bool, StoreError> {
        self.with_task(&claim.task.job, claim.task.shard, |task, _| {
            let held = task.is_running(claim);
            if held {
                task.lease_until = Some(Instant::now() + lease);
            }
            held
        })
    }

    fn upload(&self, claim: &Claim, proof: Vec<u8>) -> Result<(), StoreError> {
        self.with_task(&claim.task.job, claim.task.shard, |task, _| {
            if task.state.stage().is_over() {
                return;
            }
            if task.is_running(claim) {
                task.state = TaskState::Checking {
                    attempt: claim.attempt,
                };
                task.lease_until = None;
            }
            // A lapsed claim's proof is still checked: the first valid one wins.
            task.uploads.push(Upload {
                task: claim.task.clone(),
                attempt: claim.attempt,
                worker: claim.worker.clone(),
                proof,
            });
        })
    }

    fn release(&self, claim: &Claim) -> Result<(), StoreError> {
        self.with_task(&claim.task.job, claim.task.shard, |task, _| {
            if task.is_running(claim) {
                task.attempts -= 1;
                task.lease_until = None;
                task.state = TaskState::Queued {
                    attempts: task.attempts,
                };
            }
        })
    }

    fn fail(&self, claim: &Claim, reason: &str) -> Result<(), StoreError> {
        self.with_task(&claim.task.job, claim.task.shard, |task, max| {
            if task.is_running(claim) {
                task.retry_or_fail(max, reason);
            }
        })
    }

    fn reap(&self) -> Result<usize, StoreError> {
        let now = Instant::now();
        let mut reaped = 0;
        for job in self.jobs().iter_mut() {
            for task in &mut job.tasks {
                if let (TaskState::Running { worker, .. }, Some(until)) =
                    (&task.state, task.lease_until)
                    && until < now
                {
                    let reason = format!("the lease of worker {worker} lapsed");
                    task.retry_or_fail(self.max_attempts, &reason);
                    reaped += 1;
                }
            }
        }
        Ok(reaped)
    }

    fn uploads(&self, job: &JobId) -> Result<Vec<Upload>, StoreError> {
        self.with_job(job, |j| {
            j.tasks
                .iter()
                .flat_map(|t| t.uploads.iter().cloned())
                .collect()
        })
    }

    fn accept(&self, upload: &Upload) -> Result<(), StoreError> {
        self.with_task(&upload.task.job, upload.task.shard, |task, _| {
            if !matches!(task.state, TaskState::Done { .. }) {
                task.state = TaskState::Done {
                    worker: upload.worker.clone(),
                };
                task.lease_until = None;
                task.proof = Some(upload.proof.clone());
            }
            // First valid completion wins: nothing else uploaded for the task matters now.
            task.uploads.clear();
        })
    }

    fn reject(&self, upload: &Upload, reason: &str) -> Result<(), StoreError> {
        self.with_task(&upload.task.job, upload.task.shard, |task, max| {
            task.uploads
                .retain(|u| !(u.attempt == upload.attempt && u.worker == upload.worker));
            if task.state
                == (TaskState::Checking {
                    attempt: upload.attempt,
                })
            {
                task.retry_or_fail(max, reason);
            }
        })
    }

    fn jobs(&self) -> Result<Vec<JobId>, StoreError> {
        Ok(self.jobs().iter().map(|j| j.id.clone()).collect())
    }

    fn inputs(&self, job: &JobId) -> Result<Vec<Vec<u8>>, StoreError> {
        self.with_job(job, |j| j.tasks.iter().map(|t| t.input.clone()).collect())
    }

    fn status(&self, job: &JobId) -> Result<JobStatus, StoreError> {
        self.with_job(job, |j| JobStatus {
            spec: j.spec.clone(),
            tasks: j.tasks.iter().map(|t| t.state.clone()).collect(),
            cancelled: j.cancelled.clone(),
        })
    }

    fn proofs(&self, job: &JobId) -> Result<Vec<Vec<u8>>, StoreError> {
        self.with_job(job, |j| {
            j.tasks
                .iter()
                .map(|t| t.proof.clone())
                .collect::<Option<Vec<_>>>()
        })?
        .ok_or_else(|| StoreError::Incomplete(job.clone()))
    }

    fn cancel(&self, id: &JobId, reason: &str) -> Result<usize, StoreError> {
        let mut jobs = self.jobs();
        let job = jobs
            .iter_mut()
            .find(|j| &j.id == id)
            .ok_or_else(|| StoreError::UnknownJob(id.clone()))?;
        // Cancelled already, or over (complete or failed): nothing to stop.
        if job.cancelled.is_some() || job.tasks.iter().all(|t| t.state.stage().is_over()) {
            return Ok(0);
        }
        job.cancelled = Some(reason.to_string());
        let mut stopped = 0;
        for task in &mut job.tasks {
            task.uploads.clear();
            if !task.state.stage().is_over() {
                task.lease_until = None;
                task.state = TaskState::Failed {
                    reason: format!("cancelled: {reason}"),
                };
                stopped += 1;
            }
        }
        Ok(stopped)
    }
}

//! The PostgreSQL task store: jobs, tasks and proofs in a database that the submitting side and
//! any number of worker processes share.
//!
//! Workers claim tasks with `FOR UPDATE SKIP LOCKED`, so concurrent claims never block each other
//! or take the same task. Leases are kept in database time, so the machines' clocks do not matter.
//! Every state change of a task is one statement or one transaction holding the task's row lock.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, Postgres, Row, Transaction};
use tokio::runtime::Runtime;

use crate::memory::DEFAULT_MAX_ATTEMPTS;
use crate::store::{
    Claim, JobId, JobSpec, JobStatus, StoreError, TaskId, TaskStage, TaskState, TaskStore, Upload,
};

/// The schema, one migration per version; `init` applies those a database lacks.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "jobs, tasks, uploads",
        include_str!("../migrations/0001_jobs_tasks_uploads.sql"),
    ),
    (
        2,
        "jobs name their verifier key",
        include_str!("../migrations/0002_verifier_key.sql"),
    ),
    (
        3,
        "jobs can be cancelled",
        include_str!("../migrations/0003_cancel.sql"),
    ),
    (
        4,
        "jobs cover their input",
        include_str!("../migrations/0004_inputs.sql"),
    ),
];

/// Serialises concurrent `init`s (an arbitrary constant, the key of an advisory lock).
const MIGRATION_LOCK: i64 = 0x6f72_6967_616d_6931;

/// Connections per process: a worker needs two (its claims and its heartbeat), a submitter one.
const POOL_SIZE: u32 = 4;

/// A [`TaskStore`] in a PostgreSQL database.
///
/// The trait is synchronous; the store owns a small tokio runtime that runs its queries, so
/// callers need no async runtime of their own.
pub struct PgStore {
    runtime: Runtime,
    pool: PgPool,
    max_attempts: u32,
    /// Where the database is, without credentials, for messages.
    place: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("place", &self.place)
            .finish_non_exhaustive()
    }
}

/// Maps a database error: connection trouble and a full disk are transient, anything else is
/// not.
fn db_error(e: sqlx::Error) -> StoreError {
    // 53100: disk_full (a table or its TOAST could not be extended; a proof upload, say).
    if let sqlx::Error::Database(d) = &e
        && d.code().is_some_and(|c| c == "53100")
    {
        return StoreError::Full(d.message().to_string());
    }
    let transient = match &e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // Class 08: connection exceptions; 57P01-57P03: the server shutting down or starting.
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    };
    if transient {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Backend(e.to_string())
    }
}

fn attempt_of(row: &PgRow) -> Result<u32, StoreError> {
    let attempt: Option<i32> = row.try_get("attempt").map_err(db_error)?;
    Ok(attempt.unwrap_or(0) as u32)
}

/// A task row's state as the trait names it.
fn task_state(row: &PgRow) -> Result<TaskState, StoreError> {
    let state: String = row.try_get("state").map_err(db_error)?;
    let worker: Option<String> = row.try_get("worker").map_err(db_error)?;
    let reason: Option<String> = row.try_get("reason").map_err(db_error)?;
    let attempts: i32 = row.try_get("attempts").map_err(db_error)?;
    Ok(match state.parse::<TaskStage>()? {
        TaskStage::Queued => TaskState::Queued {
            attempts: attempts as u32,
        },
        TaskStage::Running => TaskState::Running {
            worker: worker.unwrap_or_default(),
            attempt: attempt_of(row)?,
        },
        TaskStage::Checking => TaskState::Checking {
            attempt: attempt_of(row)?,
        },
        TaskStage::Done => TaskState::Done {
            worker: worker.unwrap_or_default(),
        },
        TaskStage::Failed => TaskState::Failed {
            reason: reason.unwrap_or_default(),
        },
    })
}

/// The SQL that sends a task whose attempt failed back to the queue, or gives it up; `$reason`
/// is the failure. Used by `fail`, `reject` and the reaper alike.
const RETRY_OR_FAIL: &str = "
    state = CASE WHEN t.attempts >= j.max_attempts THEN @failed ELSE @queued END,
    reason = CASE WHEN t.attempts >= j.max_attempts
                  THEN t.attempts || ' attempts; the last: ' || {reason}
                  ELSE {reason} END,
    worker = NULL, attempt = NULL, lease_until = NULL, updated_at = now()";

fn retry_or_fail(reason: &str) -> String {
    RETRY_OR_FAIL.replace("{reason}", reason)
}

/// `text` with each `@stage` (`@queued`, `@running`, …) written as the SQL literal of that
/// [`TaskStage`]: the stages' names live in [`TaskStage::as_str`] alone.
fn sql(text: &str) -> String {
    TaskStage::ALL.iter().fold(text.to_string(), |text, stage| {
        text.replace(&format!("@{stage}"), &format!("'{stage}'"))
    })
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`) and checks
    /// that its schema is the one this build knows (see [`init`](Self::init)).
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let store = Self::open(url)?;
        let (have, want) = store.schema_versions()?;
        if have != want {
            return Err(StoreError::Schema(if have == 0 {
                format!(
                    "{} has no Origami tables; run `origami cluster init --db URL` first",
                    store.place
                )
            } else {
                format!(
                    "{} has schema version {have}, this build knows version {want}; run `origami cluster init --db URL` with the newer of the two",
                    store.place
                )
            }));
        }
        Ok(store)
    }

    /// Connects to the database at `url`, creating the database if the server has none of that
    /// name, and creates or upgrades the schema (idempotent; safe to run from several processes
    /// at once). Returns the store and what it did.
    pub fn init(url: &str) -> Result<(Self, Vec<String>), StoreError> {
        let mut done = Vec::new();
        let store = match Self::open(url) {
            Err(StoreError::MissingDatabase(name)) => {
                Self::create_database(url, &name)?;
                done.push(format!("created database {name}"));
                Self::open(url)?
            }
            other => other?,
        };
        let applied = store.runtime.block_on(async {
            let mut tx = store.pool.begin().await.map_err(db_error)?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS origami_migrations (
                     version    integer PRIMARY KEY,
                     name       text NOT NULL,
                     applied_at timestamptz NOT NULL DEFAULT now())",
            )
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            let have: Vec<i32> = sqlx::query_scalar("SELECT version FROM origami_migrations")
                .fetch_all(&mut *tx)
                .await
                .map_err(db_error)?;
            let newest = MIGRATIONS.last().map_or(0, |m| m.0);
            if let Some(v) = have.iter().find(|v| **v > newest) {
                return Err(StoreError::Schema(format!(
                    "{} has schema version {v}, newer than this build's {newest}",
                    store.place
                )));
            }
            let mut applied = Vec::new();
            for (version, name, sql) in MIGRATIONS {
                if have.contains(version) {
                    continue;
                }
                sqlx::raw_sql(sql)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                sqlx::query("INSERT INTO origami_migrations (version, name) VALUES ($1, $2)")
                    .bind(version)
                    .bind(name)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                applied.push(format!("{version}: {name}"));
            }
            tx.commit().await.map_err(db_error)?;
            Ok(applied)
        })?;
        done.extend(applied);
        Ok((store, done))
    }

    /// Creates database `name` on the server `url` names, connecting to its `postgres` database.
    fn create_database(url: &str, name: &str) -> Result<(), StoreError> {
        let options = Self::options(url)?.database("postgres");
        let runtime = Self::runtime()?;
        runtime.block_on(async {
            let mut conn = options.connect().await.map_err(db_error)?;
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            let created = sqlx::raw_sql(&format!("CREATE DATABASE {quoted}"))
                .execute(&mut conn)
                .await;
            match created {
                // 42P04: created meanwhile by another `init`.
                Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("42P04") => Ok(()),
                other => other.map(|_| ()).map_err(db_error),
            }
        })
    }

    /// Gives a task up after `max_attempts` attempts (at least one) in jobs this store submits.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Where the database is: host, port and database name, without credentials.
    pub fn place(&self) -> &str {
        &self.place
    }

    fn options(url: &str) -> Result<PgConnectOptions, StoreError> {
        let refused = |why: String| {
            StoreError::Backend(format!(
                "{url:?} is not a PostgreSQL URL ({why}); expected postgres://user@host:port/database"
            ))
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(refused("it must start with postgres://".into()));
        }
        url.parse().map_err(|e: sqlx::Error| refused(e.to_string()))
    }

    fn runtime() -> Result<Runtime, StoreError> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("origami-pg")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Backend(format!("starting the database runtime: {e}")))
    }

    fn open(url: &str) -> Result<Self, StoreError> {
        let options = Self::options(url)?;
        let database = options.get_database().unwrap_or("").to_string();
        let place = format!(
            "postgres://{}:{}/{database}",
            options.get_host(),
            options.get_port(),
        );
        let runtime = Self::runtime()?;
        let pool = runtime
            .block_on(
                PgPoolOptions::new()
                    .max_connections(POOL_SIZE)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options),
            )
            .map_err(|e| match e {
                // 3D000: invalid_catalog_name, the database does not exist.
                sqlx::Error::Database(d) if d.code().as_deref() == Some("3D000") => {
                    StoreError::MissingDatabase(database.clone())
                }
                e => match db_error(e) {
                    StoreError::Unavailable(m) | StoreError::Backend(m) => {
                        StoreError::Unavailable(format!("cannot connect to {place}: {m}"))
                    }
                    other => other,
                },
            })?;
        Ok(Self {
            runtime,
            pool,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            place,
        })
    }

    /// The schema version the database has (0: none) and the one this build knows.
    fn schema_versions(&self) -> Result<(i32, i32), StoreError> {
        let have = self.runtime.block_on(async {
            let exists: bool =
                sqlx::query_scalar("SELECT to_regclass('origami_migrations') IS NOT NULL")
                    .fetch_one(&self.pool)
                    .await?;
            if !exists {
                return Ok(0);
            }
            sqlx::query_scalar::<_, Option<i32>>("SELECT max(version) FROM origami_migrations")
                .fetch_one(&self.pool)
                .await
                .map(|v| v.unwrap_or(0))
        });
        Ok((
            have.map_err(db_error)?,
            MIGRATIONS.last().map_or(0, |m| m.0),
        ))
    }

    /// Runs one query's future on the store's runtime.
    fn run<T>(&self, query: impl Future<Output = Result<T, sqlx::Error>>) -> Result<T, StoreError> {
        self.runtime.block_on(query).map_err(db_error)
    }

    /// `UnknownJob` unless the task exists: for updates that matched no row.
    fn ensure_task(&self, task: &TaskId) -> Result<(), StoreError> {
        let found = self.run(
            sqlx::query("SELECT 1 FROM origami_tasks WHERE job = $1 AND shard = $2")
                .bind(&task.job.0)
                .bind(task.shard as i32)
                .fetch_optional(&self.pool),
        )?;
        found
            .map(|_| ())
            .ok_or_else(|| StoreError::UnknownJob(task.job.clone()))
    }

    /// Runs an update of the task a claim or upload names; `UnknownJob` if there is no such task.
    /// Returns whether a row changed.
    fn update_task(
        &self,
        task: &TaskId,
        query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<bool, StoreError> {
        let changed = self.run(query.execute(&self.pool))?.rows_affected() > 0;
        if !changed {
            self.ensure_task(task)?;
        }
        Ok(changed)
    }

    fn ensure_job(&self, job: &JobId) -> Result<(), StoreError> {
        let found = self.run(
            sqlx::query("SELECT 1 FROM origami_jobs WHERE id = $1")
                .bind(&job.0)
                .fetch_optional(&self.pool),
        )?;
        found
            .map(|_| ())
            .ok_or_else(|| StoreError::UnknownJob(job.clone()))
    }
}

/// `UnknownJob` when a transaction found no row for `task`.
fn found_or_unknown(found: bool, task: &TaskId) -> Result<(), StoreError> {
    if found {
        Ok(())
    } else {
        Err(StoreError::UnknownJob(task.job.clone()))
    }
}

/// Locks the task row, for the changes that read it first.
async fn lock_task(
    tx: &mut Transaction<'_, Postgres>,
    task: &TaskId,
) -> Result<Option<PgRow>, sqlx::Error> {
    sqlx::query(
        "SELECT state, worker, attempt FROM origami_tasks
         WHERE job = $1 AND shard = $2 FOR UPDATE",
    )
    .bind(&task.job.0)
    .bind(task.shard as i32)
    .fetch_optional(&mut **tx)
    .await
}

impl TaskStore for PgStore {
    fn submit(&self, spec: &JobSpec, inputs: &[Vec<u8>]) -> Result<JobId, StoreError> {
        let id = spec.id_for(inputs)?;
        self.run(async {
            let mut tx = self.pool.begin().await?;
            // The job id is the primary key: a second submission inserts nothing, and neither
            // does a concurrent one (it waits for this transaction, then finds the row).
            let inserted = sqlx::query(
                "INSERT INTO origami_jobs
                     (id, circuit, verifier_key, steps, shards, z0, max_attempts, input_len,
                      input_digest)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(&id.0)
            .bind(&spec.circuit)
            .bind(&spec.verifier_key[..])
            .bind(spec.steps as i64)
            .bind(spec.shards as i32)
            .bind(&spec.z0)
            .bind(self.max_attempts as i32)
            .bind(spec.input_len as i64)
            .bind(&spec.input_digest[..])
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                let shards: Vec<i32> = (0..spec.shards as i32).collect();
                sqlx::query(
                    "INSERT INTO origami_tasks (job, shard, input)
                     SELECT $1, shard, input FROM unnest($2::int4[], $3::bytea[]) AS t(shard, input)",
                )
                .bind(&id.0)
                .bind(&shards)
                .bind(inputs)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        })?;
        Ok(id)
    }

    fn claim(
        &self,
        worker: &str,
        lease: Duration,
        params: &[[u8; 32]],
    ) -> Result<Option<Claim>, StoreError> {
        let params: Vec<&[u8]> = params.iter().map(|p| &p[..]).collect();
        let row = self.run(
            sqlx::query(&sql("WITH next AS (
                     SELECT t.job, t.shard FROM origami_tasks t
                     JOIN origami_jobs j ON j.id = t.job
                     WHERE t.state = @queued AND j.verifier_key = ANY($3)
                     ORDER BY j.seq, t.shard
                     LIMIT 1
                     FOR UPDATE OF t SKIP LOCKED)
                 UPDATE origami_tasks t
                 SET state = @running, attempts = t.attempts + 1, attempt = t.attempts + 1,
                     worker = $1, lease_until = now() + make_interval(secs => $2),
                     updated_at = now()
                 FROM next, origami_jobs j
                 WHERE t.job = next.job AND t.shard = next.shard AND j.id = t.job
                 RETURNING t.job, t.shard, t.attempt, t.input, j.verifier_key"))
            .bind(worker)
            .bind(lease.as_secs_f64())
            .bind(&params)
            .fetch_optional(&self.pool),
        )?;
        let Some(row) = row else { return Ok(None) };
        let get = |e| db_error(e);
        let digest: Vec<u8> = row.try_get("verifier_key").map_err(get)?;
        Ok(Some(Claim {
            task: TaskId {
                job: JobId(row.try_get("job").map_err(get)?),
                shard: row.try_get::<i32, _>("shard").map_err(get)? as u32,
            },
            attempt: attempt_of(&row)?,
            worker: worker.to_string(),
            verifier_key: digest
                .try_into()
                .map_err(|_| StoreError::Backend("a parameters digest is not 32 bytes".into()))?,
            input: row.try_get("input").map_err(get)?,
        }))
    }

    fn renew(&self, claim: &Claim, lease: Duration) -> Result<bool, StoreError> {
        self.update_task(
            &claim.task,
            sqlx::query(&sql("UPDATE origami_tasks
                 SET lease_until = now() + make_interval(secs => $5), updated_at = now()
                 WHERE job = $1 AND shard = $2 AND state = @running
                   AND worker = $3 AND attempt = $4"))
            .bind(&claim.task.job.0)
            .bind(claim.task.shard as i32)
            .bind(&claim.worker)
            .bind(claim.attempt as i32)
            .bind(lease.as_secs_f64()),
        )
    }

    fn upload(&self, claim: &Claim, proof: Vec<u8>) -> Result<(), StoreError> {
        let found = self.run(async {
            let mut tx = self.pool.begin().await?;
            let Some(row) = lock_task(&mut tx, &claim.task).await? else {
                return Ok(false);
            };
            let state: String = row.try_get("state")?;
            let stage = state.parse::<TaskStage>().ok();
            if stage.is_some_and(TaskStage::is_over) {
                return Ok(true);
            }
            let worker: Option<String> = row.try_get("worker")?;
            let attempt: Option<i32> = row.try_get("attempt")?;
            if stage == Some(TaskStage::Running)
                && worker.as_deref() == Some(claim.worker.as_str())
                && attempt == Some(claim.attempt as i32)
            {
                sqlx::query(&sql("UPDATE origami_tasks
                     SET state = @checking, lease_until = NULL, updated_at = now()
                     WHERE job = $1 AND shard = $2"))
                .bind(&claim.task.job.0)
                .bind(claim.task.shard as i32)
                .execute(&mut *tx)
                .await?;
            }
            // A lapsed claim's proof is still checked: the first valid one wins. An upload
            // retried after a lost acknowledgement changes nothing.
            sqlx::query(
                "INSERT INTO origami_uploads (job, shard, attempt, worker, proof)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(&claim.task.job.0)
            .bind(claim.task.shard as i32)
            .bind(claim.attempt as i32)
            .bind(&claim.worker)
            .bind(&proof)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        })?;
        found_or_unknown(found, &claim.task)
    }

    fn release(&self, claim: &Claim) -> Result<(), StoreError> {
        self.update_task(
            &claim.task,
            sqlx::query(&sql("UPDATE origami_tasks
                 SET state = @queued, attempts = attempts - 1, worker = NULL, attempt = NULL,
                     lease_until = NULL, updated_at = now()
                 WHERE job = $1 AND shard = $2 AND state = @running
                   AND worker = $3 AND attempt = $4"))
            .bind(&claim.task.job.0)
            .bind(claim.task.shard as i32)
            .bind(&claim.worker)
            .bind(claim.attempt as i32),
        )
        .map(|_| ())
    }

    fn fail(&self, claim: &Claim, reason: &str) -> Result<(), StoreError> {
        self.update_task(
            &claim.task,
            sqlx::query(&sql(&format!(
                "UPDATE origami_tasks t SET {}
                 FROM origami_jobs j
                 WHERE j.id = t.job AND t.job = $1 AND t.shard = $2 AND t.state = @running
                   AND t.worker = $3 AND t.attempt = $4",
                retry_or_fail("$5")
            )))
            .bind(&claim.task.job.0)
            .bind(claim.task.shard as i32)
            .bind(&claim.worker)
            .bind(claim.attempt as i32)
            .bind(reason),
        )
        .map(|_| ())
    }

    fn reap(&self) -> Result<usize, StoreError> {
        let reaped = self.run(
            sqlx::query(&sql(&format!(
                "UPDATE origami_tasks t SET {}
                 FROM origami_jobs j
                 WHERE j.id = t.job AND t.state = @running AND t.lease_until < now()",
                retry_or_fail("('the lease of worker ' || t.worker || ' lapsed')")
            )))
            .execute(&self.pool),
        )?;
        Ok(reaped.rows_affected() as usize)
    }

    fn uploads(&self, job: &JobId) -> Result<Vec<Upload>, StoreError> {
        self.ensure_job(job)?;
        let rows = self.run(
            sqlx::query(
                "SELECT shard, attempt, worker, proof FROM origami_uploads
                 WHERE job = $1 ORDER BY uploaded_at, shard",
            )
            .bind(&job.0)
            .fetch_all(&self.pool),
        )?;
        rows.iter()
            .map(|row| {
                Ok(Upload {
                    task: TaskId {
                        job: job.clone(),
                        shard: row.try_get::<i32, _>("shard")? as u32,
                    },
                    attempt: row.try_get::<i32, _>("attempt")? as u32,
                    worker: row.try_get("worker")?,
                    proof: row.try_get("proof")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db_error)
    }

    fn accept(&self, upload: &Upload) -> Result<(), StoreError> {
        let found = self.run(async {
            let mut tx = self.pool.begin().await?;
            if lock_task(&mut tx, &upload.task).await?.is_none() {
                return Ok(false);
            }
            sqlx::query(&sql("UPDATE origami_tasks
                 SET state = @done, worker = $3, attempt = $4, proof = $5,
                     lease_until = NULL, reason = NULL, updated_at = now()
                 WHERE job = $1 AND shard = $2 AND state <> @done"))
            .bind(&upload.task.job.0)
            .bind(upload.task.shard as i32)
            .bind(&upload.worker)
            .bind(upload.attempt as i32)
            .bind(&upload.proof)
            .execute(&mut *tx)
            .await?;
            // First valid completion wins: nothing else uploaded for the task matters now.
            sqlx::query("DELETE FROM origami_uploads WHERE job = $1 AND shard = $2")
                .bind(&upload.task.job.0)
                .bind(upload.task.shard as i32)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })?;
        found_or_unknown(found, &upload.task)
    }

    fn reject(&self, upload: &Upload, reason: &str) -> Result<(), StoreError> {
        self.ensure_task(&upload.task)?;
        self.run(async {
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "DELETE FROM origami_uploads
                 WHERE job = $1 AND shard = $2 AND attempt = $3 AND worker = $4",
            )
            .bind(&upload.task.job.0)
            .bind(upload.task.shard as i32)
            .bind(upload.attempt as i32)
            .bind(&upload.worker)
            .execute(&mut *tx)
            .await?;
            sqlx::query(&sql(&format!(
                "UPDATE origami_tasks t SET {}
                 FROM origami_jobs j
                 WHERE j.id = t.job AND t.job = $1 AND t.shard = $2
                   AND t.state = @checking AND t.attempt = $3",
                retry_or_fail("$4")
            )))
            .bind(&upload.task.job.0)
            .bind(upload.task.shard as i32)
            .bind(upload.attempt as i32)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })
    }

    fn jobs(&self) -> Result<Vec<JobId>, StoreError> {
        let ids: Vec<String> = self.run(
            sqlx::query_scalar("SELECT id FROM origami_jobs ORDER BY seq").fetch_all(&self.pool),
        )?;
        Ok(ids.into_iter().map(JobId).collect())
    }

    fn inputs(&self, job: &JobId) -> Result<Vec<Vec<u8>>, StoreError> {
        self.ensure_job(job)?;
        self.run(
            sqlx::query_scalar("SELECT input FROM origami_tasks WHERE job = $1 ORDER BY shard")
                .bind(&job.0)
                .fetch_all(&self.pool),
        )
    }

    fn status(&self, job: &JobId) -> Result<JobStatus, StoreError> {
        let (spec, tasks) = self.run(async {
            let spec = sqlx::query(
                "SELECT circuit, verifier_key, steps, shards, z0, cancelled, input_len, input_digest
                 FROM origami_jobs
                 WHERE id = $1",
            )
            .bind(&job.0)
            .fetch_optional(&self.pool)
            .await?;
            let tasks = sqlx::query(
                "SELECT state, worker, attempt, attempts, reason FROM origami_tasks
                 WHERE job = $1 ORDER BY shard",
            )
            .bind(&job.0)
            .fetch_all(&self.pool)
            .await?;
            Ok((spec, tasks))
        })?;
        let spec = spec.ok_or_else(|| StoreError::UnknownJob(job.clone()))?;
        let digest: Vec<u8> = spec.try_get("verifier_key").map_err(db_error)?;
        let input_digest = match spec
            .try_get::<Option<Vec<u8>>, _>("input_digest")
            .map_err(db_error)?
        {
            Some(d) => d
                .try_into()
                .map_err(|_| StoreError::Backend("an input digest is not 32 bytes".into()))?,
            None => origami_shard::stream_digest(0, 0, []),
        };
        Ok(JobStatus {
            spec: JobSpec {
                circuit: spec.try_get("circuit").map_err(db_error)?,
                verifier_key: digest.try_into().map_err(|_| {
                    StoreError::Backend("a parameters digest is not 32 bytes".into())
                })?,
                steps: spec.try_get::<i64, _>("steps").map_err(db_error)? as u64,
                shards: spec.try_get::<i32, _>("shards").map_err(db_error)? as u32,
                z0: spec.try_get("z0").map_err(db_error)?,
                input_len: spec.try_get::<i64, _>("input_len").map_err(db_error)? as u64,
                input_digest,
            },
            tasks: tasks.iter().map(task_state).collect::<Result<_, _>>()?,
            cancelled: spec.try_get("cancelled").map_err(db_error)?,
        })
    }

    fn proofs(&self, job: &JobId) -> Result<Vec<Vec<u8>>, StoreError> {
        self.ensure_job(job)?;
        let proofs: Vec<Option<Vec<u8>>> = self.run(
            sqlx::query_scalar("SELECT proof FROM origami_tasks WHERE job = $1 ORDER BY shard")
                .bind(&job.0)
                .fetch_all(&self.pool),
        )?;
        proofs
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| StoreError::Incomplete(job.clone()))
    }

    fn cancel(&self, job: &JobId, reason: &str) -> Result<usize, StoreError> {
        self.ensure_job(job)?;
        let stopped = self.run(async {
            let mut tx = self.pool.begin().await?;
            // The job's row first: concurrent cancels serialise on it, and the first one wins;
            // a job with nothing unfinished (complete, or failed) is left as it is.
            let first = sqlx::query(&sql("UPDATE origami_jobs SET cancelled = $2
                 WHERE id = $1 AND cancelled IS NULL
                   AND EXISTS (SELECT 1 FROM origami_tasks
                               WHERE job = $1 AND state <> @done AND state <> @failed)"))
            .bind(&job.0)
            .bind(reason)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !first {
                return Ok(0);
            }
            let stopped = sqlx::query(&sql("UPDATE origami_tasks
                 SET state = @failed, reason = 'cancelled: ' || $2, worker = NULL, attempt = NULL,
                     lease_until = NULL, updated_at = now()
                 WHERE job = $1 AND state <> @done AND state <> @failed"))
            .bind(&job.0)
            .bind(reason)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("DELETE FROM origami_uploads WHERE job = $1")
                .bind(&job.0)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(stopped as usize)
        })?;
        Ok(stopped)
    }
}

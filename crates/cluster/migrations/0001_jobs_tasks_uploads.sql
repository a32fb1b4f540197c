-- Jobs, their shard tasks, and the proofs workers uploaded for the submitter to check.

CREATE TABLE origami_jobs (
    -- JobSpec::id: a hash of what the job proves, so a job submitted twice is one row.
    id            text PRIMARY KEY,
    -- Submission order: workers take the oldest job's tasks first.
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    circuit       text NOT NULL,
    params_digest bytea NOT NULL CHECK (length(params_digest) = 32),
    steps         bigint NOT NULL CHECK (steps > 0),
    shards        integer NOT NULL CHECK (shards > 0),
    z0            bytea NOT NULL,
    -- Attempts at a task before it is given up, fixed when the job is submitted.
    max_attempts  integer NOT NULL CHECK (max_attempts > 0),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE origami_tasks (
    job          text NOT NULL REFERENCES origami_jobs (id) ON DELETE CASCADE,
    shard        integer NOT NULL CHECK (shard >= 0),
    input        bytea NOT NULL,
    state        text NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'running', 'checking', 'done', 'failed')),
    -- Attempts started so far (a released one is not counted).
    attempts     integer NOT NULL DEFAULT 0,
    -- While running or checking: whose attempt, and which; when done: whose proof won.
    worker       text,
    attempt      integer,
    -- Database time, so workers' clocks do not matter.
    lease_until  timestamptz,
    -- The last failure, or why the task was given up.
    reason       text,
    proof        bytea,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, shard),
    CHECK (state <> 'running' OR (worker IS NOT NULL AND attempt IS NOT NULL AND lease_until IS NOT NULL)),
    CHECK (state <> 'done' OR proof IS NOT NULL)
);

-- Claims look only at queued tasks; the reaper only at running ones.
CREATE INDEX origami_tasks_queued ON origami_tasks (job, shard) WHERE state = 'queued';
CREATE INDEX origami_tasks_running ON origami_tasks (lease_until) WHERE state = 'running';

CREATE TABLE origami_uploads (
    job         text NOT NULL,
    shard       integer NOT NULL,
    attempt     integer NOT NULL,
    worker      text NOT NULL,
    proof       bytea NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, shard, attempt, worker),
    FOREIGN KEY (job, shard) REFERENCES origami_tasks (job, shard) ON DELETE CASCADE
);

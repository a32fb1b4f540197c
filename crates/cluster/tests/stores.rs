//! The task store's contract, held by both stores: the in-process one and PostgreSQL (a fresh
//! database per test on a real server; see `support`).

mod support;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use origami_cluster::{Claim, JobId, JobSpec, PgStore, StoreError, TaskId, TaskState, TaskStore};

const LEASE: Duration = Duration::from_secs(60);
const PARAMS: [u8; 32] = [1; 32];

fn spec(shards: u32) -> JobSpec {
    JobSpec {
        circuit: "test".into(),
        verifier_key: PARAMS,
        steps: 10,
        shards,
        z0: vec![2],
        input_len: 0,
        input_digest: [0; 32],
    }
}

fn inputs(n: u32) -> Vec<Vec<u8>> {
    (0..n).map(|i| vec![i as u8]).collect()
}

fn claim(store: &dyn TaskStore, worker: &str, lease: Duration) -> Option<Claim> {
    store.claim(worker, lease, &[PARAMS]).unwrap()
}

/// Lets a zero lease lapse in either store's clock.
fn let_lapse() {
    std::thread::sleep(Duration::from_millis(20));
}

fn the_same_job_submitted_twice_has_one_set_of_tasks(store: &dyn TaskStore) {
    let a = store.submit(&spec(3), &inputs(3)).unwrap();
    let b = store.submit(&spec(3), &inputs(3)).unwrap();
    assert_eq!(a, b);
    assert_eq!(store.status(&a).unwrap().tasks.len(), 3);
    assert_eq!(store.jobs().unwrap(), vec![a.clone()]);
    assert_eq!(store.inputs(&a).unwrap(), inputs(3));
    let mut claimed = 0;
    while claim(store, "w", LEASE).is_some() {
        claimed += 1;
    }
    assert_eq!(claimed, 3);
    // Another job is another set.
    let mut other = spec(3);
    other.steps = 11;
    assert_ne!(store.submit(&other, &inputs(3)).unwrap(), a);
    assert!(matches!(
        store.submit(&spec(2), &inputs(3)),
        Err(StoreError::InputCount { .. })
    ));
}

fn a_task_goes_from_queued_to_done_and_the_first_valid_proof_wins(store: &dyn TaskStore) {
    let job = store.submit(&spec(1), &inputs(1)).unwrap();
    // A worker without keys for the job's parameters is given nothing.
    assert!(store.claim("a", LEASE, &[[7; 32]]).unwrap().is_none());
    let first = claim(store, "a", LEASE).unwrap();
    assert_eq!(first.attempt, 1);
    assert_eq!(first.input, vec![0]);
    assert_eq!(first.verifier_key, PARAMS);
    assert_eq!(
        store.status(&job).unwrap().tasks[0],
        TaskState::Running {
            worker: "a".into(),
            attempt: 1
        }
    );
    assert!(claim(store, "b", LEASE).is_none());
    assert!(store.renew(&first, LEASE).unwrap());
    store.upload(&first, vec![9]).unwrap();
    assert_eq!(
        store.status(&job).unwrap().tasks[0],
        TaskState::Checking { attempt: 1 }
    );
    assert!(matches!(store.proofs(&job), Err(StoreError::Incomplete(_))));
    let up = store.uploads(&job).unwrap();
    assert_eq!(up.len(), 1);
    store.accept(&up[0]).unwrap();
    let status = store.status(&job).unwrap();
    assert!(status.is_complete());
    assert_eq!(status.spec, spec(1));
    assert_eq!(store.proofs(&job).unwrap(), vec![vec![9]]);
    // A late upload for a done task is dropped.
    store.upload(&first, vec![7]).unwrap();
    assert!(store.uploads(&job).unwrap().is_empty());
    assert!(!store.renew(&first, LEASE).unwrap());
}

fn rejected_failed_and_lapsed_attempts_are_retried_then_given_up(store: &dyn TaskStore) {
    let job = store.submit(&spec(1), &inputs(1)).unwrap();
    // Attempt 1: the upload is rejected.
    let c = claim(store, "a", LEASE).unwrap();
    store.upload(&c, vec![0]).unwrap();
    let up = store.uploads(&job).unwrap();
    store.reject(&up[0], "bad proof").unwrap();
    assert_eq!(
        store.status(&job).unwrap().tasks[0],
        TaskState::Queued { attempts: 1 }
    );
    assert!(store.uploads(&job).unwrap().is_empty());
    // Attempt 2: the lease lapses; the late claim can no longer renew.
    let c = claim(store, "b", Duration::ZERO).unwrap();
    assert_eq!(c.attempt, 2);
    let_lapse();
    assert_eq!(store.reap().unwrap(), 1);
    assert!(!store.renew(&c, LEASE).unwrap());
    // A released attempt does not count.
    let c = claim(store, "c", LEASE).unwrap();
    assert_eq!(c.attempt, 3);
    store.release(&c).unwrap();
    let c = claim(store, "c", LEASE).unwrap();
    assert_eq!(c.attempt, 3);
    // Attempt 3 fails: that was the last.
    store.fail(&c, "out of memory").unwrap();
    let status = store.status(&job).unwrap();
    let (shard, reason) = status.failure().unwrap();
    assert_eq!(shard, 0);
    assert!(
        reason.contains("3 attempts") && reason.contains("out of memory"),
        "{reason}"
    );
    assert!(claim(store, "d", LEASE).is_none());
}

fn a_lapsed_workers_late_proof_can_still_win(store: &dyn TaskStore) {
    let job = store.submit(&spec(1), &inputs(1)).unwrap();
    let slow = claim(store, "slow", Duration::ZERO).unwrap();
    let_lapse();
    store.reap().unwrap();
    let fast = claim(store, "fast", LEASE).unwrap();
    store.upload(&slow, vec![1]).unwrap();
    // The task is still the fast worker's; the slow proof waits for its check.
    assert!(store.renew(&fast, LEASE).unwrap());
    let up = store.uploads(&job).unwrap();
    assert_eq!(up[0].worker, "slow");
    store.accept(&up[0]).unwrap();
    assert!(!store.renew(&fast, LEASE).unwrap());
    assert_eq!(store.proofs(&job).unwrap(), vec![vec![1]]);
    let unknown = JobId("nope".into());
    assert!(matches!(
        store.status(&unknown),
        Err(StoreError::UnknownJob(_))
    ));
    assert!(matches!(
        store.uploads(&unknown),
        Err(StoreError::UnknownJob(_))
    ));
    let bogus = Claim {
        task: TaskId {
            job: unknown,
            shard: 0,
        },
        ..fast
    };
    assert!(store.renew(&bogus, LEASE).is_err());
    assert!(store.upload(&bogus, vec![1]).is_err());
}

fn concurrent_workers_never_claim_the_same_task(store: &dyn TaskStore) {
    let a = store.submit(&spec(20), &inputs(20)).unwrap();
    let mut later = spec(5);
    later.steps = 12;
    let b = store.submit(&later, &inputs(5)).unwrap();
    let start = Barrier::new(6);
    let claims: Vec<Claim> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|w| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    let mut mine = Vec::new();
                    while let Some(c) = claim(store, &format!("w{w}"), LEASE) {
                        mine.push(c);
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(claims.len(), 25);
    let mut tasks: Vec<TaskId> = claims.iter().map(|c| c.task.clone()).collect();
    tasks.sort();
    tasks.dedup();
    assert_eq!(tasks.len(), 25, "a task was claimed twice");
    assert!(claims.iter().all(|c| c.attempt == 1));
    assert_eq!(store.status(&a).unwrap().tasks.len(), 20);
    assert_eq!(store.status(&b).unwrap().tasks.len(), 5);
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[test]
            fn $name() {
                super::$name(&origami_cluster::MemoryStore::new(3));
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                let url = crate::support::fresh_database();
                super::$name(&origami_cluster::PgStore::connect(&url).unwrap().with_max_attempts(3));
            })*
        }
    };
}

contract!(
    the_same_job_submitted_twice_has_one_set_of_tasks,
    a_task_goes_from_queued_to_done_and_the_first_valid_proof_wins,
    rejected_failed_and_lapsed_attempts_are_retried_then_given_up,
    a_lapsed_workers_late_proof_can_still_win,
    concurrent_workers_never_claim_the_same_task,
);

#[test]
fn the_same_job_submitted_by_two_processes_at_once_has_one_set_of_tasks() {
    let url = support::fresh_database();
    let start = Arc::new(Barrier::new(4));
    let ids: Vec<JobId> = (0..4)
        .map(|_| {
            let (url, start) = (url.clone(), start.clone());
            std::thread::spawn(move || {
                // Each its own store: its own connections, as separate processes would have.
                let store = PgStore::connect(&url).unwrap();
                start.wait();
                store.submit(&spec(4), &inputs(4)).unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]));
    let store = PgStore::connect(&url).unwrap();
    assert_eq!(store.jobs().unwrap().len(), 1);
    let mut claimed = 0;
    while claim(&store, "w", LEASE).is_some() {
        claimed += 1;
    }
    assert_eq!(claimed, 4);
}

#[test]
fn a_database_without_the_schema_is_refused_and_init_is_idempotent() {
    let server = support::server_url();
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
    let url = format!("{base}/origami_schema_{}", std::process::id());
    match PgStore::connect(&url) {
        Err(StoreError::MissingDatabase(name)) => assert!(url.ends_with(&name)),
        other => panic!("expected a missing database, got {other:?}"),
    }
    let (_, first) = PgStore::init(&url).unwrap();
    // The database, then each of the four migrations.
    assert_eq!(first.len(), 5, "{first:?}");
    assert!(first[0].starts_with("created database"));
    let (_, again) = PgStore::init(&url).unwrap();
    assert!(again.is_empty(), "{again:?}");
    assert!(PgStore::connect(&url).is_ok());
    // A database with no Origami tables (template1 never has any) is refused, naming the
    // command that sets it up.
    let bare = PgStore::connect(&format!("{base}/template1")).unwrap_err();
    assert!(matches!(bare, StoreError::Schema(_)), "{bare}");
    assert!(bare.to_string().contains("origami cluster init"), "{bare}");
    let not_postgres = PgStore::connect("mysql://localhost/db").unwrap_err();
    assert!(
        not_postgres.to_string().contains("not a PostgreSQL URL"),
        "{not_postgres}"
    );
}

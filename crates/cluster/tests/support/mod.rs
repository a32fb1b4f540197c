//! A fresh PostgreSQL database per test, on the server `scripts/test.sh` starts, and a job run
//! on worker threads with a prover of the test's choosing.

#![allow(dead_code)] // each test binary uses its own part

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use origami_arith::PastaCycle;
use origami_circuits::Builtin;
use origami_cluster::{
    ClusterError, JobEvent, PgStore, ProvenJob, ShardJob, ShardProver, TaskStore, Watch,
    WorkerConfig, await_job, run_worker,
};
use origami_nova::{CompressedProverKey, CompressedVerifier, Variant};

/// The server the cluster tests use: `ORIGAMI_TEST_DATABASE_URL`, which `scripts/test.sh` sets
/// after starting a throwaway server. The tests never skip: without a server they fail here.
pub fn server_url() -> String {
    std::env::var("ORIGAMI_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "ORIGAMI_TEST_DATABASE_URL is not set: run the tests with scripts/test.sh, which starts \
             a throwaway PostgreSQL server, or point it at one (postgres://user@host:port/db)"
        )
    })
}

/// A new, empty database with the Origami schema, private to the calling test; its URL.
pub fn fresh_database() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let server = server_url();
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
    // Unique across runs against a long-lived server too (names are cut at 63 bytes).
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = format!(
        "origami_t{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let url = format!("{base}/{name}");
    PgStore::init(&url).expect("creating a test database");
    url
}

/// Runs `workers` threads of `prover` on `store` until `job` completes or fails.
pub fn run_job(
    store: &dyn TaskStore,
    job: &ShardJob<PastaCycle>,
    prover: &dyn ShardProver,
    verifier: &CompressedVerifier<PastaCycle, Builtin>,
    workers: usize,
    rejected: &Mutex<Vec<String>>,
) -> Result<ProvenJob<PastaCycle>, ClusterError> {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for w in 0..workers {
            let stop = &stop;
            s.spawn(move || {
                let mut config = WorkerConfig::new(format!("w{w}"));
                config.poll = Duration::from_millis(10);
                run_worker(store, prover, &config, stop, &|_| {}).unwrap();
            });
        }
        let out = await_job(
            store,
            job,
            verifier,
            &Watch::patient(Duration::from_millis(10)),
            &|e| {
                if let JobEvent::Rejected { reason, .. } = e {
                    rejected.lock().unwrap().push(reason.to_string());
                }
            },
        );
        stop.store(true, Ordering::SeqCst);
        out
    })
}

/// Direct-variant keys for `circuit` and a verifier whose generator cache is private to this
/// test binary (`tag` names it).
pub fn keys_for(
    circuit: Builtin,
    tag: &str,
) -> (
    CompressedProverKey<PastaCycle, Builtin>,
    CompressedVerifier<PastaCycle, Builtin>,
) {
    let pk = CompressedProverKey::setup(circuit, Variant::Direct).unwrap();
    let cache = std::env::temp_dir().join(format!("origami-{tag}-tests-{}", std::process::id()));
    let verifier = pk
        .verifier_key()
        .clone()
        .prepare()
        .unwrap()
        .with_generator_cache(&cache);
    (pk, verifier)
}

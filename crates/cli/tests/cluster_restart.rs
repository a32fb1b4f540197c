//! PostgreSQL restarted in the middle of a job: the worker and the submitting `prove --cluster`
//! wait for it to come back, nothing is lost, and the job completes with a valid proof.
//! (A test binary of its own: the restart would disturb other tests sharing the server.)

mod cluster_support;

use std::process::Stdio;
use std::time::Duration;

use cluster_support::{Worker, command, fresh_database, keys, ok, prove_args};

#[test]
fn a_job_completes_across_a_database_restart() {
    let restart = std::env::var("ORIGAMI_TEST_PG_RESTART").unwrap_or_else(|_| {
        panic!(
            "ORIGAMI_TEST_PG_RESTART is not set: scripts/test.sh sets it to restart the server \
             it started; with ORIGAMI_TEST_DATABASE_URL of your own, set it to a command that \
             restarts that server"
        )
    });
    let db = fresh_database();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cluster-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("job.proof");

    let worker = Worker::start(&db, "steady", "60");
    let args = prove_args(&db, "3", &out);
    let prove = command(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    worker.wait_for("claimed shard 0");
    let restarted = std::process::Command::new("bash")
        .args(["-c", &restart])
        .output()
        .unwrap();
    assert!(
        restarted.status.success(),
        "{restart}: {}",
        String::from_utf8_lossy(&restarted.stderr)
    );
    // The submitting side gets its proof once every shard is in.
    let proved = prove.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&proved.stdout),
        String::from_utf8_lossy(&proved.stderr)
    );
    assert!(
        proved.status.success(),
        "prove --cluster failed:\n{text}\nworker:\n{}",
        worker.log()
    );
    assert!(text.contains("sharded, 3 shards"), "{text}");
    ok(&["verify", "--keys", keys(), out.to_str().unwrap()]);
    std::thread::sleep(Duration::from_millis(100));
    let log = worker.interrupt();
    assert_eq!(cluster_support::uploads(&log), 3, "{log}");
}

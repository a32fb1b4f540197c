//! A PostgreSQL cluster of `origami` processes: worker processes prove a job's shards, a killed
//! worker's shard is proven again, a job submitted twice is one job, a worker stopped with Ctrl-C
//! gives its shard back.

mod cluster_support;

use cluster_support::{STEPS, Worker, fetch, fresh_database, keys, ok, submit, uploads};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cluster-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn two_worker_processes_complete_a_job_submitted_twice_once() {
    let db = fresh_database();
    let dir = scratch("two");
    let out = dir.join("job.proof");
    // Both workers are ready before the job arrives, so each takes a shard.
    let a = Worker::start(&db, "wa", "60");
    let b = Worker::start(&db, "wb", "60");
    let job = submit(&db, "4", &out);
    assert_eq!(
        submit(&db, "4", &out),
        job,
        "a re-submitted job has the same id"
    );
    let listing = ok(&["cluster", "status", "--db", &db]);
    assert_eq!(listing.lines().count(), 1, "one job:\n{listing}");
    assert!(listing.contains(&job), "{listing}");

    let fetched = fetch(&db, &job, &out, true);
    assert!(fetched.contains("sharded, 4 shards"), "{fetched}");
    let verified = ok(&["verify", "--keys", keys(), out.to_str().unwrap()]);
    assert!(verified.contains(&format!("{STEPS} steps")), "{verified}");

    let (a, b) = (a.interrupt(), b.interrupt());
    // Four shards, proven once each: the second submission created no tasks.
    assert_eq!(uploads(&a) + uploads(&b), 4, "{a}\n{b}");
    assert!(uploads(&a) >= 1 && uploads(&b) >= 1, "{a}\n{b}");
    let status = ok(&["cluster", "status", "--db", &db, &job]);
    assert!(status.contains("4/4 done, complete"), "{status}");
    assert_eq!(status.matches("done (proven by w").count(), 4, "{status}");
    // Fetching a complete job again writes the same proof.
    fetch(&db, &job, &dir.join("again.proof"), false);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(dir.join("again.proof")).unwrap()
    );
}

#[test]
fn a_killed_workers_shard_is_proven_again_and_ctrl_c_gives_a_shard_back() {
    let db = fresh_database();
    let dir = scratch("kill");
    let out = dir.join("job.proof");
    let job = submit(&db, "2", &out);

    // A worker killed outright while proving: its lease lapses (2 s) and another worker
    // proves the shard.
    let mut doomed = Worker::start(&db, "doomed", "2");
    doomed.wait_for("claimed shard");
    doomed.child.kill().unwrap(); // SIGKILL
    doomed.child.wait().unwrap();
    assert_eq!(uploads(&doomed.log()), 0, "{}", doomed.log());

    // A worker stopped with Ctrl-C while proving releases its shard at once, uncounted.
    let polite = Worker::start(&db, "polite", "60");
    polite.wait_for("claimed shard");
    let polite = polite.interrupt();
    assert!(polite.contains("released shard"), "{polite}");

    let rescuer = Worker::start(&db, "rescuer", "60");
    let fetched = fetch(&db, &job, &out, true);
    assert!(fetched.contains("sharded, 2 shards"), "{fetched}");
    ok(&["verify", "--keys", keys(), out.to_str().unwrap()]);
    let rescuer = rescuer.interrupt();
    assert_eq!(uploads(&rescuer), 2, "{rescuer}");
    let status = ok(&["cluster", "status", "--db", &db, &job]);
    assert_eq!(
        status.matches("done (proven by rescuer)").count(),
        2,
        "{status}"
    );
}

#[test]
fn a_cancelled_job_stops_its_worker_and_is_not_fetched() {
    let db = fresh_database();
    let dir = scratch("cancel");
    let out = dir.join("job.proof");
    let job = submit(&db, "2", &out);
    // A 2 s lease: the heartbeat, which notices the cancellation, beats every third of a second.
    let worker = Worker::start(&db, "wc", "2");
    worker.wait_for("claimed shard");
    let cancelled = ok(&["cluster", "cancel", "--db", &db, &job]);
    assert!(
        cancelled.contains("cancelled, 2 unfinished shards given up"),
        "{cancelled}"
    );
    worker.wait_for("the job was cancelled");
    let again = ok(&["cluster", "cancel", "--db", &db, &job]);
    assert!(
        again.contains("nothing to cancel (") && again.contains("cancelled ("),
        "{again}"
    );
    let status = ok(&["cluster", "status", "--db", &db, &job]);
    assert!(
        status.contains("cancelled (cancelled by `origami cluster cancel`)"),
        "{status}"
    );
    let fetched = cluster_support::command(&[
        "cluster",
        "fetch",
        "--db",
        &db,
        &job,
        "--keys",
        keys(),
        "--out",
        out.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&fetched.stderr);
    assert!(
        !fetched.status.success() && text.contains("the job was cancelled"),
        "{text}"
    );
    assert!(!out.exists());
    let log = worker.interrupt();
    assert_eq!(uploads(&log), 0, "{log}");
}

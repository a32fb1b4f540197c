//! A PostgreSQL cluster of `origami` processes: worker processes prove a job's shards, a killed
//! worker's shard is proven again, a job submitted twice is one job, a worker stopped with Ctrl-C
//! gives its shard back.

mod cluster_support;
mod fault_support;

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

/// The database's disk fills while a worker proves: its upload is refused with disk_full, and
/// the worker keeps the proof and says why, instead of exiting and losing it; once space is
/// freed the upload lands and the job completes. The server runs on a tiny tmpfs in a private
/// mount namespace, started there (issue 22: the cluster's proof upload into a full disk).
#[test]
fn a_full_database_disk_holds_the_upload_until_space_is_freed() {
    if fault_support::skipped() {
        return;
    }
    let (tmp, mnt) = fault_support::mount_point();
    let log = tmp.path().join("worker.log");
    let out = tmp.path().join("job.proof");
    let scripts = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts");
    let script = format!(
        r#"set -u
PG="$MNT/pg"
url=$(bash "{scripts}/postgres.sh" start "$PG" | tail -n 1) || exit 3
trap 'bash "{scripts}/postgres.sh" stop "$PG"' EXIT
db="${{url%/*}}/full"
"$ORIGAMI" cluster init --db "$db" >/dev/null || exit 4
job=$("$ORIGAMI" prove --circuit synthetic --size 8 --keys "{keys}" --steps 6 --shards 1 \
    --cluster "$db" --detach --out "{out}" | sed -n 's/^job: *\([0-9a-f]*\).*/\1/p')
"$ORIGAMI" worker --cluster "$db" --keys "{keys}" --name full --lease 60 >"{log}" 2>&1 &
w=$!
wait_for() {{ i=0; until grep -q "$1" "{log}"; do sleep 0.05; i=$((i+1)); [ $i -gt 2400 ] && exit $2; done; }}
wait_for "claimed shard" 5
dd if=/dev/zero of="$MNT/filler" bs=64k 2>/dev/null
wait_for "disk is full" 6
rm -f "$MNT/filler"
wait_for "uploaded" 7
"$ORIGAMI" cluster fetch --db "$db" "$job" --keys "{keys}" --out "{out}" --wait || exit 8
kill -INT $w
wait $w
"#,
        keys = keys(),
        out = out.display(),
        log = log.display(),
    );
    let run = fault_support::in_tiny_tmpfs(&mnt, "160m", &script);
    let worker = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        run.status.success(),
        "exit {:?}\n{}\n{}\nworker:\n{worker}",
        run.status.code(),
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(worker.contains("No space left on device"), "{worker}");
    assert_eq!(uploads(&worker), 1, "{worker}");
    ok(&["verify", "--keys", keys(), out.to_str().unwrap()]);
}

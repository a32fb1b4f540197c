//! Driving a PostgreSQL cluster of `origami` processes: a fresh database per test on the server
//! `scripts/test.sh` starts, keys made once per test binary, worker processes whose output is
//! watched.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Steps and shards of the test jobs: small shards, so a test takes seconds.
pub const STEPS: &str = "6";

// The one way of running the binary, shared with the other test binaries.
#[path = "../cli_support/mod.rs"]
pub mod cli_support;
pub use cli_support::{command, ok};

/// A URL for a database of its own on the test server (`origami cluster init` creates it).
pub fn fresh_database() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let server = std::env::var("ORIGAMI_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "ORIGAMI_TEST_DATABASE_URL is not set: run the tests with scripts/test.sh, which starts \
             a throwaway PostgreSQL server, or point it at one (postgres://user@host:port/db)"
        )
    });
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let url = format!(
        "{base}/origami_cli{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let out = ok(&["cluster", "init", "--db", &url]);
    assert!(out.contains("jobs, tasks, uploads"), "{out}");
    url
}

/// `origami setup --circuit CIRCUIT --size SIZE --variant direct` into a directory named
/// `name`, run once per test binary for each `cell`.
fn keys_once(
    cell: &'static OnceLock<PathBuf>,
    name: &str,
    circuit: &str,
    size: &str,
) -> &'static str {
    cell.get_or_init(|| {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
        ok(&[
            "setup",
            "--circuit",
            circuit,
            "--size",
            size,
            "--variant",
            "direct",
            "--out-dir",
            dir.to_str().unwrap(),
        ]);
        dir
    })
    .to_str()
    .unwrap()
}

/// A key directory for the synthetic circuit of size 8, made once per test binary.
pub fn keys() -> &'static str {
    static KEYS: OnceLock<PathBuf> = OnceLock::new();
    keys_once(&KEYS, "cluster-keys", "synthetic", "8")
}

/// A key directory for sha256-file, one block a step, made once per test binary.
pub fn file_keys() -> &'static str {
    static KEYS: OnceLock<PathBuf> = OnceLock::new();
    keys_once(&KEYS, "sha256-file-keys", "sha256-file", "1")
}

/// `origami prove` of `steps` steps of the test circuit with the test keys, writing `out`.
pub fn prove_steps(steps: &str, out: &Path) -> Vec<String> {
    [
        "prove",
        "--circuit",
        "synthetic",
        "--size",
        "8",
        "--keys",
        keys(),
        "--steps",
        steps,
        "--out",
        out.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec()
}

/// `origami prove` of the test job in `shards` shards on the cluster `db`, writing `out`.
pub fn prove_args(db: &str, shards: &str, out: &Path) -> Vec<String> {
    let mut args = prove_steps(STEPS, out);
    args.extend(["--shards", shards, "--cluster", db].map(String::from));
    args
}

/// Submits the test job in `shards` shards with `--detach` and returns its id.
pub fn submit(db: &str, shards: &str, out: &Path) -> String {
    let mut args = prove_args(db, shards, out);
    args.push("--detach".into());
    let text = ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let line = text
        .lines()
        .find(|l| l.starts_with("job:"))
        .unwrap_or_else(|| panic!("no job line in:\n{text}"));
    line.split_whitespace().nth(1).unwrap().to_string()
}

/// `origami cluster fetch` of `job` into `out` (waiting for it when `wait`); its output.
pub fn fetch(db: &str, job: &str, out: &Path, wait: bool) -> String {
    let out = out.to_str().unwrap();
    let mut args = vec![
        "cluster",
        "fetch",
        "--db",
        db,
        job,
        "--keys",
        keys(),
        "--out",
        out,
    ];
    if wait {
        args.push("--wait");
    }
    ok(&args)
}

/// Everything `child` (started with piped stdout and stderr) prints, line by line, as it prints
/// it.
pub fn capture(child: &mut Child) -> Arc<Mutex<String>> {
    let log = Arc::new(Mutex::new(String::new()));
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
    }
    log
}

/// An `origami worker` process and everything it printed so far.
pub struct Worker {
    pub child: Child,
    pub log: Arc<Mutex<String>>,
}

impl Worker {
    /// Starts a worker named `name` on `db` with a `lease`-second lease and waits until it is
    /// ready to claim.
    pub fn start(db: &str, name: &str, lease: &str) -> Worker {
        let mut child = command(&[
            "worker",
            "--cluster",
            db,
            "--keys",
            keys(),
            "--name",
            name,
            "--lease",
            lease,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a worker");
        let log = capture(&mut child);
        let worker = Worker { child, log };
        worker.wait_for(&format!("worker {name} on"));
        worker
    }

    /// Waits (up to two minutes) until the worker printed `text`.
    pub fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while !self.log().contains(text) {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the worker never printed {text:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Asks the worker to stop as Ctrl-C does, and waits for it.
    pub fn interrupt(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(status.success(), "worker exit {status}:\n{}", self.log());
        self.log()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts the shards `log` says its worker proved and uploaded.
pub fn uploads(log: &str) -> usize {
    log.lines().filter(|l| l.contains("uploaded")).count()
}

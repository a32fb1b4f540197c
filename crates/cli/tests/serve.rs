//! `origami serve` over loopback HTTP: the job round trip, verify-only mode, bad inputs, the
//! bearer token, and children killed and started again.

mod cluster_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use cluster_support::{capture, command, file_keys, keys, ok, prove_steps};
use serde_json::{Value, json};

const TOKEN: &str = "test-token-5f1c";

/// A running `origami serve` and everything it printed.
struct Service {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    /// Starts `origami serve --keys DIR --listen 127.0.0.1:0 EXTRA…` with the test token and waits
    /// until it listens.
    fn start(keys: &str, extra: &[&str]) -> Service {
        let mut args = vec!["serve", "--keys", keys, "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut child = command(&args)
            .env("ORIGAMI_SERVICE_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start origami serve");
        let log = capture(&mut child);
        let start = Instant::now();
        let addr = loop {
            let text = log.lock().unwrap().clone();
            if let Some(line) = text.lines().find(|l| l.starts_with("serving:")) {
                let url = line.split_whitespace().nth(1).unwrap();
                break url.trim_start_matches("http://").to_string();
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("origami serve exited ({status}):\n{text}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "origami serve never listened:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Service { child, addr, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// One HTTP/1.1 request; the status and the body.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect to the service");
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        // The service may answer (413) before reading all of a body it refuses.
        let _ = stream.write_all(body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no HTTP response to {method} {path}: {raw:?}"));
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let mut body = raw[split + 4..].to_vec();
        if head.contains("transfer-encoding: chunked") {
            body = dechunk(&body);
        }
        (status, body)
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let (status, body) = self.request("GET", path, &[], b"");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// A JSON POST with the test token.
    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_raw(
            path,
            &body.to_string(),
            &[("Authorization", &format!("Bearer {TOKEN}"))],
        )
    }

    fn post_raw(&self, path: &str, body: &str, extra: &[(&str, &str)]) -> (u16, Value) {
        let mut headers = vec![("Content-Type", "application/json")];
        headers.extend_from_slice(extra);
        let (status, body) = self.request("POST", path, &headers, body.as_bytes());
        let body = serde_json::from_slice(&body)
            .unwrap_or_else(|_| json!({ "raw": String::from_utf8_lossy(&body) }));
        (status, body)
    }

    /// The pid of one of the service's processes (`api`, `prover`, `verifier`), if it runs.
    fn pid(&self, name: &str) -> Option<u64> {
        let (_, health) = self.get("/healthz");
        health["processes"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name)?["pid"]
            .as_u64()
    }

    /// Waits (up to two minutes) until `/healthz` says 200 and `check` holds.
    fn wait_healthy(&self, check: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let (status, health) = self.get("/healthz");
            if status == 200 && check(&health) {
                return health;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "never healthy: {health}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (up to four minutes) until the job's state is `complete`.
    fn wait_complete(&self, id: &str) -> Value {
        let start = Instant::now();
        loop {
            let (status, job) = self.get(&format!("/v1/jobs/{id}"));
            assert_eq!(status, 200, "{job}");
            match job["state"].as_str() {
                Some("complete") => return job,
                Some("failed") => panic!("the job failed: {job}\n{}", self.log()),
                _ => {}
            }
            assert!(
                start.elapsed() < Duration::from_secs(240),
                "the job never completed: {job}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..line]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[line + 2..line + 2 + size]);
        body = &body[line + 4 + size..];
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A compressed proof of 2 steps of the test circuit from its default state (2), made once.
fn proof() -> &'static [u8] {
    static PROOF: OnceLock<Vec<u8>> = OnceLock::new();
    PROOF.get_or_init(|| {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("serve-{}.proof", std::process::id()));
        let args = prove_steps("2", &path);
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        std::fs::read(&path).unwrap()
    })
}

fn verify_body(proof: &[u8], z0: Value, steps: u64) -> Value {
    json!({ "proof": base64(proof), "z0": z0, "steps": steps })
}

/// Asserts that the known-good proof verifies (the request that must succeed after a bad one).
fn assert_verifies(service: &Service) {
    let (status, answer) = service.post("/v1/verify", &verify_body(proof(), json!([2]), 2));
    assert_eq!(status, 200, "{answer}\n{}", service.log());
    assert_eq!(answer["verified"], true);
    assert_eq!(
        answer["z_final"].as_array().map(Vec::len),
        Some(1),
        "{answer}"
    );
}

/// A directory holding only the test keys' verifier.key.
fn verifier_key_only() -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-vk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        Path::new(keys()).join("verifier.key"),
        dir.join("verifier.key"),
    )
    .unwrap();
    dir
}

/// The command line of a process, as its arguments.
fn cmdline(pid: u64) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .unwrap()
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

#[test]
fn a_job_is_submitted_polled_fetched_and_verified() {
    let service = Service::start(keys(), &[]);
    let job = json!({ "circuit": "synthetic", "size": 8, "steps": 4, "shards": 2, "z0": ["0x5"] });
    let (status, submitted) = service.post("/v1/jobs", &job);
    assert_eq!(status, 202, "{submitted}");
    assert_eq!(submitted["new"], true);
    let id = submitted["id"].as_str().unwrap().to_string();

    // Submitting the same job again makes no second one.
    let (status, again) = service.post("/v1/jobs", &job);
    assert_eq!(
        (status, &again["id"], &again["new"]),
        (202, &submitted["id"], &json!(false))
    );

    let done = service.wait_complete(&id);
    assert_eq!(done["shards_done"], 2, "{done}");
    assert_eq!(
        done["shard_states"].as_array().map(Vec::len),
        Some(2),
        "{done}"
    );
    let (status, proof) = service.request("GET", &format!("/v1/jobs/{id}/proof"), &[], b"");
    assert_eq!(status, 200);

    // The proof is an ordinary sharded proof file: `origami verify` reads it too.
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-job-{id}.proof"));
    std::fs::write(&path, &proof).unwrap();
    let out = ok(&[
        "verify",
        path.to_str().unwrap(),
        "--keys",
        keys(),
        "--steps",
        "4",
    ]);
    assert!(out.contains("verified:      4 steps"), "{out}");

    let (status, verified) = service.post("/v1/verify", &verify_body(&proof, json!(["5"]), 4));
    assert_eq!(status, 200, "{verified}");
    assert_eq!(
        (&verified["proof"], &verified["shards"]),
        (&json!("sharded"), &json!(2))
    );
    let z_final = verified["z_final"][0].as_str().unwrap().to_string();
    assert!(
        out.contains(&z_final),
        "the service's final state {z_final} is not the CLI's:\n{out}"
    );

    // Another start, another step count, a flipped byte: each refused with its reason.
    let (status, answer) = service.post("/v1/verify", &verify_body(&proof, json!([6]), 4));
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("z0"), "{answer}");
    let (status, answer) = service.post("/v1/verify", &verify_body(&proof, json!([5]), 5));
    assert_eq!(status, 422, "{answer}");
    let mut tampered = proof.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    let (status, answer) = service.post("/v1/verify", &verify_body(&tampered, json!([5]), 4));
    assert!(matches!(status, 400 | 422), "{status} {answer}");
    assert_eq!(answer["verified"], false);

    let (_, metrics) = service.request("GET", "/metrics", &[], b"");
    let metrics = String::from_utf8(metrics).unwrap();
    for line in [
        "origami_jobs{state=\"complete\"} 1",
        "origami_shard_prove_seconds_count 2",
        "origami_verify_seconds_count{outcome=\"verified\"} 1",
        "origami_verify_seconds_count{outcome=\"rejected\"} 2",
        "origami_process_resident_bytes{process=\"verifier\"}",
        "origami_process_resident_bytes{process=\"prover\"}",
        "origami_process_resident_bytes{process=\"api\"}",
    ] {
        assert!(metrics.contains(line), "no {line:?} in\n{metrics}");
    }

    // The verifier process was never told where the keys are.
    let verifier = service.pid("verifier").unwrap();
    let args = cmdline(verifier);
    assert!(!args.iter().any(|a| a.contains(keys())), "{args:?}");
}

#[test]
fn a_verify_only_service_verifies_and_refuses_jobs() {
    let dir = verifier_key_only();
    let service = Service::start(dir.to_str().unwrap(), &["--verify-only"]);
    let health = service.wait_healthy(|_| true);
    assert_eq!(health["mode"], "verify-only");
    assert!(service.pid("prover").is_none(), "{health}");
    assert_verifies(&service);
    let (status, answer) = service.post("/v1/jobs", &json!({ "circuit": "synthetic", "steps": 2 }));
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("verify-only"),
        "{answer}"
    );
    let (status, _) = service.get("/v1/jobs/0123");
    assert_eq!(status, 404);
    assert_verifies(&service);
}

#[test]
fn bad_requests_get_a_4xx_and_the_next_good_one_succeeds() {
    let service = Service::start(keys(), &["--max-body", "64KiB"]);
    let auth = format!("Bearer {TOKEN}");
    let auth = [("Authorization", auth.as_str())];
    let good = verify_body(proof(), json!([2]), 2);
    let mut garbage = vec![0u8; 300];
    garbage[..8].copy_from_slice(b"ORIGAMI\0");
    let huge = "x".repeat(100 << 10);
    let cases: Vec<(&str, &str, String, u16, &str)> = vec![
        (
            "malformed JSON",
            "/v1/verify",
            "{\"proof\": ".into(),
            400,
            "JSON",
        ),
        (
            "a missing field",
            "/v1/verify",
            json!({ "proof": "AAAA", "z0": [2] }).to_string(),
            422,
            "steps",
        ),
        (
            "an unknown field",
            "/v1/verify",
            json!({ "proof": "AAAA", "z0": [2], "steps": 2, "extra": 1 }).to_string(),
            422,
            "extra",
        ),
        (
            "a proof that is not base64",
            "/v1/verify",
            json!({ "proof": "*not base64*", "z0": [2], "steps": 2 }).to_string(),
            400,
            "base64",
        ),
        (
            "a proof that is not a proof",
            "/v1/verify",
            verify_body(b"hello", json!([2]), 2).to_string(),
            400,
            "too short",
        ),
        (
            "a damaged proof header",
            "/v1/verify",
            verify_body(&garbage, json!([2]), 2).to_string(),
            400,
            "not a proof",
        ),
        (
            "z0 of the wrong length",
            "/v1/verify",
            verify_body(proof(), json!([2, 3]), 2).to_string(),
            400,
            "2 elements",
        ),
        (
            "z0 that is not a field element",
            "/v1/verify",
            verify_body(proof(), json!(["0xzz"]), 2).to_string(),
            400,
            "hex",
        ),
        (
            "a body over the limit",
            "/v1/verify",
            json!({ "proof": huge, "z0": [2], "steps": 2 }).to_string(),
            413,
            "",
        ),
        (
            "an unknown circuit",
            "/v1/jobs",
            json!({ "circuit": "sha9", "steps": 2 }).to_string(),
            400,
            "sha9",
        ),
        (
            "a circuit the keys are not for",
            "/v1/jobs",
            json!({ "circuit": "sha256-chain", "steps": 2 }).to_string(),
            422,
            "keys are for synthetic",
        ),
        (
            "another size",
            "/v1/jobs",
            json!({ "circuit": "synthetic", "size": 16, "steps": 2 }).to_string(),
            422,
            "size 16",
        ),
        (
            "zero steps",
            "/v1/jobs",
            json!({ "circuit": "synthetic", "steps": 0 }).to_string(),
            422,
            "steps",
        ),
        (
            "more shards than steps",
            "/v1/jobs",
            json!({ "circuit": "synthetic", "steps": 2, "shards": 3 }).to_string(),
            422,
            "shard",
        ),
        (
            "steps that are not a number",
            "/v1/jobs",
            json!({ "circuit": "synthetic", "steps": "many" }).to_string(),
            422,
            "steps",
        ),
    ];
    for (what, path, body, expected, says) in cases {
        let (status, answer) = service.post_raw(path, &body, &auth);
        assert_eq!(status, expected, "{what}: {answer}");
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(
            message.contains(says),
            "{what}: {message:?} does not say {says:?}"
        );
        assert_verifies(&service);
    }
    let (status, answer) = service.request(
        "POST",
        "/v1/verify",
        &[("Content-Type", "text/plain")],
        good.to_string().as_bytes(),
    );
    assert_eq!(status, 415, "{answer:?}");
    for (path, expected) in [
        ("/v1/jobs/feedbeef", 404),
        ("/v1/jobs/feedbeef/proof", 404),
        ("/v2/nothing", 404),
    ] {
        let (status, answer) = service.get(path);
        assert_eq!(status, expected, "{path}: {answer}");
        assert!(answer["error"].is_string(), "{path}: {answer}");
    }
    assert_verifies(&service);
    assert_eq!(
        service.wait_healthy(|_| true)["processes"][2]["restarts"],
        0
    );
}

#[test]
fn job_submission_without_the_right_token_is_401() {
    let service = Service::start(keys(), &[]);
    let job = json!({ "circuit": "synthetic", "steps": 2 }).to_string();
    for auth in [
        vec![],
        vec![("Authorization", "Bearer wrong-token")],
        vec![("Authorization", TOKEN)],
    ] {
        let (status, answer) = service.post_raw("/v1/jobs", &job, &auth);
        assert_eq!(status, 401, "{auth:?}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let (status, answer) = service.post("/v1/jobs", &json!({ "circuit": "synthetic", "steps": 2 }));
    assert_eq!(status, 202, "{answer}");
}

#[test]
fn killed_children_are_started_again() {
    let service = Service::start(keys(), &[]);
    let verifier = service.pid("verifier").unwrap();
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &verifier.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let health = service.wait_healthy(|h| {
        let p = &h["processes"][2];
        p["name"] == "verifier"
            && p["pid"].as_u64().is_some_and(|p| p != verifier)
            && p["restarts"] == 1
    });
    assert_verifies(&service);
    assert!(
        service.log().contains("the verifier process started again"),
        "{health}"
    );

    // A prover process killed mid-job: its successor is handed the job and finishes it.
    let (status, submitted) = service.post(
        "/v1/jobs",
        &json!({ "circuit": "synthetic", "steps": 6, "shards": 3 }),
    );
    assert_eq!(status, 202, "{submitted}");
    let id = submitted["id"].as_str().unwrap().to_string();
    let start = Instant::now();
    while service.get(&format!("/v1/jobs/{id}")).1["state"] != "proving" {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{}",
            service.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let prover = service.pid("prover").unwrap();
    std::process::Command::new("kill")
        .args(["-9", &prover.to_string()])
        .status()
        .unwrap();
    let done = service.wait_complete(&id);
    assert!(
        service
            .log()
            .contains(&format!("job {id} handed to the new prover process")),
        "{done}"
    );
    let (status, proof) = service.request("GET", &format!("/v1/jobs/{id}/proof"), &[], b"");
    assert_eq!(status, 200);
    let (status, answer) = service.post("/v1/verify", &verify_body(&proof, json!([2]), 6));
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn a_service_without_a_token_or_keys_refuses_to_start() {
    let o = command(&["serve", "--keys", keys(), "--listen", "127.0.0.1:0"])
        .env_remove("ORIGAMI_SERVICE_TOKEN")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("ORIGAMI_SERVICE_TOKEN"),
        "{o:?}"
    );
    let empty =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    for mode in [&[][..], &["--verify-only"][..]] {
        let mut args = vec![
            "serve",
            "--keys",
            empty.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(mode);
        let o = command(&args)
            .env("ORIGAMI_SERVICE_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert!(!o.status.success(), "{mode:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(".key"), "{mode:?}: {err}");
    }
}

#[test]
fn with_a_cluster_the_jobs_are_proven_by_its_workers() {
    let db = cluster_support::fresh_database();
    // No worker thread in the service: only the cluster's worker process can prove.
    let service = Service::start(keys(), &["--cluster", &db, "--workers", "0"]);
    let worker = cluster_support::Worker::start(&db, "cluster-worker", "10");
    let (status, submitted) = service.post(
        "/v1/jobs",
        &json!({ "circuit": "synthetic", "steps": 4, "shards": 2 }),
    );
    assert_eq!(status, 202, "{submitted}");
    let id = submitted["id"].as_str().unwrap().to_string();
    let done = service.wait_complete(&id);
    let workers: Vec<_> = done["shard_states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["worker"].clone())
        .collect();
    assert_eq!(workers, vec![json!("cluster-worker"); 2], "{done}");
    assert_eq!(
        cluster_support::uploads(&worker.log()),
        2,
        "{}",
        worker.log()
    );
    let (status, proof) = service.request("GET", &format!("/v1/jobs/{id}/proof"), &[], b"");
    assert_eq!(status, 200);
    let (status, answer) = service.post("/v1/verify", &verify_body(&proof, json!([2]), 4));
    assert_eq!(status, 200, "{answer}");
    // The job is the cluster's: `origami cluster status` sees it complete.
    let out = ok(&["cluster", "status", "--db", &db]);
    assert!(out.contains(&id) && out.contains("complete"), "{out}");
}

/// Sends `raw` on a fresh connection and reads what comes back until the service closes it
/// or `wait` passes; returns the bytes and how long it took.
fn raw_exchange(addr: &str, raw: &[u8], wait: Duration) -> (Vec<u8>, Duration) {
    let mut stream = TcpStream::connect(addr).expect("connect to the service");
    stream.set_read_timeout(Some(wait)).unwrap();
    let start = Instant::now();
    stream.write_all(raw).unwrap();
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got);
    (got, start.elapsed())
}

/// The status and JSON body of a raw HTTP response.
fn parse_response(raw: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// The HTTP layer's limits (issue 22, items 3, 4 and 11): every refusal is the API's JSON, a
/// body over the limit is refused before it is read, slow and idle clients are cut off, the
/// connections and the verify queue are bounded, and verify can require a token.
#[test]
fn the_http_layer_bounds_clients_and_answers_every_refusal_in_json() {
    let dir = verifier_key_only();
    let token_file = dir.join("verify.token");
    std::fs::write(&token_file, "verify-secret\n").unwrap();
    let service = Service::start(
        dir.to_str().unwrap(),
        &[
            "--verify-only",
            "--header-timeout",
            "1",
            "--request-timeout",
            "3",
            "--max-connections",
            "3",
            "--verify-queue",
            "1",
            "--verify-token-file",
            token_file.to_str().unwrap(),
        ],
    );
    service.wait_healthy(|_| true);
    let json_error = |status: u16, body: &[u8], expected: u16, says: &str| {
        let body: Value = serde_json::from_slice(body)
            .unwrap_or_else(|_| panic!("{status}: not JSON: {:?}", String::from_utf8_lossy(body)));
        assert_eq!(status, expected, "{body}");
        let error = body["error"].as_str().unwrap_or_else(|| panic!("{body}"));
        assert!(error.contains(says), "{body}");
    };

    // Item 11: a method the route does not take, a job id that is not UTF-8, a URI over the
    // limit: each a JSON error, not an empty body or plain text.
    let (status, body) = service.request("GET", "/v1/verify", &[], b"");
    json_error(status, &body, 405, "does not take GET");
    let (status, body) = service.request("GET", "/v1/jobs/%FF%FE", &[], b"");
    json_error(status, &body, 400, "path");
    let long = format!("/v1/jobs/{}", "a".repeat(9000));
    let (status, body) = service.request("GET", &long, &[], b"");
    json_error(status, &body, 414, "at most 8192");

    // Heads hyper would refuse before any of our code ran (with an empty body): checked
    // first, each a JSON error; on a kept-alive connection the request before the bad head is
    // answered, then the refusal.
    let wait = Duration::from_secs(10);
    let heads: [(&[u8], u16, &str); 5] = [
        (b"POST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Length: 12abc\r\n\r\n", 400, "Content-Length"),
        (b"POST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, "disagree"),
        (b"POST /v1/verify HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "chunked"),
        (b"GET /healthz HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n", 400, "not HTTP/1.1"),
        (b"GET /healthz HTTP/1.1\r\nHost: t\r\n", 400, "ended inside a request head"),
    ];
    for (head, expected, says) in heads {
        let mut stream = TcpStream::connect(&service.addr).unwrap();
        stream.set_read_timeout(Some(wait)).unwrap();
        stream.write_all(head).unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let (status, body) = parse_response(&raw);
        assert_eq!(status, expected, "{}", String::from_utf8_lossy(&raw));
        assert!(body["error"].as_str().unwrap().contains(says), "{body}");
    }
    let mut over = b"GET /healthz HTTP/1.1\r\nHost: t\r\n".to_vec();
    over.extend(std::iter::repeat_n(b"X-Pad: 0123456789abcdef\r\n".as_slice(), 4000).flatten());
    let (raw, _) = raw_exchange(&service.addr, &over, wait);
    let (status, body) = parse_response(&raw);
    assert_eq!(status, 431, "{}", String::from_utf8_lossy(&raw));
    assert!(
        body["error"].as_str().unwrap().contains("65536 bytes"),
        "{body}"
    );
    let line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(70_000));
    let (raw, _) = raw_exchange(&service.addr, line.as_bytes(), wait);
    let (status, body) = parse_response(&raw);
    // 414 either way: "the request line is over 65536 bytes" if it is cut off before its
    // end arrived, else the URI's own length.
    assert_eq!(status, 414, "{}", String::from_utf8_lossy(&raw));
    assert!(body["error"].as_str().unwrap().contains("bytes"), "{body}");
    let pipelined = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nPOST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n";
    let (raw, _) = raw_exchange(&service.addr, pipelined, wait);
    let text = String::from_utf8_lossy(&raw);
    let second = text.rfind("HTTP/1.1 ").unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let (status, body) = parse_response(&raw[second..]);
    assert_eq!(status, 400, "{text}");
    assert!(
        body["error"].as_str().unwrap().contains("Content-Length"),
        "{body}"
    );

    // Verify's token: none or a wrong one is 401; the scheme is matched in any case.
    let good = verify_body(proof(), json!([2]), 2).to_string();
    let json = ("Content-Type", "application/json");
    let (status, body) = service.request("POST", "/v1/verify", &[json], good.as_bytes());
    json_error(status, &body, 401, "Authorization");
    let wrong = [json, ("Authorization", "Bearer nope")];
    let (status, body) = service.request("POST", "/v1/verify", &wrong, good.as_bytes());
    json_error(status, &body, 401, "wrong bearer token");
    let lower = [json, ("Authorization", "bearer verify-secret")];
    let (status, body) = service.request("POST", "/v1/verify", &lower, good.as_bytes());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    // Item 4: a declared length over the limit is answered 413 at once, without its body.
    let huge = "POST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 9223372036854775807\r\n\r\n";
    let (raw, took) = raw_exchange(&service.addr, huge.as_bytes(), Duration::from_secs(20));
    let (status, body) = parse_response(&raw);
    assert_eq!(status, 413, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("--max-body"),
        "{body}"
    );
    assert!(took < Duration::from_secs(5), "413 after {took:?}");

    // Half a header is cut off after the header timeout (1 s), not held open.
    let (raw, took) = raw_exchange(
        &service.addr,
        b"POST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Le",
        Duration::from_secs(30),
    );
    assert!(
        took < Duration::from_secs(8),
        "half a header held {took:?}: {raw:?}"
    );
    // A body sent too slowly is answered 408 at the request deadline (3 s).
    let slow = "POST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nAuthorization: Bearer verify-secret\r\nContent-Length: 100\r\n\r\n{\"proof\":";
    let (raw, took) = raw_exchange(&service.addr, slow.as_bytes(), Duration::from_secs(30));
    let (status, body) = parse_response(&raw);
    assert_eq!(status, 408, "{body}");
    assert!(took < Duration::from_secs(10), "408 after {took:?}");

    // Connections are bounded: with 3 held idle, a fourth is answered 503 at once; idle ones
    // are closed after the header timeout, and the service answers again.
    let idle: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(&service.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let (raw, _) = raw_exchange(
        &service.addr,
        b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        Duration::from_secs(10),
    );
    let (status, body) = parse_response(&raw);
    assert_eq!(status, 503, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("--max-connections"),
        "{body}"
    );
    assert!(
        String::from_utf8_lossy(&raw)
            .to_ascii_lowercase()
            .contains("retry-after")
    );
    for mut stream in idle {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut rest = Vec::new();
        let start = Instant::now();
        let _ = stream.read_to_end(&mut rest);
        assert!(
            start.elapsed() < Duration::from_secs(8),
            "an idle connection stayed open"
        );
    }
    service.wait_healthy(|_| true);

    // Item 3: the verify queue is bounded (one slot here): of six requests at once, those
    // that find it taken get 503 with Retry-After, the others verify.
    let statuses = verify_at_once(&service, 6, &lower, good.as_bytes());
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(statuses.contains(&503), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 503)),
        "{statuses:?}"
    );
    let (status, _) = service.request("POST", "/v1/verify", &lower, good.as_bytes());
    assert_eq!(status, 200);
}

/// `n` verify requests sent at once, each on its own connection; their statuses.
fn verify_at_once(service: &Service, n: usize, headers: &[(&str, &str)], body: &[u8]) -> Vec<u16> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| s.spawn(|| service.request("POST", "/v1/verify", headers, body).0))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// A process's resident and peak memory (VmRSS, VmHWM), in MiB.
fn memory_mib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kib| kib.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no {name} in {status}"))
            / 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Issue 22, item 3: the memory a burst of large verify bodies takes in the API process is
/// handed back once they are answered. Before glibc's mmap threshold was fixed, three bursts
/// of eight 16 MiB bodies left the process at over 200 MiB resident (8 MiB before).
#[test]
fn the_memory_of_a_burst_of_verify_bodies_is_given_back() {
    let dir = verifier_key_only();
    let service = Service::start(dir.to_str().unwrap(), &["--verify-only"]);
    service.wait_healthy(|_| true);
    let pid = service.child.id();
    // Not a proof (zeros), but read, parsed and decoded in full before the verifier says so.
    let body = format!(
        "{{\"proof\":\"{}\",\"steps\":2}}",
        "A".repeat(16 * 1024 * 1024 - 64)
    );
    let json = [("Content-Type", "application/json")];
    for _ in 0..3 {
        let statuses = verify_at_once(&service, 8, &json, body.as_bytes());
        assert!(statuses.iter().all(|&s| s == 400), "{statuses:?}");
    }
    let (resident, peak) = memory_mib(pid);
    assert!(
        peak >= 100,
        "the bodies took only {peak} MiB: the test proves nothing"
    );
    assert!(
        resident <= 48,
        "{resident} MiB still resident after the burst (peak {peak} MiB)"
    );
}

/// Issue 22, item 5: `DELETE /v1/jobs/{id}` cancels a job through the task store (its workers
/// stop, its prover-side wait ends), the job reads as cancelled, and it cannot be cancelled or
/// fetched afterwards.
#[test]
fn a_job_is_cancelled_through_the_store() {
    let service = Service::start(keys(), &[]);
    let job = json!({ "circuit": "synthetic", "size": 8, "steps": 60, "shards": 2 });
    let (status, submitted) = service.post("/v1/jobs", &job);
    assert_eq!(status, 202, "{submitted}");
    let id = submitted["id"].as_str().unwrap().to_string();
    let path = format!("/v1/jobs/{id}");
    let auth = format!("Bearer {TOKEN}");
    let auth = [("Authorization", auth.as_str())];

    let (status, _) = service.request("DELETE", &path, &[], b"");
    assert_eq!(status, 401);
    let (status, body) = service.request("DELETE", &path, &auth, b"");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "cancelled", "{body}");
    let (status, view) = service.get(&path);
    assert_eq!(
        (status, &view["state"]),
        (200, &json!("cancelled")),
        "{view}"
    );
    let (status, body) = service.request("DELETE", &path, &auth, b"");
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&body));
    let (status, body) = service.request("GET", &format!("{path}/proof"), &[], b"");
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&body));
    let (status, _) = service.request("DELETE", "/v1/jobs/0123", &auth, b"");
    assert_eq!(status, 404);

    // The prover process's wait for the job ends with the cancellation, through the store.
    let start = Instant::now();
    while !service.log().contains("the job was cancelled") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the prover never saw the cancellation:\n{}",
            service.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, metrics) = service.request("GET", "/metrics", &[], b"");
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(
        metrics.contains("origami_jobs{state=\"cancelled\"} 1"),
        "{metrics}"
    );
}

/// Issue 22, item 5: a job whose estimated time or memory is over the service's limits is
/// refused at submission, with the estimate (10^6 steps used to be accepted: days of work).
#[test]
fn a_job_over_the_time_or_memory_limit_is_refused_with_the_estimate() {
    let service = Service::start(keys(), &["--max-job-seconds", "5", "--max-memory", "1MiB"]);
    let long = json!({ "circuit": "synthetic", "size": 8, "steps": 1_000_000 });
    let (status, answer) = service.post("/v1/jobs", &long);
    assert_eq!(status, 422, "{answer}");
    let error = answer["error"].as_str().unwrap();
    assert!(
        error.contains("would take about") && error.contains("--max-job-seconds 5"),
        "{answer}"
    );
    let small = json!({ "circuit": "synthetic", "size": 8, "steps": 2 });
    let (status, answer) = service.post("/v1/jobs", &small);
    assert_eq!(status, 422, "{answer}");
    let error = answer["error"].as_str().unwrap();
    assert!(
        error.contains("would need about") && error.contains("--max-memory of 1 MiB"),
        "{answer}"
    );
    // Refused jobs leave no record.
    let (_, metrics) = service.request("GET", "/metrics", &[], b"");
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(
        metrics.contains("origami_jobs{state=\"queued\"} 0"),
        "{metrics}"
    );
}

#[test]
fn a_job_over_an_uploaded_file_attests_its_digest_and_bad_inputs_are_4xx() {
    use sha2::{Digest, Sha256};
    let service = Service::start(file_keys(), &["--max-input", "1KiB"]);
    let data: Vec<u8> = (0..150u32).map(|i| (i * 5 + 3) as u8).collect();
    let digest: String = Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let job = json!({ "circuit": "sha256-file", "input": base64(&data), "shards": 2 });
    let (status, submitted) = service.post("/v1/jobs", &job);
    assert_eq!(status, 202, "{submitted}");
    let id = submitted["id"].as_str().unwrap().to_string();
    let done = service.wait_complete(&id);
    assert_eq!(
        (&done["steps"], &done["input_bytes"]),
        (&json!(3), &json!(150))
    );
    let (status, proof) = service.request("GET", &format!("/v1/jobs/{id}/proof"), &[], b"");
    assert_eq!(status, 200);

    // The verify endpoint answers with the attested statement (z0 defaults to SHA-256's).
    let (status, verified) = service.post(
        "/v1/verify",
        &json!({ "proof": base64(&proof), "steps": 3 }),
    );
    assert_eq!(status, 200, "{verified}");
    assert_eq!(
        verified["sha256"],
        json!({ "digest": digest, "bytes": 150 }),
        "{verified}"
    );

    // Over the limit, missing, undecodable, or disagreeing with the steps: each a 4xx naming it.
    for (body, code, says) in [
        (
            json!({ "circuit": "sha256-file", "input": base64(&[0; 2000]) }),
            413,
            "--max-input",
        ),
        (json!({ "circuit": "sha256-file" }), 422, "reads an input"),
        (
            json!({ "circuit": "sha256-file", "input": "not base64!" }),
            400,
            "input is not base64",
        ),
        (
            json!({ "circuit": "sha256-file", "input": base64(&data), "steps": 9 }),
            422,
            "takes 3 steps, but steps 9",
        ),
    ] {
        let (status, answer) = service.post("/v1/jobs", &body);
        assert_eq!(status, code, "{body}: {answer}");
        assert!(
            answer["error"].as_str().unwrap_or_default().contains(says),
            "{body}: {answer}"
        );
    }
}

//! `origami prove --circuit sha256-file --input FILE` and `origami verify` as a user drives them:
//! the digest `sha256sum` prints, refused against another file's digest or length, the same
//! statement sharded and on a cluster whose worker cannot see the file, and every bad input
//! named.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use sha2::{Digest, Sha256};

mod cluster_support;
use cluster_support::cli_support::{fails, s};
use cluster_support::{capture, command, file_keys as keys, fresh_database, ok};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The line `verify` prints for a file.
fn sha256sum_line(data: &[u8]) -> String {
    format!("{}  ({} bytes)", hex(&Sha256::digest(data)), data.len())
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

fn prove(input: &Path, out: &Path, extra: &[&str]) -> String {
    ok(&[
        &[
            "prove",
            "--keys",
            keys(),
            "--input",
            s(input),
            "--out",
            s(out),
        ][..],
        extra,
    ]
    .concat())
}

fn verify(proof: &Path, extra: &[&str]) -> String {
    ok(&[&["verify", "--keys", keys(), s(proof)][..], extra].concat())
}

#[test]
fn a_proof_states_the_digest_sha256sum_prints_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in [
        ("empty", Vec::new()),
        ("short", b"origami".to_vec()),
        ("blocks", (0..130u8).collect()),
    ] {
        let input = write(dir.path(), name, &data);
        let proof = dir.path().join(format!("{name}.proof"));
        let line = sha256sum_line(&data);
        let out = prove(&input, &proof, &[]);
        assert!(out.contains(&line), "{name}: {out}");
        let out = verify(&proof, &["--expect-sha256", &hex(&Sha256::digest(&data))]);
        assert!(out.contains(&format!("sha256:        {line}")), "{out}");
        assert!(out.contains("statement:     the SHA-256 as given"), "{out}");
        verify(&proof, &["--expect-size", &data.len().to_string()]);
    }
    // Against another file's digest or length, the proof is refused.
    let proof = dir.path().join("short.proof");
    fails(
        &[
            "verify",
            "--keys",
            keys(),
            s(&proof),
            "--expect-sha256",
            &hex(&Sha256::digest(b"origamj")),
        ],
        "the proof attests SHA-256",
    );
    fails(
        &["verify", "--keys", keys(), s(&proof), "--expect-size", "8"],
        "attests a file of 7 bytes, not the expected 8",
    );
    fails(
        &[
            "verify",
            "--keys",
            keys(),
            s(&proof),
            "--expect-sha256",
            "abc",
        ],
        "is not a SHA-256 digest of 64 hex digits",
    );

    // Sharded in two and three, the same statement.
    let data: Vec<u8> = (0..200).map(|i| (i * 3) as u8).collect();
    let input = write(dir.path(), "sharded", &data);
    for shards in ["2", "3"] {
        let proof = dir.path().join(format!("sharded-{shards}.proof"));
        let out = prove(&input, &proof, &["--shards", shards]);
        assert!(out.contains(&sha256sum_line(&data)), "{out}");
        let out = verify(&proof, &[]);
        assert!(out.contains(&sha256sum_line(&data)), "{out}");
    }
}

#[test]
fn bad_inputs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.proof");
    let missing = dir.path().join("missing");
    let prove_args = |input: &Path| {
        vec![
            "prove".to_string(),
            "--keys".into(),
            keys().into(),
            "--input".into(),
            s(input).into(),
            "--out".into(),
            s(&out).into(),
        ]
    };
    let run = |args: Vec<String>, expect: &str| {
        fails(&args.iter().map(String::as_str).collect::<Vec<_>>(), expect)
    };
    run(prove_args(&missing), "cannot open input file");
    run(prove_args(dir.path()), "is not a regular file");
    let input = write(dir.path(), "f", &[1; 100]);
    let mut args = prove_args(&input);
    args.extend(["--steps".into(), "5".into()]);
    run(
        args,
        "the input of 100 bytes takes 2 steps of 64 bytes, but --steps 5",
    );
    fails(
        &["prove", "--keys", keys(), "--out", s(&out)],
        "sha256-file reads an input: give it with --input FILE",
    );
    fails(
        &[
            "prove",
            "--circuit",
            "synthetic",
            "--size",
            "4",
            "--steps",
            "2",
            "--input",
            s(&input),
            "--out",
            s(&out),
        ],
        "synthetic reads no input",
    );
}

#[test]
fn on_a_cluster_the_worker_proves_a_file_it_cannot_see() {
    let db = fresh_database();
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..150).map(|i| (i * 7 + 1) as u8).collect();
    let input = write(dir.path(), "secret", &data);
    let out = prove(
        &input,
        &dir.path().join("unused.proof"),
        &["--shards", "2", "--cluster", &db, "--detach"],
    );
    let job = out
        .lines()
        .find_map(|l| l.strip_prefix("job:"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no job line in {out}"))
        .to_string();
    // The same file submitted again is the same job.
    let again = prove(
        &input,
        &dir.path().join("unused.proof"),
        &["--shards", "2", "--cluster", &db, "--detach"],
    );
    assert!(again.contains(&format!("job:           {job}")), "{again}");
    std::fs::remove_file(&input).unwrap();

    // The worker runs elsewhere, with the keys only.
    let elsewhere = tempfile::tempdir().unwrap();
    let mut worker = command(&["worker", "--cluster", &db, "--keys", keys(), "--name", "w"])
        .current_dir(elsewhere.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = capture(&mut worker);
    let proof = dir.path().join("cluster.proof");
    let fetched = ok(&[
        "cluster",
        "fetch",
        "--db",
        &db,
        &job,
        "--keys",
        keys(),
        "--out",
        s(&proof),
        "--wait",
    ]);
    let _ = worker.kill();
    let _ = worker.wait();
    assert!(
        log.lock().unwrap().contains("uploaded"),
        "{}",
        log.lock().unwrap()
    );
    let out = verify(&proof, &["--expect-sha256", &hex(&Sha256::digest(&data))]);
    assert!(out.contains(&sha256sum_line(&data)), "{fetched}\n{out}");
}

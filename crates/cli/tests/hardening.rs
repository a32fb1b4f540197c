//! Bad inputs and operator faults get a clear answer from the CLI, never a panic, a signal or a
//! read of unbounded size: files that are devices or lie about their length, standard output
//! closed or full, and an output directory that is full or read-only.

mod cli_support;
mod fault_support;
use cli_support::{generator_cache, text};

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The smallest real key directory and a 2-step compressed proof made with it, shared by the
/// tests (made once per test binary).
struct Made {
    _dir: tempfile::TempDir,
    keys: PathBuf,
    proof: PathBuf,
}

fn made() -> &'static Made {
    static MADE: OnceLock<Made> = OnceLock::new();
    MADE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = dir.path().join("keys");
        let proof = dir.path().join("run.proof");
        let run = |args: &[&str]| {
            let o = cli_support::origami(args);
            assert!(o.status.success(), "origami {args:?}: {}", text(&o));
        };
        run(&[
            "setup",
            "--circuit",
            "synthetic",
            "--size",
            "16",
            "--out-dir",
            s(&keys),
        ]);
        run(&prove_args("2", &keys, &proof));
        Made {
            _dir: dir,
            keys,
            proof,
        }
    })
}

/// `origami prove` of `steps` steps of the fixture's circuit with the keys in `keys`.
fn prove_args<'a>(steps: &'a str, keys: &'a Path, out: &'a Path) -> Vec<&'a str> {
    vec![
        "prove",
        "--circuit",
        "synthetic",
        "--size",
        "16",
        "--steps",
        steps,
        "--keys",
        s(keys),
        "--out",
        s(out),
    ]
}

/// Runs origami and asserts that it failed with status 1, said `expect`, and did not panic.
fn fails_with(args: &[&str], expect: &str) -> String {
    let o = cli_support::origami(args);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "origami {args:?}: {out}");
    assert!(!out.contains("panicked"), "origami {args:?}: {out}");
    assert!(
        out.contains(expect),
        "origami {args:?}: `{expect}` not in {out}"
    );
    out
}

/// A copy of the key directory whose `name` is a link to `/dev/zero`.
fn keys_with_device(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for key in ["prover.key", "verifier.key"] {
        let to = dir.path().join(key);
        if key == name {
            std::os::unix::fs::symlink("/dev/zero", &to).expect("symlink");
        } else {
            std::fs::copy(made().keys.join(key), &to).expect("copy key");
        }
    }
    dir
}

#[test]
fn a_key_that_is_a_device_is_refused_unread() {
    let m = made();
    // Before: /dev/zero was read until the process held gigabytes.
    let vk = keys_with_device("verifier.key");
    fails_with(
        &["verify", s(&m.proof), "--keys", s(vk.path())],
        "is not a regular file",
    );
    let pk = keys_with_device("prover.key");
    let out = tempfile::tempdir().expect("tempdir");
    let proof = out.path().join("p.proof");
    fails_with(&prove_args("1", pk.path(), &proof), "is not a regular file");
    fails_with(&["inspect", "/dev/zero"], "is not a regular file");
}

#[test]
fn a_proof_longer_than_its_header_says_is_refused_before_it_is_read() {
    let m = made();
    let dir = tempfile::tempdir().expect("tempdir");
    let sparse = dir.path().join("sparse.proof");
    std::fs::copy(&m.proof, &sparse).expect("copy proof");
    // 3 GiB on paper, nothing on disk: before, all of it was read (13 s, 3 GB) first.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&sparse)
        .and_then(|f| f.set_len(3 << 30))
        .expect("extend");
    fails_with(
        &["verify", s(&sparse), "--keys", s(&m.keys)],
        "the file is truncated or has trailing data",
    );
    fails_with(
        &["verify", s(dir.path()), "--keys", s(&m.keys)],
        "not a regular file",
    );
}

/// Runs origami with its standard output a pipe whose reader is already gone.
fn with_closed_stdout(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    cli_support::command(args)
        .stdout(Stdio::from(writer))
        .output()
        .expect("run origami")
}

#[test]
fn a_closed_standard_output_ends_the_command_quietly() {
    let m = made();
    // Before: `origami verify … | true` panicked ("failed printing to stdout") with exit 101.
    for args in [
        &["info"][..],
        &["inspect", s(&m.proof)][..],
        &["verify", s(&m.proof), "--keys", s(&m.keys)][..],
    ] {
        let o = with_closed_stdout(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(141), "origami {args:?}: {err}");
        assert!(!err.contains("panicked"), "origami {args:?}: {err}");
        assert!(!err.contains("Error"), "quiet, as `| head` expects: {err}");
    }
}

#[test]
fn a_full_standard_output_is_an_error() {
    let m = made();
    for args in [
        &["info"][..],
        &["verify", s(&m.proof), "--keys", s(&m.keys)][..],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let o = cli_support::command(args)
            .stdout(Stdio::from(full))
            .output()
            .expect("run origami");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "origami {args:?}: {err}");
        assert!(
            err.contains("writing to standard output") && err.contains("No space left"),
            "origami {args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Lists what a script left in `$MNT`, one `LEFT name` line each.
const LIST_LEFT: &str = "ls -A \"$MNT\" | sed 's/^/LEFT /'";

#[test]
fn setup_into_a_full_disk_is_reported_and_leaves_nothing() {
    if fault_support::skipped() {
        return;
    }
    let (_tmp, mnt) = fault_support::mount_point();
    // 64 KiB holds the probe but not the prover key (~1 MiB at size 16): the key write fails.
    let script = format!(
        "export ORIGAMI_GENERATOR_CACHE={cache}
         \"$ORIGAMI\" setup --circuit synthetic --size 16 --out-dir \"$MNT/keys\" 2>&1; echo \"SETUP=$?\"
         ls -A \"$MNT/keys\" | sed 's/^/LEFT /'
         mount -o remount,size=4k \"$MNT\"
         dd if=/dev/zero of=\"$MNT/fill\" bs=4k count=1 2>/dev/null || true
         full=$(\"$ORIGAMI\" setup --circuit synthetic --size 16 --out-dir \"$MNT/keys2\" 2>&1); echo \"FULL=$?\"
         echo \"$full\" | sed 's/^/FULL: /'
         rm -f \"$MNT/fill\"; rmdir \"$MNT/keys\" \"$MNT/keys2\" 2>/dev/null || true
         {LIST_LEFT}",
        cache = generator_cache().display()
    );
    let run = fault_support::in_tiny_tmpfs(&mnt, "64k", &script);
    let out = text(&run);
    assert!(out.contains("SETUP=1"), "{out}");
    assert!(
        out.contains("writing") && out.contains("No space left"),
        "{out}"
    );
    assert!(!out.contains("panicked"), "{out}");
    assert!(
        !out.contains("LEFT "),
        "no key and no temporary left: {out}"
    );
    // A disk that is already full is found before setup starts.
    assert!(out.contains("FULL=1"), "{out}");
    assert!(out.contains("the keys could not be written to"), "{out}");
    assert!(out.contains("FULL: Error:"), "{out}");
    assert!(
        !out.contains("FULL: setting up"),
        "refused before setup: {out}"
    );
}

#[test]
fn prove_finds_a_full_or_read_only_output_before_proving() {
    if fault_support::skipped() {
        return;
    }
    let m = made();
    let (_tmp, mnt) = fault_support::mount_point();
    let prove = format!(
        "\"$ORIGAMI\" prove --circuit synthetic --size 16 --steps 2 --keys {} --out \"$MNT/run.proof\" 2>&1",
        s(&m.keys)
    );
    let script = format!(
        "export ORIGAMI_GENERATOR_CACHE={cache}
         dd if=/dev/zero of=\"$MNT/fill\" bs=4k count=64 2>/dev/null || true
         {prove}; echo \"FULL=$?\"
         rm \"$MNT/fill\"
         mount -o remount,ro \"$MNT\"
         {prove}; echo \"READONLY=$?\"
         mount -o remount,rw \"$MNT\"
         {LIST_LEFT}
         {prove} >/dev/null; echo \"ROOM=$?\"
         {LIST_LEFT}",
        cache = generator_cache().display()
    );
    let run = fault_support::in_tiny_tmpfs(&mnt, "64k", &script);
    let out = text(&run);
    assert!(
        out.contains("FULL=1") && out.contains("READONLY=1"),
        "{out}"
    );
    assert_eq!(
        out.matches("the proof could not be written to").count(),
        2,
        "{out}"
    );
    assert!(out.contains("No space left"), "{out}");
    assert!(out.contains("Read-only file system"), "{out}");
    assert!(!out.contains("steps/s"), "refused before proving: {out}");
    assert!(!out.contains("panicked"), "{out}");
    // Once there is room, the same command proves, and only the proof is left.
    assert!(out.contains("ROOM=0"), "{out}");
    assert_eq!(out.matches("LEFT ").count(), 1, "{out}");
    assert!(out.contains("LEFT run.proof\n"), "{out}");
}

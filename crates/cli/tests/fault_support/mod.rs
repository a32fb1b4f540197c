//! Faults injected for real: a tiny tmpfs in a private mount namespace (`unshare -m`), which
//! vanishes with the namespace. Needs root (CI and `scripts/test.sh` run as root); set
//! `ORIGAMI_NO_FAULT_INJECTION=1` to skip these tests where no namespace can be made.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Whether fault injection was switched off for this run.
pub fn skipped() -> bool {
    if std::env::var_os("ORIGAMI_NO_FAULT_INJECTION").is_some() {
        eprintln!("fault injection skipped (ORIGAMI_NO_FAULT_INJECTION is set)");
        return true;
    }
    false
}

/// A scratch directory and, inside it, the empty directory `mnt` to mount the tiny tmpfs on.
pub fn mount_point() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).expect("mkdir");
    (tmp, mnt)
}

/// Runs `script` under `sh` in a private mount namespace where `$MNT` (the empty directory
/// `mount_point`) is a fresh tmpfs of `size` (e.g. `16k`) and `$ORIGAMI` is the binary under
/// test. The script may `mount -o remount,size=… "$MNT"` to free space mid-test.
pub fn in_tiny_tmpfs(mount_point: &Path, size: &str, script: &str) -> Output {
    let output = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o size={size} none \"$MNT\" || exit 97\n{script}"
        ))
        .env("MNT", mount_point)
        .env("ORIGAMI", env!("CARGO_BIN_EXE_origami"))
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run unshare (util-linux)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() != Some(97) && !stderr.contains("unshare failed"),
        "could not mount a tmpfs in a private namespace (needs root; set \
         ORIGAMI_NO_FAULT_INJECTION=1 to skip): {}",
        stderr
    );
    output
}

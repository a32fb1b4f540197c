//! Running the built `origami` binary from the tests, one way for every test binary: its
//! generator caches go to the build's scratch directory (not the user's ~/.cache), and a
//! panic prints no backtrace into the output the tests read.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where the tests' generator caches live.
pub fn generator_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("generator-cache")
}

/// `origami args`, ready to run (or to be given more arguments and pipes).
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_origami"));
    command
        .args(args)
        .env("ORIGAMI_GENERATOR_CACHE", generator_cache())
        .env("RUST_BACKTRACE", "0");
    command
}

/// Runs `origami args` to its end.
pub fn origami(args: &[&str]) -> Output {
    command(args).output().expect("run origami")
}

/// Runs `origami args`, which must succeed, and returns what it printed.
pub fn ok(args: &[&str]) -> String {
    let o = origami(args);
    assert!(o.status.success(), "origami {args:?} failed:\n{}", text(&o));
    text(&o)
}

/// Standard output, then standard error.
pub fn text(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `origami args`, which must fail, printing `expect`.
pub fn fails(args: &[&str], expect: &str) {
    let o = origami(args);
    assert!(
        !o.status.success(),
        "origami {args:?} should fail:\n{}",
        text(&o)
    );
    assert!(
        text(&o).contains(expect),
        "origami {args:?}: expected `{expect}` in:\n{}",
        text(&o)
    );
}

/// A path as an argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

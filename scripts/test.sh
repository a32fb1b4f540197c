#!/usr/bin/env bash
# The whole test suite: formatting, lints, then every crate's tests.
# Needs only the Rust toolchain (with rustfmt and clippy); later issues add their own set-up here,
# idempotently, so this one command stays enough on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# Compiled dependencies survive between runs (and between fresh clones) outside the checkout.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/origami/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked

#!/usr/bin/env bash
# The whole test suite: formatting, lints, then every crate's tests.
# Needs the Rust toolchain (with rustfmt and clippy); everything else is set up here, idempotently,
# so this one command stays enough on a fresh machine:
# - the cluster tests run on a real PostgreSQL server: ORIGAMI_TEST_DATABASE_URL if set (then
#   ORIGAMI_TEST_PG_RESTART should be a command that restarts it), else a throwaway server this
#   script installs (Debian package), starts with its own data directory and port, and removes.
set -euo pipefail
cd "$(dirname "$0")/.."

# Compiled dependencies survive between runs (and between fresh clones) outside the checkout.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/origami/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Incremental caches only grow here (tens of GiB over many runs) and speed up nothing in CI.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
if [[ -z "${ORIGAMI_TEST_DATABASE_URL:-}" ]]; then
    echo "== throwaway PostgreSQL for the cluster tests"
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/origami-pg.XXXXXX")
    trap 'bash scripts/postgres.sh stop "$pg_dir" || true; rm -rf "$pg_dir"' EXIT
    ORIGAMI_TEST_DATABASE_URL=$(bash scripts/postgres.sh start "$pg_dir" | tail -n 1)
    export ORIGAMI_TEST_DATABASE_URL
    export ORIGAMI_TEST_PG_RESTART="bash $PWD/scripts/postgres.sh restart $pg_dir"
    echo "$ORIGAMI_TEST_DATABASE_URL"
fi

echo "== cargo test"
cargo test --workspace --locked

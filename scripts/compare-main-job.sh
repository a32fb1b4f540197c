#!/usr/bin/env bash
# Before/after figures for a change: runs the main job's setup, prove and three verifies with
# each given `origami` binary, interleaved over two rounds, and prints the lines that
# BENCHMARKS.md quotes (setup, key load, compression, verify time, peak memory).
# Usage: scripts/compare-main-job.sh OLD_BINARY NEW_BINARY   (work files under ${OUT_DIR:-/tmp})
set -euo pipefail
if [ "$#" -lt 2 ]; then
    echo "usage: $0 OLD_BINARY NEW_BINARY [MORE_BINARIES...]" >&2
    exit 2
fi
out="${OUT_DIR:-/tmp}"
for round in 1 2; do
    n=0
    for bin in "$@"; do
        n=$((n + 1))
        dir="$out/compare-main-job-$n"
        rm -rf "$dir" && mkdir -p "$dir"
        echo "=== $bin (round $round)"
        "$bin" setup --circuit synthetic --out-dir "$dir/keys" 2>&1 |
            grep -E "setup time|peak memory"
        "$bin" prove --circuit synthetic --steps 10 --keys "$dir/keys" --out "$dir/run.proof" 2>&1 |
            grep -E "keys:|compression:|proof:|wall time|peak memory"
        for _ in 1 2 3; do
            "$bin" verify "$dir/run.proof" --keys "$dir/keys" 2>&1 | grep -E "verify time|peak memory"
        done
    done
done

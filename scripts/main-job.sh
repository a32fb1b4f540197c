#!/usr/bin/env bash
# The main job: build the release binary, then set up, prove and verify a real folding proof on
# the embedded defaults (10 steps of the synthetic 2^12-constraint circuit). Seconds on 2 cores
# once built; everything it writes goes to ./run/ (override with OUT_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT_DIR:-run}"
cargo build --release -p origami
bin=target/release/origami
"$bin" info
rm -rf "$out/keys"
"$bin" setup --circuit synthetic --out-dir "$out/keys"
"$bin" prove --circuit synthetic --steps 10 --keys "$out/keys" --out "$out/run.proof"
"$bin" verify "$out/run.proof" --keys "$out/keys"

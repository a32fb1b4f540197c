#!/usr/bin/env bash
# The service benchmark: resident memory of each process of `origami serve`, idle and while it
# answers verify requests in a loop, and the verify requests per second; for a full service
# (API + prover + verifier) and a verify-only one (API + verifier).
#
#   scripts/bench-service.sh [SIZE] [REQUESTS]     (default: 65536 40)
#
# The proof is a compressed proof of 3 steps of the synthetic circuit of SIZE constraints; the
# requests are sent one after another with curl (one verifier process answers them in turn).
# Memory is read from the service's own /metrics (VmRSS of each process, sampled every 0.2 s
# while serving; VmHWM for the peak since start). Prints a Markdown table; logs and keys go to
# $OUT_DIR (default /tmp/origami-bench-service). ORIGAMI_BIN runs that binary instead of a build.
set -euo pipefail
cd "$(dirname "$0")/.."

size="${1:-65536}"
requests="${2:-40}"
out="${OUT_DIR:-/tmp/origami-bench-service}"
mkdir -p "$out"
if [[ -n "${ORIGAMI_BIN:-}" ]]; then
    bin="$ORIGAMI_BIN"
else
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/origami/target}"
    cargo build --release -q -p origami
    bin="$CARGO_TARGET_DIR/release/origami"
fi
command -v curl >/dev/null || { echo "the benchmark needs curl" >&2; exit 1; }

keys="$out/keys-$size"
[[ -f "$keys/prover.key" ]] || "$bin" setup --circuit synthetic --size "$size" --out-dir "$keys" >"$out/setup.log"
proof="$out/proof-$size"
[[ -f "$proof" ]] || "$bin" prove --circuit synthetic --size "$size" --keys "$keys" --steps 3 --out "$proof" >"$out/prove.log"
body="$out/verify-$size.json"
printf '{"proof":"%s","z0":[2],"steps":3}' "$(base64 -w0 "$proof")" >"$body"

# The value of a /metrics line for `process`.
metric() { awk -v want="$1{process=\"$2\"}" '$1 == want { print $2 }' "$3"; }
mib() { awk -v b="${1:-0}" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# Starts the service with the extra arguments given, measures it, prints its table rows.
measure() {
    local label="$1"
    shift
    local log="$out/serve-$label.log"
    ORIGAMI_SERVICE_TOKEN=bench "$bin" serve --keys "$keys" --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
    local pid=$!
    local url=""
    for _ in $(seq 1200); do
        url=$(awk '/^serving:/ { print $2 }' "$log")
        [[ -n "$url" ]] && break
        sleep 0.1
    done
    [[ -n "$url" ]] || { cat "$log" >&2; kill "$pid"; exit 1; }
    sleep 2
    curl -sf "$url/metrics" >"$out/idle-$label.txt"
    # One request first: the verifier reads (or, the first time on this machine, derives and
    # caches) the generators.
    curl -sf -H 'Content-Type: application/json' --data-binary @"$body" "$url/v1/verify" >/dev/null
    (
        while true; do
            curl -sf "$url/metrics" >>"$out/serving-$label.txt" || true
            sleep 0.2
        done
    ) &
    local sampler=$!
    : >"$out/serving-$label.txt"
    local start end
    start=$(date +%s.%N)
    for _ in $(seq "$requests"); do
        curl -sf -H 'Content-Type: application/json' --data-binary @"$body" "$url/v1/verify" |
            grep -q '"verified":true' || { echo "a verify request failed" >&2; exit 1; }
    done
    end=$(date +%s.%N)
    kill "$sampler"
    curl -sf "$url/metrics" >"$out/after-$label.txt"
    kill "$pid"
    wait "$pid" || true
    local rate
    rate=$(awk -v n="$requests" -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", n / (e - s) }')
    local total_idle=0 total_serving=0
    for p in api prover verifier; do
        local idle serving peak
        idle=$(metric origami_process_resident_bytes "$p" "$out/idle-$label.txt")
        [[ -n "$idle" ]] || continue
        serving=$(metric origami_process_resident_bytes "$p" "$out/serving-$label.txt" | sort -n | tail -n 1)
        peak=$(metric origami_process_peak_resident_bytes "$p" "$out/after-$label.txt")
        total_idle=$((total_idle + idle))
        total_serving=$((total_serving + serving))
        echo "| $label | $p | $(mib "$idle") | $(mib "$serving") | $(mib "$peak") | |"
    done
    echo "| $label | **all** | $(mib "$total_idle") | $(mib "$total_serving") | | $rate |"
}

echo "synthetic 2^$(awk -v s="$size" 'BEGIN { printf "%d", log(s) / log(2) }') ($size constraints), compressed proof of 3 steps ($(stat -c %s "$proof") B), $requests verify requests in a row"
echo
echo "| service | process | idle RSS MiB | serving RSS MiB (max) | peak MiB (VmHWM) | verify req/s |"
echo "|---|---|---|---|---|---|"
measure full
measure verify-only --verify-only

#!/usr/bin/env bash
# The cluster benchmark: one sharded run proven by the in-process store and by PostgreSQL worker
# processes, wall time from submission to the written, checked proof.
#
#   scripts/bench-cluster.sh [SIZE] [STEPS] [SHARDS]     (default: 16384 32 4)
#
# Configurations:
#   local-1        prove --shards K --workers 1 (in-process store, one worker thread)
#   pg-1           prove --shards K --cluster URL, one `origami worker` process
#   pg-2           the same with two worker processes
#   pg-1-pinned    one worker process on one core (taskset, RAYON_NUM_THREADS=1)
#   pg-2-pinned    two worker processes, each on a core of its own: what adding a machine does
# Each configuration gets a database of its own (job ids are deterministic: the same job on the
# same database would be found complete). Uses ORIGAMI_BENCH_DATABASE_URL, else a throwaway
# server (scripts/postgres.sh). Prints a Markdown table; logs go to $OUT_DIR (default
# /tmp/origami-bench-cluster). ORIGAMI_BIN runs a binary built elsewhere instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."

size="${1:-16384}"
steps="${2:-32}"
shards="${3:-4}"
only="${ONLY:-local-1 pg-1 pg-2 pg-1-pinned pg-2-pinned}"
out="${OUT_DIR:-/tmp/origami-bench-cluster}"
mkdir -p "$out"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/origami/target}"
# ORIGAMI_BIN: a binary built elsewhere (another commit, for a before/after comparison).
if [[ -n "${ORIGAMI_BIN:-}" ]]; then
    bin="$ORIGAMI_BIN"
else
    cargo build --release -q -p origami
    bin="$CARGO_TARGET_DIR/release/origami"
fi

if [[ -z "${ORIGAMI_BENCH_DATABASE_URL:-}" ]]; then
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/origami-bench-pg.XXXXXX")
    trap 'bash scripts/postgres.sh stop "$pg_dir" || true; rm -rf "$pg_dir"' EXIT
    ORIGAMI_BENCH_DATABASE_URL=$(bash scripts/postgres.sh start "$pg_dir" | tail -n 1)
fi
server="${ORIGAMI_BENCH_DATABASE_URL%/*}"

keys="$out/keys-$size"
if [[ ! -f "$keys/prover.key" ]]; then
    "$bin" setup --circuit synthetic --size "$size" --out-dir "$keys" >"$out/setup.log"
fi
common=(prove --circuit synthetic --size "$size" --keys "$keys" --steps "$steps" --shards "$shards")

# Runs the prove command given, with $1 worker processes started first (pinned to a core each
# when $2 is "pinned"); prints the wall time in seconds.
run() {
    local workers="$1" pin="$2" name="$3"
    shift 3
    local pids=()
    for ((w = 0; w < workers; w++)); do
        if [[ "$pin" == pinned ]]; then
            RAYON_NUM_THREADS=1 taskset -c "$w" "$bin" worker --cluster "$db" --keys "$keys" \
                --name "w$w" >"$out/$name-w$w.log" 2>&1 &
        else
            "$bin" worker --cluster "$db" --keys "$keys" --name "w$w" >"$out/$name-w$w.log" 2>&1 &
        fi
        pids+=($!)
    done
    for ((w = 0; w < workers; w++)); do
        until grep -q "^worker w$w on" "$out/$name-w$w.log" 2>/dev/null; do sleep 0.1; done
    done
    local start end
    start=$(date +%s.%N)
    "$@" >"$out/$name.log" 2>&1
    end=$(date +%s.%N)
    for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    echo "$end - $start" | bc
}

declare -A wall
for config in $only; do
    db="$server/origami_bench_${config//-/_}_$$"
    case "$config" in
        local-1) wall[$config]=$(run 0 no "$config" "$bin" "${common[@]}" --workers 1 --out "$out/$config.proof") ;;
        pg-1) "$bin" cluster init --db "$db" >/dev/null
              wall[$config]=$(run 1 no "$config" "$bin" "${common[@]}" --cluster "$db" --out "$out/$config.proof") ;;
        pg-2) "$bin" cluster init --db "$db" >/dev/null
              wall[$config]=$(run 2 no "$config" "$bin" "${common[@]}" --cluster "$db" --out "$out/$config.proof") ;;
        pg-1-pinned) "$bin" cluster init --db "$db" >/dev/null
              wall[$config]=$(run 1 pinned "$config" "$bin" "${common[@]}" --cluster "$db" --out "$out/$config.proof") ;;
        pg-2-pinned) "$bin" cluster init --db "$db" >/dev/null
              wall[$config]=$(run 2 pinned "$config" "$bin" "${common[@]}" --cluster "$db" --out "$out/$config.proof") ;;
        *) echo "unknown configuration $config" >&2; exit 2 ;;
    esac
    "$bin" verify --keys "$keys" "$out/$config.proof" >"$out/$config.verify.log"
    echo "$config: ${wall[$config]} s" >&2
done

echo
echo "synthetic circuit, size $size, $steps steps in $shards shards; wall time from submission to the checked, written proof"
echo
echo "| configuration | wall time (s) |"
echo "|---|---:|"
for config in $only; do
    printf '| %s | %.1f |\n' "$config" "${wall[$config]}"
done

#!/usr/bin/env bash
# sha256-file on this machine: bytes proven per second (one process; then two `origami worker`
# processes pinned a core each on a throwaway PostgreSQL), prover peak memory as the file grows
# (the file is streamed, so the peak should not), proof size and verify time. Prints Markdown
# tables for BENCHMARKS.md.
#
#   ORIGAMI_BIN=target/release/origami scripts/bench-sha256-file.sh [SMALL_KIB] [LARGE_KIB] [SIZE]
#
# Defaults: files of 32 KiB and 256 KiB, one block a step. Skip the two-worker run with
# NO_CLUSTER=1.
set -euo pipefail

bin=${ORIGAMI_BIN:-target/release/origami}
small=${1:-32}
large=${2:-256}
size=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
chmod 755 "$work" # the PostgreSQL server runs as its own user
pg="$work/pg"
cleanup() {
    [ -d "$pg" ] && bash "$here/postgres.sh" stop "$pg" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

field() { # field NAME TEXT: the value after "NAME:" on its line
    printf '%s\n' "$2" | sed -n "s/^$1: *//p" | head -n1
}

"$bin" setup --circuit sha256-file --size "$size" --out-dir "$work/keys" >/dev/null
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
echo
echo "| file | steps | folding | bytes/s folded | compression | prover peak memory | proof | verify |"
echo "|---|---|---|---|---|---|---|---|"
for kib in "$small" "$large"; do
    f="$work/f$kib"
    head -c $((kib * 1024)) /dev/urandom >"$f"
    out=$("$bin" prove --keys "$work/keys" --input "$f" --out "$work/p$kib.proof")
    digest=$(sha256sum "$f" | cut -c1-64)
    vout=$("$bin" verify --keys "$work/keys" "$work/p$kib.proof" --expect-sha256 "$digest")
    # "steps:         33 in 4.420 s (7.45 steps/s)"
    steps=$(field steps "$out" | cut -d' ' -f1)
    fold=$(field steps "$out" | sed 's/^[0-9]* in \([^(]*\) (.*/\1/')
    fold_s=$(printf '%s\n' "$fold" | awk '{ s = $1; if ($2 == "ms") s /= 1000; print s }')
    printf '| %s KiB | %s | %s | %.0f | %s | %s | %s | %s |\n' "$kib" "$steps" "$fold" \
        "$(echo "$kib * 1024 / $fold_s" | bc -l)" \
        "$(field compression "$out")" \
        "$(field 'peak memory' "$out" | cut -d' ' -f1-2)" \
        "$(field proof "$out" | sed 's/.*(\([0-9]* B\).*/\1/')" \
        "$(field 'verify time' "$vout")"
done

[ "${NO_CLUSTER:-0}" = 1 ] && exit 0
echo
bash "$here/postgres.sh" start "$pg" >/dev/null
db="postgres://postgres@127.0.0.1:54329/origami_bench_$$"
"$bin" cluster init --db "$db" >/dev/null
f="$work/f$small"
start=$(date +%s.%N)
out=$("$bin" prove --keys "$work/keys" --input "$f" --shards 2 --cluster "$db" --detach \
    --out "$work/unused.proof")
job=$(field job "$out" | cut -d' ' -f1)
taskset -c 0 "$bin" worker --cluster "$db" --keys "$work/keys" --name w0 >"$work/w0.log" 2>&1 &
w0=$!
taskset -c 1 "$bin" worker --cluster "$db" --keys "$work/keys" --name w1 >"$work/w1.log" 2>&1 &
w1=$!
"$bin" cluster fetch --db "$db" "$job" --keys "$work/keys" --out "$work/cluster.proof" --wait >/dev/null
end=$(date +%s.%N)
kill -INT "$w0" "$w1" 2>/dev/null || true
wait "$w0" "$w1" 2>/dev/null || true
"$bin" verify --keys "$work/keys" "$work/cluster.proof" \
    --expect-sha256 "$(sha256sum "$f" | cut -c1-64)" >/dev/null
secs=$(echo "$end - $start" | bc -l)
echo "| file | workers | submit to verified proof | bytes/s |"
echo "|---|---|---|---|"
printf '| %s KiB | 2, pinned to cores 0 and 1 (2 shards) | %.1f s | %.0f |\n' "$small" "$secs" \
    "$(echo "$small * 1024 / $secs" | bc -l)"

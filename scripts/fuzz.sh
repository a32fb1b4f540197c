#!/usr/bin/env bash
# Coverage-guided fuzzing of every decoder that takes outside bytes (crates/fuzz), with AFL++
# on the stable toolchain (cargo-afl). Seeds are real files and messages made by the fixture.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]     (default: 60 s, every target)
#
# Prints one Markdown row per target (executions, speed, coverage, corpus, crashes, hangs) and
# leaves the campaign under $ORIGAMI_FUZZ_OUT (default target/fuzz): crashes are in
# <target>/out/default/crashes, to replay with `fuzz-target TARGET < FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(compressed-proof sharded-proof recursive-proof shard-proof verifier-key prover-key
             shard-task service-frames http-bodies http-heads sdr-inputs)
fi

command -v cargo-afl >/dev/null || cargo install cargo-afl --locked
# Builds AFL++ once per toolchain; says so (and fails) when it is built already.
cargo afl config --build >/dev/null 2>&1 || true
export CARGO_TARGET_DIR=${ORIGAMI_AFL_TARGET_DIR:-$HOME/.cache/origami/afl-target}
cargo afl build --release --locked -p origami-fuzz --features afl --bin fuzz-target >&2
bin=$CARGO_TARGET_DIR/release/fuzz-target
out=${ORIGAMI_FUZZ_OUT:-target/fuzz}

# No crash reporter to wait for, no CPU governor to set, no screen to draw.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_NO_AFFINITY=1
# The keys and proofs the targets start from take a minute to make in an instrumented build.
export AFL_FORKSRV_INIT_TMOUT=${AFL_FORKSRV_INIT_TMOUT:-600000}

# Keys and proofs made once, by the first target, for all of them.
export ORIGAMI_FUZZ_FIXTURE=$out/fixture

status=0
echo "| target | seconds | executions | per second | edges covered | corpus | crashes | hangs |"
echo "|---|---|---|---|---|---|---|---|"
for t in "${targets[@]}"; do
    dir=$out/$t
    rm -rf "$dir"
    "$bin" "$t" --seeds "$dir/seeds"
    # AFL++ refuses seeds over 1 MiB (a prover key, a recursive proof with its witnesses):
    # their first 64 KiB, where the decoder's lengths and shapes are, seed it instead.
    find "$dir/seeds" -size +1000k -exec truncate -s 64K {} +
    cargo afl fuzz -V "$secs" -t 20000 -i "$dir/seeds" -o "$dir/out" -- "$bin" "$t" \
        > "$dir/afl.log" 2>&1 || { echo "| $t | afl-fuzz failed: see $dir/afl.log |"; status=1; continue; }
    stats=$dir/out/default/fuzzer_stats
    get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
    echo "| $t | $(get run_time) | $(get execs_done) | $(get execs_per_sec) | $(get edges_found) of $(get total_edges) ($(get bitmap_cvg)) | $(get corpus_count) | $(get saved_crashes) | $(get saved_hangs) |"
done
exit $status

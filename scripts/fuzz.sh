#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers on stable Rust: libFuzzer (built from source by the
# libfuzzer-sys crate, with Debian's C++ compiler) over targets instrumented with stable rustc's
# SanitizerCoverage flags (scripts/fuzz-rustc.sh adds them to the parsing crates only). A panic
# aborts, as it would in the browser, and counts as a crash; so does an arithmetic overflow in
# the engine (overflow checks are on in fuzz/) and using more than 2 GiB of memory.
#
# Usage: scripts/fuzz.sh [seconds-per-reader] [readers...]
#   FUZZ_JOBS=2 runs two readers at a time (one core each). Default: 600 s, all six readers.
#   scripts/fuzz.sh --summary prints the table again from the last logs of every reader.
# Prints per reader: time, runs, execs/s, coverage (edges), corpus size, crashes; logs, the
# working corpora and any crashing inputs are under fuzz/runs/ (not committed). A crashing input
# belongs in tests/corpus/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
summary_only=false
if [[ "${1:-}" == "--summary" ]]; then summary_only=true; shift; secs=0; else secs=${1:-600}; shift || true; fi
readers=("$@")
[[ ${#readers[@]} -gt 0 ]] || readers=(nifti dicom npy png weights study)
jobs=${FUZZ_JOBS:-1}
runs=fuzz/runs

summary() {
  printf '%-8s %-20s %8s %12s %9s %8s %8s %8s\n' reader finished seconds runs execs/s cov corpus crashes
  local total=0 t log n eps cov corp took crashes when
  for t in "${readers[@]}"; do
    log=$runs/$t/log
    [[ -f $log ]] || { printf '%-8s (not run)\n' "$t"; continue; }
    n=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log")
    eps=$(awk '/stat::average_exec_per_sec:/ {print $2}' "$log")
    cov=$( (grep -oE 'cov: [0-9]+' "$log" || true) | tail -1 | awk '{print $2}')
    corp=$( (grep -oE 'corp: [0-9]+' "$log" || true) | tail -1 | awk '{print $2}')
    took=$( (grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" || true) | awk '{print $5}')
    when=$(date -u -r "$log" +%FT%TZ)
    crashes=$(find "$runs/$t/crashes" -type f 2>/dev/null | wc -l)
    if grep -q 'deadly signal\|panicked\|out-of-memory\|ERROR: libFuzzer' "$log"; then crashes=$((crashes > 0 ? crashes : 1)); fi
    total=$((total + crashes))
    printf '%-8s %-20s %8s %12s %9s %8s %8s %8s\n' "$t" "$when" "${took:-?}" "${n:-?}" "${eps:-?}" "${cov:-?}" "${corp:-?}" "$crashes"
  done
  echo "crashes in all: $total"
  [[ $total -eq 0 ]]
}
if $summary_only; then summary; exit; fi
command -v c++ >/dev/null || { echo "installing g++ (libFuzzer is C++)"; apt-get install -y g++ >/dev/null; }

(cd fuzz && RUSTC_WRAPPER="$PWD/../scripts/fuzz-rustc.sh" cargo build --release --offline --bins)

seeds=$runs/seeds
rm -rf "$seeds"
python3 scripts/make-corpus.py --seeds "$seeds"
mkdir -p "$seeds/weights" "$seeds/study"
cp static/weights/*.csrw tests/corpus/*.csrw "$seeds/weights/"
cp static/study/*.json "$seeds/study/"

run_one() {
  local t=$1 dir=$runs/$t
  rm -rf "$dir/crashes" "$dir/log"
  mkdir -p "$dir/corpus" "$dir/crashes"
  local seed_dirs=("$seeds")
  local max_len=65536
  case $t in
    weights) seed_dirs=("$seeds/weights"); max_len=524288 ;;  # the shipped weights are ~450 KB
    study) seed_dirs=("$seeds/study") ;;
    *) seed_dirs=("$seeds" tests/corpus) ;;
  esac
  # Each reader's own seeds: files of other formats are kept too (the name decides the reader
  # only when the content does not).
  nice -n 19 fuzz/target/release/"$t" "$dir/corpus" "${seed_dirs[@]}" \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len="$max_len" -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/" >"$dir/log" 2>&1 || true
}

start=$(date -u +%FT%TZ)
i=0
for t in "${readers[@]}"; do
  run_one "$t" &
  i=$((i + 1))
  if (( i % jobs == 0 )); then wait; fi
done
wait

echo "fuzzing finished $(date -u +%FT%TZ) (started $start), ${secs} s per reader, $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
summary

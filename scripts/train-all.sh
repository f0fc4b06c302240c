#!/usr/bin/env bash
# Re-train the poster's five configurations on the data split (brain-by-subject-v1), one after
# the other, on the CPU (flex). Each run is resumable: re-running this script continues where a
# run stopped. STOP_AT (default 1400) ends every run at the same step of the same 2500-step cosine
# schedule, which is the equal budget RESULTS.md reports; STOP_AT=2500 finishes the schedule.
# Usage: scripts/train-all.sh [RUNS_DIR]   (default runs/)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-runs}"
stop_at="${STOP_AT:-1400}"
cargo build --release --locked --bin coordsr
bin=target/release/coordsr
mkdir -p "$runs"
train() {
    local name="$1"; shift
    echo "== $name: $*"
    "$bin" train --out "$runs/$name" --resume --stop-at "$stop_at" "$@" 2>&1 | tee -a "$runs/$name.log"
}
train coord-l10    --decoder coord --lambda 10 --scales 1 2
train conv-l0      --decoder conv  --lambda 0
train coord-l0     --decoder coord --lambda 0  --scales 1 2
train coord-l10-x2 --decoder coord --lambda 10 --scales 2 2
train conv-l10     --decoder conv  --lambda 10

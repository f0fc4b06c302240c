#!/usr/bin/env bash
# Re-train the poster's five configurations on the data split (brain-by-subject-v1) on the CPU
# (flex), with one schedule for all: a cosine curve of STEPS (default 4000) steps, validation every
# 100 steps, early stopping after 16 validations without improvement (patience 8, TrainConfig's
# default, stopped the λ = 10 coord runs at a near-zero residual: RESULTS.md; a run started with 8
# resumes with 16 exactly as if it had started with it). Every run is resumable: re-running this script continues each run where it stopped
# (run state lives in RUNS_DIR, outside the work tree). Runs go two at a time, one core each.
# Usage: scripts/train-all.sh [RUNS_DIR]   (default ../runs/zerofill-v1)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-../runs/zerofill-v1}"
steps="${STEPS:-4000}"
cargo build --release --locked --bin coordsr
bin=target/release/coordsr
mkdir -p "$runs"
train() {
    local name="$1"; shift
    echo "== $name: $*" >>"$runs/$name.log"
    RAYON_NUM_THREADS=1 "$bin" train --out "$runs/$name" --resume --steps "$steps" --patience 16 "$@" >>"$runs/$name.log" 2>&1
}
# The comparison that matters first (coord λ=10 1–2× against conv λ=0 and zero-fill), then the ablations.
train coord-l10 --decoder coord --lambda 10 --scales 1,2 &
train conv-l0 --decoder conv --lambda 0 &
wait
train coord-l0 --decoder coord --lambda 0 --scales 1,2 &
train coord-l10-x2 --decoder coord --lambda 10 --scales 2,2 &
wait
train conv-l10 --decoder conv --lambda 10
train coord-l10-bilinear --decoder coord --lambda 10 --scales 1,2 --skip bilinear

#!/usr/bin/env bash
# Re-train the poster's five configurations (and the bilinear-skip ablation) on the data split
# brain-by-subject-v1, with one schedule for all: two cosine cycles of STEPS (default 4000) steps
# at peak lr 2e-4, the second a warm restart from the first's last weights and data stream
# (`train --init`, fresh Adam), validation every 100 steps, best checkpoint kept, early stopping
# after 16 validations without improvement (patience 8, TrainConfig's default, stopped the λ = 10
# coord runs at a near-zero residual: RESULTS.md; a run started with 8 resumes with 16 exactly as
# if it had started with it). Every run is resumable: re-running this script continues each run
# where it stopped. State lives outside the work tree: cycle 1 in RUNS_DIR/NAME, cycle 2 in
# RUNS_DIR-c2/NAME (what `scripts/results.sh --from-runs RUNS_DIR-c2` reads). Two runs at a time,
# one thread each. BACKEND=tch trains on LibTorch (2.2–2.5× faster; scripts/torch-env.sh).
# Usage: scripts/train-all.sh [RUNS_DIR]   (default ../runs/zerofill-v1)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-../runs/zerofill-v1}"
steps="${STEPS:-4000}"
backend="${BACKEND:-flex}"
if [[ $backend == tch ]]; then
    source scripts/torch-env.sh
    cargo build --release --locked --features tch --target-dir target/tch --bin coordsr
    bin=target/tch/release/coordsr
else
    cargo build --release --locked --bin coordsr
    bin=target/release/coordsr
fi
mkdir -p "$runs" "$runs-c2"
train() {
    local name="$1"; shift
    echo "== $name: cycle 1, $*" >>"$runs/$name.log"
    RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1 "$bin" --backend "$backend" train --out "$runs/$name" --resume --steps "$steps" \
        --patience 16 "$@" >>"$runs/$name.log" 2>&1
    echo "== $name: cycle 2, $*" >>"$runs-c2/$name.log"
    RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1 "$bin" --backend "$backend" train --out "$runs-c2/$name" --init "$runs/$name" \
        --resume --steps "$steps" --patience 16 "$@" >>"$runs-c2/$name.log" 2>&1
}
# The comparison that matters first (coord λ=10 1–2× against conv λ=0 and zero-fill), then the ablations.
train coord-l10 --decoder coord --lambda 10 --scales 1,2 &
train conv-l0 --decoder conv --lambda 0 &
wait
train coord-l0 --decoder coord --lambda 0 --scales 1,2 &
train coord-l10-x2 --decoder coord --lambda 10 --scales 2,2 &
wait
train conv-l10 --decoder conv --lambda 10 &
train coord-l10-bilinear --decoder coord --lambda 10 --scales 1,2 --skip bilinear &
wait

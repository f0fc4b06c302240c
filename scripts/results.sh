#!/usr/bin/env bash
# Re-create results/ (the table behind RESULTS.md) from the committed weights:
#   scripts/results.sh
# or, after scripts/train-all.sh, export the trained runs first (f16 for the web, with sidecars
# that carry each model's test metrics), then evaluate them:
#   scripts/results.sh --from-runs [RUNS_DIR]
# A run started from another (`train --init`, a warm restart) brings that run's log and curve
# along as results/log-NAME-cycle1.csv and results/curve-NAME-cycle1.png.
# Every model is scored with and without data consistency (`eval --dc`).
# Data: the split brain-by-subject-v1 in ../shared/data (or $COORDSR_DATA).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin coordsr
bin=target/release/coordsr
slices="${SLICES:-10}"
# run name → committed weights (the viewer ships the first two)
declare -A target=(
  [coord-l10]=static/weights/coord.csrw
  [conv-l0]=static/weights/conv.csrw
  [coord-l0]=results/weights/coord-l0.csrw
  [coord-l10-x2]=results/weights/coord-l10-x2.csrw
  [conv-l10]=results/weights/conv-l10.csrw
)
order=(coord-l10 conv-l0 coord-l0 coord-l10-x2 conv-l10)
if [[ "${1:-}" == "--from-runs" ]]; then
  runs="${2:-runs}"
  mkdir -p results/weights
  for r in "${order[@]}"; do
    "$bin" export "$runs/$r/best.csrw" --f16 -o "${target[$r]}"
    cp "$runs/$r/curve.png" "results/curve-$r.png"
    cp "$runs/$r/log.csv" "results/log-$r.csv"
    init=$(sed -n 's/^ *"init": "\(.*\)",\{0,1\}$/\1/p' "$runs/$r/config.json")
    if [[ -n $init ]]; then
      cp "$init/curve.png" "results/curve-$r-cycle1.png"
      cp "$init/log.csv" "results/log-$r-cycle1.csv"
    fi
  done
fi
weights=()
for r in "${order[@]}"; do weights+=("${target[$r]}"); done
"$bin" eval --weights "${weights[@]}" --slices "$slices" --dc -o results
if [[ "${1:-}" == "--from-runs" ]]; then
  # The sidecars carry the test metrics just measured (the weights themselves do not change).
  for r in "${order[@]}"; do
    "$bin" export "$runs/$r/best.csrw" --f16 -o "${target[$r]}" --results results/results.csv
  done
fi

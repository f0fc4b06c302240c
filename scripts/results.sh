#!/usr/bin/env bash
# Re-create results/ (the table behind RESULTS.md) from the committed weights:
#   scripts/results.sh
# or, after scripts/train-all.sh, export the trained runs first (f16 for the web, with sidecars
# that carry each model's test metrics), then evaluate them:
#   scripts/results.sh --from-runs [RUNS_DIR]
# RUNS_DIR is scripts/train-all.sh's: cycle 1 of each run in RUNS_DIR/NAME, warm-restarted cycle
# N in RUNS_DIR-cN/NAME; a run's weights are those of its cycle with the best validation VIF, and
# every cycle's log and curve go to results/ (log-NAME.csv, log-NAME-cN.csv, curve-…). A run whose
# early cycles' state is gone (continued with train-all.sh NAME:N) keeps its committed weights
# unless a cycle that is there beats their validation VIF.
# Every model is scored with and without data consistency (`eval --dc`).
# Data: the split brain-by-subject-v1 in ../shared/data (or $COORDSR_DATA).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin coordsr
bin=target/release/coordsr
slices="${SLICES:-10}"
source scripts/runs.sh   # committed[NAME]: each run's committed weights
all=(coord-l10 conv-l0 coord-l0 coord-l10-x2 conv-l10 coord-l10-bilinear)
# RUNS="coord-l10-x2 conv-l10" exports only those runs (the others keep their committed weights);
# every run with committed weights is evaluated (one still training has none: its row waits for
# its schedule rather than showing it half-trained).
read -ra order <<<"${RUNS:-${all[*]}}"

if [[ "${1:-}" == "--from-runs" ]]; then
  runs="${2:-../runs/zerofill-v1}"
  mkdir -p results/weights
  declare -A from=()
  for r in "${order[@]}"; do
    # A run continued on a new machine (train-all.sh NAME:N) has lost its earlier cycles' state:
    # its committed weights are their best, and a later cycle must beat them to replace them.
    from[$r]=""; top=-1
    [[ -f $runs/$r/state.json ]] || top=$(committed_vif "$r")
    for n in 1 2 3 4 5 6 7 8 9; do
      d=$(cycle_dir "$runs" "$n" "$r") suffix="$r-c$n"; (( n > 1 )) || suffix="$r"
      [[ -f $d/state.json ]] || continue
      if [[ -f $d/curve.png ]]; then cp "$d/curve.png" "results/curve-$suffix.png"; fi
      cp "$d/log.csv" "results/log-$suffix.csv"
      if greater "$(best_vif "$d")" "$top"; then from[$r]="$d"; top=$(best_vif "$d"); fi
    done
    if [[ -z ${from[$r]} ]]; then echo "$r: no new cycle beats ${committed[$r]}; kept"; continue; fi
    echo "$r: ${from[$r]}/best.csrw"
    "$bin" export "${from[$r]}/best.csrw" --f16 -o "${committed[$r]}"
  done
fi
weights=()
for r in "${all[@]}"; do
  # Committed weights only: a run still training has none (its row waits for its schedule).
  if [[ -f ${committed[$r]} ]]; then weights+=("${committed[$r]}"); else echo "no ${committed[$r]}: $r left out"; fi
done
"$bin" eval --weights "${weights[@]}" --slices "$slices" --dc -o results
if [[ "${1:-}" == "--from-runs" ]]; then
  # The sidecars carry the test metrics just measured (the weights themselves do not change).
  # Kept weights keep theirs: re-encoding their f16 would lose the f16 error measured against f32.
  for r in "${order[@]}"; do
    [[ -z ${from[$r]} ]] || "$bin" export "${from[$r]}/best.csrw" --f16 -o "${committed[$r]}" --results results/results.csv
  done
fi

#!/usr/bin/env bash
# Re-create results/ (the table behind RESULTS.md) from the committed weights:
#   scripts/results.sh
# or, after scripts/train-all.sh, export the trained runs first (f16 for the web, with sidecars
# that carry each model's test metrics), then evaluate them:
#   scripts/results.sh --from-runs [RUNS_DIR]
# RUNS_DIR is scripts/train-all.sh's: cycle 1 of each run in RUNS_DIR/NAME, warm-restarted cycle
# N in RUNS_DIR-cN/NAME; a run's weights are those of its cycle with the best validation VIF, and
# every cycle's log and curve go to results/ (log-NAME.csv, log-NAME-cN.csv, curve-…).
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
# The bilinear-skip ablation joins when its schedule is done and the tables have a row for it
# (eval's ROW_ORDER); until then `--from-runs` would stop at its missing run folder.
all=(coord-l10 conv-l0 coord-l0 coord-l10-x2 conv-l10)
# RUNS="coord-l10-x2 conv-l10" exports only those runs (the others keep their committed weights);
# every run with committed weights is evaluated (one still training has none: its row waits for
# its schedule rather than showing it half-trained).
read -ra order <<<"${RUNS:-${all[*]}}"

if [[ "${1:-}" == "--from-runs" ]]; then
  runs="${2:-../runs/zerofill-v1}"
  mkdir -p results/weights
  best() { sed -n 's/^ *"best_vif": \([-0-9.e]*\),$/\1/p' "$1/state.json"; }
  declare -A from=()
  for r in "${order[@]}"; do
    from[$r]="$runs/$r"
    if [[ -f $runs/$r/curve.png ]]; then cp "$runs/$r/curve.png" "results/curve-$r.png"; fi
    cp "$runs/$r/log.csv" "results/log-$r.csv"
    for n in 2 3 4 5 6 7 8 9; do
      d="$runs-c$n/$r"
      [[ -f $d/state.json ]] || break
      if [[ -f $d/curve.png ]]; then cp "$d/curve.png" "results/curve-$r-c$n.png"; fi
      cp "$d/log.csv" "results/log-$r-c$n.csv"
      if awk -v a="$(best "$d")" -v b="$(best "${from[$r]}")" 'BEGIN { exit !(a > b) }'; then from[$r]="$d"; fi
    done
    echo "$r: ${from[$r]}/best.csrw"
    "$bin" export "${from[$r]}/best.csrw" --f16 -o "${target[$r]}"
  done
fi
weights=()
for r in "${all[@]}"; do
  # Committed weights only: a run still training has none (its row waits for its schedule).
  if [[ -f ${target[$r]} ]]; then weights+=("${target[$r]}"); else echo "no ${target[$r]}: $r left out"; fi
done
"$bin" eval --weights "${weights[@]}" --slices "$slices" --dc -o results
if [[ "${1:-}" == "--from-runs" ]]; then
  # The sidecars carry the test metrics just measured (the weights themselves do not change).
  for r in "${order[@]}"; do
    "$bin" export "${from[$r]}/best.csrw" --f16 -o "${target[$r]}" --results results/results.csv
  done
fi

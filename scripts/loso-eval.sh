#!/usr/bin/env bash
# Score the cross-subject round (RESULTS.md, "Cross-subject protocol"; issue 30) into results/:
#   scripts/loso-eval.sh [RUNS_DIR]          RUNS_DIR is scripts/loso.sh's (default ../runs/loso)
# 1. The finished runs' best validation VIFs → results/loso_validation.csv, and the skip rule
#    (`coordsr eval --loso-validation`: weights headers only, no scan read).
# 2. Only once the rule is decided (seed 1 of both skips of both decoders on all four folds): each
#    fold's finished models on that fold's test subject, the knee and the shoulder, with
#    zero-fill and bicubic (`coordsr eval --fold K`, 10 slices, refusing models of another
#    split) → results/loso.csv and results/loso_per_slice.csv, the folds concatenated.
# 3. results/loso.md and results/loso.json (`coordsr eval --loso-summary`): the skip rule, the
#    cross-subject tables, the poster's claims; the site's results page draws loso.json and
#    RESULTS.md quotes loso.md between its markers (replaced here).
# While the rule waits, steps 1 and 3 still run (the round's state, no test number): the protocol
# computes no test number before the rule is fixed, and `--loso-summary` refuses test scores
# without it. Data: ../shared/data (or $COORDSR_DATA).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-../runs/loso}"
cargo build --release --locked --bin coordsr
bin=target/release/coordsr
shopt -s nullglob
finished=("$runs"/best/fold[1-4]-*.csrw)   # none yet is a round of 0 finished runs
rm -f results/loso.csv results/loso_per_slice.csv
status=0
rule=$("$bin" eval --loso-validation --weights "${finished[@]}" -o results) || status=$?
if (( status == 3 )); then
  echo "loso-eval: the skip rule is pending (above): results/loso_validation.csv and the round's state only, no test score"
elif (( status != 0 )); then
  exit "$status"
else
  # The rule scripts/loso.sh fixed when it first resolved a default's seed, if it has.
  if [[ -f $runs/skip-rule.txt && $rule != "$(<"$runs/skip-rule.txt")" ]]; then
    echo "loso-eval: the skip rule now gives '${rule//$'\n'/, }', not what $runs/skip-rule.txt fixed before seeds 2-3" >&2; exit 1
  fi
  echo "skip rule: $rule" | tr '\n' ' '; echo
  for k in 1 2 3 4; do
    models=("$runs"/best/fold$k-*.csrw)
    (( ${#models[@]} )) || continue
    "$bin" eval --fold "$k" --slices 10 --weights "${models[@]}" -o "$runs/eval/fold$k"
    for f in loso.csv loso_per_slice.csv; do
      if [[ -f results/$f ]]; then tail -n +2 "$runs/eval/fold$k/$f" >>"results/$f"; else cp "$runs/eval/fold$k/$f" "results/$f"; fi
    done
  done
fi
"$bin" eval --loso-summary results -o results >/dev/null
# RESULTS.md quotes loso.md between its markers: replaced, never edited by hand.
awk -v md=results/loso.md '
  /^<!-- begin results\/loso.md/ { print; while ((getline line < md) > 0) print line; skip = 1; next }
  /^<!-- end results\/loso.md/ { skip = 0 }
  !skip' RESULTS.md >RESULTS.md.new
for m in begin end; do
  grep -q "^<!-- $m results/loso.md" RESULTS.md.new || { rm RESULTS.md.new; echo "loso-eval: RESULTS.md has no '<!-- $m results/loso.md' marker" >&2; exit 1; }
done
mv RESULTS.md.new RESULTS.md
echo "results/loso.md:"; head -3 results/loso.md

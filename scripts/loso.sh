#!/usr/bin/env bash
# The training runs of the cross-subject protocol (RESULTS.md, "Cross-subject protocol"; issue 30):
# four leave-one-subject-out folds (`coordsr train --fold K`) × five configurations, seeds 1–3 for
# the two defaults and seed 1 for the three ablations, 36 runs. One schedule for all, fixed by the
# protocol: cosine cycles of 4000 steps at peak lr 2e-4, validation every 100 steps, patience 16,
# a warm restart (`train --init`: last weights and data stream, fresh Adam) while the last cycle
# raised the run's best validation VIF, at most four cycles; the run's model is its best-validation
# checkpoint over all cycles, copied to RUNS/best/foldK-NAME-sS.csrw when the run is done.
#
# Resumable: run it again and every run continues where it stopped (a finished run is skipped).
# State lives outside the work tree (default ../runs/loso): cycle N of a run in
# RUNS/cN/foldK/NAME-sS, its log beside it. Two lanes, one thread each (BENCHMARKS.md, "Training").
# BACKEND=tch trains on LibTorch (2.2–2.5× faster; scripts/torch-env.sh), the default is flex.
#
# Usage: scripts/loso.sh [RUNS_DIR [RUN…]]      RUN = foldK/NAME-sS, e.g. fold2/conv-l0-zerofill-s1
#        scripts/loso.sh --list [RUNS_DIR]      every run in queue order, with its state
# The queue: seed 1 of the two named defaults on every fold, then seed 1 of the other skips (the
# skip rule needs both), then the λ = 0 ablation, then seeds 2 and 3 of each decoder's default
# by the skip rule (NAME coord-l10-default / conv-l0-default, its skip decided by `coordsr eval
# --loso-validation` from the seed-1 runs' validation VIFs; the ablation runs in between so no
# lane waits for the rule). Protocol amendment of 2026-12-07 (RESULTS.md): seeds 2–3 follow the
# rule instead of the named defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A args=(
  [coord-l10-bilinear]="--decoder coord --lambda 10 --scales 1,2 --skip bilinear"
  [coord-l10-zerofill]="--decoder coord --lambda 10 --scales 1,2 --skip zerofill"
  [conv-l0-zerofill]="--decoder conv --lambda 0 --skip zerofill"
  [conv-l0-bilinear]="--decoder conv --lambda 0 --skip bilinear"
  [coord-l0-bilinear]="--decoder coord --lambda 0 --scales 1,2 --skip bilinear"
)
all_runs() {
  local k s
  for k in 1 2 3 4; do echo "fold$k/coord-l10-bilinear-s1" "fold$k/conv-l0-zerofill-s1"; done
  for k in 1 2 3 4; do echo "fold$k/coord-l10-zerofill-s1" "fold$k/conv-l0-bilinear-s1"; done
  for k in 1 2 3 4; do echo "fold$k/coord-l0-bilinear-s1"; done
  for s in 2 3; do for k in 1 2 3 4; do echo "fold$k/coord-l10-default-s$s" "fold$k/conv-l0-default-s$s"; done; done
}
list=0
[[ ${1:-} == --list ]] && { list=1; shift; }
runs="${1:-../runs/loso}"
queue=("${@:2}")
(( ${#queue[@]} )) || read -ra queue <<<"$(all_runs | tr '\n' ' ')"
for run in "${queue[@]}"; do
  [[ $run =~ ^fold[1-4]/([a-z0-9-]+)-s[1-9]$ && ( -v "args[${BASH_REMATCH[1]}]" || ${BASH_REMATCH[1]} =~ ^(coord-l10|conv-l0)-default$ ) ]] ||
    { echo "loso: $run: not foldK/NAME-sS with a known NAME (${!args[*]} coord-l10-default conv-l0-default)" >&2; exit 2; }
  # Seed 1 of both skips is what decides the default: a "default" seed 1 would wait on itself.
  [[ $run != *-default-s1 ]] || { echo "loso: $run: seed 1 is run for both skips by name; only seeds 2-9 follow the rule" >&2; exit 2; }
done
cycles=4
dir() { echo "$runs/c$1/$2"; }                       # cycle N of a run
final() { echo "$runs/best/${1/\//-}.csrw"; }         # a finished run's model
source scripts/runs.sh                               # best_vif, greater, build_trainer
# rule_skip DECODER: its default skip by the skip rule, from the finished seed-1 runs' validation
# VIFs (and loso_validation.csv written beside them). Returns 3 while the rule waits for runs, 1
# on an error (its message in $runs/.rule-err). The first decision is frozen in
# $runs/skip-rule.txt: a later one that differs (a seed-1 run replaced) is an error, never a
# silent switch of the default under seeds 2–3.
rule_skip() {
  local rule status=0 seed1=("$runs"/best/fold[1-4]-*-s1.csrw)
  [[ -e ${seed1[0]} ]] || return 3
  rule=$("$bin" eval --loso-validation --weights "${seed1[@]}" -o "$runs" 2>"$runs/.rule-err") || status=$?
  (( status == 0 )) || return "$status"
  if [[ -f $runs/skip-rule.txt ]]; then
    [[ $rule == "$(<"$runs/skip-rule.txt")" ]] ||
      { echo "the skip rule now gives '${rule//$'\n'/, }', not the '$(paste -sd, "$runs/skip-rule.txt" | sed 's/,/, /')' fixed before" >"$runs/.rule-err"; return 1; }
  else
    echo "$rule" >"$runs/skip-rule.txt"
  fi
  rule=$(awk -v d="$1" '$1 == d { print $2 }' <<<"$rule")
  [[ $rule == bilinear || $rule == zerofill ]] || { echo "no skip for $1 in the rule's output" >"$runs/.rule-err"; return 1; }
  echo "$rule"
}
# resolve RUN: a run named after "the default" becomes the run of the rule's skip (status 3 while
# the rule is pending, 1 on an error).
resolve() {
  local run=$1 skip status=0
  [[ $run =~ ^(fold[1-4]/[a-z0-9]+)-(l[0-9]+)-default-(s[1-9])$ ]] || { echo "$run"; return; }
  skip=$(rule_skip "${BASH_REMATCH[1]#*/}") || status=$?
  (( status == 0 )) || return "$status"
  echo "${BASH_REMATCH[1]}-${BASH_REMATCH[2]}-$skip-${BASH_REMATCH[3]}"
}
if (( list )); then
  bin=target/release/coordsr     # the rule reads weights headers only: any build of coordsr serves
  [[ -x $bin ]] || { source scripts/torch-env.sh; bin=$runs/coordsr-tch; }
  for run in "${queue[@]}"; do
    if [[ $run == *-default-* ]]; then
      status=0
      r=$(resolve "$run") || status=$?
      case $status in
        0) run=$r ;;
        3) echo "$run: queued (its skip waits for the skip rule)"; continue ;;
        *) echo "$run: the skip rule cannot be read: $(<"$runs/.rule-err")"; continue ;;
      esac
    fi
    state=queued
    for n in $(seq 1 $cycles); do [[ -f $(dir "$n" "$run")/state.json ]] && state="cycle $n, best VIF $(best_vif "$(dir "$n" "$run")")"; done
    [[ -f $(final "$run") ]] && state="done: $state"
    echo "$run: $state"
  done
  exit 0
fi
backend="${BACKEND:-flex}"
build_trainer "$backend"
built=$trainer
# The runs use a copy, so a rebuild of the work tree cannot change a binary under a running run.
mkdir -p "$runs/best"
bin="$runs/coordsr-$backend"
cp "$built" "$bin.new" && mv "$bin.new" "$bin"
train() {
  local run=$1 name fold seed n out init best_n=1
  # A default's seed waits for the rule (the runs it needs are ahead of it in the queue; if one of
  # them failed, its lane has stopped with the error and this one waits, saying so, until killed).
  local said=0 status
  until run=$(resolve "$1"); do
    status=$?
    (( status == 3 )) || { echo "loso: $1: $(<"$runs/.rule-err")" >&2; return 1; }
    (( said )) || echo "loso: $1 waits for the skip rule (seed-1 runs unfinished)" >&2
    said=1
    sleep 300
  done
  [[ -f $(final "$run") ]] && return
  [[ $run =~ ^fold([1-4])/(.*)-s([1-9])$ ]]
  fold=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]} seed=${BASH_REMATCH[3]}
  for n in $(seq 1 $cycles); do
    out=$(dir "$n" "$run"); init=()
    (( n > 1 )) && init=(--init "$(dir $((n - 1)) "$run")")
    mkdir -p "$(dirname "$out")"
    echo "== $run: cycle $n, fold $fold, seed $seed, ${args[$name]}" >>"$out.log"
    # shellcheck disable=SC2086 # the configuration's arguments are words
    RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1 "$bin" --backend "$backend" train --out "$out" "${init[@]}" --resume \
      --fold "$fold" --seed "$seed" --steps 4000 --lr 2e-4 --val-every 100 --patience 16 ${args[$name]} >>"$out.log" 2>&1
    if (( n > 1 )); then
      if ! greater "$(best_vif "$out")" "$(best_vif "$(dir "$best_n" "$run")")"; then
        echo "== $run: cycle $n did not raise the best validation VIF; the model is cycle $best_n's" >>"$out.log"
        break
      fi
    fi
    best_n=$n
  done
  # Whole or not at all: the rule and scripts/loso-eval.sh read best/ while lanes write it.
  cp "$(dir "$best_n" "$run")/best.csrw" "$(final "$run").new" && mv "$(final "$run").new" "$(final "$run")"
}
# Two lanes share the queue: each takes the next run (a counter under a lock) when its last is done.
counter="$runs/.queue-$$"
echo 0 >"$counter"
take() { flock "$counter.lock" bash -c 'i=$(<"$1"); echo $((i + 1)) >"$1"; echo "$i"' _ "$counter"; }
lane() { local i; while i=$(take); (( i < ${#queue[@]} )); do train "${queue[$i]}"; done; }
lane & lane & wait
rm -f "$counter" "$counter.lock"

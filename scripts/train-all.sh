#!/usr/bin/env bash
# Re-train the poster's five configurations (and the bilinear-skip ablation) on the data split
# brain-by-subject-v1, with one schedule for all: cosine cycles of STEPS (default 4000) steps at
# peak lr 2e-4, each after the first a warm restart from the last one's final weights and data
# stream (`train --init`, fresh Adam), a next cycle only while the last one raised the run's best
# validation VIF, at most CYCLES (default 4); within a cycle, validation every 100 steps, best
# checkpoint kept, early stopping after 16 validations without improvement (patience 8,
# TrainConfig's default, stopped the λ = 10 coord runs at a near-zero residual: RESULTS.md; a run
# started with 8 resumes with 16 exactly as if it had started with it). Every run is resumable:
# re-running this script continues each run where it stopped. State lives outside the work tree:
# cycle 1 in RUNS_DIR/NAME, cycle N in RUNS_DIR-cN/NAME. Two runs at a time, one thread each.
# BACKEND=tch trains on LibTorch (2.2–2.5× faster; scripts/torch-env.sh).
# Usage: scripts/train-all.sh [RUNS_DIR [NAME[:N]…]]   (default ../runs/zerofill-v1, every run)
# Named runs are trained in the order given, two lanes each taking the next run when it is free.
# NAME:N starts that run at cycle N: when cycle N-1's state is gone (a new machine keeps only what
# is committed), cycle N starts from the run's committed weights (its best: scripts/runs.sh)
# with --seed N for a fresh data stream, and must beat their validation VIF to earn the next.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-../runs/zerofill-v1}"
declare -A args=(
  # The comparison that matters first (coord λ=10 1–2× against conv λ=0 and zero-fill), then the
  # ablations. Each names its skip: coord's default is bilinear (validation chose it over the
  # zero-fill skip the other runs use; engine/src/skip.rs).
  [coord-l10]="--decoder coord --lambda 10 --scales 1,2 --skip zerofill"
  [conv-l0]="--decoder conv --lambda 0 --skip zerofill"
  [coord-l0]="--decoder coord --lambda 0 --scales 1,2 --skip zerofill"
  [coord-l10-x2]="--decoder coord --lambda 10 --scales 2,2 --skip zerofill"
  [conv-l10]="--decoder conv --lambda 10 --skip zerofill"
  [coord-l10-bilinear]="--decoder coord --lambda 10 --scales 1,2 --skip bilinear"
)
source scripts/runs.sh
queue=("${@:2}")
(( ${#queue[@]} )) || queue=(coord-l10 conv-l0 coord-l0 coord-l10-x2 conv-l10 coord-l10-bilinear)
for item in "${queue[@]}"; do
  name="${item%%:*}"
  [[ -v "args[$name]" ]] || { echo "train-all: no run named $name (known: ${!args[*]})" >&2; exit 2; }
  [[ $item == "$name" || ( ${item#*:} =~ ^[1-9][0-9]*$ && -v "committed[$name]" ) ]] ||
    { echo "train-all: $item: NAME:N takes a cycle number ≥ 1 and a run with committed weights" >&2; exit 2; }
done
steps="${STEPS:-4000}"
backend="${BACKEND:-flex}"
build_trainer "$backend"
bin=$trainer
cycles="${CYCLES:-4}"
dir() { cycle_dir "$runs" "$@"; }
# A cycle's best validation VIF: from its run state, or (state gone) the committed weights'.
best() { if [[ -f $1/state.json ]]; then best_vif "$1"; else committed_vif "$2"; fi; }
train() {
    local name="${1%%:*}" first=1; [[ $1 == *:* ]] && first="${1#*:}"; shift
    local n out init
    for n in $(seq "$first" "$cycles"); do
        out=$(dir "$n" "$name"); init=()
        if (( n > 1 )); then
            if [[ -f $(dir $((n - 1)) "$name")/state.json ]]; then init=(--init "$(dir $((n - 1)) "$name")")
            else init=(--init "${committed[$name]}" --seed "$n"); fi
        fi
        mkdir -p "$(dirname "$out")"
        echo "== $name: cycle $n, $*" >>"$out.log"
        RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1 "$bin" --backend "$backend" train --out "$out" "${init[@]}" --resume \
            --steps "$steps" --patience 16 "$@" >>"$out.log" 2>&1
        # The last cycle brought nothing: its predecessor's best is the run's.
        if (( n > 1 )) && ! greater "$(best "$out" "$name")" "$(best "$(dir $((n - 1)) "$name")" "$name")"; then
            echo "== $name: cycle $n did not raise the best validation VIF; done" >>"$out.log"
            return
        fi
    done
}
# Two lanes share the queue: each takes the next run (a counter under a lock) when its last is done.
mkdir -p "$runs"
counter="$runs/.queue-$$"
echo 0 >"$counter"
take() {
  flock "$counter.lock" bash -c 'i=$(<"$1"); echo $((i + 1)) >"$1"; echo "$i"' _ "$counter"
}
lane() {
  local i
  while i=$(take); (( i < ${#queue[@]} )); do
    # shellcheck disable=SC2086 # the run's arguments are words
    train "${queue[$i]}" ${args[${queue[$i]%%:*}]}
  done
}
lane & lane & wait
rm -f "$counter" "$counter.lock"

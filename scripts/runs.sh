# shellcheck shell=bash
# What scripts/train-all.sh and scripts/results.sh both need to know about training runs (sourced).
#
# A run's cycle 1 lives in RUNS_DIR/NAME and its warm-restarted cycle N in RUNS_DIR-cN/NAME,
# outside the work tree; its best weights are committed (the viewer's two: coord λ=10 over the
# bilinear skip and conv λ=0; the ablations' in results/weights/), each with a JSON sidecar that
# records the validation VIF they reached. The committed weights are all that survives a new
# machine.

# Run name → committed weights.
declare -A committed=(
  [coord-l10]=results/weights/coord-l10.csrw
  [conv-l0]=static/weights/conv.csrw
  [coord-l0]=results/weights/coord-l0.csrw
  [coord-l10-x2]=results/weights/coord-l10-x2.csrw
  [conv-l10]=results/weights/conv-l10.csrw
  [coord-l10-bilinear]=static/weights/coord.csrw
)

# cycle_dir RUNS_DIR N NAME: the folder of cycle N of run NAME.
cycle_dir() { if (( $2 == 1 )); then echo "$1/$3"; else echo "$1-c$2/$3"; fi; }

# best_vif DIR: the best validation VIF a cycle has reached (its run state).
best_vif() { sed -n 's/^ *"best_vif": \([-0-9.e]*\),$/\1/p' "$1/state.json"; }

# committed_vif NAME: the validation VIF of the run's committed weights (their sidecar).
committed_vif() { sed -n 's/^ *"val_vif": \([-0-9.e]*\),*$/\1/p' "${committed[$1]%.csrw}.json"; }

# greater A B: whether VIF A is above VIF B.
greater() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

# build_trainer BACKEND: build coordsr for training on BACKEND (flex; or tch, LibTorch, whose
# environment is sourced into this shell) and set $trainer to the binary.
build_trainer() {
  if [[ $1 == tch ]]; then
    source scripts/torch-env.sh
    cargo build --release --locked --features tch --target-dir target/tch --bin coordsr
    trainer=target/tch/release/coordsr
  else
    cargo build --release --locked --bin coordsr
    trainer=target/release/coordsr
  fi
}

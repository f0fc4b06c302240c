#!/usr/bin/env bash
# Training speed side by side, in one run: `coordsr train` (coord, batch 8, 40² patches, 1024
# queries each, λ = 0, 2 threads) on flex and on LibTorch (`--backend tch`), and PyTorch's step of
# the same model (scripts/bench_train_torch.py), REPEATS rounds alternating, each 25 steps with
# one small validation; the median step time of each. Needs the data (../shared/data or
# COORDSR_DATA) and LibTorch (scripts/torch-env.sh sets it up from PyPI). Run it on a quiet machine.
# Usage: scripts/bench-train.sh [REPEATS]   writes target/bench-train.md
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-3}"
data="${COORDSR_DATA:-../shared/data}"
source scripts/torch-env.sh
cargo build --release --locked --features tch --target-dir target/tch --bin coordsr
bin=target/tch/release/coordsr
tmp=$(mktemp -d)
report=target/bench-train.md
{
  echo "# Training step, side by side ($(date -u +%F), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores)"
  echo
  echo "| round | flex (s/step) | LibTorch via burn (s/step) | PyTorch (s/step) |"
  echo "|---|---|---|---|"
} > "$report"
for r in $(seq "$repeats"); do
  step() { "$bin" --backend "$1" train --out "$tmp/$1-$r" --steps 4000 --stop-at 25 --val-slices 1 --lambda 0 --data "$data" 2>&1 \
    | sed -n 's/^time: \([0-9.]*\) s per step.*/\1/p'; }
  flex=$(step flex); tch=$(step tch)
  torch=$(python scripts/bench_train_torch.py 24 2 | sed -n 's/.*: \([0-9.]*\) s per step.*/\1/p')
  echo "| $r | $flex | $tch | $torch |" | tee -a "$report"
done
rm -rf "$tmp"
echo "wrote $report"

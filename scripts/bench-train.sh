#!/usr/bin/env bash
# Training speed side by side, in one run: `coordsr train` (coord, batch 8, 40² patches, 1024
# queries each, λ = 0, 2 threads; its default bilinear skip, and the zero-fill skip) on flex and on
# LibTorch (`--backend tch`), and PyTorch's step of the same model (scripts/bench_train_torch.py),
# as it comes and with glibc's allocator set as `coordsr train` sets it for itself (the same
# thresholds through GLIBC_TUNABLES), REPEATS rounds alternating, each 60 steps with one small
# validation; the median step time of each, and where it goes (forward, backward, optimizer;
# `coordsr train` and bench_train_torch.py print their phases), and the op-level comparison of
# burn's backward decompositions with LibTorch's kernels (bench_ops_torch.py).
# Needs the data (../shared/data or
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
  echo "| round | flex (s/step) | LibTorch via burn (s/step) | same, zero-fill skip | PyTorch (s/step) | PyTorch, allocator as ours |"
  echo "|---|---|---|---|---|---|"
} > "$report"
phases=()
for r in $(seq "$repeats"); do
  step() { local skip=(); [[ -z ${2:-} ]] || skip=(--skip "$2")
    "$bin" --backend "$1" train --out "$tmp/$1${2:-}-$r" --steps 4000 --stop-at 60 --val-slices 1 --lambda 0 "${skip[@]}" --data "$data" 2>&1 \
    | tee "$tmp/$1${2:-}-$r.txt" | sed -n 's/^time: \([0-9.]*\) s per step.*/\1/p'; }
  flex=$(step flex); tch=$(step tch); tchzf=$(step tch zerofill)
  python scripts/bench_train_torch.py 60 2 >"$tmp/torch-$r.txt"
  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456 \
    python scripts/bench_train_torch.py 60 2 >"$tmp/torch-tuned-$r.txt"
  torch=$(sed -n 's/.*: \([0-9.]*\) s per step.*/\1/p' "$tmp/torch-$r.txt")
  tuned=$(sed -n 's/.*: \([0-9.]*\) s per step.*/\1/p' "$tmp/torch-tuned-$r.txt")
  echo "| $r | $flex | $tch | $tchzf | $torch | $tuned |" | tee -a "$report"
  phases+=("| $r | LibTorch via burn | $(sed -n 's/^phases (medians, s): //p' "$tmp/tch-$r.txt") |"
           "| $r | PyTorch | $(sed -n 's/^phases (medians, s): //p' "$tmp/torch-$r.txt") |")
done
{
  echo
  echo "Where the step goes (medians, s):"
  echo
  echo "| round | trainer | phases |"
  echo "|---|---|---|"
  printf '%s\n' "${phases[@]}"
  echo
  python scripts/bench_ops_torch.py 2
} | tee -a "$report"
rm -rf "$tmp"
echo "wrote $report"

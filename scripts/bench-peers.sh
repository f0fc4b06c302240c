#!/usr/bin/env bash
# The native coord decoder against onnxruntime (the fastest CPU peer), in one run on this machine:
# `coordsr bench` (flex; fused host kernel, burn's ops, the unsplit reference), then
# scripts/bench_peers.py (onnxruntime, unsplit and split graphs, same sizes and chunking).
# onnxruntime and onnx come from PyPI into target/peers-venv. Usage: scripts/bench-peers.sh [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-3}"
venv=target/peers-venv
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet onnxruntime==1.32.0 onnx==1.23.2 numpy
fi
cargo build --release --locked --bin coordsr
target/release/coordsr bench --weights static/weights/coord.csrw --repeats "$repeats"
echo
"$venv/bin/python" scripts/bench_peers.py "$repeats"

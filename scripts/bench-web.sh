#!/usr/bin/env bash
# Benchmark the viewer in headless Chromium (WebGPU through SwiftShader, and the CPU fallback):
# wasm size, time to first frame, coord decode times for 256²/512²/1024² views at 1.5–4×.
# Prints the Markdown that BENCHMARKS.md quotes; raw figures in target/bench-web.json.
# Usage: scripts/bench-web.sh [budget-seconds-per-decode]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
scripts/setup.sh --web
trunk build --release --offline
(cd tests/browser && npm ci --no-audit --no-fund --silent && node bench.mjs "${1:-60}")

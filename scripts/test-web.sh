#!/usr/bin/env bash
# Build the viewer and run its end-to-end tests in headless Chromium, with a WebGPU adapter
# (SwiftShader) and without one (CPU fallback). Screenshots go to target/screenshots/.
# Usage: scripts/test-web.sh [--no-setup]   (scripts/test.sh runs it after the engine's tests)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
[[ "${1:-}" == "--no-setup" ]] || scripts/setup.sh --web
cargo build --release --locked --bin coordsr
trunk build --release --offline
(cd tests/browser && npm ci --no-audit --no-fund --silent && node --test --test-concurrency=1 viewer.test.mjs planes.test.mjs study.test.mjs site.test.mjs corpus.test.mjs)

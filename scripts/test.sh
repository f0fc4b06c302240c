#!/usr/bin/env bash
# Set up and run every test: the engine and CLI (unit, end-to-end on real data, wgpu vs flex),
# then the viewer end to end in headless Chromium, with a WebGPU adapter and without one.
# This is what CI runs (.ci/run). Uses ../shared/data when present (real MRI); tests that need it
# say so and skip when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --web
# One profile (release) for tests and binaries: burn is compiled once per target.
cargo build --release --locked --bins
cargo test --release --locked
scripts/test-web.sh --no-setup

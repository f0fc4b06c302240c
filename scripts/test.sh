#!/usr/bin/env bash
# Set up and run every test: the engine and CLI (unit, end-to-end on real data, wgpu vs flex),
# then the viewer end to end in headless Chromium, with a WebGPU adapter and without one.
# This is what CI runs (.ci/run, with an empty tool root). Uses ../shared/data (or $COORDSR_DATA)
# when present (real MRI); tests that need it print "skipped: no real MRI at …" when it is absent.
# Each phase's wall time is printed at the end (the README quotes them).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
times=()
phase() { local t0=$SECONDS; "$@"; times+=("$(printf '%4d s  %s' $((SECONDS - t0)) "$*")"); }

phase scripts/setup.sh --web
# The viewer is built with set-up's tools, never with others that happen to be on PATH.
for t in trunk wasm-bindgen; do
  [[ "$(command -v $t)" == "$COORDSR_TOOLS/bin/$t" ]] || { echo "test: $t resolves to $(command -v $t), not $COORDSR_TOOLS/bin" >&2; exit 1; }
done
# One profile (release) for tests and binaries: burn is compiled once per target.
phase cargo build --release --locked --bins
phase cargo test --release --locked
phase scripts/test-web.sh --no-setup
echo "test: all passed; wall time per phase:"
printf '  %s\n' "${times[@]}"

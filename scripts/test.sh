#!/usr/bin/env bash
# Set up and run every test of the engine and CLI. This is what CI runs (.ci/run). Uses
# ../shared/data when present (real MRI); tests that need it say so and skip when it is absent.
# The viewer's browser tests have their own command while they mature: scripts/test-web.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# One profile (release) for tests and binaries: burn is compiled once per target.
cargo build --release --locked --bins
cargo test --release --locked

#!/usr/bin/env bash
# Set up and run every test. This is what CI runs (.ci/run). Uses ../shared/data when present
# (real MRI); tests that need it say so and skip when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# One profile (release) for tests and binaries: burn is compiled once.
cargo build --release --locked --bins
cargo test --release --locked 2>&1 | tee /tmp/coordsr-test.log

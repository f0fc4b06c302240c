#!/usr/bin/env bash
# Set up, build coordsr, super-resolve the bundled sample scan and serve the results page.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked --bin coordsr
bin=target/release/coordsr
out=target/demo
mkdir -p "$out"
$bin upscale static/sample/MR2_UNCR_512.nii.gz --scale 2 --method bicubic -o "$out/sample_bicubic_2x.nii.gz"
$bin upscale static/sample/MR2_UNCR_512.nii.gz --scale 2 --method coord --weights static/weights/coord.csrw -o "$out/sample_coord_2x.nii.gz"
echo "demo: wrote $out; serving the site on http://127.0.0.1:8080"
cd "$out" && python3 -m http.server 8080 --bind 127.0.0.1

#!/usr/bin/env bash
# Set up, build the web viewer and serve it on http://127.0.0.1:8080 (Ctrl+C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
scripts/setup.sh --web
trunk build --release --offline
echo "demo: serving dist/ on http://127.0.0.1:8080"
cd dist && exec python3 -m http.server 8080 --bind 127.0.0.1

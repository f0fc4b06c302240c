#!/usr/bin/env bash
# Install what coordsr needs that this machine lacks, from the package registries only (Debian,
# crates.io, npm). Idempotent. Usage: scripts/setup.sh [--web]
#   (no flag)  the engine: Rust toolchain check, Mesa's lavapipe Vulkan driver for native wgpu
#   --web      also the browser toolchain: the wasm32 target, trunk and wasm-bindgen-cli (pinned,
#              into the project's tool root, see scripts/tools.sh), Debian's chromium and
#              chromedriver. The browser tests' npm packages are installed by `npm ci` where they run.
# Measured on a fresh 2-core Debian machine: ~10 min for --web (trunk ~6.5 min, wasm-bindgen-cli
# ~3 min, chromium ~1 min), seconds once everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh

web=0
[[ "${1:-}" == "--web" ]] && web=1

TRUNK_VERSION=0.21.14   # trunk 0.22 needs a newer rustc than our pinned 1.95; 0.21 builds the site the same way

need_apt=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup first" >&2; exit 1; }

# rustup brings no C toolchain; cargo links with `cc`, and some crates (ring, in trunk) compile C.
command -v cc >/dev/null || need_apt+=(gcc libc6-dev)
have_pkg mesa-vulkan-drivers || need_apt+=(mesa-vulkan-drivers)
if (( web )); then
  have_pkg chromium || need_apt+=(chromium)
  have_pkg chromium-driver || need_apt+=(chromium-driver)
  # The browser tests run on Node.js (playwright-core from npm); the demo serves with python3.
  command -v node >/dev/null || need_apt+=(nodejs)
  command -v npm >/dev/null || need_apt+=(npm)
  command -v python3 >/dev/null || need_apt+=(python3)
fi
if (( ${#need_apt[@]} )); then
  echo "setup: installing ${need_apt[*]} (Debian)"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${need_apt[*]} with apt-get" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if (( web )); then
  # `node --test --test-concurrency` (tests/browser) needs Node.js 20.10 or newer.
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 10) ? 0 : 1)' \
    || { echo "setup: the browser tests need Node.js >= 20.10; this machine has $(node --version)" >&2; exit 1; }
fi

# Is `$COORDSR_TOOLS/bin/<tool>` there and at exactly this version? Tools elsewhere on PATH do
# not count: a fresh machine does not have them.
have_tool() { [[ -x "$COORDSR_TOOLS/bin/$1" ]] && "$COORDSR_TOOLS/bin/$1" --version 2>/dev/null | grep -q " $2\b"; }

if (( web )); then
  rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  mkdir -p "$COORDSR_TOOLS"
  if ! have_tool trunk "$TRUNK_VERSION"; then
    echo "setup: installing trunk $TRUNK_VERSION into $COORDSR_TOOLS (crates.io, ~6.5 min on 2 cores)"
    cargo install --quiet --locked --root "$COORDSR_TOOLS" trunk --version "=$TRUNK_VERSION"
  fi
  # wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly.
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
  if [[ -z "$want" ]]; then
    echo "setup: Cargo.lock names no wasm-bindgen version" >&2; exit 1
  fi
  if ! have_tool wasm-bindgen "$want"; then
    echo "setup: installing wasm-bindgen-cli $want into $COORDSR_TOOLS (crates.io, ~3 min on 2 cores)"
    # `--locked` first. It cannot resolve for 0.2.130: the crate's own lock file names
    # webpki-roots 1.0.11, which crates.io does not serve. Then the same exact version without
    # the crate's lock (its dependencies resolve to their newest compatible releases).
    if ! cargo install --quiet --locked --root "$COORDSR_TOOLS" wasm-bindgen-cli --version "=$want" 2>/dev/null; then
      echo "setup: wasm-bindgen-cli $want does not install with --locked; installing it without"
      cargo install --quiet --root "$COORDSR_TOOLS" wasm-bindgen-cli --version "=$want"
    fi
  fi
  have_tool trunk "$TRUNK_VERSION" && have_tool wasm-bindgen "$want" \
    || { echo "setup: trunk or wasm-bindgen missing from $COORDSR_TOOLS after installing" >&2; exit 1; }
fi
echo "setup: ok"

#!/usr/bin/env bash
# Install what coordsr needs that this machine lacks. Idempotent; only package registries are
# used (crates.io, Debian). Usage: scripts/setup.sh [--web]
#   (no flag)  the engine: Rust toolchain check, Mesa's lavapipe Vulkan driver for native wgpu
#   --web      also the browser toolchain: wasm32 target, trunk, wasm-bindgen-cli pinned to
#              Cargo.lock, Debian's chromium and chromedriver
set -euo pipefail
cd "$(dirname "$0")/.."

web=0
[[ "${1:-}" == "--web" ]] && web=1

need_apt=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup first" >&2; exit 1; }

have_pkg mesa-vulkan-drivers || need_apt+=(mesa-vulkan-drivers)
if (( web )); then
  have_pkg chromium || need_apt+=(chromium)
  have_pkg chromium-driver || need_apt+=(chromium-driver)
fi
if (( ${#need_apt[@]} )); then
  echo "setup: installing ${need_apt[*]} (Debian)"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if (( web )); then
  rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  # trunk 0.22 needs a newer rustc than this toolchain; 0.21 builds our site the same way.
  command -v trunk >/dev/null || cargo install --locked trunk --version 0.21.14
  # wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly.
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
  if [[ -n "$want" ]] && ! wasm-bindgen --version 2>/dev/null | grep -q " $want"; then
    cargo install --locked wasm-bindgen-cli --version "=$want"
  fi
fi
echo "setup: ok"

#!/usr/bin/env bash
# LibTorch for `coordsr --backend tch` (training on LibTorch's CPU kernels, PyTorch's speed): the
# `torch` wheel that tch 0.22 binds (2.9.0, from PyPI, ~7 GB with its CUDA dependencies, which the
# CPU path loads but never uses) in target/torch-venv, and the environment torch-sys's build and the
# binary need. Optional: neither CI nor the default build uses it.
# Usage: source scripts/torch-env.sh   then
#        cargo build --release --locked --features tch --target-dir target/tch --bin coordsr
#        target/tch/release/coordsr --backend tch train ...
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_venv="${TORCH_VENV:-$_root/target/torch-venv}"
if [[ ! -x $_venv/bin/python ]] || ! "$_venv/bin/python" -c 'import torch' 2>/dev/null; then
  python3 -m venv "$_venv"
  "$_venv/bin/pip" install --quiet torch==2.9.0 numpy
fi
export PATH="$_venv/bin:$PATH"
export LIBTORCH_USE_PYTORCH=1
_torch_lib="$("$_venv/bin/python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$_torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset _root _venv _torch_lib

#!/usr/bin/env bash
# The GPU tier measured on a lent accelerator (issue 31): one prepared call of the `device` tool.
#
#   scripts/device-bench.sh prepare   here: a stripped release coordsr and the Vulkan loader
#                                     packages into .device/ (ignored; carried with `carry`)
#   scripts/device-bench.sh run       there: `coordsr bench` on wgpu for every shipped coord model,
#                                     with the through-plane row, then on flex (the same binary on
#                                     that machine's CPUs), reports into $OUT (default: ./device-out)
#   scripts/device-bench.sh run --quick   here, on lavapipe (a CPU), to test the script: one
#                                     repeat, no through-plane row (minutes on a software GPU)
#
# The device call, once prepared (the machine has no network; everything travels in the tree):
#   run(command="scripts/device-bench.sh run", carry=[".device"], timeout_s=540)
# The binary is the one built here, so the figures are for exactly this commit's code.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.device

case "${1:-}" in
prepare)
  cargo build --release --locked --bins
  mkdir -p "$dir/gl"
  # Stripped, the binary is ~70 MB (burn, wgpu, cubecl, the embedded weights and font): over what
  # a device call carries (64 MiB with the tree), so it travels gzipped (~1/3).
  rm -f "$dir/coordsr" "$dir/coordsr.gz"
  strip -o "$dir/coordsr" target/release/coordsr
  gzip -9 "$dir/coordsr"
  # The Vulkan and EGL loaders (the device machine's driver is there; its loader may not be).
  lists=$(mktemp -d)
  mkdir -p "$lists/partial"
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  apt-get "${o[@]}" update >/dev/null
  (cd "$dir/gl" && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 >/dev/null)
  rm -rf "$lists"
  du -sh "$dir"
  ;;
run)
  args=(--repeats 5 --through-plane)
  [[ "${2:-}" == "--quick" ]] && args=(--repeats 1)
  out=${OUT:-device-out}
  mkdir -p "$out"
  [[ -f $dir/coordsr.gz ]] || { echo "device-bench: run 'scripts/device-bench.sh prepare' first" >&2; exit 1; }
  bin=$(mktemp -d)/coordsr
  gzip -dc "$dir/coordsr.gz" >"$bin"
  chmod +x "$bin"
  if ! ldconfig -p | grep -q libvulkan; then
    for f in "$dir"/gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [[ -f $icd ]] && export VK_DRIVER_FILES=$icd
  { date -u; uname -m; nproc; nvidia-smi -L 2>/dev/null || echo "no nvidia-smi (lavapipe?)"; } | tee "$out/machine.txt"
  models=(static/weights/coord.csrw)
  [[ -f static/weights/coord-through.csrw ]] && models+=(static/weights/coord-through.csrw)
  for backend in wgpu flex; do
    for w in "${models[@]}"; do
      name=$(basename "$w" .csrw)
      echo "== $backend $name"
      timeout "${DEVICE_BENCH_TIMEOUT:-240}" "$bin" --backend "$backend" bench --weights "$w" "${args[@]}" \
        -o "$out/bench-$backend-$name.md" || echo "device-bench: $backend $name failed or ran out of time (exit $?)"
    done
  done
  ls -l "$out"
  ;;
*)
  echo "usage: scripts/device-bench.sh prepare | run [--quick]" >&2
  exit 2
  ;;
esac

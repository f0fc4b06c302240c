# Sourced by the scripts that build the viewer: puts the project's own tool root first on PATH.
#
# Set-up installs trunk and wasm-bindgen-cli into one folder, `$COORDSR_TOOLS` (default `.tools/`
# in the repository, ignored by git), never into the user's ~/.cargo/bin. Everything that builds
# the viewer then runs exactly the pinned versions set-up installed, whatever else the machine
# has on PATH, and CI can prove a fresh install works by pointing COORDSR_TOOLS at an empty folder.
COORDSR_TOOLS="${COORDSR_TOOLS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools}"
export COORDSR_TOOLS
export PATH="$COORDSR_TOOLS/bin:$PATH"

#!/usr/bin/env bash
# One command: install what is missing, build, and run Forge on its embedded defaults with the sample
# knowledge base loaded and a few questions answered. Stays up until Ctrl-C (or a signal to npm).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/steps.sh
FORGE_STEPS="1 6" bash scripts/prepare.sh
step 4 6 "building (TypeScript)" npm run --silent build
step 5 6 "building the core overlays (AssemblyScript to WebAssembly)" npm run --silent build:overlays
echo "forge: [6/6] starting Forge: the sample knowledge, the overlays, then the demo's questions…" >&2
exec node dist/src/cli/main.js start --demo "$@"

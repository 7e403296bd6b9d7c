#!/usr/bin/env bash
# One command: install what is missing, build, and run Forge on its embedded defaults with the sample
# knowledge base loaded and a few questions answered. Stays up until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
npm run --silent build
npm run --silent build:overlays
exec node dist/src/cli/main.js start --demo "$@"

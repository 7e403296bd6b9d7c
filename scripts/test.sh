#!/usr/bin/env bash
# Runs the test suite. The tests start their own private redis-server (or use REDIS_URL when set).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/steps.sh
FORGE_STEPS="1 7" bash scripts/prepare.sh
step 4 7 "checking for Chromium" bash scripts/ensure-chromium.sh
step 5 7 "building (TypeScript)" npm run --silent build
step 6 7 "building the core overlays" npm run --silent build:overlays
echo "forge: [7/7] running the tests…" >&2
exec npx vitest run "$@"

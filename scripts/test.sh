#!/usr/bin/env bash
# Runs the test suite. The tests start their own private redis-server (or use REDIS_URL when set).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/steps.sh
FORGE_STEPS="1 8" bash scripts/prepare.sh
step 4 8 "checking for Chromium" bash scripts/ensure-chromium.sh
step 5 8 "checking for curl and jq (the docs' examples use them)" bash scripts/ensure-tools.sh
step 6 8 "building (TypeScript)" npm run --silent build
step 7 8 "building the core overlays" npm run --silent build:overlays
echo "forge: [8/8] running the tests…" >&2
exec npx vitest run "$@"

#!/usr/bin/env bash
# Runs the test suite. The tests start their own private redis-server (or use REDIS_URL when set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
bash scripts/ensure-chromium.sh
npm run --silent build
npm run --silent build:overlays
exec npx vitest run "$@"

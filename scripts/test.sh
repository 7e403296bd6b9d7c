#!/usr/bin/env bash
# Runs the test suite. The tests start their own private redis-server (or use REDIS_URL when set), and a
# real Neo4j 5.26 for the Neo4j suites (scripts/neo4j.sh), one server per test worker; or the disposable
# ones FORGE_TEST_NEO4J_URIS names, one per worker: they wipe them. Forge's own NEO4J_* settings are not
# used for them, so the Forge processes tests start keep their embedded store unless a test says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/steps.sh
FORGE_STEPS="1 9" bash scripts/prepare.sh
step 4 9 "checking for Chromium" bash scripts/ensure-chromium.sh
step 5 9 "checking for curl and jq (the docs' examples use them)" bash scripts/ensure-tools.sh
step 6 9 "building (TypeScript)" npm run --silent build
step 7 9 "building the core overlays" npm run --silent build:overlays
# Test files run in parallel, one per worker (at most 4: each takes a Neo4j server and a share of the CPUs).
export FORGE_TEST_WORKERS="${FORGE_TEST_WORKERS:-$(node -e "const os=require('os');console.log(Math.min(4,Math.max(1,os.availableParallelism()-1)))")}"
if [ -z "${FORGE_TEST_NEO4J_URIS:-}${FORGE_TEST_NEO4J_URI:-}" ]; then
  step 8 9 "checking for Java and Maven (the tests' Neo4j)" bash scripts/ensure-java.sh
  # Neo4j stops by itself when this process (vitest, after the exec below) ends.
  neo4j_env="$(mktemp)"
  step 8 9 "starting Neo4j 5.26 ($FORGE_TEST_WORKERS server(s), one per test worker)" bash -c "NEO4J_SERVERS=$FORGE_TEST_WORKERS bash scripts/neo4j.sh start '' $$ > '$neo4j_env'"
  eval "$(sed 's/NEO4J_/FORGE_TEST_NEO4J_/g' "$neo4j_env")"
  rm -f "$neo4j_env"
fi
echo "forge: [9/9] running the tests…" >&2
exec npx vitest run "$@"

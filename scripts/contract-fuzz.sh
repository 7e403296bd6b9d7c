#!/usr/bin/env bash
# A peer's contract fuzzer against a live Forge: Schemathesis (PyPI, pinned; in its own virtual environment
# under ~/.cache/forge) generates requests from /v2/openapi.json — valid ones, invalid ones and sequences
# that follow the links between operations — sends them as an admin, and checks every answer against the
# document: no server error, every status and body as documented, invalid input refused. What it skips
# and why is in test/contract/schemathesis.toml. Exits non-zero on any failure.
#
#   npm run build && bash scripts/contract-fuzz.sh      # FORGE_FUZZ_EXAMPLES (25), FORGE_FUZZ_SEED (1)
#
# Needs Python 3 with venv (Debian: python3-venv, installed when root) and a redis-server (as forge start).
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.32.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/forge/schemathesis-$version"

if [ ! -x "$venv/bin/st" ]; then
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "contract-fuzz: installing python3-venv (Debian)…" >&2
      apt-get install -y -qq python3-venv >/dev/null
    else
      echo "contract-fuzz: Python's venv module is missing; install it (Debian: sudo apt-get install -y python3-venv)" >&2
      exit 1
    fi
  fi
  echo "contract-fuzz: installing schemathesis $version into $venv…" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi

data="$(mktemp -d "${TMPDIR:-/tmp}/forge-fuzz-XXXXXX")"
log="$data/forge.log"
# The quickstart's Forge (its demo gives the fuzzer capsules, overlays, requests and events to find), with
# the built-in feature-hashing embedder: the contract is the same, and the fuzzer's many 100,000-character
# capsules would take the sentence model minutes to embed.
FORGE_EMBEDDER=hashing node dist/src/cli/main.js start --port 0 --data-dir "$data/forge" --demo >"$log" 2>&1 &
forge=$!
cleanup() {
  kill -INT "$forge" 2>/dev/null || true
  wait "$forge" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  grep -q '^Forge ready' "$log" && break
  kill -0 "$forge" 2>/dev/null || { echo "contract-fuzz: Forge exited before it was ready:" >&2; tail -30 "$log" >&2; exit 1; }
  sleep 1
done
url="$(grep -o 'API http://[^ ]*/v2' "$log" | head -1 | sed 's/^API //; s#/v2$##')"
[ -n "$url" ] || { echo "contract-fuzz: Forge did not say where it listens:" >&2; tail -30 "$log" >&2; exit 1; }
echo "contract-fuzz: fuzzing $url/v2/openapi.json (schemathesis $version)" >&2

# The key is passed through the environment, not the command line.
export FORGE_FUZZ_AUTH="Bearer $(cat "$data/forge/admin.key")"
# Bounded by the number of cases (a few thousand), and by time: 15 minutes at most.
# Run from the scratch dir: the fuzzer keeps its example cache in the working directory.
config="$PWD/test/contract/schemathesis.toml"
cd "$data"
# One worker thread: with two, hypothesis (describing a filter) parses Python source in both threads at once,
# and Python 3.11's ast module, whose depth count the threads share, ends the run with "AST constructor
# recursion depth mismatch" now and then.
timeout 900 "$venv/bin/st" --config-file "$config" run "$url/v2/openapi.json" \
  --max-examples "${FORGE_FUZZ_EXAMPLES:-25}" \
  --seed "${FORGE_FUZZ_SEED:-1}" \
  --workers 1 \
  --request-timeout 30 \
  --no-color

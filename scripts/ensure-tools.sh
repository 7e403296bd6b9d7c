#!/usr/bin/env bash
# Makes sure curl and jq are on PATH: the README's and docs' examples use them, and the tests run those
# examples. When one is missing and we are root on Debian/Ubuntu, installs Debian's package; otherwise
# says how to install it.
set -euo pipefail
missing=()
for tool in curl jq; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "forge: installing ${missing[*]} (Debian packages)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "forge: ${missing[*]} not installed. Install with: sudo apt-get install -y ${missing[*]}" >&2
exit 1

#!/usr/bin/env bash
# Makes sure Chromium is there for the dashboard's browser tests. When it is missing and we are root on
# Debian/Ubuntu, installs Debian's chromium package; otherwise says how (the browser tests then fail,
# naming what they need). CHROMIUM_PATH points the tests at another Chromium.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "forge: installing chromium (Debian package) for the browser tests…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "forge: Chromium is not installed; the dashboard's browser tests need it: sudo apt-get install -y chromium (or set CHROMIUM_PATH)" >&2

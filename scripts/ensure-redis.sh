#!/usr/bin/env bash
# Makes sure redis-server is on PATH. When it is missing and we are root on Debian/Ubuntu, installs
# Debian's redis-server package (without starting the system service); otherwise says how to install it.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 || [ -n "${REDIS_URL:-}" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "forge: installing redis-server (Debian package)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # policy-rc.d keeps the package from starting a system-wide Redis; Forge runs its own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  rm -f /usr/sbin/policy-rc.d
  exit 0
fi
echo "forge: redis-server is not installed. Install it with: sudo apt-get install -y redis-server" >&2
echo "       (or set REDIS_URL to a running Redis 6.2+)" >&2
exit 1

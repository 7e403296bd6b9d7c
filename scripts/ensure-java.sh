#!/usr/bin/env bash
# Makes sure Java 17+ and Maven are on PATH (the tests run a real Neo4j, built from Maven Central). When
# either is missing and we are root on Debian/Ubuntu, installs Debian's packages; otherwise says how.
set -euo pipefail
if [ -n "${FORGE_TEST_NEO4J_URI:-}" ]; then exit 0; fi
java_ok() { command -v java >/dev/null 2>&1 && [ "$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')" -ge 17 ]; }
if java_ok && command -v mvn >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "forge: installing Java 17 and Maven (Debian packages), for the tests' Neo4j…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven >/dev/null
  exit 0
fi
echo "forge: the tests run a real Neo4j, which needs Java 17 or newer and Maven. Install them with:" >&2
echo "       sudo apt-get install -y openjdk-17-jdk-headless maven   (or set FORGE_TEST_NEO4J_URI to a disposable Neo4j 5)" >&2
exit 1

#!/usr/bin/env bash
# A real Neo4j 5.26 (community) for the tests and development, from Maven Central: builds the launcher in
# scripts/neo4j the first time (the artifacts are cached in ~/.m2), starts it on a free loopback port with
# its data in DIR, waits until Bolt answers and prints the line to export.
#
#   eval "$(bash scripts/neo4j.sh start [DIR] [WATCH_PID])"   # exports NEO4J_URI and NEO4J_PID
#   bash scripts/neo4j.sh stop                                 # stops the one NEO4J_PID names
#
# NEO4J_SERVERS=N starts N servers in the one process (the community edition has one user database each;
# a test run gives one to each of its workers); NEO4J_URIS then lists them all, comma-separated, and
# NEO4J_URI is the first. Neo4j stops by itself when WATCH_PID (default: the calling shell) ends. Needs
# Java 17+ and Maven.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="$here/neo4j"

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "neo4j.sh: $1 is not installed; Neo4j for the tests needs Java 17 or newer and Maven (Debian: apt-get install -y openjdk-17-jdk-headless maven)" >&2
    exit 1
  fi
}

case "${1:-}" in
  start)
    need java
    need mvn
    dir="${2:-$(mktemp -d "${TMPDIR:-/tmp}/forge-neo4j-XXXXXX")}"
    watch="${3:-$PPID}"
    if [ ! -f "$module/target/classes/dev/forge/neo4j/Launcher.class" ] || [ ! -s "$module/target/classpath.txt" ] ||
      [ "$module/pom.xml" -nt "$module/target/classpath.txt" ] ||
      [ "$module/src/main/java/dev/forge/neo4j/Launcher.java" -nt "$module/target/classes/dev/forge/neo4j/Launcher.class" ]; then
      echo "neo4j.sh: building the Neo4j launcher (Maven; the first time downloads Neo4j 5.26, about 120 MB)…" >&2
      (cd "$module" && mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2)
    fi
    servers="${NEO4J_SERVERS:-1}"
    # Free loopback ports, one per server (all held open together, so they differ).
    ports="$(node -e "
      const net = require('net');
      const held = Array.from({ length: Number(process.argv[1]) }, () => net.createServer().listen(0, '127.0.0.1'));
      Promise.all(held.map((s) => new Promise((r) => s.on('listening', r)))).then(() => {
        console.log(held.map((s) => s.address().port).join(','));
        held.forEach((s) => s.close());
      });" "$servers")"
    mkdir -p "$dir"
    log="$dir/launcher.log"
    nohup java -Xms256m -Xmx$((512 + 512 * servers))m -cp "$module/target/classes:$(cat "$module/target/classpath.txt")" dev.forge.neo4j.Launcher "$dir/db" "$ports" "$watch" >"$log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 1 120); do
      if [ "$(grep -c '^bolt://' "$log" 2>/dev/null)" = "$servers" ]; then
        uris="$(grep '^bolt://' "$log" | paste -sd, -)"
        echo "export NEO4J_URI=${uris%%,*} NEO4J_URIS=$uris NEO4J_USER=neo4j NEO4J_PASSWORD= NEO4J_PID=$pid"
        echo "neo4j.sh: Neo4j 5.26 ready at $uris (pid $pid, data in $dir)" >&2
        exit 0
      fi
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "neo4j.sh: Neo4j exited before it was ready; its log ($log):" >&2
        tail -20 "$log" >&2
        exit 1
      fi
      sleep 1
    done
    echo "neo4j.sh: Neo4j did not answer within 120 s; its log ($log):" >&2
    tail -20 "$log" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
  stop)
    if [ -n "${NEO4J_PID:-}" ] && kill -0 "$NEO4J_PID" 2>/dev/null; then
      kill "$NEO4J_PID"
      for _ in $(seq 1 30); do kill -0 "$NEO4J_PID" 2>/dev/null || exit 0; sleep 1; done
      kill -9 "$NEO4J_PID" 2>/dev/null || true
    fi
    ;;
  *)
    echo "usage: bash scripts/neo4j.sh start [DIR] [WATCH_PID] | stop" >&2
    exit 2
    ;;
esac

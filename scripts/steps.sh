# Sourced by the quickstart and the tests: `step N TOTAL "what" command…` prints what is happening, a line
# every 20 s while a slow step runs (so a long install is never silent), and how long it took.
step() {
  local n=$1 total=$2 what=$3
  shift 3
  local started=$SECONDS
  echo "forge: [$n/$total] $what…" >&2
  (
    while sleep 20; do echo "forge:       still $what ($((SECONDS - started)) s)" >&2; done
  ) &
  local ticker=$!
  local status=0
  "$@" || status=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    echo "forge: [$n/$total] $what failed (exit $status)" >&2
    return "$status"
  fi
  echo "forge: [$n/$total] done in $((SECONDS - started)) s" >&2
}

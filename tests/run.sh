#!/usr/bin/env bash
# Runs every test project and ends with the totals on a line of their own: "N passed, N failed[, N skipped]".
# Usage: bash tests/run.sh [extra dotnet test arguments, e.g. --filter ...]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# On machines where podman needs special settings (see .ci/containers.conf) use the project's file
# unless the caller chose one.
if [ -z "${CONTAINERS_CONF:-}" ] && [ -f .ci/containers.conf ]; then
  export CONTAINERS_CONF="$root/.ci/containers.conf"
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

results=$(mktemp -d /tmp/distill-test-results.XXXXXX)
trap 'rm -rf "$results"' EXIT

if ! dotnet build Distill.slnx -c Release -nologo -v:q; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0; failed=0; skipped=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "=== $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" "$@"
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "$name produced no results (the test host crashed or did not start)"
    failed=$((failed + 1))
    continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  p=$(get passed); f=$(get failed); total=$(get total); executed=$(get executed)
  f=$(( ${f:-0} + $(get error || echo 0) ))
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done

# The names of failed tests again, just above the totals, so the end of a long log says what broke.
if [ "$failed" -gt 0 ]; then
  echo "=== failed tests"
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    # Each failed test's name, then the first line of its message, to tell a flaky timeout from a real fault.
    awk 'function text(s) { gsub(/&quot;/, "\"", s); gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&amp;/, "\\&", s); return s }
         /<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); print "FAILED " text(substr($0, RSTART + 10, RLENGTH - 11)); want = 1 }
         want && /<Message>/ { sub(/.*<Message>/, ""); print "  " text(substr($0, 1, 300)); want = 0 }' "$trx"
  done
fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Native AOT vs JIT (framework-dependent) build of the demo server, side by side in one run:
# size, process start to first 200 on /up (median of RUNS), idle RSS, RSS under load, requests/second with wrk.
# Usage: bash bench/demo-server.sh            (RUNS=11 DURATION=5s CONNECTIONS=32 THREADS=2 to change)
# Needs: dotnet, clang (Native AOT and the start poller), wrk. Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
RUNS=${RUNS:-11}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d /tmp/demo-server-bench.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

for tool in dotnet clang wrk; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing"; exit 1; }
done

echo "Building (own artifacts paths under $work, the repository's obj/ is left alone)..."
dotnet publish src/DemoServer -c Release -r linux-x64 -o "$work/aot" --artifacts-path "$work/artifacts-aot" -nologo -v:q >"$work/aot.log" 2>&1 \
  || { cat "$work/aot.log"; exit 1; }
dotnet publish src/DemoServer -c Release -r linux-x64 --self-contained false -p:PublishAot=false -o "$work/jit" \
  --artifacts-path "$work/artifacts-jit" -nologo -v:q >"$work/jit.log" 2>&1 || { cat "$work/jit.log"; exit 1; }
clang -O2 -o "$work/first200" bench/first200.c

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

declare -A result

measure() {
  local name=$1; shift
  local cmd=("$@")
  echo "Measuring $name..."
  # Start to first 200, RUNS times.
  local times=()
  for _ in $(seq "$RUNS"); do
    local port; port=$(free_port)
    times+=("$("$work/first200" "$port" /up -- "${cmd[@]}" --port "$port" --bind 127.0.0.1 --log-level 1 | head -1)")
  done
  result[$name,start]=$(printf '%s\n' "${times[@]}" | median)

  # One long-lived server for RSS and throughput; its log (level 1, one line per request) goes to /dev/null.
  local port; port=$(free_port)
  server_pid=$(KEEP=1 "$work/first200" "$port" /up -- "${cmd[@]}" --port "$port" --bind 127.0.0.1 --log-level 1 | sed -n 2p)
  sleep 1
  result[$name,idle]=$(rss_kib "$server_pid")
  # Warm-up (the JIT compiles the hot paths; the same for both builds, for fairness).
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "http://127.0.0.1:$port/up" >/dev/null
  local path
  for path in /up /dw-bench /bytes/1024; do
    local rps
    rps=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$port$path" | awk '/^Requests\/sec:/ { print $2 }')
    result[$name,rps$path]=$rps
  done
  result[$name,load]=$(hwm_kib "$server_pid")
  stop_server
}

# With KEEP=1 first200 exits and leaves the server running (no longer our child): stop it by pid and wait for it.
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.01; done
  server_pid=""
}

measure aot "$work/aot/demo-server"
measure jit "$work/jit/demo-server"

aot_size=$(stat -c %s "$work/aot/demo-server")
jit_size=$(du -sb "$work/jit" | cut -f1)
runtime_dir=$(dirname "$(readlink -f "$(command -v dotnet)")")/shared
runtime_version=$("$work/aot/demo-server" --version | sed 's/.*\.NET\/\(.*\))/\1/')
jit_runtime=$(du -sbc "$runtime_dir/Microsoft.NETCore.App/$runtime_version" "$runtime_dir/Microsoft.AspNetCore.App/$runtime_version" 2>/dev/null | tail -1 | cut -f1)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1000000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

echo
echo "Demo server: Native AOT vs JIT (framework-dependent), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, start median of $RUNS"
printf '| %-34s | %14s | %14s | %7s |\n' "metric" "Native AOT" "JIT" "AOT/JIT"
printf '|%s|%s|%s|%s|\n' "------------------------------------" "----------------" "----------------" "---------"
row() { printf '| %-34s | %14s | %14s | %7s |\n' "$1" "$2" "$3" "$4"; }
row "binary / publish folder size" "$(mb "$aot_size")" "$(mb "$jit_size")" "$(ratio "$aot_size" "$jit_size")"
row "  + shared runtime it needs" "$(mb "$aot_size")" "$(mb $((jit_size + ${jit_runtime:-0})))" "$(ratio "$aot_size" $((jit_size + ${jit_runtime:-0})))"
row "start to first 200 on /up" "${result[aot,start]} ms" "${result[jit,start]} ms" "$(ratio "${result[aot,start]}" "${result[jit,start]}")"
row "idle RSS" "$(mib "${result[aot,idle]}")" "$(mib "${result[jit,idle]}")" "$(ratio "${result[aot,idle]}" "${result[jit,idle]}")"
row "RSS under load (peak)" "$(mib "${result[aot,load]}")" "$(mib "${result[jit,load]}")" "$(ratio "${result[aot,load]}" "${result[jit,load]}")"
for path in /up /dw-bench /bytes/1024; do
  row "requests/s $path" "${result[aot,rps$path]}" "${result[jit,rps$path]}" "$(ratio "${result[aot,rps$path]}" "${result[jit,rps$path]}")"
done
echo
echo "Targets for the AOT build: binary <= 10 MB, start to first 200 <= 50 ms, idle RSS <= 20 MiB, requests/s >= 0.8x JIT."

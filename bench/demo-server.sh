#!/usr/bin/env bash
# Native AOT vs JIT (framework-dependent) build of the demo server, side by side in one run:
# size, process start to first 200 on /up (median of RUNS), idle RSS, RSS under load, requests/second with wrk.
# Usage: bash bench/demo-server.sh      (RUNS=11 ROUNDS=3 DURATION=4s CONNECTIONS=32 THREADS=2 to change)
# Needs: dotnet, clang (Native AOT and the start poller), wrk. Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
RUNS=${RUNS:-11}
DURATION=${DURATION:-4s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d /tmp/demo-server-bench.XXXXXX)
server_pids=""
cleanup() {
  for p in $server_pids; do kill "$p" 2>/dev/null || true; done
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

. bench/lib.sh


rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

declare -A result
builds=(aot jit)
declare -A command=([aot]="$work/aot/demo-server" [jit]="$work/jit/demo-server")
declare -A pid port

# With KEEP=1 first200 exits and leaves the server running (no longer our child): stop it by pid and wait for it.
start_server() { # build log-level
  port[$1]=$(free_port)
  pid[$1]=$(KEEP=1 "$work/first200" "${port[$1]}" /up -- ${command[$1]} --port "${port[$1]}" --bind 127.0.0.1 --log-level "$2" | sed -n 2p)
  server_pids="${pid[aot]:-} ${pid[jit]:-}"
}
stop_server() { # build
  kill -TERM "${pid[$1]}" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "${pid[$1]}" 2>/dev/null || break; sleep 0.01; done
  pid[$1]=""
  server_pids="${pid[aot]:-} ${pid[jit]:-}"
}
rps() { # build path
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:${port[$1]}$2" | awk '/^Requests\/sec:/ { print $2 }'
}
best() { sort -n | tail -1; }

# Other work on a shared machine disturbs the figures: the builds alternate run by run, so both meet the same
# disturbance, and the best of ROUNDS throughput runs is kept.
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "Measuring start to first 200 ($RUNS runs each, alternating)..."
declare -A times
for _ in $(seq "$RUNS"); do
  for build in "${builds[@]}"; do
    p=$(free_port)
    times[$build]+="$("$work/first200" "$p" /up -- ${command[$build]} --port "$p" --bind 127.0.0.1 --log-level 1 | head -1) "
  done
done
for build in "${builds[@]}"; do result[$build,start]=$(printf '%s\n' ${times[$build]} | median); done

echo "Measuring RSS and throughput ($ROUNDS rounds of $DURATION per path and build, alternating)..."
for build in "${builds[@]}"; do start_server "$build" 1; done
sleep 1
for build in "${builds[@]}"; do
  result[$build,idle]=$(rss_kib "${pid[$build]}")
  # Warm-up, the same for both builds (the JIT compiles the hot paths).
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "http://127.0.0.1:${port[$build]}/up" >/dev/null
done
for path in /up /dw-bench /bytes/1024; do
  declare -A runs=()
  for _ in $(seq "$ROUNDS"); do
    for build in "${builds[@]}"; do runs[$build]+="$(rps "$build" "$path") "; done
  done
  for build in "${builds[@]}"; do result[$build,rps$path]=$(printf '%s\n' ${runs[$build]} | best); done
  unset runs
done
for build in "${builds[@]}"; do result[$build,load]=$(hwm_kib "${pid[$build]}"); stop_server "$build"; done

# The same /up load with logging off, to show what level 1 logging costs.
for build in "${builds[@]}"; do
  start_server "$build" 0
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "http://127.0.0.1:${port[$build]}/up" >/dev/null
done
declare -A runs=()
for _ in $(seq "$ROUNDS"); do
  for build in "${builds[@]}"; do runs[$build]+="$(rps "$build" /up) "; done
done
for build in "${builds[@]}"; do result[$build,rps0]=$(printf '%s\n' ${runs[$build]} | best); stop_server "$build"; done

aot_size=$(stat -c %s "$work/aot/demo-server")
jit_size=$(du -sb "$work/jit" | cut -f1)
runtime_dir=$(dirname "$(readlink -f "$(command -v dotnet)")")/shared
runtime_version=$("$work/aot/demo-server" --version | sed 's/.*\.NET\/\(.*\))/\1/')
jit_runtime=$(du -sbc "$runtime_dir/Microsoft.NETCore.App/$runtime_version" "$runtime_dir/Microsoft.AspNetCore.App/$runtime_version" 2>/dev/null | tail -1 | cut -f1)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

echo
echo "Demo server: Native AOT vs JIT (framework-dependent); $(nproc) cores, load average before measuring $load_at_start"
echo "start: median of $RUNS; throughput: best of $ROUNDS x wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
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
row "requests/s /up, log level 0" "${result[aot,rps0]}" "${result[jit,rps0]}" "$(ratio "${result[aot,rps0]}" "${result[jit,rps0]}")"
echo
echo "Log level 1 (one line per request) vs 0 on /up: AOT $(ratio "${result[aot,rps/up]}" "${result[aot,rps0]}"), JIT $(ratio "${result[jit,rps/up]}" "${result[jit,rps0]}")."
echo "Targets for the AOT build: binary <= 10 MB, start to first 200 <= 50 ms, idle RSS <= 20 MiB, requests/s >= 0.8x JIT."

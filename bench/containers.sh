#!/usr/bin/env bash
# Builds the three Containerfile variants under containers/ side by side in one run and prints a table:
# image size (as podman image ls reports it, 10^6-byte MB), gzip size of the saved image, build time, and
# container start → first 200 on /up (median of --runs), with ratios between the variants and the seed's
# two published images as reference rows.
#
# Usage: bench/containers.sh [--runs N] [--keep] [VARIANT...]     (default: all three, 5 runs)
# On machines that cannot pull images it first makes the STAND-IN base images (tests/standins/make.sh);
# their names are printed, and sizes measured on stand-ins are stated as such.
# Also writes the table to bench/results/containers-<UTC time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

runs=5
keep=false
variants=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) [ -f "containers/$1/Containerfile" ] || { echo "no containers/$1/Containerfile" >&2; exit 2; }
       variants+=("$1"); shift ;;
  esac
done
[ ${#variants[@]} -gt 0 ] || variants=(plain-1-stage trimmed-2-stage aot-2-stage)

if [ -z "${CONTAINERS_CONF:-}" ] && [ -f .ci/containers.conf ]; then export CONTAINERS_CONF=$root/.ci/containers.conf; fi
for tool in podman curl gzip awk; do command -v $tool >/dev/null || { echo "$tool is required" >&2; exit 1; }; done

echo "== base images (stand-ins where no registry can be pulled from)"
bash tests/standins/make.sh debian sdk

suffix=$$
images=(); containers=()
cleanup() {
  for c in "${containers[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  $keep || for i in "${images[@]}"; do podman rmi -f "$i" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

. bench/lib.sh

declare -A size_mb gzip_mb build_s start_ms shown
for v in "${variants[@]}"; do
  image="localhost/distill-bench-$v:$suffix"
  images+=("$image")
  echo "== building $v"
  t0=$(now_ms)
  podman build --layers=false --format docker -q -t "$image" -f "containers/$v/Containerfile" . >/dev/null
  build_s[$v]=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN { printf "%.0f", ms / 1000 }')
  bytes=$(podman image inspect --format '{{.Size}}' "$image")
  size_mb[$v]=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
  shown[$v]=$(podman image ls --format '{{.Size}}' "$image")
  gzip_mb[$v]=$(podman save "$image" 2>/dev/null | gzip -6 | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')
  echo "== starting $v $runs times"
  start_ms[$v]=$(for r in $(seq 1 "$runs"); do podman_first200_ms "$image" "distill-bench-$v-$suffix-$r"; done | median)
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
base=${variants[-1]}   # ratios against the last (smallest) variant
seed_best=140
table=$(
  echo "| variant | image (podman) | vs $base | vs seed's 140 MB | gzip of saved image | build | start → first 200 (median of $runs) | vs $base |"
  echo "|---|---|---|---|---|---|---|---|"
  for v in "${variants[@]}"; do
    echo "| $v | ${size_mb[$v]} MB (${shown[$v]}) | $(ratio "${size_mb[$v]}" "${size_mb[$base]}") | $(ratio "${size_mb[$v]}" $seed_best) | ${gzip_mb[$v]} MB | ${build_s[$v]} s | ${start_ms[$v]} ms | $(ratio "${start_ms[$v]}" "${start_ms[$base]}") |"
  done
  echo "| seed: pharo-image-clean-2-stage (reference) | 332 MB | $(ratio 332 "${size_mb[$base]}") | 2.37x | - | - | - | - |"
  echo "| seed: pharo-image-vm-clean-2-stage (reference) | 140 MB | $(ratio 140 "${size_mb[$base]}") | 1.00x | - | - | - | - |"
)
sdk_kind=$(podman image inspect --format '{{ index .Config.Labels "org.distill.standin" }}' mcr.microsoft.com/dotnet/sdk:10.0 2>/dev/null || true)
note="Base images: $( [ -n "$sdk_kind" ] && [ "$sdk_kind" != "<no value>" ] && echo "local stand-ins (tests/standins/make.sh: Debian bookworm minbase, + this machine's .NET SDK)" || echo "the public images")."
echo
echo "$table"
echo
echo "$note Machine: $(nproc) cores, $(uname -m), podman $(podman version --format '{{.Client.Version}}')."
mkdir -p bench/results
out=bench/results/containers-$(date -u +%Y%m%dT%H%M%SZ).md
{ echo "$table"; echo; echo "$note"; } >"$out"
echo "(written to $out)"

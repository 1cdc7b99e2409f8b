#!/usr/bin/env bash
# distill build beside a bare `dotnet publish` and the .NET SDK's own container publishing
# (`dotnet publish -t:PublishContainer`) of the same demo server, side by side in one run:
# clean build time, distill's own overhead (reduce + pack), rebuild time with nothing changed, image size
# uncompressed and compressed, whether clean builds give the same image, the user it runs as, symbol files
# shipped, and container start to the first 200 on /up.
#
# Usage: bash bench/build.sh          (ROUNDS=2 clean builds of each, STARTS=5 container starts per image)
# Needs: dotnet, clang (Native AOT), podman (set up as .ci/containers.conf says on machines like CI's), skopeo,
#        docker-registry, jq, bc, and the libc-only stand-in base image (tests/standins/make.sh libc; made if missing).
# Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
ROUNDS=${ROUNDS:-2}
STARTS=${STARTS:-5}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ -z "${CONTAINERS_CONF:-}" ] && [ -f .ci/containers.conf ]; then export CONTAINERS_CONF=$root/.ci/containers.conf; fi

for tool in dotnet clang podman docker-registry skopeo jq bc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing"; exit 1; }
done

work=$(mktemp -d /tmp/distill-build-bench.XXXXXX)
registry_pid=""
tag_base="localhost/distill-bench"
cleanup() {
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; fi
  podman rm -f distill-bench-ours distill-bench-sdk >/dev/null 2>&1 || true
  podman rmi -f "$tag_base/ours:1" "$tag_base/sdk:1" "$tag_base/sdk:2" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l | xargs printf '%.2f'; }
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
min() { printf '%s\n' "$@" | sort -g | head -1; }
. bench/lib.sh

echo "bench: building the distill CLI; the demo server is copied to $work/app (its own obj/ and bin/)" >&2
dotnet build src/Distill.Cli -c Release -o "$work/cli" -nologo -v:q >"$work/cli.log" 2>&1 || { cat "$work/cli.log"; exit 1; }
distill() { dotnet "$work/cli/distill.dll" "$@"; }
mkdir -p "$work/app"
cp -r src/DemoServer "$work/app/DemoServer"
rm -rf "$work/app/DemoServer/bin" "$work/app/DemoServer/obj"
cp Directory.Build.props Directory.Packages.props "$work/app/"
app=$work/app/DemoServer
clean_app() { rm -rf "$app/bin" "$app/obj"; }

# Warm NuGet's cache (the ILCompiler package) so no column pays for a download.
dotnet publish "$app" -c Release -r linux-x64 -p:PublishAot=true -o "$work/warm" -nologo -v:q >/dev/null 2>&1

echo "bench: a local registry holding the libc-only stand-in base, for the SDK's PublishContainer" >&2
bash tests/standins/make.sh libc >/dev/null
port=$(free_port)
mkdir -p "$work/registry"
printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
podman push -q --tls-verify=false localhost/distill-standin/libc:bookworm "127.0.0.1:$port/libc:bookworm" >/dev/null

# distill's aot profile properties (src/Distill/Publish/PublishProfiles.cs), for the bare publish.
aot_properties=(-p:PublishAot=true -p:SelfContained=true -p:InvariantGlobalization=true -p:OptimizationPreference=Size
  -p:StripSymbols=true -p:DebugType=none -p:GenerateDocumentationFile=false)
# Every column publishes as a project that does not turn symbol copying off would (the SDK's default).
symbols=CopyOutputSymbolsToPublishDirectory=true

bare() {
  dotnet publish "$app" -c Release -r linux-x64 "${aot_properties[@]}" "-p:$symbols" -o "$work/bare" -nologo -v:q >/dev/null
}
ours() { # NAME → ours-NAME.json
  distill build "$app" --tag "$tag_base/ours:1" --property "$symbols" --out-dir "$work/out-$1" --json \
    >"$work/ours-$1.json" 2>"$work/ours-$1.log" || { cat "$work/ours-$1.log" >&2; exit 1; }
}
sdk() { # NAME → sdk-NAME.tar (the SDK writes an OCI archive)
  DOTNET_CONTAINER_INSECURE_REGISTRIES=127.0.0.1:$port dotnet publish "$app" -c Release -r linux-x64 -t:PublishContainer \
    -p:PublishAot=true "-p:$symbols" -p:ContainerBaseImage="127.0.0.1:$port/libc:bookworm" -p:ContainerRepository=distill-bench/sdk \
    -p:ContainerImageTag="$1" -p:ContainerArchiveOutputPath="$work/sdk-$1.tar" -o "$work/sdk-publish-$1" -nologo -v:q \
    >"$work/sdk-$1.log" 2>&1 || { cat "$work/sdk-$1.log" >&2; exit 1; }
}
timed() { local start; start=$(now); "$@"; since "$start"; }

# Clean builds alternate between the three so machine noise hits each alike; the best time counts.
bare_times=() ours_times=() sdk_times=()
for round in $(seq "$ROUNDS"); do
  echo "bench: clean builds, round $round of $ROUNDS" >&2
  clean_app; bare_times+=("$(timed bare)")
  clean_app; ours_times+=("$(timed ours "$round")")
  clean_app; sdk_times+=("$(timed sdk "$round")")
done
bare_clean=$(min "${bare_times[@]}")
ours_clean=$(min "${ours_times[@]}")
sdk_clean=$(min "${sdk_times[@]}")

echo "bench: rebuilds with nothing changed" >&2
ours warm; ours_again=$(timed ours again)
sdk warm; sdk_again=$(timed sdk again)

ours_digests=$(for r in $(seq "$ROUNDS"); do jq -r .manifestDigest "$work/ours-$r.json"; done | sort -u)
ours_same=$([ "$(echo "$ours_digests" | wc -l)" -eq 1 ] && echo yes || echo no)
ours_publish=$(min $(for r in $(seq "$ROUNDS"); do jq -r .stageSeconds.publish "$work/ours-$r.json"; done) | xargs printf '%.2f')
ours_overhead=$(min $(for r in $(seq "$ROUNDS"); do jq -r '.stageSeconds.reduce + .stageSeconds.pack' "$work/ours-$r.json"; done) | xargs printf '%.2f')
ours_again_overhead=$(jq -r '.stageSeconds.reduce + .stageSeconds.pack' "$work/ours-again.json" | xargs printf '%.2f')
ours_archive=$(jq -r .output "$work/ours-1.json")

load() { # ARCHIVE NAME → loads the archive and names what it held NAME
  local loaded
  loaded=$(podman load -i "$1" 2>/dev/null | grep '^Loaded image' | head -1 | sed 's/^[^:]*: //' | cut -d, -f1)
  [ -n "$loaded" ] || { echo "bench: podman load of $1 named no image" >&2; exit 1; }
  [ "$loaded" = "$2" ] || { podman tag "$loaded" "$2"; podman rmi "$loaded" >/dev/null; }
}
load "$ours_archive" "$tag_base/ours:1"
load "$work/sdk-1.tar" "$tag_base/sdk:1"
load "$work/sdk-$ROUNDS.tar" "$tag_base/sdk:2"
ours_size=$(podman image inspect --format '{{.Size}}' "$tag_base/ours:1")
sdk_size=$(podman image inspect --format '{{.Size}}' "$tag_base/sdk:1")
sdk_id1=$(podman image inspect --format '{{.Id}}' "$tag_base/sdk:1")
sdk_id2=$(podman image inspect --format '{{.Id}}' "$tag_base/sdk:2")
sdk_same=$([ "$sdk_id1" = "$sdk_id2" ] && echo yes || echo no)
ours_user=$(podman image inspect --format '{{.Config.User}}' "$tag_base/ours:1")
sdk_user=$(podman image inspect --format '{{.Config.User}}' "$tag_base/sdk:1")

layer_listing() { # TRANSPORT:IMAGE → `tar -tv` lines of every layer (through skopeo's dir: transport)
  local dir=$work/listing-$RANDOM
  skopeo copy -q "$1" "dir:$dir" >/dev/null
  jq -r '.layers[].digest | sub("sha256:"; "")' "$dir/manifest.json" | while read -r blob; do tar -tvf "$dir/$blob"; done
  rm -rf "$dir"
}
compressed_bytes() { skopeo inspect --raw "$1" | jq '[.layers[].size] | add'; }
dbg_bytes() { layer_listing "$1" | awk '$NF ~ /\.dbg$/ {s+=$3} END {print s+0}'; }
ours_compressed=$(compressed_bytes "oci-archive:$ours_archive")
sdk_compressed=$(compressed_bytes "oci-archive:$work/sdk-1.tar")
ours_dbg=$(dbg_bytes "oci-archive:$ours_archive")
sdk_dbg=$(dbg_bytes "oci-archive:$work/sdk-1.tar")

# Alternate the two images' starts too.
ours_times=() sdk_times=()
for _ in $(seq "$STARTS"); do
  ours_times+=("$(podman_first200_ms "$tag_base/ours:1" distill-bench-ours)")
  sdk_times+=("$(podman_first200_ms "$tag_base/sdk:1" distill-bench-sdk)")
done
ours_start=$(printf '%s\n' "${ours_times[@]}" | median)
sdk_start=$(printf '%s\n' "${sdk_times[@]}" | median)

row() { printf '%-42s %16s %16s %16s %10s\n' "$@"; }
echo
row "demo server, Native AOT, libc-only base" "distill build" "dotnet publish" "SDK container" "ours/SDK"
row "clean build (s, best of $ROUNDS)" "$ours_clean" "$bare_clean" "$sdk_clean" "$(ratio "$ours_clean" "$sdk_clean")"
row "  of which dotnet publish (s)" "$ours_publish" "$bare_clean" "" ""
row "  of which reduce + pack (s)" "$ours_overhead" "" "" ""
row "rebuild, nothing changed (s)" "$ours_again" "" "$sdk_again" "$(ratio "$ours_again" "$sdk_again")"
row "  of which reduce + pack (s)" "$ours_again_overhead" "" "" ""
row "image size (podman)" "$(mb "$ours_size")" "" "$(mb "$sdk_size")" "$(ratio "$ours_size" "$sdk_size")"
row "compressed layers" "$(mb "$ours_compressed")" "" "$(mb "$sdk_compressed")" "$(ratio "$ours_compressed" "$sdk_compressed")"
row ".dbg symbols shipped in the image" "$(mb "$ours_dbg")" "" "$(mb "$sdk_dbg")" ""
row "$ROUNDS clean builds give the same image" "$ours_same" "" "$sdk_same" ""
row "runs as user" "${ours_user:-root}" "" "${sdk_user:-root}" ""
row "needs a registry for its base image" "no" "" "yes" ""
row "podman run to first 200 (ms, median)" "$ours_start" "" "$sdk_start" "$(ratio "$ours_start" "$sdk_start")"
echo
echo "the seed's images (Pharo Zinc demo): 332 MB and 140 MB; ours is $(ratio 332000000 "$ours_size")x and $(ratio 140000000 "$ours_size")x smaller."
echo "ours: $(echo "$ours_digests" | tr '\n' ' ')"
echo "SDK image ids: $sdk_id1 $sdk_id2"

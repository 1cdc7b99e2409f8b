#!/usr/bin/env bash
# Makes local STAND-INS for the public base images that the project's Containerfiles and tests name.
#
# These machines cannot pull any image from a registry, so this script builds look-alikes locally and tags
# them with the public names (a normal machine with registry access needs none of this). A stand-in is
# never the real image: it is labelled org.distill.standin=<target>, and an image of the same name that is
# not a stand-in (a real one, pulled on a normal machine) is left alone and used as it is.
#
# Usage: tests/standins/make.sh [--force] [TARGET...]      (default targets: debian sdk)
#   debian  docker.io/library/debian:bookworm-slim   debootstrap --variant=minbase bookworm, slimmed like -slim
#   sdk     mcr.microsoft.com/dotnet/sdk:10.0         debian + the official image's packages (runtime-deps,
#                                                     curl, git, wget) + this machine's .NET SDK
#   aspnet  mcr.microsoft.com/dotnet/aspnet:10.0      debian + the runtime-deps packages + this machine's
#                                                     dotnet host and shared frameworks (ASP.NET Core included)
#   libc    localhost/distill-standin/libc:bookworm   FROM scratch: only the C library, libm and the loader
#                                                     (+ /etc/passwd, /etc/group with uid/gid 65532, /tmp 1777)
#   all     all of the above
# Idempotent and cached: a stand-in that exists with this script's recipe version is kept; --force remakes
# the named targets. Safe to run concurrently (one lock). Prints one "stand-in: NAME (made|cached|...)" line
# per target on stdout; progress goes to stderr.
#
# Only stand-ins trust this machine's extra CA certificates (/usr/local/share/ca-certificates, needed behind
# an inspecting proxy) and set NUGET_CERT_REVOCATION_MODE=offline; the project's Containerfiles never do.
#
# Environment: DISTILL_DEBIAN_MIRROR (default: the bookworm mirror in /etc/apt/sources.list*),
#              DISTILL_DOTNET_ROOT (default: the SDK the dotnet on PATH belongs to), CONTAINERS_CONF.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# Bump a target's number when its recipe changes: a cached stand-in with another number is remade
# (and remaking debian remakes the stand-ins built on it).
declare -A recipe=([debian]=1 [sdk]=2 [aspnet]=1 [libc]=1)

declare -A image=(
  [debian]=docker.io/library/debian:bookworm-slim
  [sdk]=mcr.microsoft.com/dotnet/sdk:10.0
  [aspnet]=mcr.microsoft.com/dotnet/aspnet:10.0
  [libc]=localhost/distill-standin/libc:bookworm
)
order=(debian sdk aspnet libc)

log() { echo "stand-ins: $*" >&2; }
die() { echo "stand-ins: error: $*" >&2; exit 1; }

force=false
wanted=()
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    all) wanted+=("${order[@]}") ;;
    debian|sdk|aspnet|libc) wanted+=("$arg") ;;
    *) die "unknown target '$arg' (known: ${order[*]} all)" ;;
  esac
done
[ ${#wanted[@]} -gt 0 ] || wanted=(debian sdk)

if [ -z "${CONTAINERS_CONF:-}" ] && [ -f "$repo/.ci/containers.conf" ]; then
  export CONTAINERS_CONF="$repo/.ci/containers.conf"
fi
command -v podman >/dev/null || die "podman is not installed"

# The bookworm mirror this machine's apt uses (deb822 .sources or one-line .list), unless overridden.
debian_mirror() {
  if [ -n "${DISTILL_DEBIAN_MIRROR:-}" ]; then echo "$DISTILL_DEBIAN_MIRROR"; return; fi
  local f uri
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i+1) == "bookworm") { print $i; exit } break } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk 'BEGIN { RS = ""; FS = "\n" }
      { uris = ""; suites = ""; types = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
          if ($i ~ /^Suites:/) suites = " " substr($i, 8) " "
          if ($i ~ /^Types:/) types = " " substr($i, 7) " " }
        if (types ~ / deb / && suites ~ /[ \t]bookworm[ \t]/) { split(uris, u, /[ \t]+/); print u[1]; exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  die "no bookworm mirror found in /etc/apt/sources.list*; set DISTILL_DEBIAN_MIRROR"
}

dotnet_root() {
  if [ -n "${DISTILL_DOTNET_ROOT:-}" ]; then echo "$DISTILL_DOTNET_ROOT"; return; fi
  local dotnet
  dotnet=$(command -v dotnet) || die "no dotnet on PATH; set DISTILL_DOTNET_ROOT"
  dirname "$(readlink -f "$dotnet")"
}

label_of() { podman image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# "cached", "foreign" (an image of that name that is not a stand-in: keep it) or "missing".
state_of() {
  local name=${image[$1]}
  podman image exists "$name" || { echo missing; return; }
  local kind
  kind=$(label_of "$name" org.distill.standin)
  if [ -z "$kind" ] || [ "$kind" = "<no value>" ]; then echo foreign; return; fi
  if [ "$(label_of "$name" org.distill.standin.recipe)" = "${recipe[$1]}" ]; then echo cached; else echo stale; fi
}

labels() {
  local target=$1
  printf -- '--label\0org.distill.standin=%s\0--label\0org.distill.standin.recipe=%s\0' "$target" "${recipe[$target]}"
  printf -- '--label\0org.opencontainers.image.description=Local stand-in for %s, made by tests/standins/make.sh\0' "${image[$target]}"
}

work=""
cleanup() { [ -n "$work" ] && rm -rf "$work"; return 0; }
trap cleanup EXIT

make_debian() {
  local mirror root
  mirror=$(debian_mirror)
  command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
  work=$(mktemp -d /var/tmp/distill-standin-debian.XXXXXX)
  root=$work/root
  log "debootstrap --variant=minbase bookworm from $mirror (about a minute)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  # Slim it the way Debian's official -slim images are: no docs, man pages, locales, apt lists or caches,
  # and keep later package installs slim too.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
CFG
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{man,groff,info,lintian,linda,locale}/* "$root"/var/lib/apt/lists/* \
    "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old "$root"/var/log/* "$root"/tmp/* "$root"/root/.bash_history
  : >"$root/etc/machine-id"
  local args=()
  while IFS= read -r -d '' a; do args+=("$a"); done < <(labels debian)
  local changes=() i
  # podman import takes labels as Containerfile instructions.
  for ((i = 1; i < ${#args[@]}; i += 2)); do changes+=(--change "LABEL ${args[$i]%%=*}=\"${args[$i]#*=}\""); done
  tar --numeric-owner -C "$root" -cf - . \
    | podman import -q "${changes[@]}" --change 'CMD ["bash"]' --message "stand-in made by tests/standins/make.sh" \
        - "${image[debian]}" >/dev/null
  rm -rf "$work"; work=""
}

# Derived stand-ins are built with podman from a Containerfile beside this script; host files come in
# through read-only build volumes, so nothing large is sent as a build context.
build_derived() {
  local target=$1; shift
  local args=()
  while IFS= read -r -d '' a; do args+=("$a"); done < <(labels "$target")
  local ca=/usr/local/share/ca-certificates
  if [ ! -d "$ca" ]; then work=$(mktemp -d /var/tmp/distill-standin-noca.XXXXXX); ca=$work; fi
  podman build --layers=false --pull=never -q \
    -v "$(dotnet_root):/standin/dotnet:ro" -v "$ca:/standin/ca-certificates:ro" \
    --build-arg "BASE=${image[debian]}" "${args[@]}" "$@" \
    -f "$here/$target.Containerfile" -t "${image[$target]}" "$here" >/dev/null
  cleanup; work=""
}

dotnet_versions() {
  local root sdk runtime
  root=$(dotnet_root)
  sdk=$(ls "$root/sdk" | sort -V | tail -1)
  runtime=$(ls "$root/shared/Microsoft.NETCore.App" | sort -V | tail -1)
  echo "--build-arg DOTNET_SDK_VERSION=$sdk --build-arg DOTNET_VERSION=$runtime"
}

make_target() {
  case "$1" in
    debian) make_debian ;;
    sdk|aspnet) # shellcheck disable=SC2046
      build_derived "$1" $(dotnet_versions) ;;
    libc) build_derived libc ;;
  esac
}

# One maker at a time on this machine (other tests may ask for the same stand-ins concurrently).
exec 9>"${TMPDIR:-/tmp}/distill-standins.lock"
flock 9

need_debian=false
for t in "${wanted[@]}"; do [ "$t" != debian ] && need_debian=true; done
todo=()
$need_debian && todo+=(debian)
for t in "${order[@]}"; do
  for w in "${wanted[@]}"; do [ "$t" = "$w" ] && { [[ " ${todo[*]} " == *" $t "* ]] || todo+=("$t"); }; done
done

remade_debian=false
for t in "${todo[@]}"; do
  name=${image[$t]}
  state=$(state_of "$t")
  explicit=false
  for w in "${wanted[@]}"; do [ "$w" = "$t" ] && explicit=true; done
  case "$state" in
    foreign)
      $explicit && echo "stand-in: $name is a real image here (not a stand-in), used as it is"
      continue ;;
    cached)
      if ! { $force && $explicit; } && ! { $remade_debian && [ "$t" != debian ]; }; then
        $explicit && echo "stand-in: $name (cached)"
        continue
      fi ;;
  esac
  old=$(podman image inspect --format '{{.Id}}' "$name" 2>/dev/null || true)
  log "making $t stand-in $name"
  start=$SECONDS
  make_target "$t"
  [ "$t" = debian ] && remade_debian=true
  # The replaced stand-in is now untagged; remove it unless a container still uses it.
  [ -n "$old" ] && [ "$old" != "$(podman image inspect --format '{{.Id}}' "$name")" ] \
    && podman rmi "$old" >/dev/null 2>&1 || true
  size=$(podman image ls --format '{{.Size}}' "$name" | head -1)
  if $explicit || [ "$state" != cached ]; then echo "stand-in: $name (made in $((SECONDS - start)) s, $size)"; fi
done

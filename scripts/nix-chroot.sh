#!/usr/bin/env bash
# Runs a command inside a Debian trixie chroot that has Nix 2.26 (closer to what runners install
# than bookworm's Nix 2.8), with this project mounted at /project. Needs root (mount, chroot).
# Creates the chroot on first use: about 700 MB in $NIX_CHROOT (default below), a few minutes,
# from Debian's mirrors; later runs reuse it. Delete the directory to reclaim the space.
#   scripts/nix-chroot.sh [COMMAND...]     default: the end-to-end tests
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
root=${NIX_CHROOT:-/var/tmp/publish-nix-artifact-trixie}
started=$SECONDS

say() { echo "nix-chroot: $*" >&2; }
# Runs a long, quiet command with a line every 20 s, so a first run is never silent for minutes.
with_progress() {
  local what=$1
  shift
  say "$what..."
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 20); do
      sleep 1
      kill -0 "$pid" 2>/dev/null || break
    done
    kill -0 "$pid" 2>/dev/null && say "  still ${what,} ($((SECONDS - started)) s so far)"
  done
  wait "$pid"
}

if [ ! -x "$root/usr/bin/nix" ]; then
  say "creating the Nix 2.26 test environment in $root (a Debian trixie chroot, about 700 MB, once)"
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap; }
  if [ ! -x "$root/usr/bin/node" ]; then
    rm -rf "$root"
    with_progress "Downloading and installing Debian trixie" \
      debootstrap --variant=minbase --include=nodejs,git,curl,ca-certificates trixie "$root" >/dev/null
  fi
fi

mounts=(proc dev dev/pts project)
mkdir -p "$root/project"
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    mountpoint -q "$root/${mounts[i]}" && umount -l "$root/${mounts[i]}" || true
  done
}
trap cleanup EXIT
for m in proc dev dev/pts; do mountpoint -q "$root/$m" || mount --bind "/$m" "$root/$m"; done
mountpoint -q "$root/project" || mount --bind "$project" "$root/project"

missing=()
[ -x "$root/usr/bin/nix" ] || missing+=(nix-bin)
[ -x "$root/usr/bin/curl" ] || missing+=(curl)
[ -x "$root/usr/bin/git-lfs" ] || missing+=(git-lfs)
if [ ${#missing[@]} -gt 0 ]; then
  with_progress "Installing ${missing[*]} in the chroot" \
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  say "ready after $((SECONDS - started)) s: $(chroot "$root" nix --version)"
fi

if [ $# -eq 0 ]; then
  set -- node --experimental-vm-modules node_modules/jest/bin/jest.js __tests__/e2e
fi
chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root TMPDIR=/tmp NODE_NO_WARNINGS=1 \
  sh -c 'cd /project && nix --version && exec "$@"' sh "$@"

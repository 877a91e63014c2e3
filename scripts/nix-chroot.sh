#!/usr/bin/env bash
# Runs a command inside a Debian trixie chroot that has Nix 2.26 (closer to what runners install
# than bookworm's Nix 2.8), with this project mounted at /project. Creates the chroot on first use
# (about a minute; needs root, debootstrap and Debian's mirrors).
#   scripts/nix-chroot.sh [COMMAND...]     default: the end-to-end tests
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
root=${NIX_CHROOT:-/var/tmp/publish-nix-artifact-trixie}

if [ ! -x "$root/usr/bin/nix" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap; }
  if [ ! -x "$root/usr/bin/node" ]; then
    rm -rf "$root"
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

if [ ! -x "$root/usr/bin/nix" ]; then
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nix-bin >/dev/null
fi

if [ $# -eq 0 ]; then
  set -- node --experimental-vm-modules node_modules/jest/bin/jest.js __tests__/e2e
fi
chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root TMPDIR=/tmp NODE_NO_WARNINGS=1 \
  sh -c 'cd /project && nix --version && exec "$@"' sh "$@"

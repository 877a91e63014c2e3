#!/usr/bin/env bash
# Runs a command inside a Debian chroot with a newer Node, git and Nix than the host's, with this
# project mounted at /project. Needs root (mount, chroot).
#   scripts/nix-chroot.sh SUITE [COMMAND...]     default command: the end-to-end tests
# Suites (what Debian ships in them, December 2026):
#   trixie   Node 20, git 2.47, Nix 2.26
#   sid      Node 24, git 2.55, Nix 2.34: the stack of today's runners (Node 24 is what action.yml runs)
# Creates the chroot on first use: 550 to 700 MB in $NIX_CHROOT_<SUITE> (NIX_CHROOT_TRIXIE,
# NIX_CHROOT_SID; NIX_CHROOT is still read for trixie), default /var/tmp/publish-nix-artifact-SUITE,
# a few minutes, from Debian's mirrors; later runs reuse it. Delete the directory to reclaim the space.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
suite=${1:?usage: scripts/nix-chroot.sh trixie|sid [COMMAND...]}
shift
case "$suite" in
  trixie) root=${NIX_CHROOT_TRIXIE:-${NIX_CHROOT:-/var/tmp/publish-nix-artifact-trixie}} ;;
  sid) root=${NIX_CHROOT_SID:-/var/tmp/publish-nix-artifact-sid} ;;
  *) echo "nix-chroot: unknown suite '$suite' (trixie or sid)" >&2; exit 2 ;;
esac
started=$SECONDS

say() { echo "nix-chroot[$suite]: $*" >&2; }
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
  say "creating the test environment in $root (a Debian $suite chroot, 550 to 700 MB, once)"
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap; }
  if [ ! -x "$root/usr/bin/node" ]; then
    rm -rf "$root"
    with_progress "Downloading and installing Debian $suite" \
      debootstrap --variant=minbase --include=nodejs,git,curl,ca-certificates "$suite" "$root" >/dev/null
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
  say "ready after $((SECONDS - started)) s: $(chroot "$root" nix --version), $(du -sh "$root" 2>/dev/null | cut -f1) on disk"
fi

if [ $# -eq 0 ]; then
  set -- node --experimental-vm-modules node_modules/jest/bin/jest.js __tests__/e2e
fi
chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root TMPDIR=/tmp NODE_NO_WARNINGS=1 \
  sh -c 'cd /project && echo "node $(node --version), $(git --version), $(nix --version)" && exec "$@"' sh "$@"

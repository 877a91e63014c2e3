#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian/Ubuntu machine (as root, or via sudo):
# Nix (Debian's nix-bin), git, git-lfs, curl, debootstrap (for the Nix 2.26 chroot), then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=''
[ "$(id -u)" -eq 0 ] || SUDO=sudo
need=()
for cmd in nix:nix-bin git:git git-lfs:git-lfs curl:curl debootstrap:debootstrap; do
  command -v "${cmd%%:*}" >/dev/null 2>&1 || need+=("${cmd##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -d node_modules ] || npm ci --no-audit --no-fund

#!/usr/bin/env bash
# Fails when dist/ is not what `npm run package` builds from src/ (the action runs dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run -s package >/dev/null
if [ -n "$(git status --porcelain -- dist)" ]; then
  echo "dist/ is out of date with src/: run 'npm run bundle' and commit dist/." >&2
  git status --short -- dist >&2
  git diff --stat -- dist >&2
  exit 1
fi
echo "dist/ is in sync with src/."

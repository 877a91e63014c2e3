#!/usr/bin/env bash
# Quick start, step 1: install what is needed and run the demo (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec node scripts/demo.mjs

#!/usr/bin/env bash
# Quick start, step 2: install what is needed and run the whole test suite (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec npm run test:all

#!/usr/bin/env bash
# Installs what is missing, builds everything under ASan+UBSan (the `dev`
# preset) and runs every test with CTest. This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)"
ctest --preset dev "$@"

#!/usr/bin/env bash
# Soak run of the simulator: many seeds, longer days, an optimised build.
#   scripts/soak.sh [FIRST..LAST] [DAYS] [FAULTS]     default: 1..5000 1 default
# Every failing seed prints its one-line reproduction; the exit status is
# non-zero if any seed failed.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-1..5000}
days=${2:-1}
faults=${3:-default}
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target zddc-sim
exec build/release/sim/zddc-sim --seeds "$seeds" --days "$days" --faults "$faults"

#!/usr/bin/env bash
# Builds the libFuzzer targets with clang under ASan+UBSan and runs each for a
# bounded time (default 60 s) starting from its checked-in corpus. New inputs
# go to a scratch directory, not into the repository. Exits non-zero on the
# first finding; the crashing input is left in build/fuzz/findings/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
ZDDC_WITH_FUZZ=1 scripts/install-deps.sh

build=build/fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DZDDC_FUZZ_ENGINE=libfuzzer -DZDDC_BUILD_TESTS=OFF -DZDDC_BUILD_BENCH=OFF \
  -DZDDC_ENABLE_SANITIZER_ADDRESS=ON -DZDDC_ENABLE_SANITIZER_UNDEFINED=ON >/dev/null

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(ls fuzz/corpus)
fi
mkdir -p "$build/findings"
for t in "${targets[@]}"; do
  cmake --build "$build" --target "fuzz_$t" >/dev/null
  scratch=$(mktemp -d)
  echo "fuzz: $t for ${seconds}s"
  status=0
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$build/findings/$t-" "$scratch" "fuzz/corpus/$t" \
    >"$build/findings/$t.log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::new_units_added|==|SUMMARY)' \
    "$build/findings/$t.log" || true
  rm -rf "$scratch"
  if [[ $status -ne 0 ]]; then
    echo "fuzz: $t found a failing input (see $build/findings/)" >&2
    exit 1
  fi
done
echo "fuzz: no findings"

#!/usr/bin/env bash
# Installs ZDDC's build and test dependencies from Debian's packages.
# Idempotent: quiet and quick when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libboost-program-options1.81-dev
  libssl-dev libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  libarchive-dev  # the ZIP downloads (core/zip_stream.hpp)
  libgoogle-perftools-dev  # tcmalloc, the daemon's allocator outside sanitizer builds
  prometheus  # promtool, which checks the metrics' exposition format in the tests
  chromium chromium-driver python3-selenium  # the browser tests (tests/browser/)
)
# Optional extras: clang for the libFuzzer targets (scripts/fuzz.sh).
if [[ "${ZDDC_WITH_FUZZ:-0}" == 1 ]]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

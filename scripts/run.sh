#!/usr/bin/env bash
# Installs what is missing, builds the daemon (release), writes the bundled
# synthetic fixture (553 documents) and serves it as a master on
# http://127.0.0.1:8080/ (override with ZDDC_LISTEN=ADDR:PORT). Trusted local
# demo: --no-auth. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target zddc zddc-fixture
root=build/fixture-tree
if [[ ! -d "$root" ]]; then
  build/release/fixtures/zddc-fixture --out "$root"
fi
listen=${ZDDC_LISTEN:-127.0.0.1:8080}
echo "Serving $root at http://$listen/ (Ctrl-C stops)"
exec build/release/src/zddc serve --mode master --root "$root" --listen "$listen" --no-auth \
  --state-dir build/state

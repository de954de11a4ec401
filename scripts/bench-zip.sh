#!/usr/bin/env bash
# A 2 GiB transmittal downloaded as one ZIP (`GET <folder>/?zip`), streamed
# by the master in constant memory: the daemon's peak resident set (VmHWM)
# before and after, the time and rate, and the archive checked by Python's
# zipfile (names, sizes; SHA256SUMS present).
#
# The folder holds SIZE_MIB (default 2048) in one large file (half of it),
# and the rest in 16 files; the bytes are random, written once (the page
# cache keeps them, so the disk is not what is measured). Builds zddc in
# BUILD (default build/release, the release preset).
#
#   scripts/bench-zip.sh      (SIZE_MIB=2048 BUILD=build/release TMPDIR=/tmp)
set -euo pipefail
cd "$(dirname "$0")/.."

size_mib=${SIZE_MIB:-2048}
build=${BUILD:-build/release}

source scripts/bench-common.sh
scripts/install-deps.sh
bench_install curl -- curl

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake --preset release -B "$build" >/dev/null
fi
cmake --build "$build" --target zddc >&2
zddc=$build/src/zddc

bench_workdir bench-zip
bench_pinning

folder="$work/root/Project/2025-10-31_123456-EL-TRN-0043 (IFC) - Switchgear Package"
mkdir -p "$folder"
big=$((size_mib / 2))
rest=$(((size_mib - big) / 16))
head -c "$((big << 20))" /dev/urandom >"$folder/123456-EL-DWG-0001_A (IFC) - Big Model.pdf"
for i in $(seq -w 1 16); do
  head -c "$((rest << 20))" /dev/urandom >"$folder/123456-EL-SPC-00${i}_B (IFC) - Spec ${i}.pdf"
done
sleep 3 # past the racy-clean window (README, Content ETags)

bench_zddc "$work/master.log" "${server_pin[@]}" "$zddc" serve --root "$work/root" --no-auth --state-dir "$work/state"
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$zddc_pid/status"; }
before=$(hwm)

url="http://127.0.0.1:$zddc_port/Project/2025-10-31_123456-EL-TRN-0043%20(IFC)%20-%20Switchgear%20Package/?zip"
start=$(date +%s%N)
"${client_pin[@]}" curl -sS --fail -o "$work/t.zip" "$url"
end=$(date +%s%N)
after=$(hwm)

bytes=$(stat -c %s "$work/t.zip")
seconds=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')
mbps=$(awk -v b="$bytes" -v ns=$((end - start)) 'BEGIN { printf "%.0f", b / 1048576 / (ns / 1e9) }')
check=$(python3 - "$work/t.zip" "$folder" <<'EOF'
import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = {i.filename: i.file_size for i in z.infolist()}
folder = sys.argv[2]
base = os.path.basename(folder)
want = {base + "/" + n: os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder)}
ok = all(names.get(k) == v for k, v in want.items()) and "SHA256SUMS" in names
big = sum(names.values()) >= 1 << 32
print("ok" if ok else "MISMATCH", len(names), "members" + (", ZIP64" if big else ""))
EOF
)

echo "# zddc ?zip of a ${size_mib} MiB transmittal ($pinning)"
echo
echo "| archive bytes | seconds | MiB/s | daemon VmHWM before | after | zipfile check |"
echo "|---|---|---|---|---|---|"
echo "| $bytes | $seconds | $mbps | $((before / 1024)) MiB | $((after / 1024)) MiB | $check |"

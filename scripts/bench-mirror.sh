#!/usr/bin/env bash
# Walk throughput beside wget and rclone (DESIGN.md §5): the fixture tree
# (553 files, 73.7 MB) mirrored over loopback, cold (an empty mirror) and
# warm (nothing changed since the last walk), by two zddc daemons (a master
# and a mirror) and, from nginx serving the same tree with autoindex, by
# `wget --mirror` and `rclone sync` (when Debian has it).
#
# Builds zddc and zddc-fixture in BUILD (default build/release, the release
# preset), installs nginx, wget and rclone when missing (apt-get, as root),
# writes the fixture to a temporary directory and starts zddc's master and
# nginx (one worker, foreground, logs in the temporary directory) on free
# loopback ports. With two or more cores the servers run on the first cores
# and the mirroring side (the mirror daemon, wget, rclone) on the last one.
#
# Each figure is the median of RUNS runs. A zddc walk is timed by the walker
# itself (the duration in <root>/.zddc-mirror-state.json, from the request
# that started it to its last file); wget and rclone by the wall time of
# their process. Everything started here is stopped on exit.
#
# The mirror syncs its filesystem once per batch of up to 32 files (on the
# event loop's thread); wget and rclone sync nothing. On a slow disk that
# can decide the cold walk (on the 2-core VM of README's Benchmarks it does
# not: file creation does); TMPDIR=/dev/shm (every tree on tmpfs, where
# fsync costs nothing) shows the rest.
#
#   scripts/bench-mirror.sh      (RUNS=3 PARALLEL=4 BUILD=build/release TMPDIR=/tmp)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-3}
parallel=${PARALLEL:-4}           # --mirror-parallel, and rclone's --transfers/--checkers
build=${BUILD:-build/release}

# --- what is needed -------------------------------------------------------
source scripts/bench-common.sh
scripts/install-deps.sh
if apt-cache show rclone >/dev/null 2>&1; then
  bench_install nginx wget curl rclone -- nginx wget curl rclone
else
  bench_install nginx wget curl -- nginx wget curl
fi
have_rclone=""
command -v rclone >/dev/null && have_rclone=1

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake --preset release -B "$build" >/dev/null
fi
cmake --build "$build" --target zddc zddc-fixture >&2
zddc=$build/src/zddc
fixture=$build/fixtures/zddc-fixture

bench_workdir bench-mirror
bench_pinning
cores=$(nproc)

now_ns() { date +%s%N; }

# Counts the files under a tree, and their bytes, leaving out zddc's own .zddc* names.
count_files() { find "$1" -name '.zddc*' -prune -o -type f -print | wc -l; }
tree_size() { find "$1" -name '.zddc*' -prune -o -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

# --- the fixture, the master and nginx -----------------------------------------
root=$work/root
"$fixture" --out "$root" >/dev/null
file_count=$(count_files "$root")
tree_bytes=$(tree_size "$root")
chmod -R a+rX "$work" # nginx workers may run as another user
# A content tag computed within 2 s of its file's mtime is "racy" and is
# computed again on next use (README, Content ETags); files of a real tree
# are older than that, so let these age before anything reads them.
sleep 3

bench_zddc "$work/master.log" "${server_pin[@]}" "$zddc" serve --root "$root" --no-auth --state-dir "$work/state"
master_port=$zddc_port
bench_nginx "$root" 1 "autoindex on;"

# --- zddc: a mirror daemon walking the master ------------------------------------
declare -A cold warm
for ((run = 1; run <= runs; run++)); do
  mirror_root=$work/mirror-$run
  bench_zddc "$work/mirror-$run.log" "${client_pin[@]}" "$zddc" serve --mode mirror --root "$mirror_root" \
    --upstream "http://127.0.0.1:$master_port" --mirror-min-interval 0s --mirror-parallel "$parallel"
  mirror_pid=$zddc_pid mirror_port=$zddc_port
  read -r ns fetched unchanged requests complete < <(bench_walk_once "$mirror_root" "$mirror_port")
  [[ $complete == true && $fetched == "$file_count" ]] ||
    { cat "$work/mirror-$run.log" >&2; echo "bench-mirror: cold walk: complete=$complete fetched=$fetched" >&2; exit 1; }
  got="$(count_files "$mirror_root") files, $(tree_size "$mirror_root") bytes"
  [[ $got == "$file_count files, $tree_bytes bytes" ]] ||
    { echo "bench-mirror: the mirror holds $got, not $file_count files, $tree_bytes bytes" >&2; exit 1; }
  cold[zddc]+="$ns "
  read -r ns fetched unchanged requests complete < <(bench_walk_once "$mirror_root" "$mirror_port")
  # Nothing changed: nothing fetched (a tree walk answered 304 counts no
  # file unchanged either), and the copy still whole.
  [[ $complete == true && $fetched == 0 && $(count_files "$mirror_root") == "$file_count" ]] ||
    { echo "bench-mirror: warm walk: complete=$complete fetched=$fetched unchanged=$unchanged" >&2; exit 1; }
  warm[zddc]+="$ns "
  warm_requests=$requests
  kill -TERM "$mirror_pid"
  wait "$mirror_pid" 2>/dev/null || true
  rm -rf "$mirror_root"
done

# --- wget --mirror and rclone sync from nginx --------------------------------------
# Runs a command on the mirroring side's cpu; prints its wall time in ns. Its
# exit status is not judged (wget answers 8 for any 404 on the way); what it
# brought down is counted instead.
timed() {
  local start end
  start=$(now_ns)
  "${client_pin[@]}" "$@" >/dev/null 2>>"$work/timed.err" || true
  end=$(now_ns)
  echo $((end - start))
}

nginx_url=http://127.0.0.1:$nginx_port/
for ((run = 1; run <= runs; run++)); do
  dest=$work/wget-$run
  wget_mirror=(wget --mirror --no-parent --no-host-directories -e robots=off --quiet --directory-prefix "$dest"
               "$nginx_url")
  cold[wget]+="$(timed "${wget_mirror[@]}") "
  got=$(find "$dest" -type f ! -name 'index.html*' | wc -l)
  [[ $got == "$file_count" ]] ||
    { cat "$work/timed.err" >&2; echo "bench-mirror: wget brought $got files, not $file_count" >&2; exit 1; }
  warm[wget]+="$(timed "${wget_mirror[@]}") "
  rm -rf "$dest"

  if [[ -n $have_rclone ]]; then
    dest=$work/rclone-$run
    # The tree holds one name in NFC and in NFD side by side: without
    # --no-unicode-normalization rclone takes them for one and drops one.
    rclone_sync=(rclone sync --config /dev/null --http-url "$nginx_url" :http: "$dest"
                 --transfers "$parallel" --checkers "$parallel" --no-unicode-normalization)
    cold[rclone]+="$(timed "${rclone_sync[@]}") "
    got=$(count_files "$dest")
    [[ $got == "$file_count" ]] ||
      { cat "$work/timed.err" >&2; echo "bench-mirror: rclone brought $got files, not $file_count" >&2; exit 1; }
    warm[rclone]+="$(timed "${rclone_sync[@]}") "
    rm -rf "$dest"
  fi
done

# --- summary ---------------------------------------------------------------------
echo
echo "machine: $cores cores, $(lscpu 2>/dev/null | sed -nE 's/^Model name: +//p'), $(uname -sr)"
echo "tree:    $file_count files, $tree_bytes bytes (zddc-fixture, realistic bodies)"
echo "zddc:    $("$zddc" --version | cut -d' ' -f2) master + mirror (--mirror-parallel $parallel, Release); warm walk: $warm_requests requests"
echo "others:  $("$nginx_bin" -v 2>&1 | sed 's/.*: //') (autoindex, 1 worker); $(wget --version | head -1 | cut -d' ' -f1-3) --mirror$(
  [[ -n $have_rclone ]] && echo "; $(rclone version 2>/dev/null | head -1) sync --transfers/--checkers $parallel --no-unicode-normalization")"
echo "runs:    median of $runs${pinning:+; $pinning}; trees in $(df --output=fstype "$work" | tail -1) ($work)"
echo
printf '%-8s %-5s %10s %10s %9s %11s\n' "tool" "walk" "seconds" "files/s" "MB/s" "zddc/tool"
tools=(zddc wget)
[[ -n $have_rclone ]] && tools+=(rclone)
for phase in cold warm; do
  declare -n times=$phase
  zddc_ns=$(tr ' ' '\n' <<<"${times[zddc]}" | grep . | bench_median)
  for tool in "${tools[@]}"; do
    ns=$(tr ' ' '\n' <<<"${times[$tool]}" | grep . | bench_median)
    awk -v t="$tool" -v p="$phase" -v ns="$ns" -v n="$file_count" -v b="$tree_bytes" -v z="$zddc_ns" 'BEGIN {
      s = ns / 1e9
      mbs = p == "cold" ? sprintf("%.1f", b / 1e6 / s) : "-" # a warm walk brings nothing down
      ratio = t == "zddc" ? "" : sprintf("%.2f", ns / z)
      printf "%-8s %-5s %10.3f %10.0f %9s %11s\n", t, p, s, n / s, mbs, ratio
    }'
  done
  unset -n times
done
echo
echo "zddc/tool: how many times faster zddc was than the tool (its time over zddc's)."

#!/usr/bin/env bash
# zddc beside its peers, in one table (issue 18): each figure zddc's and a
# peer's, their ratio and the goal it is held to.
#   - nginx, over the same files: GET of a 4 KiB file, the same GET answered
#     304 (If-None-Match: its ETag), a JSON listing of a 50-entry directory
#     (nginx: autoindex_format json), all in req/s from wrk, and the server's
#     user and system CPU per request over each wrk run (its processes'
#     utime and stime over the requests wrk counted: the rate moves with
#     whatever else the host runs, the user CPU much less); GET of a 1 GiB
#     file and a 256 MiB range from its middle, in MiB/s from curl.
#   - rclone sync (and wget --mirror) from nginx's autoindex, beside a zddc
#     mirror daemon walking a zddc master: the bundled fixture mirrored cold
#     (into an empty tree) and warm (nothing changed), on ext4 (TMPDIR) and
#     on tmpfs (/dev/shm). A zddc walk is timed by the walker itself (the
#     duration in .zddc-mirror-state.json), rclone and wget by the wall time
#     of their process, as in bench-mirror.sh. The mirror fsyncs what it
#     writes, rclone and wget do not: tmpfs shows the walk without the disk.
#   - zddc's peak resident set (VmHWM) after one GET and after one PUT of a
#     1 GiB file, and a mirror daemon's after mirroring it, each on a fresh
#     daemon so the peak is that operation's.
#
# Builds zddc and zddc-fixture in BUILD (default build/bench, the bench
# preset; NO_BUILD=1 takes the binaries already there), installs nginx, wrk,
# wget, curl and rclone when missing (apt-get, as root). Servers run one
# worker/loop pinned to cpu 0 (zddc: --threads 1 --no-auth --log-level warn;
# nginx: sendfile on, access_log off); clients (wrk -t1 -c16, curl, rclone,
# wget, the mirror daemon) run on the last cpu. Every figure is the median
# of RUNS runs, the two sides taking turns, each side warmed up once,
# untimed, before. Everything started here is stopped, and its files
# removed, on exit. Needs about 3 GiB free in TMPDIR.
#
#   scripts/bench-peers.sh      (RUNS=3 DURATION=6 PARALLEL=4 BIG_MIB=1024 BUILD=build/bench NO_BUILD= TMPDIR=/tmp)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-3}
duration=${DURATION:-6}      # seconds per wrk run
parallel=${PARALLEL:-4}      # --mirror-parallel, and rclone's --transfers/--checkers
big_mib=${BIG_MIB:-1024}     # the large file
build=${BUILD:-build/bench}
connections=16
dir_entries=50

# --- what is needed -------------------------------------------------------
source scripts/bench-common.sh
scripts/install-deps.sh
bench_install nginx wrk wget curl rclone -- nginx wrk wget curl rclone

if [[ -z ${NO_BUILD:-} ]]; then
  [[ -f $build/CMakeCache.txt ]] || cmake --preset bench -B "$build" >/dev/null
  cmake --build "$build" --target zddc zddc-fixture >&2
fi
zddc=$build/src/zddc
fixture=$build/fixtures/zddc-fixture

bench_workdir bench-peers
shm=$(mktemp -d /dev/shm/zddc-bench-peers-XXXXXX)
trap 'bench_cleanup; rm -rf "$shm"' EXIT
bench_pinning
cores=$(nproc)
if [[ -n $pinning ]]; then # servers on cpu 0 alone, whatever the core count
  server_pin=(taskset -c 0)
  pinning="servers on cpu 0, clients on cpu $((cores - 1))"
fi

# Something that looked wrong: said now, and listed under the table (a file,
# as it is often said from a command substitution's subshell).
problem() { echo "bench-peers: $*" >&2; echo "$*" >>"$work/problems"; }
serve=("$zddc" serve --threads 1 --no-auth --log-level warn)
kib_hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
count_files() { find "$1" -name '.zddc*' -prune -o -type f -print | wc -l; }

# --- the files: one tree for nginx and zddc alike ---------------------------------
# www/files/4KiB.pdf, www/dir/ (50 files), www/big/<1 GiB>, www/fixture/ (the
# bundled fixture) on TMPDIR's filesystem; a copy of the fixture on tmpfs.
echo "bench-peers: writing the files" >&2
www=$work/www
bench_small_files "$www" "$dir_entries"
mkdir -p "$www/big"
big_name=${big_mib}MiB.bin
big_bytes=$((big_mib << 20))
head -c "$big_bytes" /dev/urandom >"$www/big/$big_name"
"$fixture" --out "$www/fixture" >/dev/null
fixture_files=$(count_files "$www/fixture")
cp -a "$www/fixture" "$shm/fixture"
chmod -R a+rX "$work" "$shm" # nginx workers may run as another user
# A content tag computed within 2 s of its file's mtime is computed again on
# next use (README, Content ETags); let the files age past that.
sleep 3

bench_nginx "$www" 1 "access_log off;
    autoindex on;
    location /dir/ { autoindex_format json; }
    location /shm/ { alias $shm/fixture/; }"
bench_zddc_port "$work/master.log" "${server_pin[@]}" "${serve[@]}" --mode master --root "$www" \
  --state-dir "$work/state-master"
url_nginx=http://127.0.0.1:$nginx_port url_zddc=http://127.0.0.1:$zddc_port # read as ${!base}

declare -A vals # "<figure> <side>" -> the runs' figures, space separated
add() { vals[$1]+="$2 "; }
keep() { if ((run > 0)); then add "$@"; fi; } # add, but not from run 0 (the warm-up)
med() { tr ' ' '\n' <<<"${vals[$1]:-}" | grep . | bench_median; }

# --- 1-3: small requests, wrk ---------------------------------------------------------
declare -A etag_of
for side in nginx zddc; do
  base=url_$side
  etag_of[$side]=$(bench_small_etag "$side" "${!base}" "$dir_entries")
done

# One wrk run of DURATION (a later -dN wins) against the server PID, noting
# errors; prints "req/s user-µs/request system-µs/request": `wrk_rate PID URL [WRK ARGS]`.
clock_hz=$(getconf CLK_TCK)
wrk_rate() {
  local pid=$1 url=$2 out before after
  shift 2
  before=$(bench_cpu_ticks "$pid")
  out=$("${client_pin[@]}" wrk -t1 -c"$connections" -d"${duration}s" "$@" "$url" || true)
  after=$(bench_cpu_ticks "$pid")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    problem "wrk $* $url: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | paste -sd';')"
  fi
  awk -v before="$before" -v after="$after" -v hz="$clock_hz" '
    / requests in / { n = $1 }
    /^Requests\/sec:/ { rate = $2 }
    END {
      split(before, b, " "); split(after, a, " ")
      us = n > 0 ? 1e6 / hz / n : 0
      printf "%.0f %.3f %.3f\n", rate, (a[1] - b[1]) * us, (a[2] - b[2]) * us
    }' <<<"$out"
}
small_run() { # small_run SIDE [WRK ARGS]: one run of the three figures
  local side=$1 base pid figure rate user sys extra=("${@:2}")
  base=url_$side pid=${side}_pid
  for figure in get 304 json; do
    case $figure in
      get) set -- "${!base}/files/4KiB.pdf" ;;
      304) set -- "${!base}/files/4KiB.pdf" -H "If-None-Match: ${etag_of[$side]}" ;;
      json) set -- "${!base}/dir/" -H 'Accept: application/json' ;;
    esac
    read -r rate user sys < <(wrk_rate "${!pid}" "$@" "${extra[@]}")
    add "$figure $side" "$rate"
    add "$figure-user $side" "$user"
    add "$figure-sys $side" "$sys"
  done
}
for side in nginx zddc; do # warm-up, untimed
  small_run "$side" -d1s
done
vals=()
for ((run = 1; run <= runs; run++)); do
  for side in nginx zddc; do
    echo "bench-peers: wrk run $run/$runs, $side" >&2
    small_run "$side"
  done
done

# --- 7a: the large file's GET and a 256 MiB range, beside nginx --------------------------
# MiB/s of one curl GET; checks the status and the size. `curl_mibs STATUS BYTES URL [ARGS]`.
curl_mibs() {
  local want=$1 bytes=$2 url=$3 out
  out=$("${client_pin[@]}" curl -s -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' "${@:4}" "$url" || true)
  read -r code size speed <<<"$out"
  [[ $code == "$want" && $size == "$bytes" ]] || problem "GET $url ${*:4}: $code, $size bytes (wanted $want, $bytes)"
  awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1048576 }'
}
slice=$((256 << 20)) # or a quarter of a smaller file
((slice <= big_bytes / 4)) || slice=$((big_bytes / 4))
from=$(((big_bytes - slice) / 2))
range=$from-$((from + slice - 1))
for ((run = 0; run <= runs; run++)); do # run 0: warm-up, untimed
  for side in nginx zddc; do
    base=url_$side
    g=$(curl_mibs 200 "$big_bytes" "${!base}/big/$big_name")
    r=$(curl_mibs 206 "$slice" "${!base}/big/$big_name" -r "$range")
    keep "big $side" "$g"
    keep "range $side" "$r"
  done
done

# --- 7b: peak memory of fresh daemons ----------------------------------------------------------
for ((run = 1; run <= runs; run++)); do
  echo "bench-peers: 1 GiB GET, PUT and mirror on fresh daemons, run $run/$runs" >&2
  # GET
  bench_zddc_port "$work/get.log" "${server_pin[@]}" "${serve[@]}" --mode master --root "$www" \
    --state-dir "$work/state-get-$run"
  curl_mibs 200 "$big_bytes" "http://127.0.0.1:$zddc_port/big/$big_name" >/dev/null
  add "hwm-get zddc" "$(kib_hwm "$zddc_pid")"
  bench_stop "$zddc_pid"

  # PUT
  mkdir -p "$work/put-$run"
  bench_zddc_port "$work/put.log" "${server_pin[@]}" "${serve[@]}" --mode master --root "$work/put-$run" \
    --state-dir "$work/state-put-$run" --max-write-bytes $((2 * big_bytes))
  out=$("${client_pin[@]}" curl -s -o /dev/null -w '%{http_code} %{speed_upload}' -T "$www/big/$big_name" \
          "http://127.0.0.1:$zddc_port/$big_name" || true)
  read -r code speed <<<"$out"
  [[ $code == 201 && $(stat -c %s "$work/put-$run/$big_name" 2>/dev/null) == "$big_bytes" ]] ||
    problem "PUT of $big_name: $code, $(stat -c %s "$work/put-$run/$big_name" 2>/dev/null || echo no) bytes stored"
  add "put zddc" "$(awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1048576 }')"
  add "hwm-put zddc" "$(kib_hwm "$zddc_pid")"
  bench_stop "$zddc_pid"
  rm -rf "$work/put-$run"

  # mirror: a master over www/big, a fresh mirror walking it
  bench_zddc_port "$work/big-master.log" "${server_pin[@]}" "${serve[@]}" --mode master --root "$www/big" \
    --state-dir "$work/state-big-master-$run"
  big_master_pid=$zddc_pid big_master_port=$zddc_port
  mroot=$work/mirror-big-$run
  bench_zddc_port "$work/big-mirror.log" "${client_pin[@]}" "${serve[@]}" --mode mirror --root "$mroot" \
    --state-dir "$work/state-big-mirror-$run" --upstream "http://127.0.0.1:$big_master_port" \
    --mirror-min-interval 0s --max-download-bytes $((2 * big_bytes))
  read -r ns fetched unchanged requests complete < <(bench_walk_once "$mroot" "$zddc_port") || true
  [[ ${complete:-} == true && ${fetched:-} == 1 && $(stat -c %s "$mroot/$big_name" 2>/dev/null) == "$big_bytes" ]] ||
    problem "mirror of $big_name: complete=${complete:-?} fetched=${fetched:-?}"
  add "hwm-mirror zddc" "$(kib_hwm "$zddc_pid")"
  bench_stop "$zddc_pid"
  bench_stop "$big_master_pid"
  rm -rf "$mroot"
done

# --- 4-6: mirroring the fixture ------------------------------------------------------------------------
# Wall time (ns) of a command on the clients' cpu; its status is not judged
# (wget answers 8 for any 404 on the way): what it brought down is counted.
timed() {
  local start end
  start=$(date +%s%N)
  "${client_pin[@]}" "$@" >/dev/null 2>>"$work/timed.err" || true
  end=$(date +%s%N)
  echo $((end - start))
}

# One filesystem: `mirror_runs LABEL FIXTURE_ROOT NGINX_PATH DEST_DIR`.
mirror_runs() {
  local fs=$1 froot=$2 nginx_url="http://127.0.0.1:$nginx_port$3" dest_dir=$4 fmaster_pid fmaster_port
  local run dest mroot got
  bench_zddc_port "$work/fixture-master-$fs.log" "${server_pin[@]}" "${serve[@]}" --mode master --root "$froot" \
    --state-dir "$work/state-fixture-master-$fs"
  fmaster_pid=$zddc_pid fmaster_port=$zddc_port
  for ((run = 0; run <= runs; run++)); do # run 0: warm-up, untimed
    echo "bench-peers: mirroring the fixture on $fs, run $run/$runs" >&2
    mroot=$dest_dir/zddc-$run
    bench_zddc_port "$work/mirror-$fs-$run.log" "${client_pin[@]}" "${serve[@]}" --mode mirror --root "$mroot" \
      --state-dir "$work/state-mirror-$fs-$run" --upstream "http://127.0.0.1:$fmaster_port" \
      --mirror-min-interval 0s --mirror-parallel "$parallel"
    read -r ns fetched unchanged requests complete < <(bench_walk_once "$mroot" "$zddc_port") || true
    [[ ${complete:-} == true && ${fetched:-} == "$fixture_files" && $(count_files "$mroot") == "$fixture_files" ]] ||
      problem "zddc cold walk on $fs: complete=${complete:-?} fetched=${fetched:-?} of $fixture_files"
    keep "cold-$fs zddc" "$ns"
    read -r ns fetched unchanged requests complete < <(bench_walk_once "$mroot" "$zddc_port") || true
    # (A walk whose ?tree answers 304 checks no file one by one: unchanged=0.)
    [[ ${complete:-} == true && ${fetched:-} == 0 && $(count_files "$mroot") == "$fixture_files" ]] ||
      problem "zddc warm walk on $fs: complete=${complete:-?} fetched=${fetched:-?} unchanged=${unchanged:-?}"
    keep "warm-$fs zddc" "$ns"
    warm_requests=${requests:-?}
    bench_stop "$zddc_pid"
    rm -rf "$mroot"

    dest=$dest_dir/rclone-$run
    # The tree holds one name in NFC and in NFD side by side: without
    # --no-unicode-normalization rclone takes them for one and drops one.
    local rclone_sync=(rclone sync --config /dev/null --http-url "$nginx_url" :http: "$dest"
                       --transfers "$parallel" --checkers "$parallel" --no-unicode-normalization)
    ns=$(timed "${rclone_sync[@]}")
    keep "cold-$fs rclone" "$ns"
    got=$(count_files "$dest")
    [[ $got == "$fixture_files" ]] || problem "rclone on $fs brought $got files, not $fixture_files"
    ns=$(timed "${rclone_sync[@]}")
    keep "warm-$fs rclone" "$ns"
    rm -rf "$dest"

    dest=$dest_dir/wget-$run
    local wget_mirror=(wget --mirror --no-parent --no-host-directories --cut-dirs=1 -e robots=off --quiet
                       --directory-prefix "$dest" "$nginx_url")
    ns=$(timed "${wget_mirror[@]}")
    keep "cold-$fs wget" "$ns"
    got=$(find "$dest" -type f ! -name 'index.html*' | wc -l)
    [[ $got == "$fixture_files" ]] || problem "wget on $fs brought $got files, not $fixture_files"
    ns=$(timed "${wget_mirror[@]}")
    keep "warm-$fs wget" "$ns"
    rm -rf "$dest"
  done
  bench_stop "$fmaster_pid"
}
mkdir -p "$work/dest" "$shm/dest"
mirror_runs ext4 "$www/fixture" /fixture/ "$work/dest"
mirror_runs tmpfs "$shm/fixture" /shm/ "$shm/dest"

# --- the table ------------------------------------------------------------------------------------------------
# row FIGURE PEER-LABEL KEY UNIT RATIO GOAL: UNIT rps|mibs|ns|kib|us; RATIO
# z/p (zddc over the peer), p/z (the peer over zddc) or -.
row() {
  local figure=$1 peer=$2 key=$3 unit=$4 ratio=$5 goal=$6 p="" z
  if [[ $peer != - ]]; then p=$(med "$key $peer"); fi
  z=$(med "$key zddc")
  awk -v f="$figure" -v peer="$peer" -v p="$p" -v z="$z" -v u="$unit" -v r="$ratio" -v g="$goal" '
    function show(v) {
      if (v == "") return "-"
      if (u == "ns") return v < 1e8 ? sprintf("%.1f ms", v / 1e6) : sprintf("%.3f s", v / 1e9)
      if (u == "kib") return sprintf("%.1f MiB", v / 1024)
      if (u == "mibs") return sprintf("%d MiB/s", v)
      if (u == "us") return sprintf("%.2f µs", v)
      return sprintf("%d req/s", v)
    }
    BEGIN {
      q = "-"
      if (r == "z/p" && p > 0) q = sprintf("%.2f", z / p)
      if (r == "p/z" && z > 0) q = sprintf("%.2f", p / z)
      printf "| %s | %s | %s | %s | %s |\n", f, peer == "-" ? "-" : peer " " show(p), show(z), q, g
    }'
}

echo
echo "| figure | peer | zddc | ratio | goal |"
echo "|---|---|---|---|---|"
row "GET 4 KiB file" nginx get rps z/p ">= 1.0"
row "GET 4 KiB file, 304 (If-None-Match)" nginx 304 rps z/p ">= 1.0"
row "JSON listing, $dir_entries entries" nginx json rps z/p ">= 3.0"
for figure in "get:GET 4 KiB file" "304:GET 4 KiB file, 304" "json:JSON listing"; do
  row "${figure#*:}: user CPU per request" nginx "${figure%%:*}-user" us p/z "-"
  row "${figure#*:}: system CPU per request" nginx "${figure%%:*}-sys" us p/z "-"
done
for fs in ext4 tmpfs; do
  for phase in cold warm; do
    row "$phase mirror of the fixture, $fs" rclone "$phase-$fs" ns p/z ">= 2"
    row "$phase mirror of the fixture, $fs" wget "$phase-$fs" ns p/z "-"
  done
done
row "GET $big_mib MiB file" nginx big mibs z/p "-"
row "GET $((slice >> 20)) MiB range from its middle" nginx range mibs z/p "-"
row "PUT $big_mib MiB file" - put mibs - "-"
row "daemon VmHWM after GET of $big_mib MiB" - hwm-get kib - "<= 32 MiB"
row "daemon VmHWM after PUT of $big_mib MiB" - hwm-put kib - "<= 32 MiB"
row "mirror VmHWM after mirroring $big_mib MiB" - hwm-mirror kib - "<= 32 MiB"
echo
echo "Run: $cores cores ($(lscpu 2>/dev/null | sed -nE 's/^Model name: +//p')), ${pinning:-not pinned}; median of RUNS=$runs" \
  "(after one untimed warm-up each); wrk -t1 -c$connections -d${duration}s (DURATION=$duration);" \
  "zddc $("$zddc" --version | cut -d' ' -f2) ($build, --threads 1 --no-auth --log-level warn, --mirror-parallel $parallel; a warm walk: $warm_requests request(s));" \
  "$("$nginx_bin" -v 2>&1 | sed 's/.*: //') (1 worker, sendfile on, access_log off); $(rclone version 2>/dev/null | head -1)" \
  "(--transfers/--checkers $parallel); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(wget --version | head -1 | cut -d' ' -f1-3);" \
  "ext4: $(df --output=fstype "$work" | tail -1) $work, tmpfs: $shm. Ratios: req/s and MiB/s zddc/nginx, CPU and mirror seconds peer/zddc."
if [[ -s $work/problems ]]; then
  echo
  echo "Problems seen:"
  sed 's/^/- /' "$work/problems"
fi

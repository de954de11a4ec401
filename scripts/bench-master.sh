#!/usr/bin/env bash
# Master throughput beside nginx (DESIGN.md §5): small-file GET (200) and
# conditional GET (304) rates over loopback, zddc and nginx serving the same
# fixture tree with the same client load.
#
# Builds the `bench` preset (daemon, fixture writer, load driver), installs
# nginx and wrk when missing (apt-get, as root), writes the fixture to a
# temporary directory, starts zddc (--no-auth) and nginx (foreground, its
# pid and logs in the temporary directory) on free loopback ports, and runs:
#   - wrk against one small file, then with If-None-Match (304);
#   - zddc-bench-master, round robin over all small files, both phases.
# Both servers log every request to a file (zddc's info log, nginx's
# access_log) and run one worker/loop unless SERVER_THREADS says otherwise.
# With two or more cores the servers are pinned to the first cores and the
# client to the last one. Everything started here is stopped on exit.
#
#   scripts/bench-master.sh      (CONNECTIONS=16 DURATION=10 THREADS=1 SERVER_THREADS=1)
set -euo pipefail
cd "$(dirname "$0")/.."

connections=${CONNECTIONS:-16}
duration=${DURATION:-10}          # seconds per measured run
threads=${THREADS:-1}             # client threads (wrk -t, driver --client-threads)
server_threads=${SERVER_THREADS:-1}

# --- what is needed -------------------------------------------------------
source scripts/bench-common.sh
scripts/install-deps.sh
bench_install nginx wrk curl -- nginx wrk curl

cmake --preset bench >/dev/null
cmake --build --preset bench --target zddc zddc-fixture zddc-bench-master >&2
bin=build/bench
zddc=$bin/src/zddc
driver=$bin/bench/zddc-bench-master

bench_workdir bench
bench_pinning
cores=$(nproc)
pinning=${pinning:+, $pinning}

# --- the fixture and the two servers -----------------------------------------
root=$work/root
$bin/fixtures/zddc-fixture --out "$root" >/dev/null
chmod -R a+rX "$work" # nginx workers may run as another user

bench_zddc "$work/zddc.log" "${server_pin[@]}" "$zddc" serve --root "$root" --no-auth --state-dir "$work/state" \
  --threads "$server_threads"
bench_nginx "$root" "$server_threads"

# --- one small file for wrk: the median of the fixture's small files ----------
mapfile -t small < <("$driver" --list-small | sort -n)
pick=${small[$((${#small[@]} / 2))]}
size=${pick%%$'\t'*}
target=${pick#*$'\t'}

etag_of() {
  curl -s -o /dev/null -D - "$1" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }'
}
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

declare -A rate
for server in zddc nginx; do
  port_var=${server}_port
  url="http://127.0.0.1:${!port_var}$target"
  etag=$(etag_of "$url")
  [[ -n $etag ]] || { echo "bench-master: $server sent no ETag for $url" >&2; exit 1; }
  [[ $(status_of "$url") == 200 ]] || { echo "bench-master: $server: GET $url is not 200" >&2; exit 1; }
  [[ $(status_of -H "If-None-Match: $etag" "$url") == 304 ]] ||
    { echo "bench-master: $server: If-None-Match $etag does not answer 304" >&2; exit 1; }

  wrk_run() { "${client_pin[@]}" wrk -t"$threads" -c"$connections" "$@" "$url"; }
  wrk_rate() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }'; }
  wrk_run -d2s >/dev/null # warm-up
  echo "== wrk GET 200, $server: $url" >&2
  out=$(wrk_run -d"${duration}s" --latency)
  echo "$out" >&2
  rate[wrk_200_$server]=$(wrk_rate <<<"$out")
  echo "== wrk GET 304, $server (If-None-Match: $etag)" >&2
  out=$(wrk_run -d"${duration}s" --latency -H "If-None-Match: $etag")
  echo "$out" >&2
  rate[wrk_304_$server]=$(wrk_rate <<<"$out")

  echo "== zddc-bench-master, $server" >&2
  out=$("${client_pin[@]}" "$driver" --server "127.0.0.1:${!port_var}" --connections "$connections" \
          --duration "$duration" --client-threads "$threads")
  echo "$out" >&2
  rate[driver_200_$server]=$(awk '$1 == "GET" && $2 == "200" { print $4 }' <<<"$out")
  rate[driver_304_$server]=$(awk '$1 == "GET" && $2 == "304" { print $4 }' <<<"$out")
  small_count=$(sed -nE 's/.* ([0-9]+) small files.*/\1/p' <<<"$out")
done

# --- summary -------------------------------------------------------------------
echo
echo "machine: $cores cores, $(lscpu 2>/dev/null | sed -nE 's/^Model name: +//p'), $(uname -sr)"
echo "servers: zddc $("$zddc" --version | cut -d' ' -f2) (--threads $server_threads, Release), $("$nginx_bin" -v 2>&1 | sed 's/.*: //') (worker_processes $server_threads); both log every request"
echo "client:  $connections keep-alive connections, $threads thread(s), ${duration} s per run$pinning"
echo "wrk:     one small file ($size B, $target); driver: round robin over $small_count small files"
echo
printf '%-22s %12s %12s %11s\n' "run" "zddc req/s" "nginx req/s" "zddc/nginx"
for run in wrk_200 wrk_304 driver_200 driver_304; do
  z=${rate[${run}_zddc]} n=${rate[${run}_nginx]}
  case $run in
    wrk_200) label="wrk GET 200" ;; wrk_304) label="wrk GET 304" ;;
    driver_200) label="driver GET 200" ;; driver_304) label="driver GET 304" ;;
  esac
  printf '%-22s %12s %12s %11s\n' "$label" "$z" "$n" "$(awk -v z="$z" -v n="$n" 'BEGIN { printf "%.2f", z / n }')"
done

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
scripts/install-deps.sh
nginx_bin=$(command -v nginx || true)
[[ -z $nginx_bin && -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx
missing=()
[[ -z $nginx_bin ]] && missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "bench-master: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  # Debian starts a freshly installed nginx on port 80; forbid service starts
  # for the install unless the machine already does.
  policy_created=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    policy_created=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [[ -n $policy_created ]] && $sudo rm -f /usr/sbin/policy-rc.d
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
fi

cmake --preset bench >/dev/null
cmake --build --preset bench --target zddc zddc-fixture zddc-bench-master >&2
bin=build/bench
zddc=$bin/src/zddc
driver=$bin/bench/zddc-bench-master

# --- cleanup of everything started here -------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/zddc-bench-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Pin servers and client apart when there are cores to do so.
cores=$(nproc)
server_pin=() client_pin=() pinning=""
if [[ $cores -ge 2 ]] && command -v taskset >/dev/null; then
  server_cpus=0
  [[ $cores -gt 2 ]] && server_cpus=0-$((cores - 2))
  server_pin=(taskset -c "$server_cpus")
  client_pin=(taskset -c "$((cores - 1))")
  pinning=", servers pinned to cpu $server_cpus, client to cpu $((cores - 1))"
fi

# Waits up to 20 s for a condition, checking every 50 ms.
wait_for() {
  local deadline=$((SECONDS + 20))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# --- the fixture and the two servers -----------------------------------------
root=$work/root
$bin/fixtures/zddc-fixture --out "$root" >/dev/null
chmod -R a+rX "$work" # nginx workers may run as another user

"${server_pin[@]}" "$zddc" serve --root "$root" --no-auth --state-dir "$work/state" \
  --listen 127.0.0.1:0 --threads "$server_threads" 2>"$work/zddc.log" &
pids+=($!)
zddc_listening() { grep -q 'url=http://127.0.0.1:' "$work/zddc.log"; }
wait_for zddc_listening || { cat "$work/zddc.log" >&2; echo "bench-master: zddc did not start" >&2; exit 1; }
zddc_port=$(sed -nE 's/.*url=http:\/\/127\.0\.0\.1:([0-9]+)\/.*/\1/p' "$work/zddc.log" | head -1)

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
nginx_user=""
[[ $(id -u) -eq 0 ]] && nginx_user="user $(id -un);"
mkdir -p "$work/nginx-temp"
nginx_port=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  port=$((20000 + RANDOM % 40000))
  port_free "$port" || continue
  cat >"$work/nginx.conf" <<EOF
daemon off;
$nginx_user
worker_processes $server_threads;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log $work/nginx-access.log;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 60s;
  keepalive_requests 100000000;
  client_body_temp_path $work/nginx-temp/body;
  proxy_temp_path $work/nginx-temp/proxy;
  fastcgi_temp_path $work/nginx-temp/fastcgi;
  uwsgi_temp_path $work/nginx-temp/uwsgi;
  scgi_temp_path $work/nginx-temp/scgi;
  types { application/pdf pdf; text/plain txt; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    root $root;
  }
}
EOF
  "${server_pin[@]}" "$nginx_bin" -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
  pid=$!
  nginx_up() { curl -s -o /dev/null "http://127.0.0.1:$port/" || ! kill -0 "$pid" 2>/dev/null; }
  wait_for nginx_up || true
  if kill -0 "$pid" 2>/dev/null; then
    pids+=("$pid")
    nginx_port=$port
    break
  fi
  wait "$pid" 2>/dev/null || true # lost the port to someone else: another one
done
[[ -n $nginx_port ]] || { cat "$work/nginx-error.log" >&2; echo "bench-master: nginx did not start" >&2; exit 1; }

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

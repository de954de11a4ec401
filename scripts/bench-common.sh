# Sourced by the scripts/bench-*.sh comparisons: installing the tools they
# compare against, a temporary directory and everything started in it
# stopped on exit, pinning servers and clients apart, waiting on a
# condition, and nginx serving a tree. Sets, for the caller: $work, $pids,
# $nginx_bin, $server_pin, $client_pin, $pinning and (bench_nginx) $nginx_port
# and $nginx_pid.

# Installs the Debian packages named (apt-get, as root) when any command
# before `--` is missing: `bench_install cmd... -- package...`.
bench_install() {
  local need=()
  while [[ $1 != -- ]]; do
    command -v "$1" >/dev/null || [[ $1 == nginx && -x /usr/sbin/nginx ]] || need+=("$1")
    shift
  done
  shift
  [[ ${#need[@]} -eq 0 ]] && return 0
  echo "bench: installing $*" >&2
  local sudo="" policy_created=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  # Debian starts a freshly installed nginx on port 80; forbid service starts
  # for the install unless the machine already does.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    policy_created=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  [[ -n $policy_created ]] && $sudo rm -f /usr/sbin/policy-rc.d
  return 0
}

# Makes $work (removed on exit) and stops every pid in $pids on exit.
bench_workdir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/zddc-$1-XXXXXX")
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}

# With two or more cores, servers run on all but the last and the client on
# the last: prefix commands with "${server_pin[@]}" or "${client_pin[@]}".
bench_pinning() {
  local cores server_cpus=0
  cores=$(nproc)
  server_pin=() client_pin=() pinning=""
  if [[ $cores -ge 2 ]] && command -v taskset >/dev/null; then
    [[ $cores -gt 2 ]] && server_cpus=0-$((cores - 2))
    server_pin=(taskset -c "$server_cpus")
    client_pin=(taskset -c "$((cores - 1))")
    pinning="servers pinned to cpu $server_cpus, client to cpu $((cores - 1))"
  fi
}

# Waits up to $LIMIT (default 20) seconds for a command to succeed, checking every 20 ms.
wait_for() {
  local deadline=$((SECONDS + ${LIMIT:-20}))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.02
  done
}

# Starts nginx (foreground, pinned like a server, logs and pid in $work)
# over ROOT on a free loopback port:
# `bench_nginx ROOT WORKERS [SERVER DIRECTIVES [MAIN DIRECTIVES]]`.
# Sets $nginx_port and $nginx_pid (the master; its workers are its children,
# unless MAIN DIRECTIVES say `master_process off;`).
bench_nginx() {
  local root=$1 workers=$2 directives=${3:-} main_directives=${4:-} nginx_user="" port pid
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  [[ $(id -u) -eq 0 ]] && nginx_user="user $(id -un);"
  mkdir -p "$work/nginx-temp"
  nginx_port=""
  port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    port_free "$port" || continue
    cat >"$work/nginx.conf" <<EOF
daemon off;
$nginx_user
$main_directives
worker_processes $workers;
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
    $directives
  }
}
EOF
    "${server_pin[@]}" "$nginx_bin" -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
    pid=$!
    nginx_up() { curl -s -o /dev/null "http://127.0.0.1:$port/" || ! kill -0 "$pid" 2>/dev/null; }
    wait_for nginx_up || true
    if kill -0 "$pid" 2>/dev/null; then
      pids+=("$pid")
      nginx_port=$port nginx_pid=$pid
      return 0
    fi
    wait "$pid" 2>/dev/null || true # lost the port to someone else: another one
  done
  cat "$work/nginx-error.log" >&2
  echo "bench: nginx did not start" >&2
  exit 1
}

# The small files that bench-peers and bench-instructions ask for:
# DIR/files/4KiB.pdf and, in DIR/dir/, ENTRIES drawings of 4-9 KiB:
# `bench_small_files DIR ENTRIES`.
bench_small_files() {
  local dir=$1 entries=$2 i
  mkdir -p "$dir/files" "$dir/dir"
  head -c 4096 /dev/urandom >"$dir/files/4KiB.pdf"
  for i in $(seq -w 1 "$entries"); do
    head -c $((4096 + 97 * 10#$i)) /dev/urandom >"$dir/dir/123456-EL-DWG-00${i}_A (IFC) - Drawing ${i}.pdf"
  done
}

# Prints the ETag the server at BASE gives /files/4KiB.pdf, after checking
# that it answers those small requests as the benches expect: a 304 to
# If-None-Match with that tag, and a JSON listing of /dir/ naming ENTRIES
# files. Exits when one does not: `bench_small_etag NAME BASE ENTRIES`.
bench_small_etag() {
  local name=$1 base=$2 entries=$3 tag listing named
  tag=$(curl -s -o /dev/null -D - "$base/files/4KiB.pdf" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
  [[ -n $tag ]] || { echo "bench: $name sent no ETag for /files/4KiB.pdf" >&2; exit 1; }
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $tag" "$base/files/4KiB.pdf") == 304 ]] ||
    { echo "bench: $name: If-None-Match $tag does not answer 304" >&2; exit 1; }
  listing=$(curl -s -w '\n%{http_code} %{content_type}' -H 'Accept: application/json' "$base/dir/")
  [[ $(tail -1 <<<"$listing") == "200 application/json"* ]] ||
    { echo "bench: $name: the JSON listing of /dir/ answers $(tail -1 <<<"$listing")" >&2; exit 1; }
  named=$(head -n -1 <<<"$listing" | grep -o 'Drawing [0-9]*\.pdf' | sort -u | wc -l)
  [[ $named == "$entries" ]] ||
    { echo "bench: $name: the JSON listing of /dir/ names $named files, not $entries" >&2; exit 1; }
  echo "$tag"
}

# Starts `zddc serve ARGS` (any prefix such as a pin before the binary) with
# --listen 127.0.0.1:0, its log in LOG: `bench_zddc LOG CMD...`. Sets
# $zddc_pid and $zddc_port.
bench_zddc() {
  local log=$1
  shift
  "$@" --listen 127.0.0.1:0 2>"$log" &
  zddc_pid=$!
  pids+=("$zddc_pid")
  zddc_listening() { grep -qs 'url=http://127.0.0.1:' "$log"; }
  wait_for zddc_listening || { cat "$log" >&2; echo "bench: zddc did not start" >&2; exit 1; }
  zddc_port=$(sed -nE 's/.*url=http:\/\/127\.0\.0\.1:([0-9]+)\/.*/\1/p' "$log" | head -1)
}

# Whether nothing listens on loopback PORT now: `bench_port_free PORT`.
bench_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Like bench_zddc, for a daemon that does not log its port (--log-level warn):
# picks a free loopback port, passes --listen 127.0.0.1:PORT and waits for
# /.zddc/health: `bench_zddc_port LOG CMD...`. Sets $zddc_pid and $zddc_port.
bench_zddc_port() {
  local log=$1 port
  shift
  zddc_healthy() { curl -s -o /dev/null "http://127.0.0.1:$port/.zddc/health" || ! kill -0 "$zddc_pid" 2>/dev/null; }
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    bench_port_free "$port" || continue
    "$@" --listen "127.0.0.1:$port" 2>"$log" &
    zddc_pid=$!
    wait_for zddc_healthy || true
    if kill -0 "$zddc_pid" 2>/dev/null; then
      pids+=("$zddc_pid")
      zddc_port=$port
      return 0
    fi
    wait "$zddc_pid" 2>/dev/null || true # lost the port to someone else: another one
  done
  cat "$log" >&2
  echo "bench: zddc did not start" >&2
  exit 1
}

# Stops a daemon started here (SIGTERM, then waits for it): `bench_stop PID`.
bench_stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# The user and system CPU, in clock ticks, the processes PID... and their
# children have used so far: "user system". `bench_cpu_ticks PID...`.
bench_cpu_ticks() {
  local p all=()
  for p in "$@"; do
    all+=("$p")
    mapfile -t -O "${#all[@]}" all < <(pgrep -P "$p" || true)
  done
  for p in "${all[@]}"; do cat "/proc/$p/stat" 2>/dev/null || true; done |
    sed -E 's/^.*\) //' | awk '{ u += $12; s += $13 } END { print u + 0, s + 0 }'
}

# The median of the numbers on stdin, one a line.
bench_median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The figures of a mirror's last recorded walk of `/`, from ROOT's
# .zddc-mirror-state.json: "start_ns duration_ns fetched unchanged requests
# complete". The walk's start is "last_attempt_ns" (before it,
# "last_walk_ns"). `bench_walk_figures ROOT`.
bench_walk_figures() {
  local state=$1/.zddc-mirror-state.json
  [[ -f $state ]] || return 1
  sed -nE 's/.*"last_(attempt|walk)_ns":([0-9]+),.*"last":\{"complete":(true|false),.*"fetched":([0-9]+),"unchanged":([0-9]+),.*"requests":([0-9]+),.*"duration_ns":([0-9]+)\}.*/\2 \7 \4 \5 \6 \3/p' "$state"
}

# Starts a walk of the mirror on PORT keeping ROOT with one request and
# waits (up to 300 s) for its record; prints "duration_ns fetched unchanged
# requests complete". `bench_walk_once ROOT PORT`.
bench_walk_once() {
  local mirror_root=$1 port=$2 asked
  asked=$(date +%s%N)
  curl -s -o /dev/null -H 'Accept: application/json' "http://127.0.0.1:$port/"
  walk_recorded() {
    local f
    f=$(bench_walk_figures "$mirror_root") || return 1
    [[ -n $f ]] && ((${f%% *} >= asked))
  }
  LIMIT=300 wait_for walk_recorded || { echo "bench: no walk recorded in $mirror_root" >&2; exit 1; }
  bench_walk_figures "$mirror_root" | cut -d' ' -f2-
}

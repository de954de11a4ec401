#!/usr/bin/env bash
# Soak and fault figures for the real daemon (a benchmark: it prints
# figures and exits non-zero only when a check fails; not part of ctest).
#
#   a) load: DURATION (60) seconds of CONNECTIONS (256) keep-alive
#      connections from wrk against a master over the bundled fixture, GETs
#      spread over its files and directory listings; requests/s, socket
#      errors, non-2xx/3xx responses, and the daemon's VmRSS/VmHWM before
#      and after.
#   b) crash during replay: CYCLES (100) times, a cache takes ENTRIES (50)
#      PUTs while its master is down (each must answer 202), the master
#      comes up, the cache is killed with SIGKILL at a random moment within
#      KILL_WINDOW_MS (400) of that, and restarted; once its outbox is
#      empty of pending entries, every write must be on the master with
#      equal bytes or kept whole as a conflict entry on the cache's disk,
#      with no extra file on the master and no temp left behind.
#   c) disk full: a master on a 2 MiB tmpfs (mount needs CAP_SYS_ADMIN; a
#      clear skip otherwise): PUTs larger than the free space must answer
#      507, leave the old file intact and no `.zddc-tmp*` behind, while
#      reads keep answering 200 throughout.
#
# Builds the release preset (zddc, zddc-fixture), installs wrk and curl when
# missing. Everything runs on loopback; everything started is stopped on exit.
#
#   scripts/soak-daemon.sh [a|b|c ...]   (DURATION=60 CONNECTIONS=256 THREADS=2
#                                         SERVER_THREADS=1 CYCLES=100 ENTRIES=50
#                                         KILL_WINDOW_MS=400)
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-60}
connections=${CONNECTIONS:-256}
threads=${THREADS:-2}
server_threads=${SERVER_THREADS:-1}
cycles=${CYCLES:-100}
entries=${ENTRIES:-50}
kill_window_ms=${KILL_WINDOW_MS:-400}
parts=("$@")
[[ ${#parts[@]} -eq 0 ]] && parts=(a b c)

source scripts/bench-common.sh
bench_install wrk curl python3 -- wrk curl python3
cmake --preset release >/dev/null
cmake --build --preset release --target zddc zddc-fixture >&2
zddc=$PWD/build/release/src/zddc
fixture=$PWD/build/release/fixtures/zddc-fixture

bench_workdir soak
soak_cleanup() { # bench_cleanup, with part c's tmpfs unmounted once its server is gone
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
  mountpoint -q "$work/c-disk" 2>/dev/null && umount "$work/c-disk"
  bench_cleanup
}
trap soak_cleanup EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

mem_of() { # "VmRSS=… VmHWM=…" of a pid
  awk '/^VmRSS|^VmHWM/ { printf "%s=%s%s ", substr($1, 1, length($1) - 1), $2, $3 }' "/proc/$1/status"
}

free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { echo "$port"; return 0; }
  done
  return 1
}

# Starts `zddc serve ARGS` on a fixed loopback port, waiting until it
# listens: `start_on PORT LOG ARGS...`; sets $started_pid.
start_on() {
  local port=$1 log=$2
  shift 2
  "$zddc" serve "$@" --listen "127.0.0.1:$port" 2>>"$log" &
  started_pid=$!
  pids+=("$started_pid")
  up() { curl -s -o /dev/null "http://127.0.0.1:$port/.zddc/health" || ! kill -0 "$started_pid" 2>/dev/null; }
  wait_for up
  kill -0 "$started_pid" 2>/dev/null || { tail -5 "$log" >&2; echo "soak: zddc did not start" >&2; exit 1; }
}

stop() { # SIGTERM and wait
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# --- a) load ------------------------------------------------------------------
part_a() {
  echo "== a) $connections keep-alive connections for ${duration}s against a master over the fixture"
  local root=$work/fixture
  "$fixture" --out "$root" >/dev/null
  # Every file and directory of the fixture as a request target, percent-encoded.
  python3 - "$root" >"$work/paths.lua" <<'EOF'
import os, sys, urllib.parse
root = sys.argv[1]
q = lambda rel: "/" + "/".join(urllib.parse.quote(s, safe="") for s in rel.split("/")) if rel else "/"
paths = []
for d, dirs, files in os.walk(root):
    rel = os.path.relpath(d, root)
    rel = "" if rel == "." else rel
    paths.append(q(rel).rstrip("/") + "/")
    paths += [q(os.path.join(rel, f) if rel else f) for f in files]
print("paths = {")
for p in paths:
    print('  "%s",' % p)
print("}")
print("request = function() return wrk.format('GET', paths[math.random(#paths)]) end")
EOF
  local files dirs
  files=$(find "$root" -type f | wc -l)
  dirs=$(find "$root" -type d | wc -l)
  local port
  port=$(free_port)
  start_on "$port" "$work/a.log" --root "$root" --no-auth --state-dir "$work/state-a" --threads "$server_threads"
  local pid=$started_pid before after out
  before=$(mem_of "$pid")
  out=$(wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 10s -s "$work/paths.lua" \
    "http://127.0.0.1:$port" 2>&1)
  after=$(mem_of "$pid")
  echo "$out" | sed 's/^/   wrk: /'
  local rps errors non2xx
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  errors=$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
  echo "   targets: $files files and $dirs directory listings, picked at random"
  echo "   requests/s: ${rps:-?}"
  echo "   socket errors: ${errors:-none}"
  echo "   non-2xx/3xx responses: ${non2xx:-0}"
  echo "   daemon memory before: $before"
  echo "   daemon memory after:  $after"
  [[ -n $rps ]] || fail "a) wrk printed no rate"
  [[ ${non2xx:-0} == 0 ]] || fail "a) $non2xx responses were not 2xx/3xx"
  stop "$pid"
}

# --- b) crash during replay ----------------------------------------------------
# Counts a cache's outbox entries: "PENDING CONFLICTS".
outbox_counts() {
  local pending=0 conflicts=0 d
  for d in "$1"/.zddc-outbox/*/; do
    [[ -e $d/meta.json ]] || continue
    case $(basename "$d") in
    *.conflict-*) conflicts=$((conflicts + 1)) ;;
    *) pending=$((pending + 1)) ;;
    esac
  done
  echo "$pending $conflicts"
}

part_b() {
  echo "== b) $cycles cycles: $entries PUTs into a cache's outbox, master up, SIGKILL the cache during replay, restart"
  local mroot=$work/b-master croot=$work/b-cache bodies=$work/b-bodies
  mkdir -p "$mroot" "$croot" "$bodies"
  local mport cport
  mport=$(free_port)
  cport=$(free_port)
  local cache_args=(--mode cache --root "$croot" --upstream "http://127.0.0.1:$mport"
    --retry-min 100ms --retry-max 500ms --replay-interval 5s --log-level warn)
  local other_codes="" on_master=0 as_conflict=0 lost=0 extra=0 not_202=0 mid_replay=0 kill_before=0 kill_after=0 master_temps=0 cache_temps=0 cycle_secs=0
  local started=$SECONDS cpid mpid
  start_on "$cport" "$work/b-cache.log" "${cache_args[@]}"
  cpid=$started_pid
  for ((c = 1; c <= cycles; c++)); do
    # The writes, master down: each answered 202 and queued.
    local args=() j
    for ((j = 1; j <= entries; j++)); do
      head -c $((1 + RANDOM % 32768)) /dev/urandom >"$bodies/c$c-f$j.bin"
      args+=(-o /dev/null -T "$bodies/c$c-f$j.bin" "http://127.0.0.1:$cport/soak/c$c/f$j.bin")
    done
    local codes
    codes=$(curl -s -w '%{http_code}\n' "${args[@]}")
    not_202=$((not_202 + $(grep -cv '^202$' <<<"$codes" || true)))
    other_codes+=$(grep -v '^202$' <<<"$codes" | tr '\n' ' ' || true)
    # Master up; the cache is killed somewhere in its replay.
    start_on "$mport" "$work/b-master.log" --root "$mroot" --no-auth --state-dir "$work/state-b" --log-level warn
    mpid=$started_pid
    sleep "$(awk -v r=$RANDOM -v w="$kill_window_ms" 'BEGIN { printf "%.3f", r / 32768 * w / 1000 }')"
    kill -KILL "$cpid" 2>/dev/null || true
    wait "$cpid" 2>/dev/null || true
    read -r pending _ < <(outbox_counts "$croot")
    if ((pending == entries)); then kill_before=$((kill_before + 1))
    elif ((pending == 0)); then kill_after=$((kill_after + 1))
    else mid_replay=$((mid_replay + 1)); fi
    start_on "$cport" "$work/b-cache.log" "${cache_args[@]}"
    cpid=$started_pid
    drained() { read -r p _ < <(outbox_counts "$croot"); [[ $p == 0 ]]; }
    LIMIT=60 wait_for drained || fail "b) cycle $c: the outbox did not drain within 60 s"
    # The outcome of each write.
    for ((j = 1; j <= entries; j++)); do
      local want=$bodies/c$c-f$j.bin got=$mroot/soak/c$c/f$j.bin conflict=""
      conflict=$(grep -l "\"/soak/c$c/f$j.bin\"" "$croot"/.zddc-outbox/*.conflict-*/meta.json 2>/dev/null | head -1 || true)
      if [[ -f $got ]] && cmp -s "$want" "$got"; then
        on_master=$((on_master + 1))
      elif [[ -n $conflict ]] && cmp -s "$want" "$(dirname "$conflict")/body.bin"; then
        as_conflict=$((as_conflict + 1))
      else
        lost=$((lost + 1))
        echo "   lost: cycle $c f$j.bin" >&2
      fi
    done
    local n
    n=$(find "$mroot/soak/c$c" -type f | wc -l)
    ((n > entries)) && extra=$((extra + n - entries))
    master_temps=$(find "$mroot" -name '.zddc-tmp*' | wc -l) # left now, whichever cycle left them
    cache_temps=$(find "$croot" -name '.zddc-tmp*' | wc -l)
    stop "$mpid"
    rm -rf "$bodies"/c$c-* # keep the disk bounded: this cycle is judged
    rm -rf "$mroot/soak/c$c" "$croot/soak/c$c" "$croot"/.zddc-outbox/*.conflict-*
  done
  stop "$cpid"
  cycle_secs=$(awk -v s=$((SECONDS - started)) -v c="$cycles" 'BEGIN { printf "%.1f", s / c }')
  local total=$((cycles * entries))
  echo "   writes: $total ($cycles cycles x $entries), not answered 202: $not_202 $(tr ' ' '\n' <<<"$other_codes" | grep . | sort | uniq -c | xargs)"
  echo "   the kill landed: mid-replay $mid_replay, before the first replay $kill_before, after the last $kill_after"
  echo "   on the master, bytes equal: $on_master"
  echo "   kept as conflict entries, body intact: $as_conflict"
  echo "   lost: $lost; extra files on the master: $extra"
  echo "   temps left behind at the end: master $master_temps, cache $cache_temps"
  find "$mroot" "$croot" -name '.zddc-tmp*' -printf '     %P (%s bytes)\n' | head -5
  echo "   ${cycle_secs} s per cycle"
  ((not_202 == 0)) || fail "b) $not_202 PUTs were not answered 202"
  ((lost == 0 && extra == 0)) || fail "b) lost $lost, extra $extra"
  ((master_temps == 0 && cache_temps == 0)) || fail "b) temps left behind: master $master_temps, cache $cache_temps"
}

# --- c) disk full -------------------------------------------------------------
part_c() {
  echo "== c) a master whose disk fills (2 MiB tmpfs)"
  local mnt=$work/c-disk
  mkdir -p "$mnt"
  if ! mount -t tmpfs -o size=2m,mode=0755 tmpfs "$mnt" 2>"$work/c-mount.err"; then
    echo "   SKIPPED: cannot mount a tmpfs here ($(head -1 "$work/c-mount.err")); needs root with CAP_SYS_ADMIN"
    return 0
  fi
  local root=$mnt/root
  mkdir -p "$root/docs"
  local port
  port=$(free_port)
  start_on "$port" "$work/c.log" --root "$root" --no-auth --state-dir "$work/state-c"
  local pid=$started_pid url=http://127.0.0.1:$port
  head -c 100000 /dev/urandom >"$work/old.bin"
  [[ $(curl -s -o /dev/null -w '%{http_code}' -T "$work/old.bin" "$url/docs/old.bin") == 201 ]] ||
    fail "c) the first PUT was not 201"
  # Reads in the background for the whole test.
  (
    ok=0 bad=0
    while [[ ! -e $work/c-stop ]]; do
      if [[ $(curl -s -o "$work/c-read.bin" -w '%{http_code}' "$url/docs/old.bin") == 200 ]] &&
        cmp -s "$work/old.bin" "$work/c-read.bin"; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
    done
    echo "$ok $bad" >"$work/c-reads"
  ) &
  local reader=$!
  local free_kb
  free_kb=$(df -k --output=avail "$mnt" | tail -1 | tr -d ' ')
  head -c $(((free_kb + 512) * 1024)) /dev/urandom >"$work/big.bin"
  local statuses="" r
  for r in $(seq 10); do # a new file and a replacement, ten times each
    statuses+=$(curl -s -o /dev/null -w '%{http_code} ' -T "$work/big.bin" "$url/docs/big.bin")
    statuses+=$(curl -s -o /dev/null -w '%{http_code} ' -T "$work/big.bin" "$url/docs/old.bin")
  done
  local n507
  n507=$(tr ' ' '\n' <<<"$statuses" | grep -c '^507$' || true)
  # The disk works again once the space is back: a small PUT succeeds.
  local after_status
  after_status=$(curl -s -o /dev/null -w '%{http_code}' -T "$work/old.bin" "$url/docs/small.bin")
  touch "$work/c-stop"
  wait "$reader" || true
  local reads_ok reads_bad temps intact=no
  read -r reads_ok reads_bad <"$work/c-reads"
  temps=$(find "$root" -name '.zddc-tmp*' | wc -l)
  cmp -s "$work/old.bin" "$root/docs/old.bin" && intact=yes
  echo "   free space before: ${free_kb} KiB; PUT body: $(stat -c %s "$work/big.bin") bytes"
  echo "   20 PUTs too large for the disk (10 new, 10 replacing old.bin): $n507 answered 507 ($(tr ' ' '\n' <<<"$statuses" | grep . | sort | uniq -c | xargs))"
  echo "   old file intact: $intact; big.bin present: $([[ -e $root/docs/big.bin ]] && echo yes || echo no); temps left: $temps"
  echo "   a small PUT afterwards: $after_status; reads during the test: $reads_ok ok, $reads_bad failed"
  [[ $n507 == 20 ]] || fail "c) a PUT larger than the disk did not answer 507"
  [[ $intact == yes && $temps == 0 && ! -e $root/docs/big.bin ]] || fail "c) the disk was left changed"
  [[ $reads_bad == 0 && $reads_ok -gt 0 ]] || fail "c) reads failed while the disk was full"
  [[ $after_status == 201 ]] || fail "c) the master did not recover once space was back"
  stop "$pid"
  umount "$mnt" || true
}

for p in "${parts[@]}"; do
  "part_$p"
done
((failures == 0)) || { echo "soak-daemon: $failures check(s) failed"; exit 1; }
echo "soak-daemon: all checks held"

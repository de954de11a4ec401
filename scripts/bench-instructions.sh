#!/usr/bin/env bash
# Instructions per request, zddc beside nginx (issue 18): each server runs
# under valgrind's callgrind, and for each kind of request the user-space
# instructions it executed while wrk sent that request are divided by the
# requests wrk counted. Rates and CPU times move with whatever else a shared
# host runs; an instruction count repeats to within about 0.2 % from
# run to run, so a change to the request path shows here even when
# bench-peers.sh cannot see it. Kernel work is not counted: for these
# requests both servers make the same system calls (`strace -c` on each
# shows five per request: a read, an open, an fstat, a close, a write).
#   - GET of a 4 KiB file, the same GET answered 304 (If-None-Match: its
#     ETag), and a JSON listing of a 50-entry directory, as in
#     bench-peers.sh; nginx 1.22 with one process (master_process off),
#     sendfile on, access_log off; zddc --threads 1 --no-auth.
#   - valgrind 3.19 (Debian 12) does not know openat2(2), which zddc opens
#     every file with: a shim preloaded into zddc answers it with openat(2),
#     without RESOLVE_BENEATH (counting only; it is compiled here from the C
#     below). Under valgrind each server answers a few thousand requests a
#     second; each figure is from DURATION seconds of them.
#
# Builds zddc in BUILD (default build/bench, the bench preset; NO_BUILD=1
# takes the binary already there), installs valgrind, nginx, wrk and curl
# when missing (apt-get, as root).
#
#   scripts/bench-instructions.sh      (DURATION=4 BUILD=build/bench NO_BUILD= TMPDIR=/tmp)
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-4}
build=${BUILD:-build/bench}
dir_entries=50

source scripts/bench-common.sh
scripts/install-deps.sh
bench_install valgrind callgrind_control nginx wrk curl -- valgrind nginx wrk curl

if [[ -z ${NO_BUILD:-} ]]; then
  [[ -f $build/CMakeCache.txt ]] || cmake --preset bench -B "$build" >/dev/null
  cmake --build "$build" --target zddc >&2
fi
zddc=$build/src/zddc

bench_workdir bench-instructions
bench_pinning
die() { echo "bench-instructions: $*" >&2; exit 1; }

# --- the files, as in bench-peers.sh ----------------------------------------------
www=$work/www
bench_small_files "$www" "$dir_entries"
chmod -R a+rX "$work"
sleep 3 # past the racy-clean window of the content tags (README, Content ETags)

# --- openat2 for valgrind ---------------------------------------------------------------
cat >"$work/openat2-shim.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
/* valgrind 3.19 fails openat2 with ENOSYS: answer it with openat, ignoring
   how->resolve. For counting instructions under valgrind only. */
long syscall(long number, ...)
{
  va_list ap;
  va_start(ap, number);
  long a[6];
  for (int i = 0; i < 6; i++)
    a[i] = va_arg(ap, long);
  va_end(ap);
  if (number == SYS_openat2) {
    const struct open_how *how = (const struct open_how *)a[2];
    return openat((int)a[0], (const char *)a[1], (int)how->flags, (mode_t)how->mode);
  }
  static long (*next)(long, ...);
  if (!next)
    next = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
  return next(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
EOF
cc -O2 -shared -fPIC -o "$work/openat2-shim.so" "$work/openat2-shim.c" -ldl

# --- the servers, under callgrind, instrumenting only while measuring --------------------
callgrind=(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/callgrind.%p"
  --log-file="$work/valgrind.%p.log")
saved_pin=("${server_pin[@]}")
server_pin=("${saved_pin[@]}" "${callgrind[@]}")
LIMIT=120 bench_nginx "$www" 1 "access_log off;
    location /dir/ { autoindex on; autoindex_format json; }" "master_process off;"
LIMIT=120 bench_zddc_port "$work/zddc.log" "${saved_pin[@]}" env LD_PRELOAD="$work/openat2-shim.so" \
  "${callgrind[@]}" "$zddc" serve --threads 1 --no-auth --log-level warn --mode master --root "$www" \
  --state-dir "$work/state"
# The processes valgrind runs them in (the pids started are valgrind's own,
# which execs the tool in place: the same pids).
declare -A pid_of=([nginx]=$nginx_pid [zddc]=$zddc_pid) url_of=([nginx]=http://127.0.0.1:$nginx_port
                                                                [zddc]=http://127.0.0.1:$zddc_port)
declare -A etag_of
for side in nginx zddc; do
  etag_of[$side]=$(bench_small_etag "$side" "${url_of[$side]}" "$dir_entries")
done

# Instructions per request of one kind: `measure SIDE KIND`.
measure() {
  local side=$1 kind=$2 pid=${pid_of[$1]} base=${url_of[$1]} out requests parts before
  local args=("$base/files/4KiB.pdf")
  case $kind in
    304) args+=(-H "If-None-Match: ${etag_of[$side]}") ;;
    json) args=("$base/dir/" -H 'Accept: application/json') ;;
  esac
  "${client_pin[@]}" wrk -t1 -c16 -d1s "${args[@]}" >/dev/null # warm-up, not counted
  callgrind_control --instr=on "$pid" >/dev/null
  callgrind_control --zero "$pid" >/dev/null
  out=$("${client_pin[@]}" wrk -t1 -c16 -d"${duration}s" "${args[@]}")
  callgrind_control --instr=off "$pid" >/dev/null
  before=$(ls "$work"/callgrind."$pid".* 2>/dev/null | wc -l)
  callgrind_control --dump "$pid" >/dev/null
  parts=$(ls "$work"/callgrind."$pid".* 2>/dev/null | wc -l)
  ((parts > before)) || die "$side: callgrind wrote no dump"
  grep -qE 'Non-2xx|Socket errors' <<<"$out" && die "$side $kind: $(grep -E 'Non-2xx|Socket errors' <<<"$out")"
  requests=$(awk '/ requests in / { print $1 }' <<<"$out")
  awk -v n="$requests" '/^totals:/ { printf "%.0f\n", $2 / n; exit }' "$work/callgrind.$pid.$parts"
}

declare -A ir
for kind in get 304 json; do
  for side in nginx zddc; do
    echo "bench-instructions: $kind on $side" >&2
    ir[$kind $side]=$(measure "$side" "$kind")
  done
done

cat <<EOF

Instructions per request in user space (callgrind; $duration s of wrk -t1 -c16 per figure)
| figure | nginx | zddc | nginx / zddc |
| --- | --- | --- | --- |
EOF
for kind in get 304 json; do
  case $kind in
    get) label="GET, 4 KiB file" ;;
    304) label="conditional GET → 304" ;;
    json) label="JSON listing, $dir_entries entries" ;;
  esac
  awk -v l="$label" -v a="${ir[$kind nginx]}" -v b="${ir[$kind zddc]}" \
    'BEGIN { printf "| %s | %d | %d | %.2f× |\n", l, a, b, a / b }'
done

#!/usr/bin/env bash
# Fails when code under include/zddc/ outside env/ reaches around the seams:
# a real clock, the real filesystem, sockets, Asio timers, or ambient
# randomness. Core logic must get all of these from its Environment, or the
# simulator cannot control it. Also fails when core/ includes anything above
# it (env/, the roles): core is the bottom layer.
#
#   check-seams.sh [DIR]   (default: include/zddc next to this script)
set -euo pipefail
root=${1:-"$(cd "$(dirname "$0")/.." && pwd)/include/zddc"}

banned=(
  '_clock::now'                       # std::chrono::{system,steady,...}_clock
  '\bstd::filesystem\b' '<filesystem>' '<fstream>' '\bfopen\s*\('
  '<unistd\.h>' '<fcntl\.h>' '<sys/stat\.h>' '<sys/types\.h>' '<dirent\.h>'
  '<sys/socket\.h>' '<netinet/' '<arpa/inet\.h>'
  '\b(steady|system|high_resolution)_timer\b' '\bdeadline_timer\b' '\bbasic_waitable_timer\b'
  '\bexpires_(after|at|never)\b' '\btcp_stream\b' '\bbasic_stream\b'
  '\bip::tcp\b' '\bip::udp\b' '<boost/asio/ip/' '<boost/asio/(steady|system)_timer\.hpp>'
  '<boost/beast/core/tcp_stream\.hpp>' '<boost/asio/ssl'
  '\brandom_device\b' '\bstd::rand\s*\(' '\bstd::time\s*\(' '\bgetenv\s*\('
)
pattern=$(IFS='|'; echo "${banned[*]}")

mapfile -t files < <(find "$root" -type f \( -name '*.hpp' -o -name '*.ipp' \) -not -path "$root/env/*" | sort)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "check-seams: no headers under $root" >&2
  exit 2
fi
# Comments may talk about what is banned; only code counts.
hits=$(for f in "${files[@]}"; do
  sed -e 's://.*$::' "$f" | grep -nE "$pattern" | sed "s|^|$f:|" || true
done)
if [[ -n "$hits" ]]; then
  echo "check-seams: core code reaches around the Clock/Filesystem/Transport seams:" >&2
  echo "$hits" >&2
  exit 1
fi
upward=$(if [[ -d "$root/core" ]]; then
  grep -rnE '#include <zddc/(env|master|cache|mirror)/' "$root/core" || true
fi)
if [[ -n "$upward" ]]; then
  echo "check-seams: core/ includes a layer above it (core is the bottom layer):" >&2
  echo "$upward" >&2
  exit 1
fi
echo "check-seams: ${#files[@]} headers clean"

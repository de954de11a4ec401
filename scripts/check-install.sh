#!/usr/bin/env bash
# Installs a build tree into a temporary prefix and checks what lands there:
# the daemon (it runs), the systemd unit naming that prefix's binary, the
# sysusers.d entry and the example environment file, whose every variable
# must be a real `zddc serve` option with a value it accepts. When
# systemd-analyze is available the unit is verified too.
#
#   check-install.sh BUILD_DIR [CMAKE]
set -euo pipefail
build=${1:?usage: check-install.sh BUILD_DIR [CMAKE]}
cmake=${2:-cmake}

prefix=$(mktemp -d "${TMPDIR:-/tmp}/zddc-install-XXXXXX")
trap 'rm -rf "$prefix"' EXIT
fail() { echo "check-install: $*" >&2; exit 1; }

env -u DESTDIR "$cmake" --install "$build" --prefix "$prefix" >/dev/null

zddc=$prefix/bin/zddc
[[ -x $zddc ]] || fail "no executable $zddc"
"$zddc" --version | grep -q '^zddc ' || fail "$zddc --version does not answer"

unit=$prefix/lib/systemd/system/zddc.service
[[ -f $unit ]] || fail "no unit at $unit"
grep -qx "ExecStart=$zddc serve" "$unit" || fail "the unit does not run $zddc: $(grep '^ExecStart=' "$unit")"
grep -qx 'EnvironmentFile=-/etc/zddc/zddc.env' "$unit" || fail "the unit does not read /etc/zddc/zddc.env"
if grep -n '@[A-Za-z_]*@' "$unit"; then
  fail "placeholders left in $unit"
fi

sysusers=$prefix/lib/sysusers.d/zddc.conf
grep -q '^u zddc ' "$sysusers" || fail "no zddc user in $sysusers"

example=$prefix/share/doc/zddc/zddc.env
[[ -f $example ]] || fail "no example environment file at $example"
help=$("$zddc" serve --help)
mapfile -t settings < <(sed -nE 's/^#?(ZDDC_[A-Z_]+=.*)$/\1/p' "$example")
[[ ${#settings[@]} -gt 0 ]] || fail "no ZDDC_ settings in $example"
for setting in "${settings[@]}"; do
  name=${setting%%=*}
  flag=--$(tr 'A-Z_' 'a-z-' <<<"${name#ZDDC_}")
  grep -qE -- "^ +$flag( |$)" <<<"$help" || fail "$name in $example is not a zddc serve option ($flag)"
done
# Every value, commented or not, is accepted where the option has a type
# (--help parses the environment first; ranges are checked only by serving).
env -i "${settings[@]}" "$zddc" serve --help >/dev/null || fail "zddc serve rejects a value in $example"

if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit failed"
fi
echo "check-install: ok ($prefix)"

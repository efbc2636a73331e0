#!/usr/bin/env bash
# Provides a real Debian daemon for the tests without installing or starting anything: downloads
# the packages with `apt-get download`, unpacks them with `dpkg -x` into a cache, and writes a
# wrapper that runs the daemon with the unpacked libraries. Prints the wrapper's path. Idempotent.
# The daemon runs when VERSION_FLAG exits below 126 (Mosquitto's -h exits 3; the loader's exit for a
# missing library is 127).
#   debian-daemon.sh NAME CACHE DAEMON VERSION_FLAG PACKAGE...
# e.g. debian-daemon.sh sshd "$cache" usr/sbin/sshd -V openssh-server libwrap0
set -euo pipefail
name="$1" cache="$2" daemon="$3" version_flag="$4"
shift 4
wrapper="$cache/$name"
runs() { "$wrapper" "$version_flag" >/dev/null 2>&1; [ $? -lt 126 ]; }
if [ -x "$wrapper" ] && runs; then
  echo "$wrapper"
  exit 0
fi
command -v apt-get >/dev/null && command -v dpkg >/dev/null || { echo "$name: apt-get and dpkg are needed" >&2; exit 1; }
rm -rf "$cache"
mkdir -p "$cache/debs" "$cache/root"
cd "$cache/debs"
if ! apt-get download "$@" >/dev/null 2>&1; then
  apt-get update >/dev/null 2>&1 || true
  apt-get download "$@" >/dev/null
fi
for deb in ./*.deb; do dpkg -x "$deb" "$cache/root"; done
libs="$(find "$cache/root" -name '*.so*' -printf '%h\n' | sort -u | paste -sd: -)"
cat >"$wrapper" <<WRAP
#!/bin/sh
# $name from Debian's packages ($*), unpacked (not installed) by test/setup/debian-daemon.sh.
LD_LIBRARY_PATH="$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$cache/root/$daemon" "\$@"
WRAP
chmod 755 "$wrapper"
runs || { echo "$name: the unpacked daemon does not run" >&2; exit 1; }
echo "$wrapper"

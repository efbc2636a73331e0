#!/usr/bin/env bash
# Provides a real OpenSSH sshd for the tests without installing or starting anything: downloads
# Debian's openssh-server (and libwrap0, which sshd links) with `apt-get download`, unpacks them
# with `dpkg -x` into a cache under node_modules, and writes a wrapper that runs that sshd with its
# libraries. Prints the wrapper's path. Idempotent. Used by the test setup and by .ci/run.
set -euo pipefail
root_dir="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${CELLCHECK_SSHD_CACHE:-$root_dir/node_modules/.cache/cellcheck-sshd}"
wrapper="$cache/sshd"
if [ -x "$wrapper" ] && "$wrapper" -V >/dev/null 2>&1; then
  echo "$wrapper"
  exit 0
fi
command -v apt-get >/dev/null && command -v dpkg >/dev/null || { echo "sshd.sh: apt-get and dpkg are needed" >&2; exit 1; }
rm -rf "$cache"
mkdir -p "$cache/debs" "$cache/root"
cd "$cache/debs"
if ! apt-get download openssh-server libwrap0 >/dev/null 2>&1; then
  apt-get update >/dev/null 2>&1 || true
  apt-get download openssh-server libwrap0 >/dev/null
fi
for deb in ./*.deb; do dpkg -x "$deb" "$cache/root"; done
libs="$(find "$cache/root" -name 'libwrap.so.0' -printf '%h\n' | head -n 1)"
cat >"$wrapper" <<WRAP
#!/bin/sh
# sshd from Debian's openssh-server, unpacked (not installed) by test/setup/sshd.sh.
LD_LIBRARY_PATH="$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$cache/root/usr/sbin/sshd" "\$@"
WRAP
chmod 755 "$wrapper"
"$wrapper" -V >/dev/null 2>&1 || { echo "sshd.sh: the unpacked sshd does not run" >&2; exit 1; }
echo "$wrapper"

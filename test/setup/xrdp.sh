#!/usr/bin/env bash
# A real xrdp for the RDP probe's independent peer, unpacked from Debian's packages (xrdp and the
# JPEG library it links), never installed or started. Prints the wrapper's path. Used by .ci/run.
set -euo pipefail
root_dir="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${CELLCHECK_XRDP_CACHE:-$root_dir/node_modules/.cache/cellcheck-xrdp}"
wrapper="$(bash "$root_dir/test/setup/debian-daemon.sh" xrdp "$cache" usr/sbin/xrdp -v xrdp libjpeg62-turbo)"
# xrdp will not start without /etc/xrdp/rsakeys.ini (a compiled-in path; the package's postinst
# fills it with xrdp-keygen). Where it is missing, it is made the same way, with the unpacked tool.
if [ ! -e /etc/xrdp/rsakeys.ini ]; then
  [ "$(id -u)" = 0 ] || { echo "xrdp: /etc/xrdp/rsakeys.ini is missing and only root can create it" >&2; exit 1; }
  mkdir -p /etc/xrdp
  LD_LIBRARY_PATH="$(find "$cache/root" -name '*.so*' -printf '%h\n' | sort -u | paste -sd: -)" \
    "$cache/root/usr/bin/xrdp-keygen" xrdp /etc/xrdp/rsakeys.ini >/dev/null
fi
echo "$wrapper"

#!/usr/bin/env bash
# A real xrdp for the RDP probe's independent peer, unpacked from Debian's packages (xrdp and the
# JPEG library it links), never installed or started. Prints the wrapper's path. Used by .ci/run.
set -euo pipefail
root_dir="$(cd "$(dirname "$0")/../.." && pwd)"
exec bash "$root_dir/test/setup/debian-daemon.sh" xrdp "${CELLCHECK_XRDP_CACHE:-$root_dir/node_modules/.cache/cellcheck-xrdp}" usr/sbin/xrdp -v \
  xrdp libjpeg62-turbo

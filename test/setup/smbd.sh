#!/usr/bin/env bash
# A real Samba smbd for the SMB probe tests, unpacked from Debian's packages (samba, samba-libs and
# the libraries they link), never installed or started. Prints the wrapper's path. Used by .ci/run.
# The tests run it as an unprivileged account with a config in a temp dir, bound to one loopback address.
set -euo pipefail
root_dir="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=test/setup/debian-libs.sh
source "$root_dir/test/setup/debian-libs.sh"
libs="$(libs_of samba samba-libs | sort -u)"
[ -n "$libs" ] || { echo "smbd: apt-cache does not know samba's libraries (run apt-get update)" >&2; exit 1; }
# shellcheck disable=SC2086
exec bash "$root_dir/test/setup/debian-daemon.sh" smbd "${CELLCHECK_SMBD_CACHE:-$root_dir/node_modules/.cache/cellcheck-smbd}" usr/sbin/smbd -V \
  samba samba-libs $libs

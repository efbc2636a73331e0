#!/usr/bin/env bash
# A real OpenSSH sshd for the tests (openssh-server, and libwrap0 which sshd links), unpacked from
# Debian's packages, never installed or started. Prints the wrapper's path. Used by the tests and .ci/run.
root_dir="$(cd "$(dirname "$0")/../.." && pwd)"
exec bash "$root_dir/test/setup/debian-daemon.sh" sshd "${CELLCHECK_SSHD_CACHE:-$root_dir/node_modules/.cache/cellcheck-sshd}" usr/sbin/sshd -V openssh-server libwrap0

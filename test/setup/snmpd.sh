#!/usr/bin/env bash
# A real Net-SNMP snmpd for the tests, unpacked from Debian's packages (snmpd, its libsnmp and the
# libraries that links), never installed or started. Prints the wrapper's path. Used by .ci/run.
set -euo pipefail
root_dir="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=test/setup/debian-libs.sh
source "$root_dir/test/setup/debian-libs.sh"
libsnmp="$(libs_of snmpd | grep '^libsnmp[0-9]' | head -n 1)"
[ -n "$libsnmp" ] || { echo "snmpd: apt-cache does not know snmpd's libsnmp (run apt-get update)" >&2; exit 1; }
# shellcheck disable=SC2046
exec bash "$root_dir/test/setup/debian-daemon.sh" snmpd "${CELLCHECK_SNMPD_CACHE:-$root_dir/node_modules/.cache/cellcheck-snmpd}" usr/sbin/snmpd -v \
  snmpd $(printf '%s\n' "$libsnmp" $(libs_of snmpd "$libsnmp") | sort -u)

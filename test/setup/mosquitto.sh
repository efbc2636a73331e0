#!/usr/bin/env bash
# A real Mosquitto broker for the MQTT probe's independent peer, unpacked from Debian's packages
# (mosquitto and the libraries it links that a minimal system lacks), never installed or started.
# Prints the wrapper's path. Used by .ci/run.
set -euo pipefail
root_dir="$(cd "$(dirname "$0")/../.." && pwd)"
exec bash "$root_dir/test/setup/debian-daemon.sh" mosquitto "${CELLCHECK_MOSQUITTO_CACHE:-$root_dir/node_modules/.cache/cellcheck-mosquitto}" usr/sbin/mosquitto -h \
  mosquitto libcjson1 libdlt2 libwrap0

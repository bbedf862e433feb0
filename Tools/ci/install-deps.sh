#!/usr/bin/env bash
# Installs the system packages Tickwire builds against, when they are missing:
# liburing, libnuma, OpenSSL and SQLite headers, simdjson (the in-memory bench's library baseline),
# pkg-config, python3 (with venv) for the readers
# and the client-library conformance tests, and the PostgreSQL server (initdb, pg_ctl) that the
# RecorderPostgres tests start on loopback; promtool (Debian's prometheus package) that checks the
# control plane's /metrics, and headless Chromium that loads its dashboard page in a test.
# Debian/Ubuntu with apt; runs apt as root or through sudo. Idempotent and quiet
# when everything is already there.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for pkg in liburing-dev libnuma-dev libssl-dev libsimdjson-dev libsqlite3-dev pkg-config python3 python3-venv postgresql prometheus chromium-headless-shell; do
    have_pkg "$pkg" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
    echo "install-deps: missing ${need[*]} and no apt-get here; install them with your package manager" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

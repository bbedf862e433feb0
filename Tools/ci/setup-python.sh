#!/usr/bin/env bash
# Creates the two Python virtual environments the REST conformance test runs Binance's own
# client libraries from: .venv-pb (python-binance) and .venv-bc (binance-connector). Both
# packages import as `binance`, so each lives in its own venv. Idempotent: a venv that already
# imports its client is left alone. Usage: Tools/ci/setup-python.sh [repository root]
set -euo pipefail

root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
python="${PYTHON:-python3}"

setup() {
    local venv="$root/$1" package="$2" probe="$3"
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$probe" 2>/dev/null; then
        echo "setup-python: $1 already has $package"
        return
    fi
    echo "setup-python: creating $1 with $package"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package"
    "$venv/bin/python" -c "$probe"
}

setup .venv-pb python-binance 'from binance.client import Client'
setup .venv-bc binance-connector 'from binance.spot import Spot'

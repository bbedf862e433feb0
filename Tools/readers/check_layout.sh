#!/usr/bin/env bash
# Compares the Python reader's own struct layouts with the C header's:
# compiles c/abi_layout.c (offsetof/sizeof from tickwire/abi.h) into a temporary
# directory, runs it and `tickwire_reader.py layout`, and compares the two JSON
# objects key by key. Prints every key that differs; exits 1 on any mismatch.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
include="$here/../../CSources/CEngineShm/include"
cc="${CC:-cc}"
python="${PYTHON:-python3}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tw-layout.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

"$cc" -O0 -Wall -Wextra -Werror -I "$include" -o "$tmp/abi_layout" "$here/c/abi_layout.c"
"$tmp/abi_layout" > "$tmp/c.json"
"$python" "$here/tickwire_reader.py" layout > "$tmp/py.json"

"$python" - "$tmp/c.json" "$tmp/py.json" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    c = json.load(f)
with open(sys.argv[2]) as f:
    py = json.load(f)
bad = 0
for key in sorted(set(c) | set(py)):
    if key not in py:
        print(f"MISSING in Python: {key} (C {c[key]})"); bad += 1
    elif key not in c:
        print(f"MISSING in C: {key} (Python {py[key]})"); bad += 1
    elif c[key] != py[key]:
        print(f"DIFFERS: {key}: C {c[key]}, Python {py[key]}"); bad += 1
if bad:
    print(f"check_layout: {bad} of {len(set(c) | set(py))} keys differ")
    sys.exit(1)
print(f"check_layout: {len(c)} keys match (C header vs Python reader)")
PY

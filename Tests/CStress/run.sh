#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# C stress and sanitizer tests of the Tickwire shared-memory ABI
# (CSources/CEngineShm). Each test in this directory is compiled twice, with
#   O2:   -O2 -g -Wall -Wextra -Werror -pthread
#   TSan: -O1 -g -fsanitize=thread -pthread   (TSAN_OPTIONS=halt_on_error=1)
# linked with shm.c and layout.c, and run. One line per test and variant,
# then "C stress: N passed, M failed"; the exit status is non-zero when
# anything failed. A TSan variant that cannot be built or run on this machine
# is reported as SKIP, not as a failure.
#
# Environment:
#   CC             compiler (default clang; the Swift toolchain's clang works)
#   CSTRESS_ONLY   space-separated test names to run (default: all)
#   CSTRESS_KEEP   when set, keep the build directory and print its path
#
# No TSan suppressions are used: the ABI accesses shared words only with
# __atomic builtins (relaxed copies validated by a sequence word), so TSan
# has nothing to report; a report is a real finding.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
shm="$repo/CSources/CEngineShm"
read -r -a cc <<<"${CC:-clang}"

tests=(seqlock_torn ring_lap cmd_mpsc cmd_owner exec_journal protread hist attach_geometry)
if [[ -n "${CSTRESS_ONLY:-}" ]]; then
    read -r -a tests <<<"$CSTRESS_ONLY"
fi

# Arguments per test and variant (durations in seconds, or commands per producer);
# the sizes keep the whole run well under 30 s on two cores.
declare -A args_O2=([seqlock_torn]="1.5 2" [ring_lap]="1.0" [cmd_mpsc]="200000 3 1.0" [cmd_owner]="" [exec_journal]="1.0" [protread]="" [hist]="0.3" [attach_geometry]="")
declare -A args_TSan=([seqlock_torn]="1.5 2" [ring_lap]="1.0" [cmd_mpsc]="50000 3 1.0" [cmd_owner]="" [exec_journal]="0.5" [protread]="" [hist]="0.3" [attach_geometry]="")
flags_O2=(-O2 -g -Wall -Wextra -Werror -pthread)
flags_TSan=(-O1 -g -fsanitize=thread -pthread)
ldflags_O2=()
ldflags_TSan=()
tsan_env="halt_on_error=1"

out=$(mktemp -d "${TMPDIR:-/tmp}/tw-cstress-build.XXXXXX")
if [[ -n "${CSTRESS_KEEP:-}" ]]; then
    echo "build directory: $out"
else
    trap 'rm -rf "$out"' EXIT
fi

passed=0
failed=0
skipped=0

now_ms() { date +%s%3N; }
seconds_since() { # start_ms -> "1.23"
    local d=$(($(now_ms) - $1))
    printf '%d.%02d' $((d / 1000)) $((d % 1000 / 10))
}
indent() { sed 's/^/    | /'; }
report() { # status test variant time detail
    printf '%-4s  %-13s %-5s %7ss  %s\n' "$1" "$2" "$3" "$4" "$5"
    case $1 in
        PASS) passed=$((passed + 1)) ;;
        FAIL) failed=$((failed + 1)) ;;
        SKIP) skipped=$((skipped + 1)) ;;
    esac
}

have_timeout=0
command -v timeout >/dev/null 2>&1 && have_timeout=1

# Finds link flags that make a TSan program link and run; sets ldflags_TSan,
# or tsan_why and fails (the Swift toolchain's static TSan runtime also needs
# its libdispatch and BlocksRuntime).
tsan_why=""
tsan_probe() {
    local dir="$out/probe"
    mkdir -p "$dir"
    cat >"$dir/probe.c" <<'EOF'
#include <pthread.h>
static long n;
static void *run(void *a) { __atomic_fetch_add(&n, 1, __ATOMIC_RELAXED); return a; }
int main(void) { pthread_t t; pthread_create(&t, 0, run, 0); run(0); pthread_join(t, 0); return n == 2 ? 0 : 1; }
EOF
    local candidates=("")
    local res swiftlib
    res=$("${cc[@]}" -print-resource-dir 2>/dev/null || true)
    if [[ -n "$res" ]]; then
        swiftlib="$res/../../swift/linux"
        if [[ -e "$swiftlib/libdispatch.so" ]]; then
            swiftlib=$(cd "$swiftlib" && pwd)
            candidates+=("-L$swiftlib -Wl,-rpath,$swiftlib -ldispatch -lBlocksRuntime")
        fi
    fi
    local c
    for c in "${candidates[@]}"; do
        local extra=()
        [[ -n "$c" ]] && read -r -a extra <<<"$c"
        if "${cc[@]}" "${flags_TSan[@]}" "$dir/probe.c" -o "$dir/probe" ${extra[@]+"${extra[@]}"} >"$dir/log" 2>&1; then
            if TSAN_OPTIONS="$tsan_env" "$dir/probe" >"$dir/run.log" 2>&1; then
                ldflags_TSan=(${extra[@]+"${extra[@]}"})
                return 0
            fi
            tsan_why="TSan probe built but does not run: $(head -n 1 "$dir/run.log")"
        else
            tsan_why="TSan probe does not link: $(grep -m 1 -i error "$dir/log" || head -n 1 "$dir/log")"
        fi
    done
    return 1
}

run_variant() {
    local v=$1
    local -n flags="flags_$v" ldflags="ldflags_$v" targs="args_$v"
    local dir="$out/$v"
    mkdir -p "$dir"
    local inc=(-I "$shm/include")

    if [[ $v == TSan ]]; then
        if ! tsan_probe; then
            for t in "${tests[@]}"; do report SKIP "$t" "$v" "0.00" "$tsan_why"; done
            return 0
        fi
    fi

    local lib_ok=1 lib_log="$dir/lib.log"
    if ! { "${cc[@]}" "${flags[@]}" "${inc[@]}" -c "$shm/shm.c" -o "$dir/shm.o" &&
        "${cc[@]}" "${flags[@]}" "${inc[@]}" -c "$shm/layout.c" -o "$dir/layout.o"; } >"$lib_log" 2>&1; then
        lib_ok=0
    fi

    for t in "${tests[@]}"; do
        local t0 bin="$dir/$t" log="$dir/$t" a=()
        t0=$(now_ms)
        if [[ $lib_ok == 0 ]]; then
            report FAIL "$t" "$v" "$(seconds_since "$t0")" "shm.c/layout.c do not compile:"
            indent <"$lib_log"
            continue
        fi
        if ! "${cc[@]}" "${flags[@]}" "${inc[@]}" "$here/$t.c" "$dir/shm.o" "$dir/layout.o" -o "$bin" \
            ${ldflags[@]+"${ldflags[@]}"} >"$log.cc" 2>&1; then
            report FAIL "$t" "$v" "$(seconds_since "$t0")" "does not compile:"
            indent <"$log.cc"
            continue
        fi
        local cmd=("$bin")
        [[ -n "${targs[$t]:-}" ]] && read -r -a a <<<"${targs[$t]}" && cmd+=("${a[@]}")
        [[ $have_timeout == 1 ]] && cmd=(timeout -k 5 120 "${cmd[@]}")
        t0=$(now_ms)
        local rc=0
        # The tests make their segment directories under TMPDIR: keep them in the build
        # directory, so even a killed test leaves nothing behind.
        mkdir -p "$out/tmp"
        if [[ $v == TSan ]]; then
            TMPDIR="$out/tmp" TSAN_OPTIONS="$tsan_env" "${cmd[@]}" >"$log.out" 2>"$log.err" || rc=$?
        else
            TMPDIR="$out/tmp" "${cmd[@]}" >"$log.out" 2>"$log.err" || rc=$?
        fi
        local took
        took=$(seconds_since "$t0")
        if [[ $rc == 0 ]] && ! grep -q "ThreadSanitizer\|FAIL" "$log.err"; then
            report PASS "$t" "$v" "$took" "$(tail -n 1 "$log.out")"
        else
            local what="exit status $rc"
            [[ $rc == 124 || $rc == 137 ]] && what="timed out"
            grep -q "WARNING: ThreadSanitizer" "$log.err" && what="$what, ThreadSanitizer report"
            report FAIL "$t" "$v" "$took" "$what:"
            tail -n 60 "$log.err" | indent
            tail -n 20 "$log.out" | indent
        fi
    done
}

if ! command -v "${cc[0]}" >/dev/null 2>&1; then
    echo "compiler '${cc[0]}' not found (set CC)"
    echo "C stress: 0 passed, 1 failed"
    exit 1
fi
cc_version=$("${cc[@]}" --version 2>/dev/null | head -n 1 || true)
echo "C stress tests of CSources/CEngineShm with ${cc[*]} (${cc_version:-unknown compiler})"
for v in O2 TSan; do
    run_variant "$v"
done
((skipped > 0)) && echo "($skipped skipped)"
echo "C stress: $passed passed, $failed failed"
[[ $failed == 0 ]]

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# C tests of the market-data building blocks in CSources/CEngineCore
# (WebSocket codec, JSON scanner and Binance decoders, feed book and sync):
#   unit          unit_ws, unit_decode, unit_feedbook: -O2 -Wall -Wextra -Werror,
#                 and again with ASan+UBSan when the compiler can; unit_decode
#                 once more with the SSE4.1 depth walk (no AVX2)
#   feed          unit_feed: the feed thread (feed.c) driven without sockets over
#                 recorded data into real segments; e2e_feed: the thread on
#                 io_uring against a loopback WebSocket server (both -O2 and
#                 ASan+UBSan; they link the net layer, liburing, OpenSSL, libnuma)
#   gateway       unit_gateway: the order gateway (gateway*.c) without sockets:
#                 HMAC vector, request encoding, answer/event decoding, the SPSC
#                 queue, the journal it writes; e2e_gateway: its thread on io_uring
#                 against a loopback WebSocket API peer (ack, fill, timeout →
#                 UNKNOWN → order.status, drop → reconnect). -O2 and ASan+UBSan,
#                 no data needed
#   setup         unit_setup: tw_feed_create's refusals each with a message, a
#                 1000-stream upgrade path, INT64_MIN prices in the feed book
#   net           unit_net: the io_uring/TLS/WebSocket client (loop.c, tls.c,
#                 conn.c) against loopback peers in threads, plain and TLS with a
#                 CA made at test time (-O2 and ASan+UBSan; SKIP without io_uring)
#   regressions   every saved crash input in regressions/<target>/ replayed
#   golden        recorded Binance data through decoders + sync, judged by the
#                 bookTicker oracle (hftbacktest spot, cryptofeed spot, USD-M)
#   bench         bench_inmem: unframe + assemble, then feed.c's own per-message path
#   fuzz          libFuzzer targets, bounded; crash inputs land in regressions/
#                 (ws, binance, decimal; feed: feed.c's message and snapshot
#                 paths over real segments, built like the feed items; gateway:
#                 the gateway's message path, seeded from regressions/gateway;
#                 attach: segment files attached as every kind and read through
#                 every inline helper, seeded from regressions/attach)
# One PASS/FAIL/SKIP line per item, then "C feed: N passed, M failed"; the exit
# status is non-zero when anything failed. Data come from Tests/Data (or $TICKWIRE_DATA)
# in the repository; without them the data items SKIP.
#
# Environment:
#   CC               compiler (default clang; the Swift toolchain's clang has libFuzzer)
#   CFEED_FUZZ_TIME  seconds per fuzz target (default 20; 0 skips fuzzing)
#   CFEED_BENCH_REPS bench repetitions of the whole file (default 5)
#   CFEED_BENCH_MIN  msgs/s the bench must reach to pass (default 0: report only,
#                    since a shared 2-core machine makes any bar flaky)
#   CFEED_KEEP       keep the build directory and print its path
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
core="$repo/CSources/CEngineCore"
shm="$repo/CSources/CEngineShm"
data="${TICKWIRE_DATA:-$repo/Tests/Data}"
read -r -a cc <<<"${CC:-clang}"
fuzz_time=${CFEED_FUZZ_TIME:-20}
bench_reps=${CFEED_BENCH_REPS:-5}
bench_min=${CFEED_BENCH_MIN:-0}

feed_srcs=(json binance_decode feedbook sync ws ws_handshake)
inc=(-I "$core/include" -I "$shm/include")
flags_o2=(-O2 -g -Wall -Wextra -Werror)
flags_san=(-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
libs=(-lcrypto)

out=$(mktemp -d "${TMPDIR:-/tmp}/tw-cfeed.XXXXXX")
if [[ -n "${CFEED_KEEP:-}" ]]; then
    echo "build directory: $out"
else
    trap 'rm -rf "$out"' EXIT
fi

passed=0
failed=0
skipped=0
now_ms() { date +%s%3N; }
seconds_since() {
    local d=$(($(now_ms) - $1))
    printf '%d.%02d' $((d / 1000)) $((d % 1000 / 10))
}
indent() { sed 's/^/    | /'; }
report() { # status item time detail
    printf '%-4s  %-22s %7ss  %s\n' "$1" "$2" "$3" "$4"
    case $1 in
        PASS) passed=$((passed + 1)) ;;
        FAIL) failed=$((failed + 1)) ;;
        SKIP) skipped=$((skipped + 1)) ;;
    esac
}
limit=()
command -v timeout >/dev/null 2>&1 && limit=(timeout -k 5 300)

# build NAME VARIANT MAIN.c [extra sources...]: links with the feed sources and shm.
build() {
    local name=$1 variant=$2 main=$3
    shift 3
    local -n fl="flags_$variant"
    local srcs=() s
    for s in "${feed_srcs[@]}"; do srcs+=("$core/$s.c"); done
    "${cc[@]}" "${fl[@]}" "${inc[@]}" "$main" "$@" "${srcs[@]}" "$shm/shm.c" "$shm/layout.c" \
        -o "$out/$name.$variant" "${libs[@]}" >"$out/$name.$variant.cc" 2>&1
}

# run_item ITEM VARIANT BIN ARGS...: runs a built test; its last output line is the detail.
run_item() {
    local item=$1 bin=$2
    shift 2
    local t0 rc=0
    t0=$(now_ms)
    "${limit[@]}" "$bin" "$@" >"$bin.out" 2>"$bin.err" || rc=$?
    if [[ $rc == 0 ]]; then
        report PASS "$item" "$(seconds_since "$t0")" "$(tail -n 1 "$bin.out")"
    else
        report FAIL "$item" "$(seconds_since "$t0")" "exit status $rc:"
        { tail -n 30 "$bin.err"; tail -n 10 "$bin.out"; } | indent
    fi
}

san_ok=0
probe_sanitizers() {
    echo 'int main(void) { return 0; }' >"$out/probe.c"
    "${cc[@]}" "${flags_san[@]}" "$out/probe.c" -o "$out/probe" >/dev/null 2>&1 && "$out/probe" && san_ok=1
    return 0
}

unit_tests() {
    local t v
    for t in unit_ws unit_decode unit_feedbook; do
        for v in o2 san; do
            local t0
            t0=$(now_ms)
            if [[ $v == san && $san_ok == 0 ]]; then
                report SKIP "$t[asan+ubsan]" 0.00 "sanitizers do not build or run with ${cc[*]}"
                continue
            fi
            local label=$t
            [[ $v == san ]] && label="$t[asan+ubsan]"
            if ! build "$t" "$v" "$here/$t.c"; then
                report FAIL "$label" "$(seconds_since "$t0")" "does not compile:"
                indent <"$out/$t.$v.cc"
                continue
            fi
            run_item "$label" "$out/$t.$v"
        done
    done
    # the decoder's SSE4.1 depth walk, which a CPU with AVX2 never takes otherwise
    local t0 v=o2
    t0=$(now_ms)
    [[ $san_ok == 1 ]] && v=san
    local -n base="flags_$v"
    flags_narrow=("${base[@]}" -DTW_SCAN_NO_WIDE)
    if ! build unit_decode narrow "$here/unit_decode.c"; then
        report FAIL "unit_decode[sse4.1]" "$(seconds_since "$t0")" "does not compile:"
        indent <"$out/unit_decode.narrow.cc"
    else
        run_item "unit_decode[sse4.1]" "$out/unit_decode.narrow"
    fi
}

# Each fuzz target also builds without libFuzzer, as a replayer of saved inputs.
# fuzz_feed.c drives feed.c, so it links like the feed items (build_feed).
fuzz_targets=(ws binance decimal feed gateway attach)
build_target() { # target NAME VARIANT MAIN.c [extra...]
    local t=$1
    shift
    if [[ $t == feed ]]; then
        build_feed "$@"
    elif [[ $t == gateway ]]; then
        build_gateway "$@"
    elif [[ $t == decimal ]]; then
        build "$@" -I "$core" # decimal_scan.h, the decoders' private scan
    else
        build "$@"
    fi
}
build_replay() { # target variant
    local t=$1 v=$2
    build_target "$t" "replay_$t" "$v" "$here/fuzz_replay.c" "$here/fuzz_$t.c" \
        "-DLLVMFuzzerTestOneInput=fuzz_${t}_one" "-DFUZZ_ENTRY=fuzz_${t}_one"
}

regressions() {
    local v=o2 t t0 dirs=()
    [[ $san_ok == 1 ]] && v=san
    for t in "${fuzz_targets[@]}"; do
        t0=$(now_ms)
        mkdir -p "$here/regressions/$t"
        if ! build_replay "$t" "$v"; then
            report FAIL "regressions/$t" "$(seconds_since "$t0")" "does not compile:"
            indent <"$out/replay_$t.$v.cc"
            continue
        fi
        dirs=("$here/regressions/$t")
        [[ -d "$out/seeds/$t" ]] && dirs+=("$out/seeds/$t")
        run_item "regressions/$t" "$out/replay_$t.$v" "${dirs[@]}"
    done
}

have_data=0
[[ -d "$data/binance" ]] && have_data=1
hft="$out/hft.txt"

# ---------------------------------------------------- feed thread (feed.c) --
feed_thread_srcs=(feed feed_setup loop conn conn_setup tls cpu)
feed_thread_libs=(-luring -lssl -lcrypto -lnuma -lpthread)

# build_feed NAME VARIANT MAIN.c [extra...]: the building blocks, the net layer and feed.c (+ its private header).
build_feed() {
    local name=$1 variant=$2 main=$3 s srcs=()
    shift 3
    local -n fl="flags_$variant"
    for s in "${feed_srcs[@]}" "${feed_thread_srcs[@]}"; do srcs+=("$core/$s.c"); done
    "${cc[@]}" "${fl[@]}" "${inc[@]}" -I "$core" "$main" "$@" "${srcs[@]}" "$shm/shm.c" "$shm/layout.c" \
        -o "$out/$name.$variant" "${feed_thread_libs[@]}" >"$out/$name.$variant.cc" 2>&1
}

# ------------------------------------------- order gateway (gateway*.c) --
gateway_srcs=(gateway gateway_run gateway_answer gateway_conn gateway_encode gateway_decode gateway_events gateway_fevents
    gateway_user gateway_sign)

# build_gateway NAME VARIANT MAIN.c [extra...]: what build_feed links, plus the gateway.
build_gateway() {
    local name=$1 variant=$2 main=$3 s srcs=()
    shift 3
    for s in "${gateway_srcs[@]}"; do srcs+=("$core/$s.c"); done
    build_feed "$name" "$variant" "$main" "$@" "${srcs[@]}"
}

# unit_gateway drives the gateway without sockets; e2e_gateway runs its thread on io_uring against a
# loopback WebSocket API peer (exit 77, SKIP, when the kernel refuses io_uring).
gateway_tests() {
    local t v t0 label rc bin
    mkdir -p "$out/shm-gateway"
    for t in unit_gateway unit_gateway_usdm e2e_gateway; do
        for v in o2 san; do
            label=$t
            [[ $v == san ]] && label="$t[asan+ubsan]"
            if [[ $v == san && $san_ok == 0 ]]; then
                report SKIP "$label" 0.00 "sanitizers do not build or run with ${cc[*]}"
                continue
            fi
            t0=$(now_ms)
            if ! build_gateway "$t" "$v" "$here/$t.c"; then
                report FAIL "$label" "$(seconds_since "$t0")" "does not compile:"
                indent <"$out/$t.$v.cc"
                continue
            fi
            bin="$out/$t.$v"
            rc=0
            TICKWIRE_SHM_DIR="$out/shm-gateway" "${limit[@]}" "$bin" >"$bin.out" 2>"$bin.err" || rc=$?
            if [[ $rc == 0 ]]; then
                report PASS "$label" "$(seconds_since "$t0")" "$(tail -n 1 "$bin.out")"
            elif [[ $rc == 77 ]]; then
                report SKIP "$label" "$(seconds_since "$t0")" "$(tail -n 1 "$bin.out")"
            else
                report FAIL "$label" "$(seconds_since "$t0")" "exit status $rc:"
                { tail -n 30 "$bin.err"; tail -n 10 "$bin.out"; } | indent
            fi
        done
    done
}

feed_thread() {
    local t v t0 label b="$data/binance"
    local args=("$hft" "$b/spot-2021/cryptofeed_BINANCE.http.0.0.txt" "$b/spot-2021/cryptofeed_BINANCE.ws.1.0.txt"
        "$b/usdm-2021/cryptofeed_BINANCE_FUTURES.http.0.0.txt" "$b/usdm-2021/cryptofeed_BINANCE_FUTURES.ws.1.0.txt")
    mkdir -p "$out/shm-feed"
    for t in unit_feed e2e_feed; do
        [[ -f "$here/$t.c" ]] || continue
        for v in o2 san; do
            label=$t
            [[ $v == san ]] && label="$t[asan+ubsan]"
            if [[ $have_data == 0 ]]; then
                report SKIP "$label" 0.00 "no recorded data at $data"
                continue
            fi
            if [[ $v == san && $san_ok == 0 ]]; then
                report SKIP "$label" 0.00 "sanitizers do not build or run with ${cc[*]}"
                continue
            fi
            t0=$(now_ms)
            if ! build_feed "$t" "$v" "$here/$t.c"; then
                report FAIL "$label" "$(seconds_since "$t0")" "does not compile:"
                indent <"$out/$t.$v.cc"
                continue
            fi
            TICKWIRE_SHM_DIR="$out/shm-feed" run_item "$label" "$out/$t.$v" "${args[@]}"
        done
    done
}

# unit_setup: tw_feed_create's refusals and their messages, long upgrade paths, INT64_MIN
# prices in the feed book; built like the feed items, needs no data.
setup_tests() {
    local v t0 label
    for v in o2 san; do
        label=unit_setup
        [[ $v == san ]] && label="unit_setup[asan+ubsan]"
        if [[ $v == san && $san_ok == 0 ]]; then
            report SKIP "$label" 0.00 "sanitizers do not build or run with ${cc[*]}"
            continue
        fi
        t0=$(now_ms)
        if ! build_feed unit_setup "$v" "$here/unit_setup.c"; then
            report FAIL "$label" "$(seconds_since "$t0")" "does not compile:"
            indent <"$out/unit_setup.$v.cc"
            continue
        fi
        run_item "$label" "$out/unit_setup.$v"
    done
}

# ------------------------------------------- network layer (net.h) --
net_srcs=(loop tls conn conn_setup)
net_libs=(-luring -lssl -lcrypto -lpthread)

# build_net NAME VARIANT MAIN.c: the building blocks and the io_uring/TLS/WebSocket client.
build_net() {
    local name=$1 variant=$2 main=$3 s srcs=()
    local -n fl="flags_$variant"
    for s in "${feed_srcs[@]}" "${net_srcs[@]}"; do srcs+=("$core/$s.c"); done
    "${cc[@]}" "${fl[@]}" "${inc[@]}" -I "$core" "$main" "${srcs[@]}" "$shm/shm.c" "$shm/layout.c" \
        -o "$out/$name.$variant" "${net_libs[@]}" >"$out/$name.$variant.cc" 2>&1
}

# unit_net exits 77 when the kernel refuses io_uring (SKIP); its CA file goes to the build directory.
net_tests() {
    local v t0 label rc bin
    for v in o2 san; do
        label=unit_net
        [[ $v == san ]] && label="unit_net[asan+ubsan]"
        if [[ $v == san && $san_ok == 0 ]]; then
            report SKIP "$label" 0.00 "sanitizers do not build or run with ${cc[*]}"
            continue
        fi
        t0=$(now_ms)
        if ! build_net unit_net "$v" "$here/unit_net.c"; then
            report FAIL "$label" "$(seconds_since "$t0")" "does not compile:"
            indent <"$out/unit_net.$v.cc"
            continue
        fi
        bin="$out/unit_net.$v"
        rc=0
        TMPDIR="$out" "${limit[@]}" "$bin" >"$bin.out" 2>"$bin.err" || rc=$?
        if [[ $rc == 0 ]]; then
            report PASS "$label" "$(seconds_since "$t0")" "$(tail -n 1 "$bin.out")"
        elif [[ $rc == 77 ]]; then
            report SKIP "$label" "$(seconds_since "$t0")" "$(tail -n 1 "$bin.out")"
        else
            report FAIL "$label" "$(seconds_since "$t0")" "exit status $rc:"
            { tail -n 30 "$bin.err"; tail -n 10 "$bin.out"; } | indent
        fi
    done
}

golden() {
    local t0
    t0=$(now_ms)
    if [[ $have_data == 0 ]]; then
        for t in hftbacktest-spot cryptofeed-spot cryptofeed-usdm; do
            report SKIP "golden/$t" 0.00 "no recorded data at $data"
        done
        return 0
    fi
    if ! build golden o2 "$here/golden.c"; then
        report FAIL "golden" "$(seconds_since "$t0")" "does not compile:"
        indent <"$out/golden.o2.cc"
        return 0
    fi
    local b="$data/binance"
    run_item "golden/hftbacktest-spot" "$out/golden.o2" hft "$hft" 229
    run_item "golden/cryptofeed-spot" "$out/golden.o2" spot "$b/spot-2021/cryptofeed_BINANCE.http.0.0.txt" \
        "$b/spot-2021/cryptofeed_BINANCE.ws.1.0.txt" 26
    run_item "golden/cryptofeed-usdm" "$out/golden.o2" futures \
        "$b/usdm-2021/cryptofeed_BINANCE_FUTURES.http.0.0.txt" "$b/usdm-2021/cryptofeed_BINANCE_FUTURES.ws.1.0.txt" 50
}

bench() {
    local t0 rc=0
    t0=$(now_ms)
    if [[ $have_data == 0 ]]; then
        report SKIP "bench_inmem" 0.00 "no recorded data at $data"
        return 0
    fi
    # The scenario itself is Bench/CBench/inmem.c, shared with `bench latency --scenario inmem`.
    if ! build_feed bench_inmem o2 "$here/bench_inmem.c" "$repo/Bench/CBench/inmem.c" -I "$repo/Bench/CBench/include"; then
        report FAIL "bench_inmem" "$(seconds_since "$t0")" "does not compile:"
        indent <"$out/bench_inmem.o2.cc"
        return 0
    fi
    mkdir -p "$out/shm"
    TICKWIRE_SHM_DIR="$out/shm" "${limit[@]}" "$out/bench_inmem.o2" "$hft" "$bench_reps" "$bench_min" \
        >"$out/bench.out" 2>&1 || rc=$?
    if [[ $rc == 0 ]]; then
        report PASS "bench_inmem" "$(seconds_since "$t0")" "$(tail -n 1 "$out/bench.out")"
        head -n -1 "$out/bench.out" | indent
    else
        report FAIL "bench_inmem" "$(seconds_since "$t0")" "exit status $rc (min $bench_min depth msgs/s):"
        indent <"$out/bench.out"
    fi
}

seeds() {
    [[ $have_data == 0 ]] && return 0
    mkdir -p "$out/seeds/ws" "$out/seeds/binance" "$out/seeds/decimal" "$out/seeds/feed"
    build seeds o2 "$here/seeds.c" || { indent <"$out/seeds.o2.cc"; return 0; }
    local b="$data/binance" # the REST files give the feed seeds their snapshots
    "$out/seeds.o2" "$out/seeds" "$hft" "$b/spot-2021/cryptofeed_BINANCE.ws.1.0.txt" \
        "$b/usdm-2021/cryptofeed_BINANCE_FUTURES.ws.1.0.txt" "$b/spot-2021/cryptofeed_BINANCE.http.0.0.txt" \
        "$b/usdm-2021/cryptofeed_BINANCE_FUTURES.http.0.0.txt" >/dev/null
}

fuzz() {
    local t t0 v
    if [[ $fuzz_time == 0 ]]; then
        report SKIP "fuzz" 0.00 "CFEED_FUZZ_TIME=0"
        return 0
    fi
    echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
        >"$out/fprobe.c"
    if ! "${cc[@]}" -fsanitize=fuzzer,address,undefined "$out/fprobe.c" -o "$out/fprobe" >/dev/null 2>&1; then
        report SKIP "fuzz" 0.00 "${cc[*]} has no libFuzzer (-fsanitize=fuzzer); use the Swift toolchain's clang"
        return 0
    fi
    for t in "${fuzz_targets[@]}"; do
        t0=$(now_ms)
        if ! build_target "$t" "fuzz_$t" fuzz "$here/fuzz_$t.c"; then
            report FAIL "fuzz/$t" "$(seconds_since "$t0")" "does not compile:"
            indent <"$out/fuzz_$t.fuzz.cc"
            continue
        fi
        mkdir -p "$out/corpus/$t" "$here/regressions/$t"
        [[ -d "$out/seeds/$t" ]] && cp "$out/seeds/$t/"* "$out/corpus/$t/" 2>/dev/null || true
        [[ $t == gateway || $t == attach ]] && cp "$here/regressions/$t/"* "$out/corpus/$t/" 2>/dev/null || true
        local rc=0 log="$out/fuzz_$t.log" max_len=4096
        [[ $t == feed ]] && max_len=262144 # its seeds are hundreds of frames and a snapshot
        [[ $t == attach ]] && max_len=65536 # whole segment files; the stats seed is 40 KB
        "${limit[@]}" "$out/fuzz_$t.fuzz" "$out/corpus/$t" -max_total_time="$fuzz_time" -max_len="$max_len" \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$here/regressions/$t/" >"$log" 2>&1 || rc=$?
        local execs cov
        execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
        cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
        if [[ $rc == 0 ]]; then
            report PASS "fuzz/$t" "$(seconds_since "$t0")" "${execs:-?} runs, ${cov:-?}, no crash"
        else
            report FAIL "fuzz/$t" "$(seconds_since "$t0")" "exit $rc; crash input saved in Tests/CFeed/regressions/$t/:"
            grep -E 'ERROR|SUMMARY|Test unit written|runtime error|#[0-9]+ 0x' "$log" | head -n 20 | indent
        fi
    done
}
flags_fuzz=(-O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all)

if ! command -v "${cc[0]}" >/dev/null 2>&1; then
    echo "compiler '${cc[0]}' not found (set CC)"
    echo "C feed: 0 passed, 1 failed"
    exit 1
fi
echo "C feed tests of CSources/CEngineCore with ${cc[*]} ($("${cc[@]}" --version 2>/dev/null | head -n 1))"
[[ $have_data == 1 ]] && gzip -dc "$data/binance/hftbacktest_spot_btcusdt_20240808.first15000lines.gz" >"$hft"
probe_sanitizers
unit_tests
gateway_tests
net_tests
setup_tests
feed_thread
seeds
regressions
golden
bench
fuzz
((skipped > 0)) && echo "($skipped skipped)"
echo "C feed: $passed passed, $failed failed"
[[ $failed == 0 ]]

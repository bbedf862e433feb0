/* SPDX-License-Identifier: MIT */
/*
 * In-memory throughput of the feed's per-message path on one core, the
 * design's "unframe + decode + book + publish" bar (DESIGN §7):
 *   WebSocket unframe + assemble → envelope → decode → sync/feedbook apply
 *   → tw_book_write of the top 20 into a books segment
 *   → tw_ring_publish of an md event into an md ring
 * (Bench/CBench/inmem.c, the same code `bench latency --scenario inmem`
 * runs). Two runs over the hftbacktest BTCUSDT file: the depth diffs alone
 * (~30 levels each, timed after the snapshot) and the whole recorded mix
 * (diffs, trades, bookTickers, the snapshot).
 *
 * Each prints msgs/s and ns/message from passes with no clock read inside,
 * p50/p99/p99.9 per message from passes with a clock read pair around each
 * message (so they include one clock read), and the floor measured in the
 * same run: memcpy of the same frames' bytes, as a whole and per message.
 *
 *   bench_inmem <hft lines.txt> [reps] [min depth msgs/s]
 * Exit 1 on a malformed frame, a bookTicker mismatch, or depth diffs below
 * the minimum. Segments are created in $TICKWIRE_SHM_DIR and unlinked at once.
 */
#include <errno.h>
#include <stdint.h>

#include "cfeed.h"
#include "tickwire/cbench.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Quantile of sorted samples. */
static uint64_t q(const uint64_t *s, uint64_t n, double p)
{
    uint64_t i = (uint64_t)(p * (double)(n - 1) + 0.5);
    return n ? s[i < n ? i : n - 1] : 0;
}

typedef struct result {
    double rate, ns, floor_ns;
    uint64_t p50, p99, p999, max, floor_p50, floor_p99;
} result_t;

static int scenario(const char *text, size_t len, int depth_only, int reps, result_t *res, tw_bench_inmem_t *b)
{
    enum { SAMPLE_PASSES = 4 };
    uint64_t cap = 20000u * SAMPLE_PASSES;
    uint64_t *out = malloc(cap * sizeof(uint64_t)), *fl = malloc(cap * sizeof(uint64_t));
    *b = (tw_bench_inmem_t){.text = text, .len = len, .depth_only = depth_only, .cpu = -1,
                            .reps = (uint32_t)reps, .sample_passes = SAMPLE_PASSES, .instance = "cfeedbench",
                            .out = out, .floor_out = fl, .out_cap = cap};
    int r = out && fl ? tw_bench_inmem(b) : -ENOMEM;
    if (r < 0) {
        fprintf(stderr, "%s: %s\n", depth_only ? "depth" : "mix", b->error);
        free(out);
        free(fl);
        return r;
    }
    double msgs = (double)b->messages * reps;
    res->ns = (double)b->elapsed_ns / msgs;
    res->rate = 1e9 / res->ns;
    res->floor_ns = (double)b->floor_elapsed_ns / msgs;
    qsort(out, b->samples, sizeof(uint64_t), cmp_u64);
    qsort(fl, b->samples, sizeof(uint64_t), cmp_u64);
    res->p50 = q(out, b->samples, 0.5), res->p99 = q(out, b->samples, 0.99);
    res->p999 = q(out, b->samples, 0.999), res->max = b->samples ? out[b->samples - 1] : 0;
    res->floor_p50 = q(fl, b->samples, 0.5), res->floor_p99 = q(fl, b->samples, 0.99);
    printf("%s: %llu frames, %llu B a pass, %d passes\n"
           "  throughput %.0f msgs/s, %.1f ns/msg (floor memcpy %.1f ns/msg: x%.1f)\n"
           "  per message p50=%lluns p99=%lluns p99.9=%lluns max=%lluns; floor p50=%lluns p99=%lluns "
           "(x%.1f at p50; clock read included)\n"
           "  diffs applied=%llu stale=%llu; checks=%llu mismatches=%llu gaps=%llu malformed=%llu published=%llu\n",
           depth_only ? "depth diffs after the snapshot (~30 levels each)" : "whole file mix",
           (unsigned long long)b->messages, (unsigned long long)b->bytes, reps, res->rate, res->ns, res->floor_ns,
           res->ns / res->floor_ns, (unsigned long long)res->p50, (unsigned long long)res->p99,
           (unsigned long long)res->p999, (unsigned long long)res->max, (unsigned long long)res->floor_p50,
           (unsigned long long)res->floor_p99, res->floor_p50 ? (double)res->p50 / (double)res->floor_p50 : 0.0,
           (unsigned long long)b->applied, (unsigned long long)b->stale, (unsigned long long)b->bbo_checks,
           (unsigned long long)b->bbo_mismatches, (unsigned long long)b->gaps,
           (unsigned long long)b->malformed, (unsigned long long)b->published);
    if (b->typical_samples)
        printf("  a diff of %d-%d levels: p50 %lld ns of %llu samples (clock read included)\n", TW_BENCH_TYPICAL_MIN,
               TW_BENCH_TYPICAL_MAX, (long long)b->typical_p50_ns, (unsigned long long)b->typical_samples);
    if (b->snapshot_runs)
        printf("  a %u-level-a-side REST snapshot: the feed thread's load + buffered replay + publish min %.0f us, "
               "median %.0f us of %u; decoded beforehand by the fetcher in %.0f us (median)\n",
               b->snapshot_levels, (double)b->snapshot_min_ns / 1e3, (double)b->snapshot_p50_ns / 1e3, b->snapshot_runs,
               (double)b->snapshot_decode_p50_ns / 1e3);
    free(out);
    free(fl);
    return 0;
}

int main(int argc, char **argv)
{
    size_t len;
    char *text = argc > 1 ? cfeed_read_file(argv[1], &len) : NULL;
    if (text == NULL)
        return fprintf(stderr, "usage: bench_inmem FILE [reps] [min depth msgs/s]\n"), 2;
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    double min_rate = argc > 3 ? atof(argv[3]) : 0;
    if (reps < 1)
        reps = 1;
    result_t depth, mix;
    tw_bench_inmem_t bd, bm;
    if (scenario(text, len, 1, reps * 4, &depth, &bd) < 0 || scenario(text, len, 0, reps, &mix, &bm) < 0)
        return 2;
    int ok = bd.malformed == 0 && bm.malformed == 0 && bd.bbo_mismatches == 0 && bm.bbo_mismatches == 0 &&
             bm.bbo_checks > 0 && depth.rate >= min_rate;
    printf("depth diffs %.0f msgs/s (%.0f ns/msg, p50 %llu ns, x%.1f memcpy), mix %.0f msgs/s (%.0f ns/msg, "
           "p50 %llu ns); unframe + feed.c per-message path, one core\n",
           depth.rate, depth.ns, (unsigned long long)depth.p50, depth.ns / depth.floor_ns, mix.rate, mix.ns,
           (unsigned long long)mix.p50);
    free(text);
    return ok ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * Stats: log-linear histogram buckets, tw_hist_record, counters, and a
 * concurrent single-writer / reader run.
 *
 *  - tw_hist_bucket / tw_hist_bucket_low agree: for every v below 2^41,
 *    low(b) <= v < low(b + 1) with b = bucket(v) < TW_HIST_BUCKETS, and
 *    (v - low(b)) / v <= 1/16; checked for all v < 2^20, at every power of
 *    two +-1 and for a million random values of every magnitude; the
 *    buckets are monotonic and low() is strictly increasing with
 *    bucket(low(b)) == b; 0..15 have a bucket each;
 *  - tw_hist_record keeps count, sum, min (not the zero of a fresh
 *    histogram), max, and counts v >= 2^41 as overflow, not in a bucket;
 *  - tw_hist_quantile returns bucket low edges within 1/16;
 *  - a writer thread records and counts while a reader thread (on the same
 *    mapping, so TSan sees both sides) sees count, counters and max never go
 *    backwards.
 *
 * usage: hist [seconds=0.3]   (duration of the concurrent part)
 */
#include "cstress.h"

static void check_value(uint64_t v)
{
    uint32_t b = tw_hist_bucket(v);
    if (b >= TW_HIST_BUCKETS)
        FAIL("bucket(%" PRIu64 ") = %u >= %d", v, b, TW_HIST_BUCKETS);
    uint64_t lo = tw_hist_bucket_low(b), hi = tw_hist_bucket_low(b + 1);
    if (!(lo <= v && v < hi))
        FAIL("v=%" PRIu64 ": bucket %u covers [%" PRIu64 ", %" PRIu64 ")", v, b, lo, hi);
    /* relative error of reporting lo for v: (v - lo) / v <= 1/16 */
    if (v && (v - lo) > v / 16)
        FAIL("v=%" PRIu64 ": low edge %" PRIu64 " is more than 1/16 below", v, lo);
    /* the bucket is no wider than 1/16 of its low edge */
    if (lo >= 16 && (hi - lo) * 16 > lo)
        FAIL("bucket %u [%" PRIu64 ", %" PRIu64 ") wider than 1/16", b, lo, hi);
}

static void buckets(void)
{
    for (uint64_t v = 0; v < 16; v++) {
        CHECK(tw_hist_bucket(v) == v && tw_hist_bucket_low((uint32_t)v) == v, "value %" PRIu64 " has bucket %u",
              v, tw_hist_bucket(v));
    }
    uint32_t prev = 0;
    for (uint64_t v = 0; v < (1u << 20); v++) {
        check_value(v);
        uint32_t b = tw_hist_bucket(v);
        CHECK(b == prev || b == prev + 1, "bucket jumps from %u to %u at %" PRIu64, prev, b, v);
        prev = b;
    }
    for (uint32_t e = 4; e <= 41; e++) {
        uint64_t p = 1ull << e;
        check_value(p - 1);
        if (e <= 40) {
            check_value(p);
            check_value(p + 1);
            CHECK(tw_hist_bucket(p) == (e - 3) * 16, "2^%u in bucket %u", e, tw_hist_bucket(p));
            CHECK(tw_hist_bucket(p - 1) + 1 == tw_hist_bucket(p), "2^%u - 1 not in the bucket before", e);
        }
    }
    CHECK(tw_hist_bucket(1ull << 40) == 592, "2^40 bucket %u", tw_hist_bucket(1ull << 40));
    CHECK(tw_hist_bucket((1ull << 41) - 1) == TW_HIST_BUCKETS - 1, "2^41-1 bucket %u",
          tw_hist_bucket((1ull << 41) - 1));
    CHECK(tw_hist_bucket_low(TW_HIST_BUCKETS) == (1ull << 41), "end of the last bucket %" PRIu64,
          tw_hist_bucket_low(TW_HIST_BUCKETS));
    for (uint32_t b = 0; b < TW_HIST_BUCKETS; b++) {
        CHECK(tw_hist_bucket(tw_hist_bucket_low(b)) == b, "bucket(low(%u)) = %u", b,
              tw_hist_bucket(tw_hist_bucket_low(b)));
        CHECK(tw_hist_bucket_low(b) < tw_hist_bucket_low(b + 1), "low not increasing at %u", b);
        CHECK(tw_hist_bucket(tw_hist_bucket_low(b + 1) - 1) == b, "last value of bucket %u", b);
    }
    uint64_t x = 42;
    for (int i = 0; i < 1000000; i++) {
        x = cs_mix(x);
        uint32_t shift = (uint32_t)(x >> 58) % 41;           /* 0..40: every magnitude below 2^41 */
        uint64_t v = cs_mix(x + 1) >> (23 + shift);           /* < 2^(41 - shift) */
        check_value(v);
    }
    printf("buckets: 0..15 exact; all v < 2^20, powers of two +-1 to 2^41, 1e6 random values: "
           "low(b) <= v < low(b+1), error <= 1/16\n");
}

static void record(tw_histogram_t *h)
{
    CHECK(h->count == 0 && h->min == 0 && h->max == 0, "fresh histogram not zero");
    const uint64_t vals[] = {100, 7, 1000000, 5, (1ull << 41) - 1, 1ull << 41, UINT64_MAX / 4, 0, 16, 100};
    uint64_t n = sizeof(vals) / sizeof(vals[0]), sum = 0, overflow = 0;
    uint64_t expect_bucket[TW_HIST_BUCKETS] = {0};
    for (uint64_t i = 0; i < n; i++) {
        tw_hist_record(h, vals[i]);
        sum += vals[i];
        if (vals[i] >= (1ull << 41))
            overflow++;
        else
            expect_bucket[tw_hist_bucket(vals[i])]++;
        if (i == 0)
            CHECK(h->min == 100 && h->max == 100, "after the first value min %" PRIu64 " max %" PRIu64, h->min,
                  h->max);
    }
    CHECK(h->count == n, "count %" PRIu64 ", want %" PRIu64, h->count, n);
    CHECK(h->sum == sum, "sum %" PRIu64 ", want %" PRIu64, h->sum, sum);
    CHECK(h->min == 0 && h->max == UINT64_MAX / 4, "min %" PRIu64 " max %" PRIu64, h->min, h->max);
    CHECK(h->overflow == overflow && overflow == 2, "overflow %" PRIu64 ", want %" PRIu64, h->overflow, overflow);
    uint64_t in_buckets = 0;
    for (uint32_t b = 0; b < TW_HIST_BUCKETS; b++) {
        CHECK(h->buckets[b] == expect_bucket[b], "bucket %u holds %" PRIu64 ", want %" PRIu64, b, h->buckets[b],
              expect_bucket[b]);
        in_buckets += h->buckets[b];
    }
    CHECK(in_buckets + h->overflow == h->count, "buckets %" PRIu64 " + overflow != count", in_buckets);
    CHECK(h->buckets[100] == 0 && h->buckets[tw_hist_bucket(100)] == 2, "value 100 counted twice in its bucket");
    CHECK(h->buckets[TW_HIST_BUCKETS - 1] == 1, "2^41-1 not in the last bucket");
    printf("record: count %" PRIu64 ", sum, min (first value 100, later 0), max, overflow %" PRIu64
           " (>= 2^41) ok\n",
           h->count, h->overflow);
}

static void quantiles(tw_histogram_t *h)
{
    for (uint64_t v = 1; v <= 10000; v++)
        tw_hist_record(h, v);
    const double qs[] = {0.01, 0.5, 0.9, 0.99, 1.0};
    for (unsigned i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        uint64_t exact = (uint64_t)(qs[i] * 10000.0);
        uint64_t got = tw_hist_quantile(h, qs[i]);
        CHECK(got <= exact && (exact - got) * 16 <= exact, "quantile %.2f = %" PRIu64 ", exact %" PRIu64, qs[i], got,
              exact);
    }
    tw_histogram_t empty;
    memset(&empty, 0, sizeof(empty));
    CHECK(tw_hist_quantile(&empty, 0.5) == 0, "quantile of an empty histogram");
    printf("quantiles of 1..10000 within 1/16 below the exact value\n");
}

/* ------------------------------------------------------------ concurrent -- */

static int stop_flag;
static void *wseg;

static void *writer_main(void *arg)
{
    (void)arg;
    uint64_t *ctr = tw_stats_counters_mut(wseg);
    tw_histogram_t *h = tw_stats_histogram_mut(wseg, TW_HIST_CMD_QUEUE);
    tw_instrument_stats_t *is = tw_stats_instrument_mut(wseg, 1);
    uint64_t x = 7, i = 0;
    while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) {
        x = cs_mix(x);
        tw_hist_record(h, (x >> 40) + i); /* max grows over time */
        tw_counter_add(&ctr[TW_CTR_MD_EVENTS], 1);
        tw_counter_add(&ctr[TW_CTR_BOOK_WRITES], 3);
        tw_counter_add(&is->messages, 1);
        tw_counter_set(&is->last_update_id, ++i);
    }
    return NULL;
}

static void concurrent(double seconds)
{
    tw_shm_t w, ro;
    cs_make_stats("conc", 3, &w);
    wseg = w.base;
    CHECK_RC(tw_shm_attach("conc", TW_SEG_STATS, 0, &ro), 0);
    CHECK(tw_stats_of(ro.base)->instrument_count == 3, "read-only attach");
    /* The reader uses the writer's mapping: TSan tracks virtual addresses, so only then
     * does it see both sides of every shared word. */
    const tw_stats_header_t *sh = tw_stats_of(w.base);
    CHECK(sh->counter_count == TW_CTR_COUNT && sh->histogram_count == TW_HIST_COUNT &&
              sh->histogram_buckets == TW_HIST_BUCKETS && sh->instrument_count == 3,
          "stats geometry");
    const uint64_t *ctr = tw_stats_counters(w.base);
    const tw_histogram_t *h = tw_stats_histogram(w.base, TW_HIST_CMD_QUEUE);
    const tw_instrument_stats_t *is = tw_stats_instrument(w.base, 1);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, writer_main, NULL) == 0, "pthread_create");
    int64_t end = cs_now_ns() + (int64_t)(seconds * 1e9);
    uint64_t last_ev = 0, last_count = 0, last_max = 0, last_uid = 0, reads = 0;
    while (cs_now_ns() < end) {
        /* book writes before events: the writer bumps events first, so bw <= 3 * ev */
        uint64_t uid = tw_load_u64(&is->last_update_id);
        uint64_t bw = tw_load_u64(&ctr[TW_CTR_BOOK_WRITES]);
        uint64_t ev = tw_load_u64(&ctr[TW_CTR_MD_EVENTS]);
        uint64_t cnt = tw_load_u64(&h->count), mx = tw_load_u64(&h->max);
        CHECK(ev >= last_ev && cnt >= last_count && mx >= last_max && uid >= last_uid,
              "a single-writer value went backwards: events %" PRIu64 "->%" PRIu64 " count %" PRIu64 "->%" PRIu64
              " max %" PRIu64 "->%" PRIu64,
              last_ev, ev, last_count, cnt, last_max, mx);
        CHECK(bw % 3 == 0 && bw <= 3 * ev, "book writes %" PRIu64 " vs events %" PRIu64, bw, ev);
        last_ev = ev;
        last_count = cnt;
        last_max = mx;
        last_uid = uid;
        reads++;
    }
    __atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
    pthread_join(t, NULL);
    uint64_t total = 0;
    for (uint32_t b = 0; b < TW_HIST_BUCKETS; b++)
        total += tw_load_u64(&h->buckets[b]);
    uint64_t ev = tw_load_u64(&ctr[TW_CTR_MD_EVENTS]);
    CHECK(total + h->overflow == h->count && h->count == ev && is->messages == ev && is->last_update_id == ev &&
              ctr[TW_CTR_BOOK_WRITES] == 3 * ev,
          "after the writer stopped: buckets %" PRIu64 " count %" PRIu64 " events %" PRIu64, total, h->count, ev);
    CHECK(ev > 0 && reads > 0, "nothing happened");
    printf("concurrent: %" PRIu64 " records, %" PRIu64 " reader passes, nothing went backwards, totals agree\n", ev,
           reads);
    tw_shm_detach(&ro);
    tw_shm_detach(&w);
}

int main(int argc, char **argv)
{
    double seconds = cs_arg_double(argc, argv, 1, 0.3);
    setvbuf(stdout, NULL, _IOLBF, 0);
    cs_setup_dir("hist");
    buckets();
    tw_shm_t s;
    cs_make_stats("hist", 2, &s);
    CHECK(tw_stats_of(s.base)->histogram_count == TW_HIST_COUNT, "histogram count");
    record(tw_stats_histogram_mut(s.base, TW_HIST_MD_PUBLISH));
    quantiles(tw_stats_histogram_mut(s.base, TW_HIST_BOOK_WRITE));
    uint64_t *ctr = tw_stats_counters_mut(s.base);
    tw_counter_add(&ctr[TW_CTR_TRADES], 5);
    tw_counter_add(&ctr[TW_CTR_TRADES], 6);
    CHECK(ctr[TW_CTR_TRADES] == 11, "counter %" PRIu64, ctr[TW_CTR_TRADES]);
    tw_counter_set(&ctr[TW_CTR_TRADES], 2);
    CHECK(tw_load_u64(&ctr[TW_CTR_TRADES]) == 2, "counter_set");
    tw_shm_detach(&s);
    concurrent(seconds);
    printf("hist: buckets consistent with 1/16 error, record/overflow/quantile ok, concurrent stats monotonic\n");
    return 0;
}

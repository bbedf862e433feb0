/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the feed book and the Binance sync rules (tickwire/feedbook.h),
 * with small hand-made id sequences for each rule of VENUES.md: buffering
 * before the snapshot, stale drops, the first-event condition, continuity,
 * gaps, a snapshot older than the stream, buffer overflow, and the
 * bookTicker check arriving before or after its diff.
 *
 * And a property test at the book's real capacity (5000 levels a side)
 * against a plain sorted-array reference: random sets, removals, snapshots
 * and diffs around a drifting mid with a long tail of far levels, so the
 * ladder window is moved many times, far levels sit below it (and above
 * it within a diff), blocks split, and full sides drop their worst levels. After
 * every step the counts, the best levels and the whole book agree.
 */
#include <errno.h>
#include <stdlib.h>

#include "cfeed.h"
#include "tickwire/feedbook.h"

static void test_book(void)
{
    tw_feedbook_t b;
    tw_level_t top[8];
    CHECK_EQ(tw_feedbook_init(&b, 4), 0);
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_BID, 100, 5), 1);
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_BID, 102, 1), 1);
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_BID, 101, 2), 1);
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_BID, 101, 2), 0);   /* same quantity: no change */
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_BID, 99, 0), 0);    /* removing an unknown level is normal */
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_BID, 99, -1), -EINVAL);
    CHECK_EQ(tw_feedbook_top(&b, TW_FB_BID, top, 8), 3);
    CHECK(top[0].price == 102 && top[1].price == 101 && top[2].price == 100 && top[2].quantity == 5);
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_ASK, 105, 1), 1);
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_ASK, 103, 1), 1);
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_ASK, 104, 3), 1);
    CHECK_EQ(tw_feedbook_top(&b, TW_FB_ASK, top, 2), 2);
    CHECK(top[0].price == 103 && top[1].price == 104);
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_ASK, 103, 0), 1);
    CHECK(tw_feedbook_best(&b, TW_FB_ASK).price == 104 && tw_feedbook_best(&b, TW_FB_BID).price == 102);
    /* A full side keeps its best levels: a worse one is dropped, a better one evicts the worst. */
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_BID, 98, 1), 1);
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_BID, 97, 1), 0);
    CHECK_EQ(tw_feedbook_set(&b, TW_FB_BID, 103, 1), 1);
    CHECK_EQ(tw_feedbook_top(&b, TW_FB_BID, top, 8), 4);
    CHECK(top[0].price == 103 && top[3].price == 100 && b.truncated == 2);
    /* Snapshots: sorted ones load linearly, unsorted ones still end up sorted. */
    tw_level_t bids[] = {{10, 1}, {12, 2}, {11, 0}, {9, 4}}, asks[] = {{13, 1}, {14, 2}};
    CHECK_EQ(tw_feedbook_load(&b, bids, 4, asks, 2), 5);
    CHECK_EQ(tw_feedbook_top(&b, TW_FB_BID, top, 8), 3);
    CHECK(top[0].price == 12 && top[1].price == 10 && top[2].price == 9);
    CHECK(tw_feedbook_best(&b, TW_FB_ASK).price == 13 && tw_feedbook_count(&b, TW_FB_ASK) == 2);
    tw_feedbook_clear(&b);
    CHECK(tw_feedbook_best(&b, TW_FB_BID).quantity == 0);
    tw_feedbook_free(&b);
}

static tw_level_t lv_b[4], lv_a[4];

static tw_bn_depth_t diff(uint64_t U, uint64_t u, int64_t bid, int64_t bid_qty)
{
    lv_b[0] = (tw_level_t){bid, bid_qty};
    return (tw_bn_depth_t){.bids = lv_b, .asks = lv_a, .bid_count = 1, .first_id = U, .last_id = u};
}

static tw_bn_depth_t fdiff(uint64_t U, uint64_t u, uint64_t pu)
{
    tw_bn_depth_t d = diff(U, u, 100 + (int64_t)u, 1);
    d.prev_last_id = pu;
    d.has_prev = 1;
    return d;
}

static tw_bn_snapshot_t snapshot(uint64_t id)
{
    static tw_level_t b[] = {{100, 1}}, a[] = {{200, 1}};
    return (tw_bn_snapshot_t){.bids = b, .asks = a, .bid_count = 1, .ask_count = 1, .last_update_id = id};
}

static void sync_open(tw_sync_t *s, uint32_t rule, uint32_t events)
{
    tw_sync_config_t cfg = {rule, 100, events, 64};
    CHECK_EQ(tw_sync_init(s, &cfg), 0);
}

static void test_spot(void)
{
    tw_sync_t s;
    sync_open(&s, TW_SYNC_SPOT, 8);
    tw_bn_depth_t d;
    d = diff(5, 8, 101, 1); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_BUFFERED);
    d = diff(9, 12, 102, 1); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_BUFFERED);
    d = diff(13, 15, 103, 1); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_BUFFERED);
    tw_bn_snapshot_t snap = snapshot(10); /* drops 5..8; 9 <= 11 <= 12 is the first */
    CHECK_EQ(tw_sync_snapshot(&s, &snap), 2);
    CHECK(s.state == TW_SYNC_LIVE && s.update_id == 15 && s.stale == 1);
    CHECK(tw_feedbook_best(&s.book, TW_FB_BID).price == 103 && tw_feedbook_count(&s.book, TW_FB_BID) == 3);
    d = diff(14, 15, 104, 1); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_STALE);
    d = diff(16, 16, 102, 0); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_APPLIED);
    CHECK_EQ(tw_feedbook_count(&s.book, TW_FB_BID), 2);
    d = diff(18, 20, 105, 1); CHECK_EQ(tw_sync_diff(&s, &d), -EPIPE); /* 17 missing */
    CHECK(s.state == TW_SYNC_BUFFERING && s.gaps == 1 && s.nevents == 1 && tw_feedbook_count(&s.book, TW_FB_BID) == 0);
    d = diff(15, 17, 105, 1);
    snap = snapshot(19);
    CHECK_EQ(tw_sync_snapshot(&s, &snap), 1); /* the buffered gap event 18..20 follows 19 */
    CHECK_EQ(s.update_id, 20);
    /* An overlap after the first event breaks the U == u + 1 chain. */
    d = diff(20, 22, 106, 1); CHECK_EQ(tw_sync_diff(&s, &d), -EPIPE);
    tw_sync_free(&s);
}

static void test_spot_snapshot_too_old_and_overflow(void)
{
    tw_sync_t s;
    sync_open(&s, TW_SYNC_SPOT, 2);
    tw_bn_depth_t d = diff(50, 60, 101, 1);
    CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_BUFFERED);
    tw_bn_snapshot_t snap = snapshot(40); /* 50 > 41: the snapshot predates the buffer */
    CHECK_EQ(tw_sync_snapshot(&s, &snap), -EAGAIN);
    CHECK(s.state == TW_SYNC_BUFFERING && s.nevents == 1);
    d = diff(61, 61, 102, 1); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_BUFFERED);
    d = diff(62, 62, 103, 1); CHECK_EQ(tw_sync_diff(&s, &d), -ENOBUFS);
    CHECK(s.overflows == 1 && s.nevents == 1);
    snap = snapshot(61);
    CHECK_EQ(tw_sync_snapshot(&s, &snap), 1);
    CHECK(s.update_id == 62 && s.state == TW_SYNC_LIVE);
    tw_sync_reset(&s);
    CHECK(s.state == TW_SYNC_BUFFERING && s.update_id == 0);
    tw_sync_free(&s);
}

static void test_futures(void)
{
    tw_sync_t s;
    sync_open(&s, TW_SYNC_FUTURES, 8);
    tw_bn_depth_t d;
    d = fdiff(1, 5, 0); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_BUFFERED);
    d = fdiff(6, 10, 5); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_BUFFERED);
    d = fdiff(11, 14, 10); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_BUFFERED);
    tw_bn_snapshot_t snap = snapshot(10); /* u < 10 dropped; 6 <= 10 <= 10 is the first */
    CHECK_EQ(tw_sync_snapshot(&s, &snap), 2);
    CHECK_EQ(s.update_id, 14);
    d = fdiff(15, 18, 14); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_APPLIED);
    d = fdiff(19, 20, 17); CHECK_EQ(tw_sync_diff(&s, &d), -EPIPE); /* pu != previous u */
    snap = snapshot(25); /* the only buffered event ends before it */
    CHECK_EQ(tw_sync_snapshot(&s, &snap), 0);
    d = fdiff(26, 30, 24); CHECK_EQ(tw_sync_diff(&s, &d), -EPIPE); /* first must have U <= 25 */
    snap = snapshot(27);
    CHECK_EQ(tw_sync_snapshot(&s, &snap), 1);
    d = fdiff(31, 31, 30); CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_APPLIED);
    CHECK(s.gaps == 2 && s.update_id == 31);
    tw_sync_free(&s);
}

static void test_bookticker(void)
{
    tw_sync_t s;
    sync_open(&s, TW_SYNC_SPOT, 8);
    tw_bn_snapshot_t snap = snapshot(10);
    CHECK_EQ(tw_sync_snapshot(&s, &snap), 0);
    tw_bn_bookticker_t t = {.update_id = 10, .bid_px = 100, .bid_qty = 1, .ask_px = 200, .ask_qty = 1};
    CHECK_EQ(tw_sync_bookticker(&s, &t), TW_BBO_MATCH);
    t.ask_qty = 2;
    CHECK_EQ(tw_sync_bookticker(&s, &t), TW_BBO_MISMATCH);
    /* Arrives before its diff: checked when the diff is applied. */
    t = (tw_bn_bookticker_t){.update_id = 12, .bid_px = 150, .bid_qty = 3, .ask_px = 200, .ask_qty = 1};
    CHECK_EQ(tw_sync_bookticker(&s, &t), TW_BBO_DEFERRED);
    t.update_id = 11; /* inside the batch: never the end of a diff, dropped unchecked */
    CHECK_EQ(tw_sync_bookticker(&s, &t), TW_BBO_DEFERRED);
    tw_bn_depth_t d = diff(11, 12, 150, 3);
    CHECK_EQ(tw_sync_diff(&s, &d), TW_SYNC_APPLIED);
    CHECK(s.bbo_checks == 3 && s.bbo_mismatches == 1 && s.nticker == 0);
    t.update_id = 5;
    CHECK_EQ(tw_sync_bookticker(&s, &t), TW_BBO_DEFERRED);
    CHECK_EQ(s.bbo_checks, 3);
    tw_sync_free(&s);
}

/* ------------------------------------------------- property test -- */

/* The reference: a side as a plain array of keys (price * sign) ascending, best last. */
typedef struct ref_side {
    tw_level_t *lv;            /* price holds the key */
    uint32_t n, cap;
    int64_t sign;
} ref_side_t;

static uint32_t ref_find(const ref_side_t *r, int64_t key)
{
    uint32_t lo = 0, hi = r->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (r->lv[mid].price < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The book's documented rules: 1 changed, 0 not; a full side drops its worst or the newcomer. */
static int ref_set(ref_side_t *r, uint64_t *truncated, int64_t price, int64_t qty)
{
    int64_t key = price * r->sign;
    uint32_t i = ref_find(r, key);
    if (i < r->n && r->lv[i].price == key) {
        if (qty == 0) {
            memmove(&r->lv[i], &r->lv[i + 1], (r->n - i - 1) * sizeof(tw_level_t));
            r->n--;
            return 1;
        }
        int changed = r->lv[i].quantity != qty;
        r->lv[i].quantity = qty;
        return changed;
    }
    if (qty == 0)
        return 0;
    if (r->n == r->cap) {
        (*truncated)++;
        if (key < r->lv[0].price)
            return 0;
        memmove(&r->lv[0], &r->lv[1], (r->n - 1) * sizeof(tw_level_t));
        r->n--;
        i--;
    }
    memmove(&r->lv[i + 1], &r->lv[i], (r->n - i) * sizeof(tw_level_t));
    r->lv[i] = (tw_level_t){key, qty};
    r->n++;
    return 1;
}

static uint64_t prop_rng = 0x2545F4914F6CDD1DULL;

static uint64_t rnd(void)
{
    prop_rng ^= prop_rng << 13;
    prop_rng ^= prop_rng >> 7;
    prop_rng ^= prop_rng << 17;
    return prop_rng;
}

/*
 * A price for a side around mid. Mode 0: mostly near the touch, some deep, a
 * few far outside any window. Mode 1: all within a few thousand ticks (the
 * ladder alone fills up and drops its own worst) but for rare far-better
 * outliers (far levels above the window). Mode 2: spread over millions of
 * ticks (mostly far levels: blocks split, empty and re-pack).
 */
static int64_t draw_price(int side, int64_t mid, int mode)
{
    uint64_t u = rnd() % 100;
    int64_t off;
    if (mode == 1)
        off = u < 2 ? -(int64_t)(100000 + rnd() % 100000) : (int64_t)(rnd() % 6000);
    else if (mode == 2)
        off = (int64_t)(rnd() % 4000000);
    else if (u < 60)
        off = (int64_t)(rnd() % 400);
    else if (u < 90)
        off = (int64_t)(rnd() % 30000);
    else if (u < 97)
        off = (int64_t)(rnd() % 400000);
    else
        off = (int64_t)(rnd() % 4000000);
    if (mode != 1 && rnd() % 16 == 0)
        off = -(int64_t)(rnd() % 300); /* through the touch: a new best, or a crossing one */
    int64_t p = side == TW_FB_BID ? mid - 1 - off : mid + 1 + off;
    return p > 0 ? p : 1;
}

/* The whole book against the reference: counts, best, every level best first. */
static int prop_same(const tw_feedbook_t *b, ref_side_t ref[2], tw_level_t *buf)
{
    int ok = 1;
    for (int side = 0; side < 2 && ok; side++) {
        const ref_side_t *r = &ref[side];
        uint32_t n = tw_feedbook_top(b, side, buf, r->cap + 1);
        ok = n == r->n && tw_feedbook_count(b, side) == r->n;
        tw_level_t best = tw_feedbook_best(b, side);
        if (ok && r->n)
            ok = best.price == r->lv[r->n - 1].price * r->sign && best.quantity == r->lv[r->n - 1].quantity;
        else if (ok)
            ok = best.price == 0 && best.quantity == 0;
        for (uint32_t i = 0; ok && i < n; i++)
            ok = buf[i].price == r->lv[r->n - 1 - i].price * r->sign && buf[i].quantity == r->lv[r->n - 1 - i].quantity;
        /* the few dozen a block shows take another path (a word of the bitmap at a time): the same prefix */
        static const uint32_t prefixes[] = {1, 2, 5, 20, 63, 64};
        for (size_t p = 0; ok && p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
            tw_level_t top[64];
            uint32_t want = prefixes[p] < r->n ? prefixes[p] : r->n, got = tw_feedbook_top(b, side, top, prefixes[p]);
            ok = got == want && memcmp(top, buf, got * sizeof(top[0])) == 0;
        }
        if (!ok)
            fprintf(stderr, "side %d: book has %u levels (count %u), reference %u\n", side, n,
                    tw_feedbook_count(b, side), r->n);
    }
    return ok;
}

static void test_book_property(void)
{
    enum { CAP = 5000, STEPS = 12000 };
    tw_feedbook_t b;
    ref_side_t ref[2] = {{calloc(CAP, sizeof(tw_level_t)), 0, CAP, 1}, {calloc(CAP, sizeof(tw_level_t)), 0, CAP, -1}};
    tw_level_t *buf = calloc(CAP + 1, sizeof(tw_level_t)), *bids = calloc(CAP + 200, sizeof(tw_level_t)),
               *asks = calloc(CAP + 200, sizeof(tw_level_t));
    uint64_t ref_truncated = 0;
    CHECK_EQ(tw_feedbook_init(&b, CAP), 0);
    int64_t mid = 6183763; /* BTCUSDT in cents */
    int agree = 1;
    uint32_t most[2] = {0, 0};
    for (uint32_t step = 0; step < STEPS && agree; step++) {
        mid += (int64_t)(rnd() % 2001) - 1000; /* drifts: the window must follow */
        if (mid < 5000000)
            mid = 5000000;
        uint32_t what = (uint32_t)(rnd() % 100);
        int mode = (int)(step / (STEPS / 3)); /* three phases, see draw_price */
        if (what < 2) { /* a snapshot: best first, sorted, as the venue sends it */
            uint32_t n = (uint32_t)(rnd() % (CAP + 200));
            for (int side = 0; side < 2; side++) {
                tw_level_t *lv = side == TW_FB_BID ? bids : asks;
                int64_t p = side == TW_FB_BID ? mid - 1 : mid + 1;
                for (uint32_t i = 0; i < n; i++) {
                    lv[i] = (tw_level_t){p, (int64_t)(rnd() % 1000000) + 1};
                    p += side == TW_FB_BID ? -(int64_t)(1 + rnd() % 50) : (int64_t)(1 + rnd() % 50);
                }
                ref[side].n = 0;
                for (uint32_t i = 0; i < n; i++)
                    ref_set(&ref[side], &ref_truncated, lv[i].price, lv[i].quantity);
            }
            ref_truncated = b.truncated + 2u * (n > CAP ? n - CAP : 0); /* the load counts what it cut */
            CHECK_EQ(tw_feedbook_load(&b, bids, n, asks, n), 2 * (int)(n < CAP ? n : CAP));
        } else if (what < 60) { /* a diff: up to 600 levels, a third of them removals */
            uint32_t nb = (uint32_t)(rnd() % (rnd() % 8 == 0 ? 600 : 40)), na = (uint32_t)(rnd() % 40);
            int expect = 0;
            for (uint32_t i = 0; i < nb; i++) {
                bids[i] = (tw_level_t){draw_price(TW_FB_BID, mid, mode), rnd() % 3 == 0 ? 0 : (int64_t)(rnd() % 1000) + 1};
                if (rnd() % 3 == 0 && ref[0].n) /* remove or change a level that is there */
                    bids[i].price = ref[0].lv[rnd() % ref[0].n].price;
                expect += ref_set(&ref[0], &ref_truncated, bids[i].price, bids[i].quantity);
            }
            for (uint32_t i = 0; i < na; i++) {
                asks[i] = (tw_level_t){draw_price(TW_FB_ASK, mid, mode), rnd() % 3 == 0 ? 0 : (int64_t)(rnd() % 1000) + 1};
                if (rnd() % 3 == 0 && ref[1].n)
                    asks[i].price = -ref[1].lv[rnd() % ref[1].n].price;
                expect += ref_set(&ref[1], &ref_truncated, asks[i].price, asks[i].quantity);
            }
            int got = tw_feedbook_apply(&b, bids, nb, asks, na);
            if (got != expect) {
                fprintf(stderr, "step %u: apply changed %d levels, the reference %d\n", step, got, expect);
                agree = 0;
            }
        } else { /* one level at a time, the same way */
            int side = (int)(rnd() % 2);
            int64_t p = draw_price(side, mid, mode), q = rnd() % 4 == 0 ? 0 : (int64_t)(rnd() % 1000) + 1;
            int expect = ref_set(&ref[side], &ref_truncated, p, q);
            if (tw_feedbook_set(&b, side, p, q) != expect)
                agree = 0;
        }
        agree = agree && prop_same(&b, ref, buf) && b.truncated == ref_truncated;
        for (int side = 0; side < 2; side++)
            most[side] = ref[side].n > most[side] ? ref[side].n : most[side];
        if (!agree)
            fprintf(stderr, "step %u (op %u): the book and the reference differ (truncated %llu vs %llu)\n", step,
                    what, (unsigned long long)b.truncated, (unsigned long long)ref_truncated);
    }
    CHECK(agree);
    CHECK(most[0] == CAP && most[1] == CAP); /* both sides were full at some point */
    CHECK(b.recenters > 20);                 /* the window followed the drift */
    CHECK(b.truncated > 0);
    printf("  property: %u steps at capacity %u: %llu window moves, %llu re-packs, %llu truncated\n", (unsigned)STEPS,
           (unsigned)CAP, (unsigned long long)b.recenters, (unsigned long long)b.repacks,
           (unsigned long long)b.truncated);
    tw_feedbook_free(&b);
    free(ref[0].lv);
    free(ref[1].lv);
    free(buf);
    free(bids);
    free(asks);
}

/*
 * A dense touch: every tick of a few hundred held, diffs that insert,
 * change and remove levels right at the best (so the best goes and the
 * next one is the tick below), checked after each diff against a table
 * indexed by tick: the best, the top 20 and the change count.
 */
static void test_dense_touch(void)
{
    enum { TICKS = 512, DIFFS = 4000 };
    const int64_t base = 6000000;
    static int64_t want[2][TICKS];
    tw_level_t lv[2][64], top[20];
    tw_feedbook_t b;
    CHECK_EQ(tw_feedbook_init(&b, 5000), 0);
    memset(want, 0, sizeof(want));
    int agree = 1;
    for (uint32_t d = 0; d < DIFFS && agree; d++) {
        uint32_t n[2];
        int expect = 0;
        for (int side = 0; side < 2; side++) {
            /* the current best tick of the side, or the middle when empty */
            int best = -1;
            for (int t = 0; t < TICKS; t++)
                if (want[side][t] && (best < 0 || (side == TW_FB_BID ? t > best : t < best)))
                    best = t;
            n[side] = (uint32_t)(rnd() % 64);
            for (uint32_t i = 0; i < n[side]; i++) {
                int t = best < 0 ? TICKS / 2 : best + (int)(rnd() % 9) - 4;
                if (rnd() % 4 == 0)
                    t = (int)(rnd() % TICKS);
                t = t < 0 ? 0 : t >= TICKS ? TICKS - 1 : t;
                int64_t q = rnd() % 2 ? 0 : (int64_t)(rnd() % 5) + 1;
                lv[side][i] = (tw_level_t){base + t, q};
                expect += (want[side][t] != 0) != (q != 0) || (q && want[side][t] != q);
                want[side][t] = q;
            }
        }
        int got = tw_feedbook_apply(&b, lv[0], n[0], lv[1], n[1]);
        agree = got == expect;
        for (int side = 0; side < 2 && agree; side++) {
            uint32_t k = 0;
            tw_level_t ref[20];
            for (int i = 0; i < TICKS && k < 20; i++) {
                int t = side == TW_FB_BID ? TICKS - 1 - i : i;
                if (want[side][t])
                    ref[k++] = (tw_level_t){base + t, want[side][t]};
            }
            uint32_t m = tw_feedbook_top(&b, side, top, 20);
            tw_level_t best = tw_feedbook_best(&b, side);
            agree = m == k && memcmp(top, ref, k * sizeof(ref[0])) == 0 &&
                    (k ? best.price == ref[0].price && best.quantity == ref[0].quantity : best.price == 0);
        }
        if (!agree)
            fprintf(stderr, "dense touch: diff %u differs from the table\n", d);
    }
    CHECK(agree);
    tw_feedbook_free(&b);
}

int main(void)
{
    test_book();
    test_book_property();
    test_dense_touch();
    test_spot();
    test_spot_snapshot_too_old_and_overflow();
    test_futures();
    test_bookticker();
    return cfeed_summary("unit_feedbook");
}

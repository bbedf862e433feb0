/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the feed book and the Binance sync rules (tickwire/feedbook.h),
 * with small hand-made id sequences for each rule of VENUES.md: buffering
 * before the snapshot, stale drops, the first-event condition, continuity,
 * gaps, a snapshot older than the stream, buffer overflow, and the
 * bookTicker check arriving before or after its diff.
 */
#include <errno.h>

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

int main(void)
{
    test_book();
    test_spot();
    test_spot_snapshot_too_old_and_overflow();
    test_futures();
    test_bookticker();
    return cfeed_summary("unit_feedbook");
}

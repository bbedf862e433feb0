/* SPDX-License-Identifier: MIT */
/*
 * In-memory throughput of the feed's per-message path, one core:
 *   WebSocket unframe + assemble → envelope → decode → sync/feedbook apply
 *   → tw_book_write of the top 20 into a real books segment
 *   → tw_ring_publish of an md event into a real md ring.
 * Input: every line of the hftbacktest BTCUSDT file, framed as the server
 * would send it (unmasked text frames, back to back in one buffer), so the
 * mix is the recorded one: depth diffs, trades, bookTickers, one snapshot.
 *
 * Prints messages/s and ns/message (throughput passes, no clock reads inside),
 * p50/p99/p99.9 per message from separate timed passes (log-linear buckets,
 * includes ~20 ns of clock read), and the floor: memcpy of the same bytes.
 *
 *   bench_inmem <hft lines.txt> [reps] [min_msgs_per_s]
 * Segments go to $TICKWIRE_SHM_DIR (the runner points it at a temp dir).
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdint.h>

#include "cfeed.h"
#include "tickwire/binance.h"
#include "tickwire/core.h"
#include "tickwire/feedbook.h"
#include "tickwire/shm.h"
#include "tickwire/writer.h"
#include "tickwire/ws.h"

enum { DEPTH = 20, SNAP_LEVELS = 5000, DIFF_LEVELS = 1000 };

typedef struct feed {
    tw_sync_t sync;
    tw_bn_scale_t scale;
    tw_ws_assembler_t asm_;
    tw_ring_writer_t ring;
    tw_book_header_t *block;
    uint64_t malformed, published;
    tw_level_t bids[SNAP_LEVELS], asks[SNAP_LEVELS], top_b[DEPTH], top_a[DEPTH];
    uint8_t frag[1 << 20];
} feed_t;

static feed_t feed;

static void publish_book(feed_t *f, const tw_bn_depth_t *d, int changed)
{
    uint32_t nb = tw_feedbook_top(&f->sync.book, TW_FB_BID, f->top_b, DEPTH);
    uint32_t na = tw_feedbook_top(&f->sync.book, TW_FB_ASK, f->top_a, DEPTH);
    tw_book_header_t h = {.update_id = f->sync.update_id, .exchange_ns = (int64_t)d->event_ms * 1000000,
                          .first_update_id = d->first_id};
    tw_book_write(f->block, DEPTH, &h, f->top_b, nb, f->top_a, na);
    tw_md_book_t ev = {.update_id = d->last_id, .first_update_id = d->first_id, .exchange_ns = h.exchange_ns,
                       .bid_px = nb ? f->top_b[0].price : 0, .bid_qty = nb ? f->top_b[0].quantity : 0,
                       .ask_px = na ? f->top_a[0].price : 0, .ask_qty = na ? f->top_a[0].quantity : 0,
                       .levels_changed = (uint32_t)changed};
    f->published += tw_ring_publish(&f->ring, TW_MD_BOOK, 0, &ev, sizeof(ev)) != 0;
}

static void on_depth(feed_t *f, const char *s, size_t n)
{
    tw_bn_depth_t d = {.bids = f->bids, .asks = f->asks, .bids_cap = DIFF_LEVELS, .asks_cap = DIFF_LEVELS};
    if (tw_bn_depth_decode(s, n, &f->scale, &d) < 0) {
        f->malformed++;
        return;
    }
    uint64_t before = f->sync.applied;
    tw_sync_diff(&f->sync, &d);
    if (f->sync.applied != before)
        publish_book(f, &d, (int)(d.bid_count + d.ask_count));
}

static void on_other(feed_t *f, tw_bn_kind_t kind, const char *s, size_t n)
{
    if (kind == TW_BN_BOOKTICKER) {
        tw_bn_bookticker_t t;
        if (tw_bn_bookticker_decode(s, n, &f->scale, &t) < 0)
            return (void)f->malformed++;
        tw_sync_bookticker(&f->sync, &t);
        tw_md_book_t ev = {.update_id = t.update_id, .bid_px = t.bid_px, .bid_qty = t.bid_qty,
                           .ask_px = t.ask_px, .ask_qty = t.ask_qty};
        f->published += tw_ring_publish(&f->ring, TW_MD_BBO, 0, &ev, sizeof(ev)) != 0;
    } else if (kind == TW_BN_TRADE) {
        tw_bn_trade_t t;
        if (tw_bn_trade_decode(s, n, &f->scale, &t) < 0)
            return (void)f->malformed++;
        tw_md_trade_t ev = {.trade_id = t.trade_id, .exchange_ns = (int64_t)t.trade_ms * 1000000,
                            .price = t.price, .quantity = t.quantity,
                            .aggressor = t.buyer_is_maker ? TW_SIDE_SELL : TW_SIDE_BUY};
        f->published += tw_ring_publish(&f->ring, TW_MD_TRADE, 0, &ev, sizeof(ev)) != 0;
    }
}

static void on_message(feed_t *f, const char *s, size_t n)
{
    tw_bn_envelope_t env;
    if (tw_bn_envelope(s, n, &env) < 0)
        return (void)f->malformed++;
    if (env.stream_len == 0) {
        tw_bn_snapshot_t snap = {.bids = f->bids, .asks = f->asks, .bids_cap = SNAP_LEVELS, .asks_cap = SNAP_LEVELS};
        if (tw_bn_snapshot_decode(env.data, env.data_len, &f->scale, &snap) < 0)
            return (void)f->malformed++;
        tw_sync_snapshot(&f->sync, &snap);
        return;
    }
    tw_bn_kind_t kind = tw_bn_stream_kind(env.stream, env.stream_len);
    if (kind == TW_BN_DEPTH)
        on_depth(f, env.data, env.data_len);
    else
        on_other(f, kind, env.data, env.data_len);
}

/* One frame off the wire buffer; returns its size (0 at the end or on error). */
static size_t step(feed_t *f, const uint8_t *wire, size_t left)
{
    tw_ws_frame_t fr;
    tw_ws_message_t m;
    int r = tw_ws_frame_parse(wire, left, 1 << 20, &fr);
    if (r <= 0)
        return 0;
    if (tw_ws_assemble(&f->asm_, &fr, &m) == 1 && m.opcode == TW_WS_TEXT)
        on_message(f, (const char *)m.data, m.len);
    return (size_t)r;
}

/* Runs frames [pos, n) of a wire buffer; with h, times each message. Returns the count. */
static uint64_t run(feed_t *f, const uint8_t *wire, size_t pos, size_t n, tw_histogram_t *h)
{
    uint64_t msgs = 0;
    size_t r;
    while (pos < n) {
        int64_t t0 = h ? tw_mono_ns() : 0;
        if ((r = step(f, wire + pos, n - pos)) == 0)
            break;
        if (h)
            tw_hist_record(h, (uint64_t)(tw_mono_ns() - t0));
        pos += r;
        msgs++;
    }
    return msgs;
}

static uint64_t pass(feed_t *f, const uint8_t *wire, size_t n, tw_histogram_t *h)
{
    tw_sync_reset(&f->sync);
    return run(f, wire, 0, n, h);
}

/*
 * Diffs only, timed after the snapshot: the snapshot's 10,000 levels cost
 * milliseconds and happen once per connection, not per message.
 */
static double depth_ns(feed_t *f, const uint8_t *wire, size_t n, size_t after_snap, int reps, uint64_t *msgs)
{
    int64_t total = 0;
    for (int i = 0; i < reps; i++) {
        tw_sync_reset(&f->sync);
        run(f, wire, 0, after_snap, NULL);
        int64_t t0 = tw_mono_ns();
        *msgs = run(f, wire, after_snap, n, NULL);
        total += tw_mono_ns() - t0;
    }
    return (double)total / ((double)*msgs * reps);
}

/*
 * Frames the JSON lines of the file into one buffer; returns its length.
 * depth_only keeps the diffs and the snapshot (the design's "~30-level
 * Binance diffs" bar). The file is left as it was.
 */
static size_t frame_file(const char *text, size_t len, uint8_t **out, int depth_only, size_t *after_snap)
{
    size_t pos = 0, ll, wn = 0;
    uint8_t *wire = malloc(len + 16 * (len / 64 + 16));
    while (pos < len) {
        const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
        ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + 1;
        const char *sp = memchr(line, ' ', ll);
        if (sp == NULL || (depth_only && memmem(line, ll, "depthUpdate", 11) == NULL &&
                           memmem(line, ll, "lastUpdateId", 12) == NULL))
            continue;
        size_t jl = ll - (size_t)(sp + 1 - line);
        wn += (size_t)tw_ws_frame_encode(wire + wn, SIZE_MAX, TW_WS_TEXT, 1, (uint8_t *)sp + 1, jl, 0, 0);
        if (memmem(line, ll, "lastUpdateId", 12) != NULL)
            *after_snap = wn;
    }
    *out = wire;
    return wn;
}

static int setup(feed_t *f, tw_shm_t *books, tw_shm_t *md)
{
    tw_sync_config_t cfg = {TW_SYNC_SPOT, 5000, 1024, 65536};
    int r;
    f->scale = (tw_bn_scale_t){-2, -8};
    tw_ws_assembler_init(&f->asm_, f->frag, sizeof(f->frag), 0);
    if ((r = tw_sync_init(&f->sync, &cfg)) < 0 ||
        (r = tw_shm_create("cfeedbench", TW_SEG_BOOKS, tw_books_region_size(1, DEPTH), 1, books)) < 0 ||
        (r = tw_books_init(books, 1, DEPTH)) < 0 ||
        (r = tw_shm_create("cfeedbench", TW_SEG_MD, tw_ring_region_size(TW_MD_SLOT_SIZE, 1 << 16), 1, md)) < 0 ||
        (r = tw_ring_init(md, TW_MD_SLOT_SIZE, 1 << 16)) < 0 || (r = tw_ring_writer_init(&f->ring, md->base)) < 0)
        return fprintf(stderr, "setup: %d %s\n", r, tw_error_message()), r;
    f->block = tw_books_block_mut(books->base, 0);
    return 0;
}

int main(int argc, char **argv)
{
    size_t len;
    char *text = argc > 1 ? cfeed_read_file(argv[1], &len) : NULL;
    if (text == NULL)
        return fprintf(stderr, "usage: bench_inmem FILE [reps] [min_msgs_per_s]\n"), 2;
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    double floor_rate = argc > 3 ? atof(argv[3]) : 0;
    uint8_t *wire, *dwire;
    size_t after_snap = 0, wn = frame_file(text, len, &wire, 0, &after_snap);
    size_t dn = frame_file(text, len, &dwire, 1, &after_snap);
    tw_shm_t books, md;
    if (setup(&feed, &books, &md) < 0)
        return 2;
    static tw_histogram_t hist;
    uint64_t msgs = pass(&feed, wire, wn, NULL); /* warm-up */
    for (int i = 0; i < (reps + 3) / 4; i++)
        pass(&feed, wire, wn, &hist);
    int64_t t0 = tw_mono_ns();
    for (int i = 0; i < reps; i++)
        pass(&feed, wire, wn, NULL);
    int64_t dt = tw_mono_ns() - t0;
    uint8_t *copy = malloc(wn);
    int64_t c0 = tw_mono_ns();
    for (int i = 0; i < reps; i++) {
        memcpy(copy, wire, wn);
        __asm__ volatile("" : : "r"(copy) : "memory"); /* keep the copy */
    }
    int64_t cdt = tw_mono_ns() - c0;
    uint64_t dmsgs = 0;
    double dns = depth_ns(&feed, dwire, dn, after_snap, reps, &dmsgs);
    double total = (double)msgs * reps, ns = (double)dt / total, rate = 1e9 / ns;
    printf("frames=%llu bytes=%zu reps=%d checks=%llu mismatches=%llu malformed=%llu published=%llu\n",
           (unsigned long long)msgs, wn, reps, (unsigned long long)feed.sync.bbo_checks,
           (unsigned long long)feed.sync.bbo_mismatches, (unsigned long long)feed.malformed,
           (unsigned long long)feed.published);
    printf("per message: p50=%lluns p99=%lluns p99.9=%lluns max=%lluns (timed passes, clock read included)\n",
           (unsigned long long)tw_hist_quantile(&hist, 0.5), (unsigned long long)tw_hist_quantile(&hist, 0.99),
           (unsigned long long)tw_hist_quantile(&hist, 0.999), (unsigned long long)hist.max);
    printf("floor memcpy of the same bytes: %.1f ns/msg (%.2f GB/s)\n", (double)cdt / total,
           (double)wn * reps / (double)cdt);
    printf("depth diffs only (%llu frames after the snapshot, ~30 levels each): %.0f msgs/s, %.1f ns/msg\n",
           (unsigned long long)dmsgs, 1e9 / dns, dns);
    printf("throughput: %.0f msgs/s, %.1f ns/msg avg (unframe+decode+book+book_write+publish)\n", rate, ns);
    tw_shm_detach(&books);
    tw_shm_detach(&md);
    int ok = feed.malformed == 0 && feed.sync.bbo_mismatches == 0 && rate >= floor_rate;
    return ok ? 0 : 1;
}

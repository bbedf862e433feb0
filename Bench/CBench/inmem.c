/* SPDX-License-Identifier: MIT */
/*
 * The in-memory feed scenario: the feed thread's whole per-message path on
 * one core with the network taken out (DESIGN §7, "unframe + decode + book
 * + publish, frames in memory, one core"):
 *   WebSocket unframe + assemble → envelope → decode → sync/feedbook apply
 *   → tw_book_write of the top TW_BENCH_DEPTH levels into a books segment
 *   → tw_ring_publish of an md event into an md ring.
 * Every line of a recorded Binance file is framed as the server sends it
 * (unmasked text frames, back to back in one buffer) before anything is
 * timed. The floor is memcpy of the same frames' bytes, in the same run.
 *
 * Shared by `bench latency --scenario inmem-*` and Tests/CFeed/bench_inmem.c,
 * so it depends on the feed sources and the shm library only.
 */
#define _GNU_SOURCE
#include "tickwire/cbench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tickwire/binance.h"
#include "tickwire/core.h"
#include "tickwire/feedbook.h"
#include "tickwire/shm.h"
#include "tickwire/writer.h"
#include "tickwire/ws.h"

enum { SNAP_LEVELS = 5000, DIFF_LEVELS = 1000, FRAG = 1 << 20, DEPTH = TW_BENCH_DEPTH };

typedef struct feed {
    tw_sync_t sync;
    tw_bn_scale_t scale;
    tw_ws_assembler_t asm_;
    tw_ring_writer_t ring;
    tw_book_header_t *block;
    uint64_t malformed, published;
    tw_level_t bids[SNAP_LEVELS], asks[SNAP_LEVELS], top_b[DEPTH], top_a[DEPTH];
    uint8_t frag[FRAG];
} feed_t;

/* Everything one run owns; freed by inmem_free. */
typedef struct inmem {
    tw_bench_inmem_t *b;
    feed_t *f;
    uint8_t *wire, *copy;
    uint32_t *frame_at;       /* offset of each frame, plus the end */
    uint64_t frames, wire_len, start; /* start: the first timed frame */
    tw_shm_t books, md;
} inmem_t;

static int fail(tw_bench_inmem_t *b, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->error, sizeof(b->error), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(b->error) && err > 0)
        snprintf(b->error + n, sizeof(b->error) - (size_t)n, ": %s", strerror(err));
    return -(err > 0 ? err : EIO);
}

/* ------------------------------------------------- the measured path -- */

static void publish_book(feed_t *f, const tw_bn_depth_t *d)
{
    uint32_t nb = tw_feedbook_top(&f->sync.book, TW_FB_BID, f->top_b, DEPTH);
    uint32_t na = tw_feedbook_top(&f->sync.book, TW_FB_ASK, f->top_a, DEPTH);
    tw_book_header_t h = {.update_id = f->sync.update_id, .exchange_ns = (int64_t)d->event_ms * 1000000,
                          .first_update_id = d->first_id};
    tw_book_write(f->block, DEPTH, &h, f->top_b, nb, f->top_a, na);
    tw_md_book_t ev = {.update_id = d->last_id, .first_update_id = d->first_id, .exchange_ns = h.exchange_ns,
                       .bid_px = nb ? f->top_b[0].price : 0, .bid_qty = nb ? f->top_b[0].quantity : 0,
                       .ask_px = na ? f->top_a[0].price : 0, .ask_qty = na ? f->top_a[0].quantity : 0,
                       .levels_changed = d->bid_count + d->ask_count};
    f->published += tw_ring_publish(&f->ring, TW_MD_BOOK, 0, &ev, sizeof(ev)) != 0;
}

static void on_depth(feed_t *f, const char *s, size_t n)
{
    tw_bn_depth_t d = {.bids = f->bids, .asks = f->asks, .bids_cap = DIFF_LEVELS, .asks_cap = DIFF_LEVELS};
    if (tw_bn_depth_decode(s, n, &f->scale, &d) < 0) {
        f->malformed++;
        return;
    }
    if (tw_sync_diff(&f->sync, &d) == TW_SYNC_APPLIED)
        publish_book(f, &d);
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
    } /* other streams are not subscribed by the recorder: nothing to do */
}

static void on_message(feed_t *f, const char *s, size_t n)
{
    tw_bn_envelope_t env;
    if (tw_bn_envelope(s, n, &env) < 0)
        return (void)f->malformed++;
    if (env.stream_len == 0) { /* the REST snapshot the recorder stored inline */
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

/* One frame off the wire buffer: its size, or 0 at the end or on an error. */
static inline size_t step(feed_t *f, const uint8_t *wire, size_t left)
{
    tw_ws_frame_t fr;
    tw_ws_message_t m;
    int r = tw_ws_frame_parse(wire, left, FRAG, &fr);
    if (r <= 0)
        return 0;
    if (tw_ws_assemble(&f->asm_, &fr, &m) == 1 && m.opcode == TW_WS_TEXT)
        on_message(f, (const char *)m.data, m.len);
    return (size_t)r;
}

/* Frames [from, to): with out, one clock read pair around each; returns the frames done. */
static uint64_t run(inmem_t *m, uint64_t from, uint64_t to, uint64_t *out)
{
    const uint8_t *wire = m->wire;
    size_t pos = m->frame_at[from], end = m->frame_at[to], r;
    uint64_t i = 0;
    while (pos < end) {
        int64_t t0 = out ? tw_mono_ns() : 0;
        if ((r = step(m->f, wire + pos, end - pos)) == 0)
            break;
        if (out)
            out[i] = (uint64_t)(tw_mono_ns() - t0);
        pos += r;
        i++;
    }
    return i;
}

/* A fresh book, then the untimed prefix (diffs before the snapshot, and the snapshot, for depth_only). */
static void pass_begin(inmem_t *m)
{
    tw_sync_reset(&m->f->sync);
    run(m, 0, m->start, NULL);
}

/* ----------------------------------------------------------- set-up -- */

static int is_depth_line(const char *line, size_t n)
{
    return memmem(line, n, "depthUpdate", 11) != NULL || memmem(line, n, "lastUpdateId", 12) != NULL;
}

/*
 * Frames each "<recv ns> <json>" line into m->wire and records where each
 * frame starts; with depth_only, keeps diffs and the snapshot only and
 * starts the timed range after the snapshot.
 */
static int frame_text(inmem_t *m)
{
    tw_bench_inmem_t *b = m->b;
    const char *text = b->text;
    uint64_t len = b->len, lines = 1, pos = 0, wn = 0, k = 0;
    for (uint64_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    m->wire = malloc(len + 16 * lines + 64);
    m->frame_at = malloc((lines + 1) * sizeof(uint32_t));
    if (m->wire == NULL || m->frame_at == NULL || len + 16 * lines > UINT32_MAX)
        return fail(b, ENOMEM, "cannot hold %llu bytes of frames", (unsigned long long)len);
    while (pos < len) {
        const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(len - pos);
        pos += ll + 1;
        const char *sp = memchr(line, ' ', ll);
        if (sp == NULL || (b->depth_only && !is_depth_line(line, ll)))
            continue;
        size_t jl = ll - (size_t)(sp + 1 - line);
        m->frame_at[k++] = (uint32_t)wn;
        int r = tw_ws_frame_encode(m->wire + wn, len + 16 * lines - wn, TW_WS_TEXT, 1, (const uint8_t *)sp + 1, jl,
                                   0, 0);
        if (r < 0)
            return fail(b, -r, "cannot frame line %llu", (unsigned long long)k);
        wn += (uint64_t)r;
        if (b->depth_only && memmem(line, ll, "lastUpdateId", 12) != NULL)
            m->start = k;
    }
    m->frame_at[k] = (uint32_t)wn;
    m->frames = k;
    m->wire_len = wn;
    if (k == 0 || m->start >= k)
        return fail(b, EINVAL, b->depth_only ? "no depth diffs after a snapshot in the data" : "no frames in the data");
    return 0;
}

static int segment(inmem_t *m, tw_shm_t *s, uint32_t kind, uint64_t region)
{
    int r = tw_shm_create(m->b->instance, kind, region, 1, s);
    if (r < 0)
        return fail(m->b, 0, "%s", tw_error_message());
    tw_shm_unlink(m->b->instance, kind); /* mapped until detach; nothing is left behind, even on a signal */
    r = kind == TW_SEG_BOOKS ? tw_books_init(s, 1, DEPTH) : tw_ring_init(s, TW_MD_SLOT_SIZE, TW_BENCH_MD_SLOTS);
    if (r < 0)
        return fail(m->b, -r, "cannot lay out the %s segment", tw_segment_kind_name(kind));
    return 0;
}

static int setup(inmem_t *m)
{
    tw_sync_config_t cfg = {TW_SYNC_SPOT, 5000, 1024, 65536};
    int r;
    if ((r = frame_text(m)) < 0)
        return r;
    m->copy = malloc(m->wire_len + 64);
    m->f = calloc(1, sizeof(feed_t));
    if (m->copy == NULL || m->f == NULL)
        return fail(m->b, ENOMEM, "cannot allocate the feed");
    feed_t *f = m->f;
    f->scale = (tw_bn_scale_t){-2, -8}; /* BTCUSDT spot as recorded: ticks 0.01, quantities to 1e-8 */
    tw_ws_assembler_init(&f->asm_, f->frag, sizeof(f->frag), 0);
    if ((r = tw_sync_init(&f->sync, &cfg)) < 0)
        return fail(m->b, -r, "cannot allocate the book");
    if ((r = segment(m, &m->books, TW_SEG_BOOKS, tw_books_region_size(1, DEPTH))) < 0 ||
        (r = segment(m, &m->md, TW_SEG_MD, tw_ring_region_size(TW_MD_SLOT_SIZE, TW_BENCH_MD_SLOTS))) < 0)
        return r;
    if ((r = tw_ring_writer_init(&f->ring, m->md.base)) < 0)
        return fail(m->b, -r, "cannot open the md ring");
    f->block = tw_books_block_mut(m->books.base, 0);
    return 0;
}

static void inmem_free(inmem_t *m)
{
    if (m->f)
        tw_sync_free(&m->f->sync);
    if (m->books.base)
        tw_shm_detach(&m->books);
    if (m->md.base)
        tw_shm_detach(&m->md);
    free(m->f);
    free(m->wire);
    free(m->copy);
    free(m->frame_at);
}

/* -------------------------------------------------------- measuring -- */

/* The floor, per message: memcpy of each timed frame's bytes, timed like the path. */
static void floor_samples(inmem_t *m, uint64_t *out, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t at = m->frame_at[m->start + i], len = m->frame_at[m->start + i + 1] - at;
        int64_t t0 = tw_mono_ns();
        memcpy(m->copy + at, m->wire + at, len);
        __asm__ volatile("" : : "r"(m->copy) : "memory"); /* keep the copy */
        out[i] = (uint64_t)(tw_mono_ns() - t0);
    }
}

static int measure(inmem_t *m)
{
    tw_bench_inmem_t *b = m->b;
    uint64_t timed = m->frames - m->start, bytes = m->frame_at[m->frames] - m->frame_at[m->start];
    pass_begin(m); /* warm-up: caches, page faults of the ring and the book */
    run(m, m->start, m->frames, NULL);
    b->samples = 0;
    for (uint32_t p = 0; p < b->sample_passes && b->out && b->samples + timed <= b->out_cap; p++) {
        pass_begin(m);
        if (run(m, m->start, m->frames, b->out + b->samples) != timed)
            return fail(b, EBADMSG, "a frame did not parse");
        if (b->floor_out)
            floor_samples(m, b->floor_out + b->samples, timed);
        b->samples += timed;
    }
    int64_t total = 0;
    for (uint32_t p = 0; p < b->reps; p++) {
        pass_begin(m);
        int64_t t0 = tw_mono_ns();
        uint64_t done = run(m, m->start, m->frames, NULL);
        total += tw_mono_ns() - t0;
        if (done != timed)
            return fail(b, EBADMSG, "a frame did not parse");
    }
    int64_t c0 = tw_mono_ns();
    for (uint32_t p = 0; p < b->reps; p++) {
        memcpy(m->copy, m->wire + m->frame_at[m->start], bytes);
        __asm__ volatile("" : : "r"(m->copy) : "memory"); /* keep the copy */
    }
    b->floor_elapsed_ns = tw_mono_ns() - c0;
    b->elapsed_ns = total;
    b->messages = timed;
    b->bytes = bytes;
    b->bbo_checks = m->f->sync.bbo_checks;
    b->bbo_mismatches = m->f->sync.bbo_mismatches;
    b->gaps = m->f->sync.gaps;
    b->malformed = m->f->malformed;
    b->published = m->f->published;
    return 0;
}

static void *worker(void *arg)
{
    inmem_t *m = arg;
    tw_bench_inmem_t *b = m->b;
    int r = 0;
    if (b->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(b->cpu, &set);
        if ((r = pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) != 0)
            r = fail(b, r, "cannot pin to core %d", b->cpu);
    }
    if (r == 0 && (r = setup(m)) == 0)
        r = measure(m);
    inmem_free(m);
    return (void *)(intptr_t)r;
}

int tw_bench_inmem(tw_bench_inmem_t *b)
{
    inmem_t m = {.b = b};
    b->error[0] = 0;
    if (b->text == NULL || b->len == 0 || b->reps == 0)
        return fail(b, EINVAL, "no data, or no repetitions");
    pthread_t tid;
    void *ret;
    int err = pthread_create(&tid, NULL, worker, &m);
    if (err != 0)
        return fail(b, err, "cannot start the benchmark thread");
    pthread_join(tid, &ret);
    return (int)(intptr_t)ret;
}

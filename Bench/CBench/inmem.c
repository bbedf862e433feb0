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

#include "tickwire/core.h"
#include "tickwire/feed.h"
#include "tickwire/feed_test.h"
#include "tickwire/shm.h"
#include "tickwire/reader.h"
#include "tickwire/writer.h"
#include "tickwire/ws.h"

enum { FRAG = 1 << 20, DEPTH = TW_BENCH_DEPTH };

/* What the connection layer keeps for the feed: the frame assembler and its buffer. */
typedef struct wire_side {
    tw_ws_assembler_t asm_;
    uint8_t frag[FRAG];
} wire_side_t;

/* Everything one run owns; freed by inmem_free. */
typedef struct inmem {
    tw_bench_inmem_t *b;
    tw_feed_t *feed;
    wire_side_t *ws;
    tw_bench_frames_t fr;
    uint8_t *copy;
    tw_shm_t books, md, stats;
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

/* The inline snapshot goes where the supervisor's fetch would put it: the symbol's mailbox. */
static void post_snapshot(inmem_t *m, const char *s, size_t n)
{
    uint64_t ticket = 0;
    if (tw_feed_snapshot_wanted(m->feed, 0, &ticket) == 1 && tw_feed_snapshot_post(m->feed, 0, ticket, s, n) == 0)
        tw_feed_test_service(m->feed, 0); /* now 0: no timer is due, only the mailbox is looked at */
}

/* One frame off the wire buffer, as the connection hands it to the feed: its size, or 0 on an error. */
static inline size_t step(inmem_t *m, uint64_t k, const uint8_t *wire, size_t left)
{
    tw_ws_frame_t fr;
    tw_ws_message_t msg;
    int r = tw_ws_frame_parse(wire, left, FRAG, &fr);
    if (r <= 0)
        return 0;
    if (tw_ws_assemble(&m->ws->asm_, &fr, &msg) == 1 && msg.opcode == TW_WS_TEXT) {
        if (m->fr.snapshot[k])
            post_snapshot(m, (const char *)msg.data, msg.len);
        else /* the receive time: one clock read a message, as if every frame came in its own completion */
            tw_feed_test_message(m->feed, 0, (const char *)msg.data, msg.len, tw_real_ns());
    }
    return (size_t)r;
}

/* Frame k alone. */
static void run_one(inmem_t *m, uint64_t k)
{
    step(m, k, m->fr.wire + m->fr.frame_at[k], m->fr.frame_at[k + 1] - m->fr.frame_at[k]);
}

/* Frames [from, to): with out, one clock read pair around each; returns the frames done. */
static uint64_t run(inmem_t *m, uint64_t from, uint64_t to, uint64_t *out)
{
    const uint8_t *wire = m->fr.wire;
    size_t pos = m->fr.frame_at[from], end = m->fr.frame_at[to], r;
    uint64_t i = 0;
    while (pos < end) {
        int64_t t0 = out ? tw_mono_ns() : 0;
        if ((r = step(m, from + i, wire + pos, end - pos)) == 0)
            break;
        if (out)
            out[i] = (uint64_t)(tw_mono_ns() - t0);
        pos += r;
        i++;
    }
    return i;
}

/* A fresh connection (the feed resets the book and wants a snapshot), then the untimed prefix. */
static void pass_begin(inmem_t *m)
{
    tw_feed_test_close(m->feed, 0, 0, TW_WS_CLOSE_NORMAL);
    tw_feed_test_open(m->feed, 0);
    run(m, 0, m->fr.start, NULL);
}

/*
 * After a pass: every timed diff was applied, or was older than the snapshot
 * (dropped, as the venue's procedure says), with no gap, resync or malformed
 * message, and the symbol is live. before: the sync and stats when the timed
 * frames began.
 */
static int pass_check(inmem_t *m, const tw_sync_t *before, const tw_instrument_stats_t *st_before)
{
    const tw_sync_t *now = tw_feed_test_sync(m->feed, 0);
    const tw_instrument_stats_t *st = tw_stats_instrument(m->stats.base, 0);
    const tw_instrument_info_t *info = tw_books_instrument(m->books.base, 0);
    uint64_t applied = now->applied - before->applied, stale = now->stale - before->stale;
    if (now->gaps != before->gaps || st->resyncs != st_before->resyncs || st->malformed != st_before->malformed)
        return fail(m->b, 0, "a pass had %llu gaps, %llu resyncs, %llu malformed messages",
                    (unsigned long long)(now->gaps - before->gaps),
                    (unsigned long long)(st->resyncs - st_before->resyncs),
                    (unsigned long long)(st->malformed - st_before->malformed));
    if (applied + stale != m->fr.diffs)
        return fail(m->b, 0, "%llu of %llu depth diffs were applied (%llu older than the snapshot)",
                    (unsigned long long)applied, (unsigned long long)m->fr.diffs, (unsigned long long)stale);
    if (__atomic_load_n(&info->feed_state, __ATOMIC_ACQUIRE) != TW_FEED_LIVE)
        return fail(m->b, 0, "the symbol is not live after a pass (state %u)", info->feed_state);
    m->b->applied += applied;
    m->b->stale += stale;
    return 0;
}

/* One pass of the timed frames (with a clock read pair around each when out), then its checks. */
static int pass(inmem_t *m, uint64_t *out, int64_t *elapsed)
{
    pass_begin(m);
    tw_sync_t before = *tw_feed_test_sync(m->feed, 0);
    tw_instrument_stats_t st_before = *tw_stats_instrument(m->stats.base, 0);
    int64_t t0 = tw_mono_ns();
    uint64_t done = run(m, m->fr.start, m->fr.frames, out);
    if (elapsed)
        *elapsed += tw_mono_ns() - t0;
    if (done != m->fr.frames - m->fr.start)
        return fail(m->b, EBADMSG, "frame %llu did not parse", (unsigned long long)(m->fr.start + done));
    return pass_check(m, &before, &st_before);
}

/* ----------------------------------------------------------- set-up -- */

static int is_depth_line(const char *line, size_t n)
{
    return memmem(line, n, "depthUpdate", 11) != NULL || memmem(line, n, "lastUpdateId", 12) != NULL;
}

static int is_snapshot_line(const char *line, size_t n)
{
    return memmem(line, n, "lastUpdateId", 12) != NULL && memmem(line, n, "\"stream\"", 8) == NULL;
}

static int frames_fail(char *error, size_t cap, int err, const char *what)
{
    snprintf(error, cap, "%s", what);
    return -err;
}

int tw_bench_frames_make(const char *text, uint64_t len, int depth_only, tw_bench_frames_t *out, char *error,
                         size_t error_cap)
{
    uint64_t lines = 1, pos = 0, wn = 0, k = 0;
    memset(out, 0, sizeof(*out));
    for (uint64_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    uint64_t cap = len + 16 * lines + 64;
    out->wire = malloc(cap + 64); /* 64 readable bytes past the last frame, for a padded parser */
    out->frame_at = malloc((lines + 1) * sizeof(uint32_t));
    out->snapshot = calloc(lines + 1, 1);
    out->levels = calloc(lines + 1, sizeof(uint16_t));
    if (out->wire == NULL || out->frame_at == NULL || out->snapshot == NULL || out->levels == NULL || cap > UINT32_MAX)
        return frames_fail(error, error_cap, ENOMEM, "cannot hold the frames");
    memset(out->wire, 0, cap + 64);
    while (pos < len) {
        const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(len - pos);
        pos += ll + 1;
        const char *sp = memchr(line, ' ', ll);
        if (sp == NULL || (depth_only && !is_depth_line(line, ll)))
            continue;
        size_t jl = ll - (size_t)(sp + 1 - line);
        out->snapshot[k] = (uint8_t)is_snapshot_line(sp + 1, jl);
        uint32_t lv = 0; /* every level opens with [" (a price string): nothing else in a depth message does */
        for (const char *c = sp + 1, *e = sp + 1 + jl; (c = memchr(c, '[', (size_t)(e - c))) != NULL && c + 1 < e; c++)
            lv += c[1] == '"';
        out->levels[k] = (uint16_t)(lv < UINT16_MAX ? lv : UINT16_MAX);
        out->frame_at[k++] = (uint32_t)wn;
        int r = tw_ws_frame_encode(out->wire + wn, cap - wn, TW_WS_TEXT, 1, (const uint8_t *)sp + 1, jl, 0, 0);
        if (r < 0)
            return frames_fail(error, error_cap, -r, "cannot frame a line");
        wn += (uint64_t)r;
        if (depth_only && out->snapshot[k - 1])
            out->start = k;
    }
    out->frame_at[k] = (uint32_t)wn;
    out->frames = k;
    out->wire_len = wn;
    out->wire_cap = cap + 64;
    if (k == 0 || out->start >= k)
        return frames_fail(error, error_cap, EINVAL,
                           depth_only ? "no depth diffs after a snapshot in the data" : "no frames in the data");
    for (uint64_t i = out->start; i < k; i++) {
        const uint8_t *p = out->wire + out->frame_at[i];
        out->diffs += memmem(p, out->frame_at[i + 1] - out->frame_at[i], "depthUpdate", 11) != NULL;
    }
    return 0;
}

void tw_bench_frames_free(tw_bench_frames_t *f)
{
    free(f->wire);
    free(f->frame_at);
    free(f->snapshot);
    free(f->levels);
    memset(f, 0, sizeof(*f));
}

/* A segment mapped read-write and unlinked at once: nothing is left behind, even on a signal. */
static int segment(inmem_t *m, tw_shm_t *s, uint32_t kind, uint64_t region)
{
    int r = tw_shm_create(m->b->instance, kind, region, 1, s);
    if (r < 0)
        return fail(m->b, 0, "%s", tw_error_message());
    tw_shm_unlink(m->b->instance, kind);
    if (kind == TW_SEG_BOOKS && (r = tw_books_init(s, 1, DEPTH)) == 0) {
        tw_instrument_info_t *info = tw_books_instrument_mut(s->base, 0);
        snprintf(info->symbol, sizeof(info->symbol), "BTCUSDT");
        snprintf(info->venue, sizeof(info->venue), "binance");
        info->price_exponent = -2; /* BTCUSDT spot as recorded: ticks 0.01, quantities to 1e-8 */
        info->qty_exponent = -8;
        info->tick_size = 1;
        info->step_size = 1;
    } else if (kind == TW_SEG_MD) {
        r = tw_ring_init(s, TW_MD_SLOT_SIZE, TW_BENCH_MD_SLOTS);
    } else if (kind == TW_SEG_STATS) {
        r = tw_stats_init(s, 1);
    }
    if (r == 0)
        r = tw_shm_commit(s);
    if (r < 0)
        return fail(m->b, -r, "cannot lay out the %s segment", tw_segment_kind_name(kind));
    return 0;
}

static int setup(inmem_t *m)
{
    int r;
    if ((r = tw_bench_frames_make(m->b->text, m->b->len, m->b->depth_only, &m->fr, m->b->error,
                                  sizeof(m->b->error))) < 0)
        return r;
    m->copy = malloc(m->fr.wire_len + 64);
    m->ws = calloc(1, sizeof(wire_side_t));
    if (m->copy == NULL || m->ws == NULL)
        return fail(m->b, ENOMEM, "cannot allocate the feed");
    tw_ws_assembler_init(&m->ws->asm_, m->ws->frag, sizeof(m->ws->frag), 0);
    if ((r = segment(m, &m->books, TW_SEG_BOOKS, tw_books_region_size(1, DEPTH))) < 0 ||
        (r = segment(m, &m->md, TW_SEG_MD, tw_ring_region_size(TW_MD_SLOT_SIZE, TW_BENCH_MD_SLOTS))) < 0 ||
        (r = segment(m, &m->stats, TW_SEG_STATS, tw_stats_region_size(1))) < 0)
        return r;
    tw_feed_config_t cfg;
    tw_feed_config_defaults(&cfg);
    cfg.host = "127.0.0.1"; /* never resolved: a test feed has no network */
    cfg.tls = 0;
    cfg.snapshot_capacity = 1u << 20;
    tw_feed_symbol_t sym = {"btcusdt", 0, 0};
    if ((r = tw_feed_test_create(&cfg, &sym, 1, m->md.base, m->books.base, m->stats.base, &m->feed)) < 0)
        return fail(m->b, -r, "cannot create the feed: %s", tw_error_message());
    return 0;
}

static void inmem_free(inmem_t *m)
{
    if (m->feed)
        tw_feed_destroy(m->feed);
    if (m->books.base)
        tw_shm_detach(&m->books);
    if (m->md.base)
        tw_shm_detach(&m->md);
    if (m->stats.base)
        tw_shm_detach(&m->stats);
    free(m->ws);
    free(m->copy);
    tw_bench_frames_free(&m->fr);
}

/* -------------------------------------------------------- measuring -- */

/* The floor, per message: memcpy of each timed frame's bytes, timed like the path. */
static void floor_samples(inmem_t *m, uint64_t *out, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t at = m->fr.frame_at[m->fr.start + i], len = m->fr.frame_at[m->fr.start + i + 1] - at;
        int64_t t0 = tw_mono_ns();
        memcpy(m->copy + at, m->fr.wire + at, len);
        __asm__ volatile("" : : "r"(m->copy) : "memory"); /* keep the copy */
        out[i] = (uint64_t)(tw_mono_ns() - t0);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The median sample of the diffs of a typical size (TW_BENCH_TYPICAL_MIN..MAX levels), untimed. */
static void typical(inmem_t *m, uint64_t timed)
{
    tw_bench_inmem_t *b = m->b;
    uint64_t *pick = b->samples ? malloc(b->samples * sizeof(uint64_t)) : NULL, k = 0;
    for (uint64_t s = 0; pick && s < b->samples; s++) {
        uint16_t lv = m->fr.levels[m->fr.start + s % timed];
        if (lv >= TW_BENCH_TYPICAL_MIN && lv <= TW_BENCH_TYPICAL_MAX)
            pick[k++] = b->out[s];
    }
    if (k) {
        qsort(pick, k, sizeof(pick[0]), cmp_u64);
        b->typical_p50_ns = (int64_t)pick[k / 2];
    }
    b->typical_samples = k;
    free(pick);
}

static int measure(inmem_t *m)
{
    tw_bench_inmem_t *b = m->b;
    uint64_t timed = m->fr.frames - m->fr.start, bytes = m->fr.frame_at[m->fr.frames] - m->fr.frame_at[m->fr.start];
    int r = pass(m, NULL, NULL); /* warm-up: caches, page faults of the ring and the book */
    b->samples = 0;
    b->applied = b->stale = 0;
    for (uint32_t p = 0; r == 0 && p < b->sample_passes && b->out && b->samples + timed <= b->out_cap; p++) {
        if ((r = pass(m, b->out + b->samples, NULL)) < 0)
            break;
        if (b->floor_out)
            floor_samples(m, b->floor_out + b->samples, timed);
        b->samples += timed;
    }
    typical(m, timed);
    int64_t total = 0;
    for (uint32_t p = 0; r == 0 && p < b->reps; p++)
        r = pass(m, NULL, &total);
    if (r < 0)
        return r;
    int64_t c0 = tw_mono_ns();
    for (uint32_t p = 0; p < b->reps; p++) {
        memcpy(m->copy, m->fr.wire + m->fr.frame_at[m->fr.start], bytes);
        __asm__ volatile("" : : "r"(m->copy) : "memory"); /* keep the copy */
    }
    b->floor_elapsed_ns = tw_mono_ns() - c0;
    b->elapsed_ns = total;
    b->messages = timed;
    b->diffs = m->fr.diffs;
    b->bytes = bytes;
    const tw_sync_t *sync = tw_feed_test_sync(m->feed, 0);
    const tw_instrument_stats_t *st = tw_stats_instrument(m->stats.base, 0);
    b->bbo_checks = sync->bbo_checks;
    b->bbo_mismatches = sync->bbo_mismatches;
    b->gaps = sync->gaps;
    b->malformed = st->malformed;
    b->published = tw_stats_counters(m->stats.base)[TW_CTR_MD_EVENTS];
    return 0;
}

/* ------------------------------------------------ a full snapshot -- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/*
 * The largest snapshot the venue serves, as the feed thread takes it: a
 * fresh connection, the recorded diffs before the snapshot (buffered), then
 * a body of TW_BENCH_SNAPSHOT_LEVELS levels a side under the recorded
 * snapshot's lastUpdateId, posted and serviced. Timed apart: the post (the
 * fetcher decodes the body, in its own thread) and the feed thread's pass
 * (load, replay, publish), which is what the other symbols wait for.
 */
static int time_snapshot(inmem_t *m)
{
    enum { RUNS = 15, LV = TW_BENCH_SNAPSHOT_LEVELS };
    tw_bench_inmem_t *b = m->b;
    const char *frame = NULL;
    size_t flen = 0;
    for (uint64_t k = 0; k < m->fr.start && frame == NULL; k++)
        if (m->fr.snapshot[k]) {
            tw_ws_frame_t f;
            if (tw_ws_frame_parse(m->fr.wire + m->fr.frame_at[k], m->fr.frame_at[k + 1] - m->fr.frame_at[k], FRAG,
                                  &f) > 0)
                frame = (const char *)f.payload, flen = f.len;
        }
    const char *id = frame ? memmem(frame, flen, "\"lastUpdateId\":", 15) : NULL;
    const char *bid = frame ? memmem(frame, flen, "\"bids\":[[\"", 10) : NULL;
    if (id == NULL || bid == NULL)
        return 0; /* no snapshot in the data: nothing to time */
    unsigned long long last = strtoull(id + 15, NULL, 10);
    long long best = (long long)(strtod(bid + 10, NULL) * 100.0 + 0.5); /* BTCUSDT: 0.01 ticks */
    size_t cap = (size_t)LV * 2 * 40 + 256, n = 0;
    char *body = malloc(cap);
    if (body == NULL)
        return fail(b, ENOMEM, "no room for a snapshot body");
    n += (size_t)snprintf(body + n, cap - n, "{\"lastUpdateId\":%llu,\"bids\":[", last);
    for (int side = 0; side < 2; side++) {
        for (int i = 0; i < LV; i++) {
            long long p = side == 0 ? best - i : best + 1 + i;
            n += (size_t)snprintf(body + n, cap - n, "%s[\"%lld.%02lld000000\",\"%d.%08d\"]", i ? "," : "", p / 100,
                                  p % 100, 1 + i % 7, (i * 7919) % 100000000);
        }
        n += (size_t)snprintf(body + n, cap - n, side == 0 ? "],\"asks\":[" : "]}");
    }
    int64_t t[RUNS], d[RUNS];
    int r = 0;
    for (int run = 0; run < RUNS && r == 0; run++) {
        tw_feed_test_close(m->feed, 0, 0, TW_WS_CLOSE_NORMAL);
        tw_feed_test_open(m->feed, 0);
        for (uint64_t k = 0; k < m->fr.start; k++) /* the diffs before the recorded snapshot: buffered */
            if (!m->fr.snapshot[k])
                run_one(m, k);
        uint64_t ticket = 0;
        if (tw_feed_snapshot_wanted(m->feed, 0, &ticket) != 1) {
            r = fail(b, 0, "the feed did not ask for a snapshot");
            break;
        }
        int64_t t0 = tw_mono_ns();
        int posted = tw_feed_snapshot_post(m->feed, 0, ticket, body, n) == 0;
        int64_t t1 = tw_mono_ns();
        if (posted)
            tw_feed_test_service(m->feed, 0);
        t[run] = tw_mono_ns() - t1;
        d[run] = t1 - t0;
        const tw_instrument_info_t *info = tw_books_instrument(m->books.base, 0);
        if (__atomic_load_n(&info->feed_state, __ATOMIC_ACQUIRE) != TW_FEED_LIVE)
            r = fail(b, 0, "the %d-level snapshot did not make the book live", LV);
    }
    free(body);
    if (r < 0)
        return r;
    qsort(t, RUNS, sizeof(t[0]), cmp_i64);
    qsort(d, RUNS, sizeof(d[0]), cmp_i64);
    b->snapshot_levels = LV;
    b->snapshot_runs = RUNS;
    b->snapshot_min_ns = t[0];
    b->snapshot_p50_ns = t[RUNS / 2];
    b->snapshot_decode_p50_ns = d[RUNS / 2];
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
    if (r == 0 && b->depth_only)
        r = time_snapshot(m);
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

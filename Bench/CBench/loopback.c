/* SPDX-License-Identifier: MIT */
/*
 * The loopback scenario (tickwire/loopback.h): a real tw_feed thread,
 * wait = SPIN, pinned to cpu_b, connected over 127.0.0.1 to the blaster
 * pinned to cpu_a, which is also the md ring's reader. One round:
 *   t_send = tw_real_ns(); write() one frame (TLS: a record sealed earlier);
 *   tw_ring_poll until the event of that frame's type and update id; t_visible.
 * The feed publishes exactly one event per frame, so a round never overlaps
 * the next. Afterwards an optional burst (every remaining frame in one
 * write) gives msgs/s through the whole path.
 */
#define _GNU_SOURCE
#include "tickwire/loopback.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "loopback_internal.h"
#include "tickwire/core.h"
#include "tickwire/feed.h"
#include "tickwire/reader.h"
#include "tickwire/shm.h"
#include "tickwire/writer.h"

#define MS 1000000LL
#define STALL_NS (5000 * MS)   /* one round, or the snapshot, taking longer than this: something died */
#define OPEN_NS (10000 * MS)   /* connect + TLS + upgrade */
enum { SLOTS = 1 << 16, DEPTH = TW_BENCH_DEPTH, MAX_TASKS = 512 };

typedef struct lb_run {
    tw_bench_loopback_t *b;
    lb_frames_t fr;
    lb_peer_t *peer;
    tw_shm_t md, books, stats;
    tw_feed_t *feed;
    tw_ring_cursor_t cur;
    int feed_tid;
    tw_histogram_t *h0, *h1;   /* TW_HIST_FEED_WIRE before and after the timed rounds */
} lb_run_t;

static int fail(tw_bench_loopback_t *b, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->error, sizeof(b->error), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(b->error) && err > 0)
        snprintf(b->error + n, sizeof(b->error) - (size_t)n, ": %s", strerror(err));
    return -(err > 0 ? err : EIO);
}

/* ------------------------------------------------------------ threads -- */

static int list_tasks(int *tids, int cap)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL && n < cap)
        if (e->d_name[0] != '.')
            tids[n++] = atoi(e->d_name);
    if (d)
        closedir(d);
    return n;
}

/* Context switches of a thread of this process from /proc (getrusage only sees the caller). */
static int task_csw(int tid, int64_t *vol, int64_t *invol)
{
    char path[64], line[128];
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
    FILE *f = tid > 0 ? fopen(path, "r") : NULL;
    int found = 0;
    while (f && fgets(line, sizeof(line), f)) {
        long long v;
        if (sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1)
            *vol = v, found++;
        else if (sscanf(line, "nonvoluntary_ctxt_switches: %lld", &v) == 1)
            *invol = v, found++;
    }
    if (f)
        fclose(f);
    return found == 2 ? 0 : -ENOENT;
}

static void self_csw(int64_t *vol, int64_t *invol)
{
    struct rusage ru;
    *vol = *invol = 0;
    if (getrusage(RUSAGE_THREAD, &ru) == 0)
        *vol = ru.ru_nvcsw, *invol = ru.ru_nivcsw;
}

/* ------------------------------------------------------------- set-up -- */

static int segment(lb_run_t *L, tw_shm_t *s, uint32_t kind)
{
    const char *inst = L->b->instance;
    uint64_t size = kind == TW_SEG_MD      ? tw_ring_region_size(TW_MD_SLOT_SIZE, SLOTS)
                    : kind == TW_SEG_BOOKS ? tw_books_region_size(1, DEPTH)
                                           : tw_stats_region_size(1);
    int r = tw_shm_create(inst, kind, size, (uint64_t)tw_realtime_ns(), s);
    if (r < 0)
        return fail(L->b, 0, "%s", tw_error_message());
    r = kind == TW_SEG_MD ? tw_ring_init(s, TW_MD_SLOT_SIZE, SLOTS)
        : kind == TW_SEG_BOOKS ? tw_books_init(s, 1, DEPTH)
                               : tw_stats_init(s, 1);
    if (r == 0 && kind == TW_SEG_BOOKS) {
        tw_instrument_info_t *info = tw_books_instrument_mut(s->base, 0);
        snprintf(info->symbol, sizeof(info->symbol), "BTCUSDT");
        snprintf(info->venue, sizeof(info->venue), "binance");
        info->price_exponent = -2; /* tick 0.01 */
        info->qty_exponent = -5;   /* step 0.00001 */
        info->tick_size = 1;
        info->step_size = 1;
    }
    r = r ? r : tw_shm_commit(s);
    if (r < 0)
        return fail(L->b, -r, "cannot lay out the %s segment", tw_segment_kind_name(kind));
    tw_shm_unlink(inst, kind); /* mapped until detach; nothing is left behind */
    return 0;
}

static int start_feed(lb_run_t *L)
{
    tw_bench_loopback_t *b = L->b;
    tw_feed_config_t c;
    tw_feed_config_defaults(&c);
    c.streams = TW_FEED_STREAM_DEPTH | TW_FEED_STREAM_BOOKTICKER;
    c.host = "127.0.0.1";
    c.port = lb_peer_port(L->peer);
    c.tls = b->tls ? 1 : 0;
    c.verify = b->tls ? 1 : 0; /* against the throwaway certificate: the whole handshake, checks included */
    c.ca_file = lb_peer_ca_file(L->peer);
    c.cpu = b->cpu_b;
    c.wait = TW_FEED_WAIT_SPIN;
    c.reconnect_base_ms = 100;
    c.reconnect_max_ms = 200;
    c.reconnect_attempts = 1; /* the first failure ends the feed thread: the bench reports it */
    c.heartbeat_ms = 10000;
    tw_feed_symbol_t sym = {"btcusdt", 0, 0};
    int r = tw_feed_create(&c, &sym, 1, L->md.base, L->books.base, L->stats.base, &L->feed);
    lb_peer_drop_ca_file(L->peer); /* loaded by tw_tls_create */
    if (r < 0)
        return fail(b, -r, "tw_feed_create");
    int before[MAX_TASKS], after[MAX_TASKS];
    int nb = list_tasks(before, MAX_TASKS);
    if ((r = tw_feed_start(L->feed)) < 0)
        return fail(b, -r, "tw_feed_start");
    int na = list_tasks(after, MAX_TASKS);
    for (int i = 0; i < na && L->feed_tid == 0; i++) { /* the one task that was not there before */
        int known = 0;
        for (int j = 0; j < nb; j++)
            known |= after[i] == before[j];
        if (!known)
            L->feed_tid = after[i];
    }
    return 0;
}

/* ---------------------------------------------------------- the reader -- */

/*
 * Polls the md ring until the event (type, id) shows: 1 with *ev filled and *t
 * the time it was seen, or -errno. Other events pass by; a status that is
 * not LIVE after start-up means the book was lost.
 */
static inline int await(lb_run_t *L, uint16_t type, uint64_t id, int live, tw_md_book_t *ev, int64_t *t)
{
    tw_slot_header_t h;
    uint64_t payload[TW_MD_PAYLOAD_MAX / 8] = {0};
    uint32_t spins = 0;
    int64_t start = 0;
    for (;;) {
        int r = tw_ring_poll(&L->cur, &h, payload, sizeof(payload));
        if (r > 0) {
            const tw_md_book_t *e = (const tw_md_book_t *)payload;
            if (h.type == type && e->update_id == id) {
                *t = tw_real_ns();
                *ev = *e;
                return 1;
            }
            const tw_md_status_t *st = (const tw_md_status_t *)payload;
            if (live && h.type == TW_MD_STATUS && st->feed_state != TW_FEED_LIVE)
                return fail(L->b, 0, "the feed left LIVE (state %u, reason %u) waiting for update %llu",
                            st->feed_state, st->reason, (unsigned long long)id);
            continue;
        }
        if (r < 0)
            return fail(L->b, EPIPE, "the md ring lapped its reader");
        tw_cpu_relax();
        if (++spins & 0xFFFF)
            continue;
        int64_t now = tw_mono_ns();
        if (start == 0)
            start = now;
        if (!tw_feed_running(L->feed))
            return fail(L->b, 0, "the feed thread ended (%d) waiting for update %llu", tw_feed_join(L->feed),
                        (unsigned long long)id);
        if (now - start > STALL_NS)
            return fail(L->b, ETIMEDOUT, "no md event for update %llu", (unsigned long long)id);
    }
}

/* Accept, upgrade, frame 0, the snapshot: the book is LIVE when this returns 0. */
static int open_session(lb_run_t *L)
{
    tw_bench_loopback_t *b = L->b;
    char path[512], err[TW_BENCH_ERROR_MAX];
    int r = lb_peer_accept(L->peer, OPEN_NS, path, sizeof(path), err, sizeof(err));
    if (r < 0)
        return fail(b, 0, "%s", err);
    if (strstr(path, "btcusdt@depth@100ms") == NULL || strstr(path, "btcusdt@bookTicker") == NULL)
        return fail(b, 0, "unexpected request target %s", path);
    lb_peer_describe(L->peer, b->tls_desc, sizeof(b->tls_desc));
    tw_ring_cursor_init(&L->cur, L->md.base, 0);
    const uint8_t *out;
    size_t outlen;
    r = lb_peer_seal(L->peer, L->fr.buf, L->fr.at[1], &out, &outlen);
    if (r < 0 || (r = lb_peer_write(L->peer, out, outlen)) < 0)
        return fail(b, -r, "sending the first diff");
    uint64_t ticket = 0;
    int64_t end = tw_mono_ns() + STALL_NS;
    while ((r = tw_feed_snapshot_wanted(L->feed, 0, &ticket)) == 0 && tw_mono_ns() < end)
        usleep(100);
    if (r != 1)
        return fail(b, 0, "the feed never asked for a snapshot");
    if ((r = tw_feed_snapshot_post(L->feed, 0, ticket, L->fr.snapshot, L->fr.snapshot_len)) < 0)
        return fail(b, -r, "tw_feed_snapshot_post");
    tw_md_book_t ev;
    int64_t t;
    return await(L, TW_MD_BOOK, L->fr.want_id[0], 0, &ev, &t) < 0 ? -EIO : 0;
}

/* ------------------------------------------------------------ rounds -- */

/* 1 when the event's top of book is not the generator's after that frame. */
static inline int top_differs(const lb_run_t *L, uint64_t frame, const tw_md_book_t *ev)
{
    const int64_t *top = L->fr.top[frame];
    return ev->bid_px != top[0] || ev->bid_qty != top[1] || ev->ask_px != top[2] || ev->ask_qty != top[3];
}

static void record(lb_run_t *L, uint64_t k, uint64_t frame, int64_t t0, int64_t t1, const tw_md_book_t *ev)
{
    tw_bench_loopback_t *b = L->b;
    b->out[k] = (uint64_t)(t1 - t0);
    int64_t split[3] = {ev->recv_ns - t0, ev->publish_ns - ev->recv_ns, t1 - ev->publish_ns};
    uint64_t *dst[3] = {b->send_recv, b->recv_publish, b->publish_visible};
    for (int i = 0; i < 3; i++) {
        b->clamped += split[i] < 0;
        if (dst[i])
            dst[i][k] = split[i] > 0 ? (uint64_t)split[i] : 0;
    }
    if (b->kind)
        b->kind[k] = L->fr.want_type[frame];
    b->top_mismatches += top_differs(L, frame, ev);
    b->wire_bytes += L->fr.at[frame + 1] - L->fr.at[frame];
    if (L->fr.want_type[frame] == TW_MD_BBO) {
        b->ticker_frames++;
    } else {
        uint32_t lv = L->fr.levels[frame];
        b->depth_frames++;
        b->min_levels = b->min_levels && b->min_levels < lv ? b->min_levels : lv;
        b->max_levels = b->max_levels > lv ? b->max_levels : lv;
    }
}

static void hist_copy(lb_run_t *L, tw_histogram_t *dst)
{
    tw_copy_from_shared(dst, tw_stats_histogram(L->stats.base, TW_HIST_FEED_WIRE), sizeof(*dst));
}

static int rounds(lb_run_t *L)
{
    tw_bench_loopback_t *b = L->b;
    uint64_t total = b->warmup + b->iterations;
    int64_t v0 = 0, i0 = 0, fv0 = 0, fi0 = 0, v1, i1, fv1 = 0, fi1 = 0, start = 0;
    for (uint64_t n = 1; n <= total; n++) {
        const uint8_t *out;
        size_t outlen;
        int r = lb_peer_seal(L->peer, L->fr.buf + L->fr.at[n], L->fr.at[n + 1] - L->fr.at[n], &out, &outlen);
        if (r < 0)
            return fail(b, -r, "sealing frame %llu", (unsigned long long)n);
        if (n == b->warmup + 1) { /* the timed rounds start */
            hist_copy(L, L->h0);
            self_csw(&v0, &i0);
            if (task_csw(L->feed_tid, &fv0, &fi0) < 0)
                L->feed_tid = 0;
            start = tw_real_ns();
        }
        tw_md_book_t ev;
        int64_t t1, t0 = tw_real_ns();
        if ((r = lb_peer_write(L->peer, out, outlen)) < 0)
            return fail(b, -r, "write");
        if (await(L, L->fr.want_type[n], L->fr.want_id[n], 1, &ev, &t1) < 0)
            return -EIO;
        if (n > b->warmup) {
            record(L, b->samples++, n, t0, t1, &ev);
            if (b->max_ns > 0 && t1 - start > b->max_ns)
                break;
        }
    }
    b->rounds_ns = tw_real_ns() - start;
    hist_copy(L, L->h1);
    self_csw(&v1, &i1);
    b->csw_meas_voluntary = v1 - v0;
    b->csw_meas_involuntary = i1 - i0;
    b->csw_feed_voluntary = b->csw_feed_involuntary = -1;
    if (L->feed_tid && task_csw(L->feed_tid, &fv1, &fi1) == 0) {
        b->csw_feed_voluntary = fv1 - fv0;
        b->csw_feed_involuntary = fi1 - fi0;
    }
    return 0;
}

/* Every frame left after the rounds, in one write; msgs/s = frames / (last event seen - first byte written). */
static int burst(lb_run_t *L)
{
    tw_bench_loopback_t *b = L->b;
    uint64_t first = 1 + b->warmup + b->samples, last = L->fr.count - 1;
    if (b->burst == 0 || first > last)
        return 0;
    if (last - first + 1 > b->burst)
        last = first + b->burst - 1;
    const uint8_t *out;
    size_t outlen;
    int r = lb_peer_seal(L->peer, L->fr.buf + L->fr.at[first], L->fr.at[last + 1] - L->fr.at[first], &out, &outlen);
    if (r < 0)
        return fail(b, -r, "sealing the burst");
    tw_md_book_t ev;
    int64_t t1, t0 = tw_real_ns();
    if ((r = lb_peer_write(L->peer, out, outlen)) < 0)
        return fail(b, -r, "writing the burst");
    for (uint64_t k = first; k <= last; k++) { /* one event per frame, in order: each is checked */
        if (await(L, L->fr.want_type[k], L->fr.want_id[k], 1, &ev, &t1) < 0)
            return -EIO;
        b->top_mismatches += top_differs(L, k, &ev);
    }
    b->burst_frames = last - first + 1;
    b->burst_ns = t1 - t0;
    b->burst_bytes = outlen;
    return 0;
}

/* ------------------------------------------------------------ results -- */

static void wire_histogram(lb_run_t *L)
{
    tw_bench_loopback_t *b = L->b;
    tw_histogram_t *d = L->h1;
    uint32_t top = 0;
    d->count = 0;
    for (uint32_t i = 0; i < TW_HIST_BUCKETS; i++) {
        d->buckets[i] -= L->h0->buckets[i];
        d->count += d->buckets[i];
        top = d->buckets[i] ? i : top;
    }
    b->wire_count = d->count;
    b->wire_p50 = tw_hist_quantile(d, 0.5);
    b->wire_p90 = tw_hist_quantile(d, 0.9);
    b->wire_p99 = tw_hist_quantile(d, 0.99);
    b->wire_p999 = tw_hist_quantile(d, 0.999);
    /* a new maximum during the rounds is exact; otherwise the low edge of the highest bucket used */
    b->wire_max = d->max != L->h0->max ? d->max : tw_hist_bucket_low(top);
}

static void feed_counters(lb_run_t *L)
{
    tw_bench_loopback_t *b = L->b;
    const tw_instrument_stats_t *st = tw_stats_instrument(L->stats.base, 0);
    b->messages = tw_load_u64(&st->messages);
    b->gaps = tw_load_u64(&st->gaps);
    b->resyncs = tw_load_u64(&st->resyncs);
    b->malformed = tw_load_u64(&st->malformed);
    b->bbo_checks = tw_load_u64(&st->bookticker_checks);
    b->bbo_mismatches = tw_load_u64(&st->bookticker_mismatches);
    b->unrouted = tw_load_u64(&tw_stats_counters(L->stats.base)[TW_CTR_FEED_UNROUTED]);
}

static int run(lb_run_t *L)
{
    tw_bench_loopback_t *b = L->b;
    char err[TW_BENCH_ERROR_MAX];
    int r;
    uint64_t frames = 1 + b->warmup + b->iterations + b->burst;
    if ((r = lb_frames_build(&L->fr, frames, b->bookticker_every, 0x7777ULL)) < 0)
        return fail(b, -r, "building %llu frames", (unsigned long long)frames);
    b->snapshot_levels = L->fr.snapshot_levels;
    L->h0 = malloc(sizeof(tw_histogram_t));
    L->h1 = malloc(sizeof(tw_histogram_t));
    if (L->h0 == NULL || L->h1 == NULL)
        return fail(b, ENOMEM, "histograms");
    if ((r = segment(L, &L->md, TW_SEG_MD)) < 0 || (r = segment(L, &L->books, TW_SEG_BOOKS)) < 0 ||
        (r = segment(L, &L->stats, TW_SEG_STATS)) < 0)
        return r;
    if ((L->peer = lb_peer_create((int)b->tls, err, sizeof(err))) == NULL)
        return fail(b, 0, "%s", err);
    if ((r = start_feed(L)) < 0) /* before pinning: a thread pinned to cpu_a cannot start one on cpu_b */
        return r;
    if ((r = tw_cpu_pin_self(b->cpu_a)) < 0)
        return fail(b, -r, "cannot pin the blaster to cpu %d", b->cpu_a);
    if ((r = open_session(L)) < 0 || (r = rounds(L)) < 0)
        return r;
    wire_histogram(L);
    r = burst(L);
    feed_counters(L);
    return r;
}

static void teardown(lb_run_t *L)
{
    if (L->feed) {
        tw_feed_stop(L->feed);
        if (L->peer)
            lb_peer_hangup(L->peer); /* no close handshake: the feed sees the end and stops at once */
        tw_feed_join(L->feed);
        tw_feed_destroy(L->feed);
    }
    lb_peer_free(L->peer);
    tw_shm_t *segs[3] = {&L->md, &L->books, &L->stats};
    for (int i = 0; i < 3; i++)
        if (segs[i]->base)
            tw_shm_detach(segs[i]);
    lb_frames_free(&L->fr);
    free(L->h0);
    free(L->h1);
}

typedef struct thread_arg {
    tw_bench_loopback_t *b;
    int result;
} thread_arg_t;

static void *blaster(void *arg)
{
    thread_arg_t *a = arg;
    lb_run_t L;
    memset(&L, 0, sizeof(L));
    L.b = a->b;
    a->result = run(&L);
    teardown(&L);
    return NULL;
}

int tw_bench_loopback(tw_bench_loopback_t *b)
{
    b->error[0] = 0;
    b->tls_desc[0] = 0;
    b->top_mismatches = 0;
    b->samples = b->clamped = b->wire_bytes = b->depth_frames = b->ticker_frames = 0;
    b->min_levels = b->max_levels = 0;
    b->burst_frames = 0;
    if (b->cpu_a == b->cpu_b || b->out == NULL || b->iterations == 0 || b->instance == NULL ||
        b->bookticker_every == 1)
        return fail(b, EINVAL, "loopback: two different cores, iterations >= 1, bookticker_every != 1");
    thread_arg_t a = {b, 0};
    pthread_t t;
    int r = pthread_create(&t, NULL, blaster, &a);
    if (r != 0)
        return fail(b, r, "loopback thread");
    pthread_join(t, NULL);
    return a.result;
}

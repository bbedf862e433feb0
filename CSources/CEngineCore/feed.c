/* SPDX-License-Identifier: MIT */
/*
 * The Binance market-data feed thread (tickwire/feed.h): what the thread
 * does per message, per snapshot and per connection event, and its loop.
 * Validation and set-up are in feed_setup.c.
 *
 * tw_feed_create() does everything that allocates or blocks: validation,
 * host resolution, the TLS context, the io_uring loop and one tw_conn_t per
 * group of symbols, each symbol's tw_sync_t, decode scratch, snapshot
 * mailbox buffers and the request eventfd. The thread then only reacts:
 *
 *   on_message → envelope → symbol (by stream name) → decode → sync → book
 *   block (seqlock) → md event → counters; a broken chain marks the book
 *   stale and asks for a snapshot through the symbol's mailbox;
 *   the loop polls mailboxes that have a ticket out and runs the timers
 *   (heartbeat, lifetime, reconnect backoff) every TIMER_PERIOD_NS.
 *
 * Mailbox, one 64-bit word per symbol, (ticket << 2) | state:
 *   thread   IDLE|POSTED(stale) → WANTED(t)   new ticket, eventfd written
 *   fetcher  WANTED(t) → FILLING(t)           CAS; then decodes the body into it
 *   fetcher  FILLING(t) → POSTED(t)           release store
 *   thread   POSTED(t) → IDLE(t)              after decoding the body
 *   thread   WANTED(t) → IDLE(t)              CAS, the connection dropped
 * The buffer belongs to whoever moved the word last, so no lock is needed.
 */
#define _GNU_SOURCE
#include "feed_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tickwire/binance.h"
#include "tickwire/core.h"
#include "tickwire/shm.h"
#include "tickwire/ws.h"

enum { INFO_READ_RETRIES = 10000 };

#define POLL_BLOCK_NS 2000000LL       /* BLOCK: longest io_uring wait, so timers and mailboxes run */
#define TIMER_PERIOD_NS 10000000LL    /* heartbeat/lifetime/reconnect checks */
#define STOP_DRAIN_NS 500000000LL     /* how long the thread waits for its closes when stopping */
enum { BOOK_WRITE_SAMPLE = 16 }; /* book writes per TW_HIST_BOOK_WRITE sample (a power of two) */

static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A venue time (ms) in ns; 0, "unknown", when it does not fit: the wire is not to be trusted. */
static int64_t venue_ns(uint64_t ms)
{
    return ms <= (uint64_t)INT64_MAX / MS ? (int64_t)ms * MS : 0;
}

/* ------------------------------------------------------ shm writing -- */

static void publish(struct tw_feed *f, uint16_t type, const struct feed_sym *sy, const void *ev, uint32_t len,
                    int64_t recv_ns, int64_t publish_ns)
{
    tw_ring_publish(&f->ring, type, (uint16_t)sy->instrument, ev, len);
    tw_counter_add(&f->ctr[TW_CTR_MD_EVENTS], 1);
    if (recv_ns > 0 && publish_ns >= recv_ns)
        tw_hist_record(f->h_wire, (uint64_t)(publish_ns - recv_ns));
}

/*
 * The symbol's health word in the stats segment: why it is where it is, with
 * a detail (see abi.h). A symbol whose connection was closed for malformed
 * messages keeps saying so while the next attempts connect and wait: those
 * steps do not replace it, only a live book or another failure does.
 */
static void set_health(struct feed_sym *sy, uint32_t reason, uint32_t detail)
{
    uint64_t word = (uint64_t)reason << 32 | detail;
    if (sy->health == word)
        return;
    if ((sy->health >> 32) == TW_REASON_MALFORMED &&
        (reason == TW_REASON_START || reason == TW_REASON_CONNECTED || reason == TW_REASON_RECONNECTING ||
         reason == TW_REASON_DISCONNECTED || reason == TW_REASON_NO_DIFFS))
        return;
    sy->health = word;
    __atomic_store_n(&sy->stats->health_ns, tw_real_ns(), __ATOMIC_RELAXED);
    __atomic_store_n(&sy->stats->health, word, __ATOMIC_RELAXED);
}

static void set_state(struct tw_feed *f, struct feed_sym *sy, uint32_t state, uint32_t reason)
{
    if (sy->state == state)
        return;
    sy->state = state;
    set_health(sy, reason, 0);
    tw_instrument_set_feed_state(sy->info, state);
    int64_t now = tw_real_ns();
    tw_md_status_t ev = {.feed_state = state, .reason = reason, .publish_ns = now};
    publish(f, TW_MD_STATUS, sy, &ev, sizeof(ev), 0, now);
}

/* The top `depth` levels of the feed book into the block, then a TW_MD_BOOK event. */
static void publish_book(struct tw_feed *f, struct feed_sym *sy, uint64_t first_id, int64_t exchange_ns,
                         int64_t recv_ns, uint32_t changed)
{
    uint32_t nb = tw_feedbook_top(&sy->sync.book, TW_FB_BID, f->top_b, f->depth);
    uint32_t na = tw_feedbook_top(&sy->sync.book, TW_FB_ASK, f->top_a, f->depth);
    /* one clock read a book: the write's own duration is timed on one write in BOOK_WRITE_SAMPLE */
    int sample = (++f->book_writes & (BOOK_WRITE_SAMPLE - 1)) == 0;
    int64_t now = tw_real_ns(), t0 = sample ? tw_mono_ns() : 0;
    tw_book_header_t h = {.update_id = sy->sync.update_id, .first_update_id = first_id,
                          .exchange_ns = exchange_ns, .recv_ns = recv_ns, .publish_ns = now};
    tw_book_write(sy->block, f->depth, &h, f->top_b, nb, f->top_a, na);
    if (sample)
        tw_hist_record(f->h_book, (uint64_t)(tw_mono_ns() - t0));
    sy->book_live = 1;
    sy->last_valid_ns = now;
    tw_md_book_t ev = {
        .update_id = h.update_id, .first_update_id = first_id, .exchange_ns = exchange_ns,
        .recv_ns = recv_ns, .publish_ns = now,
        .bid_px = nb ? f->top_b[0].price : 0, .bid_qty = nb ? f->top_b[0].quantity : 0,
        .ask_px = na ? f->top_a[0].price : 0, .ask_qty = na ? f->top_a[0].quantity : 0,
        .levels_changed = changed,
    };
    publish(f, TW_MD_BOOK, sy, &ev, sizeof(ev), recv_ns, now);
    tw_counter_add(&f->ctr[TW_CTR_BOOK_WRITES], 1);
    tw_counter_add(&sy->stats->book_updates, 1);
    tw_counter_set(&sy->stats->last_update_id, h.update_id);
    tw_counter_set((uint64_t *)&sy->stats->last_update_ns, (uint64_t)now);
}

/* The block says stale and empty (its levels can no longer be trusted); update_id is kept. */
static void write_stale(struct tw_feed *f, struct feed_sym *sy)
{
    tw_book_header_t h = {.update_id = sy->sync.update_id, .publish_ns = tw_real_ns(),
                          .flags = TW_BOOK_FLAG_STALE};
    tw_book_write(sy->block, f->depth, &h, f->top_b, 0, f->top_a, 0);
    tw_counter_add(&f->ctr[TW_CTR_BOOK_WRITES], 1);
    sy->book_live = 0;
}

static void leave_live(struct tw_feed *f, struct feed_sym *sy, uint32_t state, uint32_t reason)
{
    if (sy->book_live)
        write_stale(f, sy);
    set_state(f, sy, state, reason);
}

static void count_malformed(struct feed_sym *sy)
{
    tw_counter_add(&sy->stats->malformed, 1);
}

/* Best bid at or above best ask: no venue publishes that, so the data that built the book were bad. */
static int crossed(const struct feed_sym *sy)
{
    const tw_feedbook_t *b = &sy->sync.book;
    return tw_feedbook_count(b, TW_FB_BID) && tw_feedbook_count(b, TW_FB_ASK) &&
           tw_feedbook_best(b, TW_FB_BID).price >= tw_feedbook_best(b, TW_FB_ASK).price;
}

static void bbo_stats(struct feed_sym *sy)
{
    tw_counter_set(&sy->stats->bookticker_checks, sy->sync.bbo_checks);
    tw_counter_set(&sy->stats->bookticker_mismatches, sy->sync.bbo_mismatches);
}

/* ----------------------------------------------------------- mailbox -- */

static void pending_add(struct tw_feed *f, struct feed_sym *sy)
{
    if (!sy->in_pending) {
        sy->in_pending = 1;
        f->pending[f->npending++] = (uint32_t)(sy - f->sym);
    }
}

/* Hands out a new ticket unless one is out, or a fetcher still holds the buffer (retried later). */
static void issue(struct tw_feed *f, struct feed_sym *sy)
{
    if (sy->ticket)
        return;
    uint64_t w = __atomic_load_n(&sy->mb.word, __ATOMIC_ACQUIRE); /* pairs with post's POSTED release */
    if ((w & MB_STATE_MASK) == MB_FILLING)
        return;
    uint64_t t = ++sy->tickets;
    /* release: a fetcher that sees WANTED(t) sees the buffer free; fails only if the fetcher moved first */
    if (!__atomic_compare_exchange_n(&sy->mb.word, &w, (t << 2) | MB_WANTED, 0, __ATOMIC_RELEASE,
                                     __ATOMIC_RELAXED))
        return;
    sy->ticket = t;
    uint64_t one = 1;
    if (f->event_fd >= 0 && write(f->event_fd, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is saturated, the fetcher is already awake */
    }
}

static void want_snapshot(struct tw_feed *f, struct feed_sym *sy)
{
    sy->want = 1;
    pending_add(f, sy);
    issue(f, sy);
}

/* The connection dropped: whatever was asked for no longer fits the next stream. */
static void cancel_snapshot(struct feed_sym *sy)
{
    sy->want = 0;
    if (sy->ticket) {
        uint64_t w = (sy->ticket << 2) | MB_WANTED;
        /* relaxed: nothing was handed over; fails when the fetcher got there first (its post is dropped) */
        __atomic_compare_exchange_n(&sy->mb.word, &w, (sy->ticket << 2) | MB_IDLE, 0, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED);
        sy->ticket = 0;
    }
}

static void reject_book(struct tw_feed *f, struct feed_sym *sy);

/* The snapshot the fetcher decoded into the mailbox: load it, replay the buffered diffs, publish. */
static void load_snapshot(struct tw_feed *f, struct feed_sym *sy, uint64_t t)
{
    tw_bn_snapshot_t s = sy->mb.snap;
    int r = sy->mb.decoded;
    if (r >= 0)
        r = tw_sync_snapshot(&sy->sync, &s); /* copies the levels into the book */
    /* release: our reads of the mailbox are done before a fetcher may fill it again */
    __atomic_store_n(&sy->mb.word, (t << 2) | MB_IDLE, __ATOMIC_RELEASE);
    if (sy->mb.decoded < 0) {
        count_malformed(sy);
        tw_counter_add(&sy->stats->resyncs, 1);
        want_snapshot(f, sy);
        return;
    }
    bbo_stats(sy);
    if (r >= 0 && crossed(sy)) {
        reject_book(f, sy);
        return;
    }
    if (r >= 0) {
        sy->not_bridged = 0;
        int64_t ex = venue_ns(s.transact_ms ? s.transact_ms : s.event_ms);
        publish_book(f, sy, s.last_update_id, ex, tw_real_ns(), s.bid_count + s.ask_count);
        set_state(f, sy, TW_FEED_LIVE, TW_REASON_SNAPSHOT);
        return;
    }
    if (r == -EPIPE) /* the buffered diffs had a gap: tw_sync_snapshot reset the book */
        tw_counter_add(&sy->stats->gaps, 1);
    if (r == -EAGAIN) /* the snapshot predates the buffer: the chain has not bridged yet */
        set_health(sy, TW_REASON_NOT_BRIDGED, ++sy->not_bridged);
    tw_counter_add(&sy->stats->resyncs, 1);
    want_snapshot(f, sy);
}

/* Looks at every mailbox with a ticket out (or a stale post to clear). */
static void service_mailboxes(struct tw_feed *f)
{
    for (uint32_t i = 0; i < f->npending;) {
        struct feed_sym *sy = &f->sym[f->pending[i]];
        uint64_t w = __atomic_load_n(&sy->mb.word, __ATOMIC_ACQUIRE); /* pairs with post's POSTED release */
        uint64_t t = w >> 2, st = w & MB_STATE_MASK;
        if (st == MB_POSTED && sy->ticket == t) {
            sy->ticket = 0;
            sy->want = 0;
            load_snapshot(f, sy, t);
        } else if (st == MB_POSTED && !sy->want) {
            __atomic_store_n(&sy->mb.word, (t << 2) | MB_IDLE, __ATOMIC_RELAXED); /* a stale post: drop it */
        }
        if (sy->want)
            issue(f, sy);
        w = __atomic_load_n(&sy->mb.word, __ATOMIC_RELAXED); /* only our own stores or FILLING/POSTED */
        st = w & MB_STATE_MASK;
        if (!sy->want && !sy->ticket && st != MB_FILLING && st != MB_POSTED) {
            sy->in_pending = 0;
            f->pending[i] = f->pending[--f->npending];
        } else {
            i++;
        }
    }
}

int tw_feed_snapshot_wanted(tw_feed_t *f, uint32_t symbol, uint64_t *ticket)
{
    if (symbol >= f->nsym)
        return -EINVAL;
    uint64_t w = __atomic_load_n(&f->sym[symbol].mb.word, __ATOMIC_ACQUIRE); /* pairs with issue()'s CAS */
    if ((w & MB_STATE_MASK) != MB_WANTED)
        return 0;
    *ticket = w >> 2;
    return 1;
}

int tw_feed_snapshot_post(tw_feed_t *f, uint32_t symbol, uint64_t ticket, const char *body, size_t len)
{
    if (symbol >= f->nsym || (body == NULL && len) || ticket == 0 || ticket >> 62)
        return -EINVAL;
    if (len > f->cfg.snapshot_capacity)
        return -EMSGSIZE;
    struct feed_mailbox *mb = &f->sym[symbol].mb;
    uint64_t w = (ticket << 2) | MB_WANTED;
    /* acquire: pairs with the thread's IDLE release, so its reads of the buffer are over */
    if (!__atomic_compare_exchange_n(&mb->word, &w, (ticket << 2) | MB_FILLING, 0, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return -ESTALE;
    /* decoded here, in the fetcher's thread: the feed thread only loads the levels */
    tw_bn_snapshot_t s = {.bids = mb->bids, .asks = mb->asks, .bids_cap = f->scratch_cap, .asks_cap = f->scratch_cap};
    mb->decoded = tw_bn_snapshot_decode(body ? body : "", len, &f->sym[symbol].scale, &s);
    mb->snap = s;
    __atomic_store_n(&mb->word, (ticket << 2) | MB_POSTED, __ATOMIC_RELEASE); /* pairs with service_mailboxes */
    return 0;
}

int tw_feed_snapshot_failed(tw_feed_t *f, uint32_t symbol, uint32_t detail)
{
    if (symbol >= f->nsym || detail >= MB_FAILED)
        return -EINVAL;
    __atomic_store_n(&f->sym[symbol].mb.failed, MB_FAILED | detail, __ATOMIC_RELAXED); /* timers() takes it */
    return 0;
}

int tw_feed_request_fd(const tw_feed_t *f)
{
    return f->event_fd;
}

/* ---------------------------------------------------------- messages -- */

static void resync(struct tw_feed *f, struct feed_sym *sy, uint32_t reason)
{
    tw_counter_add(&sy->stats->resyncs, 1);
    leave_live(f, sy, TW_FEED_SYNCING, reason);
    want_snapshot(f, sy);
}

/* A book we cannot trust (a level refused, or crossed): start over from a fresh snapshot. */
static void reject_book(struct tw_feed *f, struct feed_sym *sy)
{
    count_malformed(sy);
    tw_sync_reset(&sy->sync);
    resync(f, sy, TW_REASON_GAP);
}

/* The payload handlers return -1 when the payload does not decode (nothing done), else 0. */
static int on_depth(struct tw_feed *f, struct feed_sym *sy, const char *s, size_t n, int64_t recv_ns)
{
    tw_bn_depth_t d = {.bids = f->bids, .asks = f->asks, .bids_cap = f->scratch_cap, .asks_cap = f->scratch_cap};
    if (tw_bn_depth_decode(s, n, &sy->scale, &d) < 0)
        return -1;
    sy->diffs_seen++;
    int r = tw_sync_diff(&sy->sync, &d);
    if (r == TW_SYNC_APPLIED && crossed(sy)) {
        reject_book(f, sy);
    } else if (r == TW_SYNC_APPLIED) {
        publish_book(f, sy, d.first_id, venue_ns(d.event_ms), recv_ns, d.bid_count + d.ask_count);
        bbo_stats(sy); /* bookTickers waiting for this u were checked */
        if (sy->state != TW_FEED_LIVE) /* stale for want of updates, and the chain goes on: live again */
            set_state(f, sy, TW_FEED_LIVE, TW_REASON_RESUMED);
    } else if (r == TW_SYNC_BUFFERED) {
        if (!sy->want)
            want_snapshot(f, sy);
    } else if (r == -EPIPE) {
        tw_counter_add(&sy->stats->gaps, 1);
        resync(f, sy, TW_REASON_GAP);
    } else if (r == -ENOBUFS) {
        resync(f, sy, TW_REASON_OVERFLOW);
    } else if (r < 0) { /* a level the book refused: start over rather than trust it */
        reject_book(f, sy);
    }
    return 0;
}

static int on_bookticker(struct tw_feed *f, struct feed_sym *sy, const char *s, size_t n, int64_t recv_ns)
{
    tw_bn_bookticker_t t;
    if (tw_bn_bookticker_decode(s, n, &sy->scale, &t) < 0)
        return -1;
    if (tw_sync_bookticker(&sy->sync, &t) != TW_BBO_DEFERRED)
        bbo_stats(sy);
    int64_t now = tw_real_ns();
    tw_md_book_t ev = {
        .update_id = t.update_id, .first_update_id = t.update_id,
        .exchange_ns = venue_ns(t.event_ms ? t.event_ms : t.transact_ms), .recv_ns = recv_ns,
        .publish_ns = now, .bid_px = t.bid_px, .bid_qty = t.bid_qty, .ask_px = t.ask_px, .ask_qty = t.ask_qty,
    };
    publish(f, TW_MD_BBO, sy, &ev, sizeof(ev), recv_ns, now);
    return 0;
}

static int on_trade(struct tw_feed *f, struct feed_sym *sy, int agg, const char *s, size_t n, int64_t recv_ns)
{
    tw_bn_trade_t t;
    int r = agg ? tw_bn_aggtrade_decode(s, n, &sy->scale, &t) : tw_bn_trade_decode(s, n, &sy->scale, &t);
    if (r < 0)
        return -1;
    int64_t now = tw_real_ns();
    tw_md_trade_t ev = {
        .trade_id = t.trade_id, .exchange_ns = venue_ns(t.trade_ms ? t.trade_ms : t.event_ms),
        .recv_ns = recv_ns, .publish_ns = now, .price = t.price, .quantity = t.quantity,
        .aggressor = t.buyer_is_maker ? TW_SIDE_SELL : TW_SIDE_BUY,
    };
    publish(f, TW_MD_TRADE, sy, &ev, sizeof(ev), recv_ns, now);
    tw_counter_add(&f->ctr[TW_CTR_TRADES], 1);
    tw_counter_add(&sy->stats->trades, 1);
    return 0;
}

/* The symbol of "btcusdt@depth@100ms" among the connection's own (no allocation, no hashing: ≤ 16 or so). */
static struct feed_sym *lookup(struct tw_feed *f, const struct feed_conn *fc, const char *stream, size_t n)
{
    const char *at = memchr(stream, '@', n);
    if (at == NULL)
        return NULL;
    size_t len = (size_t)(at - stream);
    for (uint32_t i = fc->first_sym; i < fc->first_sym + fc->nsym; i++) {
        struct feed_sym *sy = &f->sym[i];
        if (sy->name_len == len && memcmp(sy->name, stream, len) == 0)
            return sy;
    }
    return NULL;
}

static void close_conn(struct feed_conn *fc, uint32_t why);

/* A message that is no instrument's: serverShutdown (0), or something to count and drop (-1). */
static int on_unrouted(struct tw_feed *f, struct feed_conn *fc, const char *s, size_t n)
{
    if (memmem(s, n, "\"serverShutdown\"", 16) != NULL) {
        close_conn(fc, CLOSE_SHUTDOWN);
        return 0;
    }
    tw_counter_add(&f->ctr[TW_CTR_FEED_UNROUTED], 1);
    return -1;
}

/*
 * Every MALFORMED_WINDOW messages: when more than half of them were
 * malformed or reached no symbol (a wrong endpoint, a proxy's page, a venue
 * that changed its format), the connection is closed and retried with
 * backoff, and its symbols say why, instead of looking connected forever.
 */
static void judge_window(struct feed_conn *fc, int bad)
{
    fc->win_msgs++;
    fc->win_bad += bad != 0;
    if (fc->win_msgs < MALFORMED_WINDOW)
        return;
    if (fc->win_bad * 2 > fc->win_msgs && fc->closing == CLOSE_NONE) {
        fc->bad_percent = fc->win_bad * 100u / fc->win_msgs;
        close_conn(fc, CLOSE_MALFORMED);
    }
    fc->win_msgs = fc->win_bad = 0;
}

/* The payload to its handler by the stream's kind: -1 when it does not decode, else 0. */
static int dispatch(struct tw_feed *f, struct feed_sym *sy, const tw_bn_envelope_t *env, int64_t recv_ns)
{
    switch (tw_bn_stream_kind(env->stream, env->stream_len)) {
    case TW_BN_DEPTH: return on_depth(f, sy, env->data, env->data_len, recv_ns);
    case TW_BN_BOOKTICKER: return on_bookticker(f, sy, env->data, env->data_len, recv_ns);
    case TW_BN_TRADE: return on_trade(f, sy, 0, env->data, env->data_len, recv_ns);
    case TW_BN_AGGTRADE: return on_trade(f, sy, 1, env->data, env->data_len, recv_ns);
    default: return -1; /* a stream we did not ask for */
    }
}

static void handle_message(struct feed_conn *fc, const char *s, size_t n, int opcode, int64_t recv_ns)
{
    struct tw_feed *f = fc->feed;
    tw_bn_envelope_t env;
    if (!fc->healthy) { /* data after the open: the backoff starts over */
        fc->healthy = 1;
        fc->attempts = 0;
        tw_feed_publish_info(fc);
    }
    /* one pass over the payload: the envelope's usual shape is taken apart without walking it */
    int fast = opcode == TW_WS_TEXT && tw_bn_envelope_fast(s, n, &env) == 0;
    if (opcode != TW_WS_TEXT || (!fast && tw_bn_envelope(s, n, &env) < 0)) {
        tw_counter_add(&f->ctr[TW_CTR_FEED_UNROUTED], 1);
        judge_window(fc, 1);
        return;
    }
    struct feed_sym *sy = env.stream_len ? lookup(f, fc, env.stream, env.stream_len) : NULL;
    if (sy == NULL) {
        judge_window(fc, on_unrouted(f, fc, s, n) < 0);
        return;
    }
    tw_counter_add(&sy->stats->messages, 1);
    tw_counter_add(&sy->stats->bytes, n);
    if (dispatch(f, sy, &env, recv_ns) == 0) {
        judge_window(fc, 0);
        return;
    }
    /* refused: unless the full envelope reads differently (a member after "data"), it is malformed */
    tw_bn_envelope_t full;
    int bad = !fast || tw_bn_envelope(s, n, &full) < 0 || full.data_len == env.data_len ||
              dispatch(f, sy, &full, recv_ns) < 0;
    if (bad)
        count_malformed(sy);
    judge_window(fc, bad);
}

/* ------------------------------------------------------- connections -- */

int64_t tw_feed_backoff_ns(uint32_t base_ms, uint32_t max_ms, uint32_t attempts, uint64_t *rng)
{
    uint64_t cap = base_ms;
    for (uint32_t i = 0; i < attempts && cap < max_ms; i++)
        cap <<= 1;
    if (cap > max_ms)
        cap = max_ms;
    uint64_t half = cap / 2, d = half + next_rand(rng) % (cap - half + 1); /* "equal jitter": [cap/2, cap] */
    if (d < base_ms)
        d = base_ms;
    return (int64_t)d * MS;
}

/* The connection's public info under its seqlock (thread only; and setup, before the thread). */
void tw_feed_publish_info(struct feed_conn *fc)
{
    uint64_t s = tw_seq_write_begin(&fc->info_seq);
    fc->local.attempts = fc->attempts;
    fc->local.connects = fc->connects;
    fc->local.reconnects = fc->reconnects;
    fc->local.next_attempt_ns = fc->scheduled ? fc->next_attempt_ns : 0;
    tw_copy_to_shared(&fc->info, &fc->local, (uint32_t)sizeof(fc->info));
    tw_seq_write_end(&fc->info_seq, s);
}

static void close_conn(struct feed_conn *fc, uint32_t why)
{
    if (fc->closing == CLOSE_NONE || why == CLOSE_STOP)
        fc->closing = why;
    if (fc->conn && tw_conn_close(fc->conn, TW_WS_CLOSE_NORMAL) == -ENOTCONN) {
        fc->closing = CLOSE_NONE; /* already closed: no on_close will come */
        return;
    }
    fc->local.state = TW_CONN_CLOSING;
    tw_feed_publish_info(fc);
}

static void give_up(struct tw_feed *f)
{
    f->worker.result = -ECONNABORTED;
    tw_worker_stop(&f->worker);
}

static void schedule(struct feed_conn *fc, int64_t now, int64_t delay)
{
    fc->scheduled = 1;
    fc->next_attempt_ns = now + delay;
}

/* A failed attempt (or a connection that died before it said anything): back off, or give up. */
static void failed_attempt(struct tw_feed *f, struct feed_conn *fc, int64_t now)
{
    fc->attempts++;
    if (f->cfg.reconnect_attempts && fc->attempts >= f->cfg.reconnect_attempts) {
        give_up(f);
        return;
    }
    schedule(fc, now, tw_feed_backoff_ns(f->cfg.reconnect_base_ms, f->cfg.reconnect_max_ms, fc->attempts,
                                         &f->rng));
}

static void attempt_open(struct tw_feed *f, struct feed_conn *fc, int64_t now)
{
    fc->scheduled = 0;
    fc->closing = CLOSE_NONE;
    for (uint32_t i = fc->first_sym; i < fc->first_sym + fc->nsym; i++)
        set_state(f, &f->sym[i], TW_FEED_CONNECTING, TW_REASON_RECONNECTING);
    int r = fc->conn ? tw_conn_open(fc->conn) : 0;
    fc->local.state = r < 0 ? TW_CONN_CLOSED : TW_CONN_CONNECTING;
    if (r < 0) {
        fc->local.last_error = r;
        failed_attempt(f, fc, now);
    }
    tw_feed_publish_info(fc);
}

void tw_feed_on_open(void *user, tw_conn_t *c)
{
    (void)c;
    struct feed_conn *fc = user;
    struct tw_feed *f = fc->feed;
    fc->open = 1;
    fc->healthy = 0;
    fc->opened_ns = tw_mono_ns();
    fc->connects++;
    fc->win_msgs = fc->win_bad = 0;
    for (uint32_t i = fc->first_sym; i < fc->first_sym + fc->nsym; i++) {
        struct feed_sym *sy = &f->sym[i];
        tw_sync_reset(&sy->sync);
        sy->diffs_seen = 0;
        sy->syncing_ns = tw_real_ns();
        sy->not_bridged = 0;
        set_state(f, sy, TW_FEED_SYNCING, TW_REASON_CONNECTED);
        set_health(sy, TW_REASON_CONNECTED, 0); /* also when it was syncing already */
    }
    fc->local.state = TW_CONN_OPEN;
    tw_feed_publish_info(fc);
}

void tw_feed_on_message(void *user, tw_conn_t *c, const uint8_t *data, size_t len, int opcode, int64_t recv_ns)
{
    (void)c;
    handle_message(user, (const char *)data, len, opcode, recv_ns);
}

void tw_feed_on_close(void *user, tw_conn_t *c, int err, uint16_t code)
{
    struct feed_conn *fc = user;
    struct tw_feed *f = fc->feed;
    int was_open = fc->open, healthy = fc->healthy;
    int64_t now = tw_mono_ns();
    uint32_t why = fc->closing;
    fc->open = 0;
    fc->healthy = 0;
    for (uint32_t i = fc->first_sym; i < fc->first_sym + fc->nsym; i++) {
        struct feed_sym *sy = &f->sym[i];
        cancel_snapshot(sy);
        tw_sync_reset(&sy->sync);
        if (was_open) {
            tw_counter_add(&sy->stats->reconnects, 1);
            leave_live(f, sy, TW_FEED_STALE, why == CLOSE_MALFORMED ? TW_REASON_MALFORMED : TW_REASON_DISCONNECTED);
        }
        if (why == CLOSE_MALFORMED)
            set_health(sy, TW_REASON_MALFORMED, fc->bad_percent);
    }
    fc->local.state = TW_CONN_CLOSED;
    fc->local.last_error = why == CLOSE_MALFORMED ? -EBADMSG : err;
    fc->local.last_close_code = code;
    if (c) {
        tw_conn_stats_t st;
        tw_conn_get_stats(c, &st);
        memcpy(fc->local.tls_error, st.tls_error, sizeof(fc->local.tls_error));
        fc->local.tls_error[sizeof(fc->local.tls_error) - 1] = 0;
    }
    fc->closing = CLOSE_NONE;
    if (why != CLOSE_STOP && !tw_worker_stopping(&f->worker)) {
        if (was_open)
            fc->reconnects++;
        if (why == CLOSE_MALFORMED)
            failed_attempt(f, fc, now); /* likely the wrong endpoint: back off as after a failure */
        else if (healthy && (why == CLOSE_LIFETIME || why == CLOSE_SHUTDOWN))
            schedule(fc, now, 0); /* planned: straight back */
        else if (healthy)
            schedule(fc, now, tw_feed_backoff_ns(f->cfg.reconnect_base_ms, f->cfg.reconnect_max_ms, 0, &f->rng));
        else
            failed_attempt(f, fc, now);
    }
    tw_feed_publish_info(fc);
}

/*
 * Per symbol: a live book with no valid update for stale_intervals depth
 * intervals goes stale (its chain is kept: the next diff that follows makes
 * it live again); a syncing symbol says what it waits for (no diff at all,
 * a snapshot request that failed).
 */
static void symbol_health(struct tw_feed *f, int64_t mono)
{
    int64_t now = tw_real_ns() + (mono - tw_mono_ns()); /* real time at `mono` (tests move it ahead) */
    int64_t limit = (int64_t)f->cfg.stale_intervals * (f->cfg.depth_ms ? f->cfg.depth_ms : 100) * MS;
    for (uint32_t i = 0; i < f->nsym; i++) {
        struct feed_sym *sy = &f->sym[i];
        uint32_t failed = __atomic_load_n(&sy->mb.failed, __ATOMIC_RELAXED); /* no locked op unless set */
        if (failed)
            failed = __atomic_exchange_n(&sy->mb.failed, 0, __ATOMIC_RELAXED);
        if (sy->state != TW_FEED_LIVE && sy->state != TW_FEED_SYNCING)
            continue;
        if (sy->state == TW_FEED_SYNCING && failed)
            set_health(sy, TW_REASON_SNAPSHOT_FAILED, failed & ~(uint32_t)MB_FAILED);
        if (f->cfg.stale_intervals == 0 || !(f->cfg.streams & TW_FEED_STREAM_DEPTH))
            continue;
        if (sy->state == TW_FEED_LIVE && now - sy->last_valid_ns > limit) {
            leave_live(f, sy, TW_FEED_STALE, TW_REASON_NO_UPDATES);
            set_health(sy, TW_REASON_NO_UPDATES, (uint32_t)((now - sy->last_valid_ns) / MS));
        } else if (sy->state == TW_FEED_SYNCING && sy->diffs_seen == 0 && now - sy->syncing_ns > limit &&
                   (sy->health >> 32) != TW_REASON_SNAPSHOT_FAILED) {
            if ((sy->health >> 32) != TW_REASON_NO_DIFFS)
                set_health(sy, TW_REASON_NO_DIFFS, (uint32_t)((now - sy->syncing_ns) / MS));
        }
    }
}

/* Heartbeat, lifetime, connect and close timeouts, due reconnects, symbol health. */
static void timers(struct tw_feed *f, int64_t now)
{
    symbol_health(f, now);
    for (uint32_t i = 0; i < f->nconn; i++) {
        struct feed_conn *fc = &f->conn[i];
        if (fc->scheduled) {
            if (now >= fc->next_attempt_ns)
                attempt_open(f, fc, now);
            continue;
        }
        if (fc->conn == NULL)
            continue; /* a test feed: no socket to watch */
        tw_conn_stats_t st;
        tw_conn_get_stats(fc->conn, &st);
        int64_t last = st.last_rx_ns > fc->opened_ns ? st.last_rx_ns : fc->opened_ns;
        /* the net layer times out opens and close handshakes itself (open/close_timeout_ms) */
        if (fc->closing == CLOSE_NONE && fc->open) {
            if (now - last > (int64_t)f->cfg.heartbeat_ms * MS)
                close_conn(fc, CLOSE_HEARTBEAT);
            else if (now - fc->opened_ns > (int64_t)f->cfg.lifetime_s * 1000 * MS)
                close_conn(fc, CLOSE_LIFETIME);
        }
        if (st.state != fc->local.state && fc->closing == CLOSE_NONE) {
            fc->local.state = st.state; /* TLS, UPGRADING: only the net layer sees those */
            tw_feed_publish_info(fc);
        }
    }
}

/* ------------------------------------------------------------ thread -- */

static int poll_ok(int n)
{
    return n >= 0 || n == -EINTR || n == -ETIME || n == -EAGAIN || n == -EBUSY;
}

static void stop_conns(struct tw_feed *f)
{
    int64_t now = tw_mono_ns(), end = now + STOP_DRAIN_NS;
    int busy = 0;
    for (uint32_t i = 0; i < f->nconn; i++) {
        struct feed_conn *fc = &f->conn[i];
        fc->scheduled = 0;
        tw_conn_stats_t st;
        tw_conn_get_stats(fc->conn, &st);
        if (st.state != TW_CONN_CLOSED) {
            close_conn(fc, CLOSE_STOP);
            busy = 1;
        }
    }
    while (busy && tw_mono_ns() < end) {
        if (!poll_ok(tw_loop_poll(f->loop, POLL_BLOCK_NS)))
            break;
        busy = 0;
        for (uint32_t i = 0; i < f->nconn; i++) {
            tw_conn_stats_t st;
            tw_conn_get_stats(f->conn[i].conn, &st);
            busy |= st.state != TW_CONN_CLOSED;
        }
    }
}

static void *run(void *arg)
{
    struct tw_feed *f = arg;
    int r = f->cfg.cpu >= 0 ? tw_cpu_pin_self(f->cfg.cpu) : 0;
    if (r < 0) {
        tw_worker_finish(&f->worker, r);
        return NULL;
    }
    int64_t now = tw_mono_ns(), next_timer = now + TIMER_PERIOD_NS;
    for (uint32_t i = 0; i < f->nsym; i++) {
        write_stale(f, &f->sym[i]);
        set_state(f, &f->sym[i], TW_FEED_CONNECTING, TW_REASON_START);
    }
    for (uint32_t i = 0; i < f->nconn; i++)
        attempt_open(f, &f->conn[i], now);
    int64_t timeout = f->cfg.wait == TW_FEED_WAIT_SPIN ? -1 : POLL_BLOCK_NS;
    while (!tw_worker_stopping(&f->worker)) { /* tw_feed_stop or give_up */
        int n = tw_loop_poll(f->loop, timeout);
        if (!poll_ok(n)) {
            f->worker.result = n;
            break;
        }
        tw_counter_add(&f->ctr[TW_CTR_FEED_LOOPS], 1);
        if (f->npending)
            service_mailboxes(f);
        now = tw_mono_ns();
        if (now >= next_timer) {
            timers(f, now);
            next_timer = now + TIMER_PERIOD_NS;
        }
    }
    stop_conns(f);
    for (uint32_t i = 0; i < f->nsym; i++) {
        cancel_snapshot(&f->sym[i]);
        leave_live(f, &f->sym[i], TW_FEED_STALE, TW_REASON_STOPPED);
    }
    tw_worker_finish(&f->worker, 0);
    return NULL;
}

int tw_feed_start(tw_feed_t *f)
{
    if (f->loop == NULL)
        return -ENOTCONN; /* a test feed has no network */
    return tw_worker_start(&f->worker, run, f);
}

void tw_feed_stop(tw_feed_t *f)
{
    tw_worker_stop(&f->worker);
}

int tw_feed_running(const tw_feed_t *f)
{
    return tw_worker_running(&f->worker);
}

int tw_feed_join(tw_feed_t *f)
{
    return tw_worker_join(&f->worker);
}

/* ---------------------------------------------------- introspection -- */

uint32_t tw_feed_conn_count(const tw_feed_t *f)
{
    return f->nconn;
}

int tw_feed_conn_info(const tw_feed_t *f, uint32_t conn, tw_feed_conn_info_t *out)
{
    if (conn >= f->nconn)
        return -EINVAL;
    const struct feed_conn *fc = &f->conn[conn];
    for (int i = 0; i < INFO_READ_RETRIES; i++) {
        uint64_t s1 = tw_seq_read_begin(&fc->info_seq);
        if (s1 & 1u) {
            tw_cpu_relax();
            continue;
        }
        tw_copy_from_shared(out, &fc->info, (uint32_t)sizeof(*out));
        if (tw_seq_read_end(&fc->info_seq, s1)) {
            out->tls_error[sizeof(out->tls_error) - 1] = 0;
            return 0;
        }
    }
    return -EAGAIN;
}

/* -------------------------------------------------------------- tests -- */

void tw_feed_test_open(tw_feed_t *f, uint32_t conn)
{
    tw_feed_on_open(&f->conn[conn], NULL);
}

void tw_feed_test_message(tw_feed_t *f, uint32_t conn, const char *data, size_t len, int64_t recv_ns)
{
    handle_message(&f->conn[conn], data, len, TW_WS_TEXT, recv_ns);
}

void tw_feed_test_close(tw_feed_t *f, uint32_t conn, int err, uint16_t code)
{
    tw_feed_on_close(&f->conn[conn], NULL, err, code);
}

void tw_feed_test_service(tw_feed_t *f, int64_t now_ns)
{
    if (f->npending)
        service_mailboxes(f);
    timers(f, now_ns);
}

const char *tw_feed_test_path(const tw_feed_t *f, uint32_t conn)
{
    return conn < f->nconn ? f->conn[conn].path : NULL;
}

const tw_sync_t *tw_feed_test_sync(const tw_feed_t *f, uint32_t symbol)
{
    return symbol < f->nsym ? &f->sym[symbol].sync : NULL;
}

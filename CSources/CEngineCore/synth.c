/* SPDX-License-Identifier: MIT */
/*
 * The synthetic venue: a thread that keeps a full book per instrument in its
 * own memory, moves it through a seeded random walk (level changes, trades at
 * the touch, one-tick mid moves, levels inserted into a wide spread) and
 * writes every change exactly as a venue feed does: the book block under its
 * seqlock, then an md event, then the counters. Deterministic for a seed.
 *
 * Everything is allocated in tw_synth_create(); the thread itself does not
 * allocate, lock or log. It sleeps between 1 ms batches when paced, which is
 * what keeps it polite on a small machine.
 */
#define _GNU_SOURCE
#include "tickwire/core.h"
#include "tickwire/shm.h"
#include "tickwire/writer.h"
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct book {
    tw_level_t *bids, *asks;   /* best first; `levels` slots each */
    uint32_t nb, na;
    uint64_t update_id;
    uint64_t trade_id;
    int64_t tick, step;
};

struct tw_synth {
    tw_synth_config_t cfg;
    void *books_seg, *stats_seg;
    tw_ring_writer_t ring;
    struct book *book;
    tw_level_t *level_mem;
    uint32_t count, depth, levels;
    uint64_t rng;
    tw_worker_t worker;
    uint64_t events;           /* atomic: read by tw_synth_events */
};

static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static int64_t random_qty(struct tw_synth *s, const struct book *b)
{
    return b->step * (int64_t)(1 + next_rand(&s->rng) % 200);
}

static void init_book(struct tw_synth *s, struct book *b, int64_t mid)
{
    mid -= mid % b->tick;
    b->nb = b->na = s->levels;
    for (uint32_t i = 0; i < s->levels; i++) {
        b->bids[i] = (tw_level_t){mid - (int64_t)i * b->tick, random_qty(s, b)};
        b->asks[i] = (tw_level_t){mid + (int64_t)(i + 1) * b->tick, random_qty(s, b)};
    }
}

/* Removes the best level of a side and appends a new deepest one. */
static void pop_best(struct tw_synth *s, struct book *b, tw_level_t *lv, int64_t dir)
{
    memmove(lv, lv + 1, (s->levels - 1) * sizeof(*lv));
    lv[s->levels - 1] = (tw_level_t){lv[s->levels - 2].price + dir * b->tick, random_qty(s, b)};
}

/* Inserts a new best level at price, dropping the deepest. */
static void push_best(struct tw_synth *s, struct book *b, tw_level_t *lv, int64_t price)
{
    memmove(lv + 1, lv, (s->levels - 1) * sizeof(*lv));
    lv[0] = (tw_level_t){price, random_qty(s, b)};
}

static void write_book(struct tw_synth *s, uint32_t i, uint32_t changed, uint32_t flags)
{
    struct book *b = &s->book[i];
    tw_book_header_t h = {0};
    int64_t now = tw_real_ns();
    h.update_id = ++b->update_id;
    h.first_update_id = h.update_id;
    h.exchange_ns = now;
    h.recv_ns = now;
    h.publish_ns = now;
    h.flags = flags;
    uint32_t nb = b->nb < s->depth ? b->nb : s->depth, na = b->na < s->depth ? b->na : s->depth;
    int64_t t0 = tw_mono_ns();
    tw_book_write(tw_books_block_mut(s->books_seg, i), s->depth, &h, b->bids, nb, b->asks, na);
    int64_t t1 = tw_mono_ns();

    tw_md_book_t ev = {
        .update_id = h.update_id, .first_update_id = h.first_update_id,
        .exchange_ns = now, .recv_ns = now, .publish_ns = tw_real_ns(),
        .bid_px = b->bids[0].price, .bid_qty = b->bids[0].quantity,
        .ask_px = b->asks[0].price, .ask_qty = b->asks[0].quantity,
        .levels_changed = changed, .flags = flags,
    };
    tw_ring_publish(&s->ring, TW_MD_BOOK, (uint16_t)i, &ev, sizeof(ev));

    uint64_t *ctr = tw_stats_counters_mut(s->stats_seg);
    tw_instrument_stats_t *st = tw_stats_instrument_mut(s->stats_seg, i);
    tw_counter_add(&ctr[TW_CTR_MD_EVENTS], 1);
    tw_counter_add(&ctr[TW_CTR_BOOK_WRITES], 1);
    tw_counter_add(&st->messages, 1);
    tw_counter_add(&st->bytes, sizeof(ev));
    tw_counter_add(&st->book_updates, 1);
    tw_counter_set(&st->last_update_id, h.update_id);
    tw_counter_set((uint64_t *)&st->last_update_ns, (uint64_t)now);
    tw_hist_record(tw_stats_histogram_mut(s->stats_seg, TW_HIST_BOOK_WRITE), (uint64_t)(t1 - t0));
    tw_hist_record(tw_stats_histogram_mut(s->stats_seg, TW_HIST_MD_PUBLISH), (uint64_t)(ev.publish_ns - now));
}

static void publish_trade(struct tw_synth *s, uint32_t i, int64_t price, int64_t qty, uint8_t aggressor)
{
    struct book *b = &s->book[i];
    int64_t now = tw_real_ns();
    tw_md_trade_t ev = {
        .trade_id = ++b->trade_id, .exchange_ns = now, .recv_ns = now, .publish_ns = now,
        .price = price, .quantity = qty, .aggressor = aggressor,
    };
    tw_ring_publish(&s->ring, TW_MD_TRADE, (uint16_t)i, &ev, sizeof(ev));
    uint64_t *ctr = tw_stats_counters_mut(s->stats_seg);
    tw_instrument_stats_t *st = tw_stats_instrument_mut(s->stats_seg, i);
    tw_counter_add(&ctr[TW_CTR_MD_EVENTS], 1);
    tw_counter_add(&ctr[TW_CTR_TRADES], 1);
    tw_counter_add(&st->messages, 1);
    tw_counter_add(&st->bytes, sizeof(ev));
    tw_counter_add(&st->trades, 1);
}

static void publish_status(struct tw_synth *s, uint32_t i, uint32_t state)
{
    tw_instrument_set_feed_state(tw_books_instrument_mut(s->books_seg, i), state);
    tw_md_status_t ev = {.feed_state = state, .reason = 0, .publish_ns = tw_real_ns()};
    tw_ring_publish(&s->ring, TW_MD_STATUS, (uint16_t)i, &ev, sizeof(ev));
    tw_counter_add(&tw_stats_counters_mut(s->stats_seg)[TW_CTR_MD_EVENTS], 1);
}

/* A taker of random size hits the touch; an emptied level is replaced from behind. */
static void step_trade(struct tw_synth *s, uint32_t i)
{
    struct book *b = &s->book[i];
    int buy = next_rand(&s->rng) & 1;
    tw_level_t *lv = buy ? b->asks : b->bids;
    int64_t qty = b->step * (int64_t)(1 + next_rand(&s->rng) % 50);
    if (qty > lv[0].quantity)
        qty = lv[0].quantity;
    publish_trade(s, i, lv[0].price, qty, buy ? TW_SIDE_BUY : TW_SIDE_SELL);
    lv[0].quantity -= qty;
    if (lv[0].quantity == 0)
        pop_best(s, b, lv, buy ? 1 : -1);
    write_book(s, i, 1, 0);
}

/* The mid moves one tick: the touch on one side goes, the other side steps in. */
static void step_move(struct tw_synth *s, uint32_t i)
{
    struct book *b = &s->book[i];
    int up = next_rand(&s->rng) & 1;
    if (!up && b->bids[s->levels - 1].price <= 2 * b->tick)
        up = 1; /* keep prices positive */
    if (up) {
        int64_t bid = b->bids[0].price + b->tick;
        pop_best(s, b, b->asks, 1);
        push_best(s, b, b->bids, bid);
    } else {
        int64_t ask = b->asks[0].price - b->tick;
        pop_best(s, b, b->bids, -1);
        push_best(s, b, b->asks, ask);
    }
    write_book(s, i, 2, 0);
}

/* A resting quantity changes, or a new level improves a spread wider than a tick. */
static void step_level(struct tw_synth *s, uint32_t i)
{
    struct book *b = &s->book[i];
    int bid = next_rand(&s->rng) & 1;
    if (b->asks[0].price - b->bids[0].price > b->tick && next_rand(&s->rng) % 4 == 0) {
        if (bid)
            push_best(s, b, b->bids, b->bids[0].price + b->tick);
        else
            push_best(s, b, b->asks, b->asks[0].price - b->tick);
    } else {
        uint64_t r = next_rand(&s->rng) % s->levels;
        uint32_t k = (uint32_t)(r * (next_rand(&s->rng) % s->levels) / s->levels); /* near the top */
        (bid ? b->bids : b->asks)[k].quantity = random_qty(s, b);
    }
    write_book(s, i, 1, 0);
}

static void step(struct tw_synth *s)
{
    uint32_t i = (uint32_t)(next_rand(&s->rng) % s->count);
    uint64_t r = next_rand(&s->rng) % 100;
    if (r < 60)
        step_level(s, i);
    else if (r < 85)
        step_trade(s, i);
    else
        step_move(s, i);
    tw_counter_add(&tw_stats_counters_mut(s->stats_seg)[TW_CTR_SYNTH_STEPS], 1);
    __atomic_store_n(&s->events, __atomic_load_n(&s->events, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELAXED); /* read relaxed by tw_synth_events */
}

/* Steps owed by now at the configured rate. */
static uint64_t steps_due(uint32_t rate, int64_t elapsed)
{
    uint64_t e = (uint64_t)elapsed;
    return e / 1000000000ull * rate + e % 1000000000ull * rate / 1000000000ull;
}

static void sleep_until(int64_t mono_ns)
{
    struct timespec ts = {.tv_sec = mono_ns / 1000000000LL, .tv_nsec = mono_ns % 1000000000LL};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static void *run(void *arg)
{
    struct tw_synth *s = arg;
    if (s->cfg.cpu >= 0 && tw_cpu_pin_self(s->cfg.cpu) < 0) {
        tw_worker_finish(&s->worker, -EINVAL);
        return NULL;
    }
    for (uint32_t i = 0; i < s->count; i++) {
        publish_status(s, i, TW_FEED_LIVE);
        write_book(s, i, s->levels, 0);
    }
    int64_t start = tw_mono_ns();
    uint64_t done = 0, batch = s->cfg.rate / 1000 ? s->cfg.rate / 1000 : 1;
    while (!tw_worker_stopping(&s->worker)) {
        if (s->cfg.max_events && done >= s->cfg.max_events)
            break;
        int64_t elapsed = tw_mono_ns() - start;
        if (s->cfg.duration_ns && elapsed >= s->cfg.duration_ns)
            break;
        if (s->cfg.rate && done >= steps_due(s->cfg.rate, elapsed)) {
            int64_t wake = start + (int64_t)((done + batch) * 1000000000ull / s->cfg.rate);
            sleep_until(wake);
            continue;
        }
        step(s);
        done++;
    }
    for (uint32_t i = 0; i < s->count; i++) {
        write_book(s, i, 0, TW_BOOK_FLAG_STALE);
        publish_status(s, i, TW_FEED_STALE);
    }
    tw_worker_finish(&s->worker, 0);
    return NULL;
}

int tw_synth_create(const tw_synth_config_t *cfg, void *md_segment, void *books_segment, void *stats_segment,
                    const int64_t *start_prices, tw_synth_t **out)
{
    const tw_books_header_t *bh = tw_books_of(books_segment);
    const tw_stats_header_t *sh = tw_stats_of(stats_segment);
    if (bh->instrument_count == 0 || sh->instrument_count < bh->instrument_count)
        return -EINVAL;
    struct tw_synth *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->cfg = *cfg;
    s->books_seg = books_segment;
    s->stats_seg = stats_segment;
    s->count = bh->instrument_count;
    s->depth = bh->depth;
    s->levels = cfg->levels && cfg->levels < bh->depth ? cfg->levels : bh->depth;
    if (s->levels < 2)
        s->levels = 2;
    s->rng = cfg->seed ? cfg->seed : 0x9E3779B97F4A7C15ULL;
    s->book = calloc(s->count, sizeof(*s->book));
    s->level_mem = calloc((size_t)s->count * s->levels * 2, sizeof(tw_level_t));
    int rc = tw_ring_writer_init(&s->ring, md_segment);
    if (!s->book || !s->level_mem || rc < 0) {
        tw_synth_destroy(s);
        return rc < 0 ? rc : -ENOMEM;
    }
    for (uint32_t i = 0; i < s->count; i++) {
        const tw_instrument_info_t *info = tw_books_instrument(books_segment, i);
        struct book *b = &s->book[i];
        b->bids = s->level_mem + (size_t)i * s->levels * 2;
        b->asks = b->bids + s->levels;
        b->tick = info->tick_size > 0 ? info->tick_size : 1;
        b->step = info->step_size > 0 ? info->step_size : 1;
        if (start_prices[i] <= (int64_t)(s->levels + 2) * b->tick) {
            tw_synth_destroy(s);
            return -ERANGE;
        }
        init_book(s, b, start_prices[i]);
    }
    *out = s;
    return 0;
}

int tw_synth_start(tw_synth_t *s)
{
    return tw_worker_start(&s->worker, run, s);
}

void tw_synth_stop(tw_synth_t *s)
{
    tw_worker_stop(&s->worker);
}

int tw_synth_running(const tw_synth_t *s)
{
    return tw_worker_running(&s->worker);
}

int tw_synth_join(tw_synth_t *s)
{
    return tw_worker_join(&s->worker);
}

uint64_t tw_synth_events(const tw_synth_t *s)
{
    return __atomic_load_n(&s->events, __ATOMIC_RELAXED); /* written by step() */
}

void tw_synth_destroy(tw_synth_t *s)
{
    if (!s)
        return;
    if (s->worker.started) {
        tw_synth_stop(s);
        tw_synth_join(s);
    }
    free(s->level_mem);
    free(s->book);
    free(s);
}

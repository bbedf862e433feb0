/* SPDX-License-Identifier: MIT */
/*
 * Binance's "how to manage a local order book correctly", as a state machine
 * the feed thread drives with decoded messages (no I/O: the caller fetches
 * snapshots when told to).
 *
 * Before the snapshot, diffs are copied into a bounded buffer (events plus
 * their levels in one flat array). The snapshot replays that buffer through
 * the same per-event rule as live traffic, so there is one implementation of
 * the spot and futures continuity rules, not two.
 *
 * bookTickers are checked against the book when the book's last applied u
 * equals theirs. A bookTicker is pushed in real time while the diff carrying
 * its u comes with the next 100 ms batch, so most wait in a small ring until
 * that diff is applied; those whose u never ends a diff are dropped unchecked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tickwire/feedbook.h"

int tw_sync_init(tw_sync_t *s, const tw_sync_config_t *cfg)
{
    memset(s, 0, sizeof(*s));
    if ((cfg->rule != TW_SYNC_SPOT && cfg->rule != TW_SYNC_FUTURES) || cfg->buffer_events == 0 ||
        cfg->buffer_levels == 0)
        return -EINVAL;
    int r = tw_feedbook_init(&s->book, cfg->book_capacity);
    if (r < 0)
        return r;
    size_t ev = (size_t)cfg->buffer_events * sizeof(tw_sync_event_t);
    s->mem = malloc(ev + (size_t)cfg->buffer_levels * sizeof(tw_level_t));
    if (s->mem == NULL) {
        tw_feedbook_free(&s->book);
        return -ENOMEM;
    }
    s->events = s->mem;
    s->levels = (tw_level_t *)((char *)s->mem + ev);
    s->events_cap = cfg->buffer_events;
    s->levels_cap = cfg->buffer_levels;
    s->rule = cfg->rule;
    return 0;
}

void tw_sync_free(tw_sync_t *s)
{
    tw_feedbook_free(&s->book);
    free(s->mem);
    memset(s, 0, sizeof(*s));
}

void tw_sync_reset(tw_sync_t *s)
{
    tw_feedbook_clear(&s->book);
    s->state = TW_SYNC_BUFFERING;
    s->chained = 0;
    s->update_id = 0;
    s->nevents = 0;
    s->nlevels = 0;
    s->nticker = 0;
}

/* Copies a diff into the buffer; 0 or -ENOBUFS. */
static int buffer_push(tw_sync_t *s, const tw_bn_depth_t *d)
{
    uint32_t need = d->bid_count + d->ask_count;
    if (s->nevents == s->events_cap || need > s->levels_cap - s->nlevels)
        return -ENOBUFS;
    tw_sync_event_t *e = &s->events[s->nevents++];
    *e = (tw_sync_event_t){d->first_id, d->last_id, d->prev_last_id, (uint32_t)d->has_prev,
                           s->nlevels, d->bid_count, d->ask_count};
    memcpy(&s->levels[s->nlevels], d->bids, d->bid_count * sizeof(tw_level_t));
    memcpy(&s->levels[s->nlevels + d->bid_count], d->asks, d->ask_count * sizeof(tw_level_t));
    s->nlevels += need;
    return 0;
}

/* Buffering: an overflow restarts the buffer from this event. */
static int buffer_diff(tw_sync_t *s, const tw_bn_depth_t *d)
{
    if (buffer_push(s, d) == 0)
        return TW_SYNC_BUFFERED;
    s->overflows++;
    s->nevents = 0;
    s->nlevels = 0;
    buffer_push(s, d); /* fails only when one diff exceeds the whole buffer */
    return -ENOBUFS;
}

/*
 * The continuity rule for one event against the book's id: STALE, APPLIED
 * (allowed: the caller applies it) or -EPIPE.
 */
static int chain_rule(const tw_sync_t *s, const tw_sync_event_t *e)
{
    uint64_t id = s->update_id;
    if (s->rule == TW_SYNC_SPOT) {
        if (e->last_id <= id)
            return TW_SYNC_STALE;
        if (!s->chained)
            return e->first_id <= id + 1 ? TW_SYNC_APPLIED : -EPIPE;
        return e->first_id == id + 1 ? TW_SYNC_APPLIED : -EPIPE;
    }
    if (!s->chained) {
        if (e->last_id < id)
            return TW_SYNC_STALE;
        return e->first_id <= id ? TW_SYNC_APPLIED : -EPIPE;
    }
    if (e->last_id <= id)
        return TW_SYNC_STALE;
    return e->has_prev && e->prev_last_id == id ? TW_SYNC_APPLIED : -EPIPE;
}

/* Compares the waiting bookTickers with the book once its u has moved. */
static void check_tickers(tw_sync_t *s)
{
    uint32_t kept = 0;
    tw_level_t bid = tw_feedbook_best(&s->book, TW_FB_BID), ask = tw_feedbook_best(&s->book, TW_FB_ASK);
    for (uint32_t i = 0; i < s->nticker; i++) {
        const tw_sync_ticker_t *t = &s->tickers[i];
        if (t->update_id > s->update_id) {
            s->tickers[kept++] = *t;
        } else if (t->update_id == s->update_id) {
            s->bbo_checks++;
            s->bbo_mismatches += t->bid_px != bid.price || t->bid_qty != bid.quantity ||
                                 t->ask_px != ask.price || t->ask_qty != ask.quantity;
        }
    }
    s->nticker = kept;
}

static int apply_event(tw_sync_t *s, const tw_sync_event_t *e, const tw_level_t *bids,
                       const tw_level_t *asks)
{
    int r = chain_rule(s, e);
    if (r != TW_SYNC_APPLIED) {
        s->stale += r == TW_SYNC_STALE;
        return r;
    }
    if ((r = tw_feedbook_apply(&s->book, bids, e->nb, asks, e->na)) < 0)
        return r;
    s->update_id = e->last_id;
    s->chained = 1;
    s->applied++;
    if (s->nticker)
        check_tickers(s);
    return TW_SYNC_APPLIED;
}

/* A gap: discard the book and start buffering again from this event. */
static int gap(tw_sync_t *s, const tw_bn_depth_t *d)
{
    s->gaps++;
    tw_sync_reset(s);
    buffer_push(s, d);
    return -EPIPE;
}

int tw_sync_diff(tw_sync_t *s, const tw_bn_depth_t *d)
{
    if (s->state == TW_SYNC_BUFFERING)
        return buffer_diff(s, d);
    tw_sync_event_t e = {d->first_id, d->last_id, d->prev_last_id, (uint32_t)d->has_prev, 0,
                         d->bid_count, d->ask_count};
    int r = apply_event(s, &e, d->bids, d->asks);
    return r == -EPIPE ? gap(s, d) : r;
}

/* Replays the buffered diffs; returns the count applied or -errno. */
static int replay(tw_sync_t *s)
{
    int applied = 0;
    for (uint32_t i = 0; i < s->nevents; i++) {
        const tw_sync_event_t *e = &s->events[i];
        const tw_level_t *lv = &s->levels[e->offset];
        int r = apply_event(s, e, lv, lv + e->nb);
        if (r < 0)
            return r;
        applied += r == TW_SYNC_APPLIED;
    }
    return applied;
}

int tw_sync_snapshot(tw_sync_t *s, const tw_bn_snapshot_t *snap)
{
    int r = tw_feedbook_load(&s->book, snap->bids, snap->bid_count, snap->asks, snap->ask_count);
    if (r < 0)
        return r;
    s->snapshots++;
    s->update_id = snap->last_update_id;
    s->chained = 0;
    s->state = TW_SYNC_LIVE;
    if (s->nticker)
        check_tickers(s);
    r = replay(s);
    if (r == -EPIPE && !s->chained) {
        s->state = TW_SYNC_BUFFERING; /* the snapshot predates the buffer: keep it, fetch again */
        tw_feedbook_clear(&s->book);
        return -EAGAIN;
    }
    if (r < 0) {
        s->gaps++;
        tw_sync_reset(s);
        return r;
    }
    s->nevents = 0;
    s->nlevels = 0;
    return r;
}

static void ticker_wait(tw_sync_t *s, const tw_bn_bookticker_t *t)
{
    if (s->nticker == TW_SYNC_TICKERS) { /* the oldest can no longer match: drop it */
        memmove(&s->tickers[0], &s->tickers[1], (TW_SYNC_TICKERS - 1) * sizeof(tw_sync_ticker_t));
        s->nticker--;
    }
    s->tickers[s->nticker++] = (tw_sync_ticker_t){t->update_id, t->bid_px, t->bid_qty, t->ask_px, t->ask_qty};
}

int tw_sync_bookticker(tw_sync_t *s, const tw_bn_bookticker_t *t)
{
    if (s->state != TW_SYNC_LIVE || t->update_id > s->update_id) {
        ticker_wait(s, t);
        return TW_BBO_DEFERRED;
    }
    if (t->update_id < s->update_id)
        return TW_BBO_DEFERRED;
    tw_level_t bid = tw_feedbook_best(&s->book, TW_FB_BID), ask = tw_feedbook_best(&s->book, TW_FB_ASK);
    int ok = t->bid_px == bid.price && t->bid_qty == bid.quantity && t->ask_px == ask.price &&
             t->ask_qty == ask.quantity;
    s->bbo_checks++;
    s->bbo_mismatches += !ok;
    return ok ? TW_BBO_MATCH : TW_BBO_MISMATCH;
}

/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the feed thread's tests (unit_feed.c, e2e_feed.c): an
 * instance's md, books and stats segments under $TICKWIRE_SHM_DIR, an md
 * ring tally, a check that a book block equals the feed's own book, and a
 * REST snapshot body printed from a feed book (to resync a feed with the
 * state another feed reached). Test code only: it allocates freely.
 */
#ifndef TW_FEEDTEST_H
#define TW_FEEDTEST_H

#include <errno.h>
#include <inttypes.h>

#include "cfeed.h"
#include "feed_internal.h"
#include "tickwire/core.h"
#include "tickwire/reader.h"
#include "tickwire/shm.h"

enum { FT_DEPTH = 20, FT_SLOTS = 1 << 16 };

typedef struct ft_inst_def {
    const char *symbol;        /* upper case, as in the instrument table */
    int8_t price_exp, qty_exp;
} ft_inst_def_t;

typedef struct ft_segs {
    tw_shm_t md, books, stats;
    tw_ring_cursor_t cur;
    uint64_t events[5];        /* per tw_md_type_t, tallied by ft_drain */
    uint64_t status_last[8];   /* last feed_state seen per instrument (+1; 0: none) */
    uint64_t status_reason[8];
    uint64_t bad_events;       /* BOOK events whose top differs from the block's */
} ft_segs_t;

static inline void ft_make(ft_segs_t *s, const char *instance, const ft_inst_def_t *defs, uint32_t n)
{
    memset(s, 0, sizeof(*s));
    int r = tw_shm_create(instance, TW_SEG_MD, tw_ring_region_size(TW_MD_SLOT_SIZE, FT_SLOTS), 1, &s->md);
    r = r ? r : tw_ring_init(&s->md, TW_MD_SLOT_SIZE, FT_SLOTS);
    r = r ? r : tw_shm_commit(&s->md);
    r = r ? r : tw_shm_create(instance, TW_SEG_BOOKS, tw_books_region_size(n, FT_DEPTH), 1, &s->books);
    r = r ? r : tw_books_init(&s->books, n, FT_DEPTH);
    for (uint32_t i = 0; r == 0 && i < n; i++) {
        tw_instrument_info_t *info = tw_books_instrument_mut(s->books.base, i);
        snprintf(info->symbol, sizeof(info->symbol), "%s", defs[i].symbol);
        snprintf(info->venue, sizeof(info->venue), "binance");
        info->price_exponent = defs[i].price_exp;
        info->qty_exponent = defs[i].qty_exp;
        info->tick_size = 1;
        info->step_size = 1;
    }
    r = r ? r : tw_shm_commit(&s->books);
    r = r ? r : tw_shm_create(instance, TW_SEG_STATS, tw_stats_region_size(n), 1, &s->stats);
    r = r ? r : tw_stats_init(&s->stats, n);
    r = r ? r : tw_shm_commit(&s->stats);
    r = r ? r : tw_ring_cursor_init(&s->cur, s->md.base, 1);
    if (r != 0) {
        fprintf(stderr, "segments for %s: %d %s\n", instance, r, tw_error_message());
        exit(2);
    }
}

static inline void ft_free(ft_segs_t *s, const char *instance)
{
    tw_shm_detach(&s->md);
    tw_shm_detach(&s->books);
    tw_shm_detach(&s->stats);
    tw_shm_unlink(instance, TW_SEG_MD);
    tw_shm_unlink(instance, TW_SEG_BOOKS);
    tw_shm_unlink(instance, TW_SEG_STATS);
}

static inline const tw_instrument_stats_t *ft_stats(const ft_segs_t *s, uint32_t i)
{
    return tw_stats_instrument(s->stats.base, i);
}

static inline uint64_t ft_counter(const ft_segs_t *s, uint32_t id)
{
    return tw_load_u64(&tw_stats_counters(s->stats.base)[id]);
}

static inline uint32_t ft_state(const ft_segs_t *s, uint32_t i)
{
    return tw_load_u32(&tw_books_instrument(s->books.base, i)->feed_state);
}

/* A consistent copy of instrument i's block (FT_DEPTH levels a side). */
static inline int ft_read_book(const ft_segs_t *s, uint32_t i, tw_book_header_t *h, tw_level_t *bids,
                               tw_level_t *asks)
{
    return tw_book_read(tw_books_block(s->books.base, i), FT_DEPTH, h, bids, asks, FT_DEPTH, 1000);
}

/* Reads every md event published since the last call; checks BOOK events against the block's top. */
static inline void ft_drain(ft_segs_t *s)
{
    tw_slot_header_t hdr;
    uint64_t payload[TW_MD_PAYLOAD_MAX / 8] = {0};
    int r;
    while ((r = tw_ring_poll(&s->cur, &hdr, payload, sizeof(payload))) != 0) {
        if (r < 0) {
            fprintf(stderr, "md ring lapped the test reader\n");
            s->bad_events++;
            continue;
        }
        if (hdr.type >= 1 && hdr.type <= 4)
            s->events[hdr.type]++;
        if (hdr.type == TW_MD_STATUS && hdr.instrument < 8) {
            const tw_md_status_t *st = (const tw_md_status_t *)payload;
            s->status_last[hdr.instrument] = st->feed_state + 1;
            s->status_reason[hdr.instrument] = st->reason;
        }
        if (hdr.type == TW_MD_BOOK) { /* the block holds this event's book until the next write */
            const tw_md_book_t *ev = (const tw_md_book_t *)payload;
            tw_book_header_t h = {0};
            tw_level_t b[FT_DEPTH], a[FT_DEPTH];
            if (ft_read_book(s, hdr.instrument, &h, b, a) < 0 || h.update_id != ev->update_id ||
                (h.bid_count ? b[0].price != ev->bid_px || b[0].quantity != ev->bid_qty : ev->bid_qty != 0) ||
                (h.ask_count ? a[0].price != ev->ask_px || a[0].quantity != ev->ask_qty : ev->ask_qty != 0) ||
                (h.flags & TW_BOOK_FLAG_STALE) || ev->publish_ns < ev->recv_ns)
                s->bad_events++;
        }
    }
}

/* 1 when instrument i's block is live and equals the top FT_DEPTH levels of the feed book. */
static inline int ft_book_matches(const ft_segs_t *s, uint32_t i, const tw_sync_t *sync)
{
    tw_book_header_t h = {0};
    tw_level_t b[FT_DEPTH], a[FT_DEPTH], eb[FT_DEPTH], ea[FT_DEPTH];
    if (ft_read_book(s, i, &h, b, a) < 0 || (h.flags & TW_BOOK_FLAG_STALE))
        return 0;
    uint32_t nb = tw_feedbook_top(&sync->book, TW_FB_BID, eb, FT_DEPTH);
    uint32_t na = tw_feedbook_top(&sync->book, TW_FB_ASK, ea, FT_DEPTH);
    return h.update_id == sync->update_id && h.bid_count == nb && h.ask_count == na &&
           memcmp(b, eb, nb * sizeof(tw_level_t)) == 0 && memcmp(a, ea, na * sizeof(tw_level_t)) == 0;
}

static inline int ft_book_stale_empty(const ft_segs_t *s, uint32_t i)
{
    tw_book_header_t h = {0};
    tw_level_t b[FT_DEPTH], a[FT_DEPTH];
    return ft_read_book(s, i, &h, b, a) >= 1 && (h.flags & TW_BOOK_FLAG_STALE) && h.bid_count == 0 &&
           h.ask_count == 0;
}

/* A mantissa as the venue prints it: "61837.63000000" style (exp <= 0, at most 18 digits after the point). */
static inline void ft_decimal(char *out, size_t cap, int64_t m, int exp)
{
    char digits[32];
    uint64_t v = m < 0 ? -(uint64_t)m : (uint64_t)m;
    int n = 0, frac = exp < 0 ? -exp : 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n <= frac);
    size_t o = 0;
    if (m < 0 && o + 1 < cap)
        out[o++] = '-';
    for (int i = n - 1; i >= 0 && o + 2 < cap; i--) {
        out[o++] = digits[i];
        if (i == frac && frac > 0)
            out[o++] = '.';
    }
    out[o] = 0;
}

/* {"lastUpdateId":<u>,"bids":[…],"asks":[…]} of a whole feed book; malloc'd, *len set. */
static inline char *ft_snapshot_json(const tw_sync_t *sync, tw_bn_scale_t sc, size_t *len)
{
    uint32_t nb = tw_feedbook_count(&sync->book, TW_FB_BID), na = tw_feedbook_count(&sync->book, TW_FB_ASK);
    tw_level_t *lv = malloc((nb + na + 1) * sizeof(tw_level_t));
    size_t cap = 64 + (size_t)(nb + na) * 80, pos = 0;
    char *out = malloc(cap), p[40], q[40];
    tw_feedbook_top(&sync->book, TW_FB_BID, lv, nb);
    tw_feedbook_top(&sync->book, TW_FB_ASK, lv + nb, na);
    pos += (size_t)snprintf(out, cap, "{\"lastUpdateId\":%" PRIu64 ",\"bids\":[", sync->update_id);
    for (uint32_t i = 0; i < nb + na; i++) {
        if (i == nb)
            pos += (size_t)snprintf(out + pos, cap - pos, "],\"asks\":[");
        ft_decimal(p, sizeof(p), lv[i].price, sc.price_exp);
        ft_decimal(q, sizeof(q), lv[i].quantity, sc.qty_exp);
        pos += (size_t)snprintf(out + pos, cap - pos, "%s[\"%s\",\"%s\"]", i == 0 || i == nb ? "" : ",", p, q);
    }
    pos += (size_t)snprintf(out + pos, cap - pos, "]}");
    free(lv);
    *len = pos;
    return out;
}

#endif /* TW_FEEDTEST_H */

/* SPDX-License-Identifier: MIT */
/*
 * The feed thread's own full-depth order book, and the venue sync rules that
 * decide which diffs may touch it.
 *
 * tw_feedbook_t keeps every known level of one instrument (up to a capacity
 * fixed at init). Near the touch, where nearly every change lands, a side
 * is a price ladder: a window of TW_FB_LADDER consecutive price mantissas
 * with a quantity a slot and occupancy bitmaps, so a change is O(1) and the
 * best levels are found bit by bit. Levels outside the window live in two
 * sorted, blocked arrays ("far") with the best level at the END. The window
 * follows the touch: when the best price drifts a quarter window from the
 * middle, the side is laid out again around it. The shared memory book
 * block only ever shows the top N (tw_feedbook_top).
 *
 * tw_sync_t wraps a book with Binance's local order book procedure:
 *   spot:    buffer diffs until the snapshot; drop u <= lastUpdateId; the
 *            first applied has U <= lastUpdateId + 1 <= u; afterwards each
 *            U == previous u + 1.
 *   futures: drop u < lastUpdateId; the first applied has
 *            U <= lastUpdateId <= u; afterwards each pu == previous u.
 * A broken chain is a gap: the book is discarded and buffering starts again
 * with the offending event, so the next snapshot can pick up from it.
 * It also checks bookTickers against the book (the venue's own oracle).
 *
 * Memory is allocated by the init functions only; everything else is the
 * per-message path: no allocation, no locks, no system calls.
 * Return convention: 0 or a count on success, -errno on failure.
 */
#ifndef TICKWIRE_FEEDBOOK_H
#define TICKWIRE_FEEDBOOK_H

#include <stdint.h>

#include "tickwire/abi.h"
#include "tickwire/binance.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { TW_FB_BID = 0, TW_FB_ASK = 1 };

enum { TW_FB_BLOCK = 64 };

/* Ladder slots a side: price mantissas [lo, lo + TW_FB_LADDER) are held in the ladder. */
enum { TW_FB_LADDER = 1 << 16, TW_FB_LADDER_WORDS = TW_FB_LADDER / 64, TW_FB_LADDER_SUMMARY = TW_FB_LADDER_WORDS / 64 };

/*
 * One side. Every level has a key = price * sign (+1 bids, -1 asks), so the
 * best level has the largest key on both sides.
 *
 * The ladder: key k with (k - lo) < TW_FB_LADDER (unsigned) sits in slot
 * k - lo; bits has a bit a slot, summary a bit per non-zero word of bits;
 * qty is meaningful only where the bit is set.
 *
 * Far: every other level, ascending by key, cut into blocks of at most
 * TW_FB_BLOCK levels. dir lists the blocks in key order with each block's
 * largest key in dir_max, so a change anywhere moves at most one block's
 * levels and a few directory entries. Inside the blocks a level's price
 * field holds its key, not its price; the slots past a block's count hold
 * the key INT64_MAX. Far keys are all below lo or at or above lo + LADDER.
 */
typedef struct tw_fb_side {
    tw_level_t *pool;          /* pool_cap blocks of TW_FB_BLOCK levels */
    tw_level_t *scratch;       /* cap levels, for re-packing the blocks */
    uint32_t *count;           /* levels in each block */
    uint32_t *dir;             /* block numbers, worst first */
    int64_t *dir_max;          /* largest key of each directory entry */
    uint32_t *free_blocks;
    uint32_t nfree, ndir, pool_cap;
    uint32_t n, cap;           /* far levels held; capacity of the side (ladder + far) */
    uint32_t placed;           /* the ladder window has been placed (lo is meaningful) */
    int64_t sign;              /* +1 bids, -1 asks */
    int64_t *qty;              /* TW_FB_LADDER quantities */
    uint64_t *bits;            /* TW_FB_LADDER_WORDS occupancy words */
    uint64_t summary[TW_FB_LADDER_SUMMARY];
    int64_t lo;                /* key of ladder slot 0 */
    uint32_t lad_n;            /* levels in the ladder */
    int32_t lad_top;           /* highest occupied slot, -1 when the ladder is empty */
} tw_fb_side_t;

typedef struct tw_feedbook {
    tw_fb_side_t side[2];      /* TW_FB_BID, TW_FB_ASK */
    uint64_t truncated;        /* levels dropped because a side was full (the worst go first) */
    uint64_t repacks;          /* times a side's far blocks were re-packed to free some */
    uint64_t recenters;        /* times a side's ladder window was moved to follow the touch */
} tw_feedbook_t;

/* Allocates capacity levels a side (setup time). 0, -EINVAL or -ENOMEM. */
int tw_feedbook_init(tw_feedbook_t *b, uint32_t capacity);
void tw_feedbook_free(tw_feedbook_t *b);
void tw_feedbook_clear(tw_feedbook_t *b);

/*
 * Sets a level to an absolute quantity; 0 removes it (an unknown level is
 * fine). Returns 1 when the book changed, 0 when not, -EINVAL for a negative
 * quantity. A full side keeps its best levels: the worst one is dropped.
 */
int tw_feedbook_set(tw_feedbook_t *b, int side, int64_t price, int64_t qty);

/* Applies a diff's levels; returns the number of levels that changed the book, or -EINVAL. */
int tw_feedbook_apply(tw_feedbook_t *b, const tw_level_t *bids, uint32_t nb, const tw_level_t *asks,
                      uint32_t na);

/* Replaces the book with a snapshot's levels (any order; zero quantities skipped). */
int tw_feedbook_load(tw_feedbook_t *b, const tw_level_t *bids, uint32_t nb, const tw_level_t *asks,
                     uint32_t na);

/* Copies the best n levels of a side, best first (bids descending, asks ascending); returns the count. */
uint32_t tw_feedbook_top(const tw_feedbook_t *b, int side, tw_level_t *out, uint32_t n);

/* The best level of a side, or {0, 0} when it is empty. */
tw_level_t tw_feedbook_best(const tw_feedbook_t *b, int side);

static inline uint32_t tw_feedbook_count(const tw_feedbook_t *b, int side)
{
    return b->side[side].n + b->side[side].lad_n;
}

/* ------------------------------------------------------------- sync -- */

typedef enum tw_sync_rule { TW_SYNC_SPOT = 1, TW_SYNC_FUTURES = 2 } tw_sync_rule_t;
typedef enum tw_sync_state { TW_SYNC_BUFFERING = 0, TW_SYNC_LIVE = 1 } tw_sync_state_t;

/* tw_sync_diff results that are not errors. */
enum { TW_SYNC_STALE = 0, TW_SYNC_APPLIED = 1, TW_SYNC_BUFFERED = 2 };

/* tw_sync_bookticker results. */
enum { TW_BBO_DEFERRED = 0, TW_BBO_MATCH = 1, TW_BBO_MISMATCH = 2 };

typedef struct tw_sync_config {
    uint32_t rule;             /* tw_sync_rule_t */
    uint32_t book_capacity;    /* levels a side, e.g. 5000 */
    uint32_t buffer_events;    /* diffs held before the snapshot, e.g. 256 */
    uint32_t buffer_levels;    /* levels held in those diffs, e.g. 16384 */
} tw_sync_config_t;

typedef struct tw_sync_event {
    uint64_t first_id, last_id, prev_last_id;
    uint32_t has_prev, offset, nb, na;
} tw_sync_event_t;

enum { TW_SYNC_TICKERS = 32 };

typedef struct tw_sync_ticker {
    uint64_t update_id;
    int64_t bid_px, bid_qty, ask_px, ask_qty;
} tw_sync_ticker_t;

typedef struct tw_sync {
    tw_feedbook_t book;
    uint32_t rule, state;
    uint32_t chained;          /* the first event after the snapshot has been applied */
    uint32_t nticker;
    uint64_t update_id;        /* the book's last applied u (the snapshot's id before that) */
    tw_sync_event_t *events;
    tw_level_t *levels;
    uint32_t nevents, events_cap, nlevels, levels_cap;
    tw_sync_ticker_t tickers[TW_SYNC_TICKERS]; /* bookTickers waiting for their diff */
    uint64_t applied, stale, gaps, overflows, snapshots, bbo_checks, bbo_mismatches;
    void *mem;
} tw_sync_t;

/* Allocates the book and the pre-snapshot buffer. 0, -EINVAL or -ENOMEM. */
int tw_sync_init(tw_sync_t *s, const tw_sync_config_t *cfg);
void tw_sync_free(tw_sync_t *s);

/* Back to buffering with an empty book, buffer and ticker ring (reconnect, or a gap). Counters stay. */
void tw_sync_reset(tw_sync_t *s);

/*
 * One diff. TW_SYNC_APPLIED, TW_SYNC_STALE (older than the book: ignored) or
 * TW_SYNC_BUFFERED (no snapshot yet); -EPIPE on a gap (book discarded, this
 * event buffered: fetch a new snapshot); -ENOBUFS when the pre-snapshot
 * buffer overflowed (buffer restarted from this event: fetch a new snapshot).
 */
int tw_sync_diff(tw_sync_t *s, const tw_bn_depth_t *d);

/*
 * Loads a snapshot and applies the buffered diffs that follow it. Returns
 * the number of buffered diffs applied (state LIVE), -EAGAIN when the
 * snapshot is older than the buffered stream (still buffering: fetch again),
 * or -EPIPE when the buffered diffs themselves have a gap (reset).
 */
int tw_sync_snapshot(tw_sync_t *s, const tw_bn_snapshot_t *snap);

/*
 * A bookTicker. Its u is compared when the book's u equals it, now or after
 * the diff that carries it is applied (bookTickers usually arrive first).
 * Returns TW_BBO_MATCH or TW_BBO_MISMATCH when checked now, TW_BBO_DEFERRED
 * otherwise; the outcome is counted in bbo_checks and bbo_mismatches.
 */
int tw_sync_bookticker(tw_sync_t *s, const tw_bn_bookticker_t *t);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_FEEDBOOK_H */

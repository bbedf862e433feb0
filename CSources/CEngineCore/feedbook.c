/* SPDX-License-Identifier: MIT */
/*
 * Full-depth book storage for the feed thread: per side, a price ladder
 * around the touch and sorted blocks of 64 levels for everything else.
 *
 * Why a ladder: on the recorded BTCUSDT stream a diff touches ~30 levels,
 * 95% of them within 32k ticks of the best. In the ladder such a change is
 * one store and one bit, with no search and no moving of other levels;
 * the best levels are read off the occupancy bitmap. The ladder is 64k
 * slots (512 KiB of quantities a side, allocated at init): the window is
 * placed with the best in its middle and moved when the best drifts a
 * quarter window away, which on BTCUSDT at a 0.01 tick is $164. Half that
 * window (93% of the levels inside) cost 55 ns a diff more on the feed's
 * path, nearly all of it in the far blocks' cache misses: a megabyte a
 * symbol buys it.
 *
 * Why blocks for the rest: a flat 5000-level array moves up to 80 KB per
 * insert (6.5 us a diff). With blocks an insert moves at most one block and
 * a few directory entries. No pointers to chase, no allocation after init:
 * a full pool is re-packed in place (half-full blocks) instead.
 *
 * The key slots past a block's count hold INT64_MAX, so every in-block
 * search has the same shape whatever the count: three branch-free probes
 * narrow the 64 slots to 8, which are compared at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tickwire/feedbook.h"

enum { BLK = TW_FB_BLOCK, PACK = TW_FB_BLOCK / 2, LAD = TW_FB_LADDER };

_Static_assert(TW_FB_BLOCK == 64, "find_level's probes assume 64 keys a block");

#define EMPTY INT64_MAX /* the key of an unused slot: sorts after every level */

/* Block blk's levels; their price fields hold keys (see tw_fb_side_t). */
static inline tw_level_t *block(const tw_fb_side_t *s, uint32_t blk)
{
    return s->pool + (size_t)blk * BLK;
}

static int side_init(tw_fb_side_t *s, uint32_t cap, int64_t sign)
{
    uint32_t blocks = cap / PACK + 4; /* re-packed at PACK a block, cap levels always fit */
    size_t bytes = ((size_t)blocks * BLK + cap) * sizeof(tw_level_t) +
                   (size_t)blocks * (3 * sizeof(uint32_t) + sizeof(int64_t));
    bytes = (bytes + 63) & ~(size_t)63;
    size_t ladder = (size_t)LAD * sizeof(int64_t) + (size_t)TW_FB_LADDER_WORDS * sizeof(uint64_t);
    void *mem = aligned_alloc(64, bytes + ladder); /* blocks on cache lines: find_level's last 8 slots are two */
    if (mem == NULL)
        return -ENOMEM;
    memset(mem, 0, bytes + ladder);
    s->pool = mem;
    s->scratch = s->pool + (size_t)blocks * BLK;
    s->dir_max = (int64_t *)(void *)(s->scratch + cap);
    s->count = (uint32_t *)(void *)(s->dir_max + blocks);
    s->dir = s->count + blocks;
    s->free_blocks = s->dir + blocks;
    s->qty = (int64_t *)(void *)((char *)mem + bytes);
    s->bits = (uint64_t *)(void *)(s->qty + LAD);
    s->pool_cap = blocks;
    s->cap = cap;
    s->sign = sign;
    s->lad_top = -1;
    return 0;
}

/* A block taken from the free list: no levels, every key slot EMPTY. */
static uint32_t new_block(tw_fb_side_t *s)
{
    uint32_t blk = s->free_blocks[--s->nfree];
    tw_level_t *lv = block(s, blk);
    for (uint32_t j = 0; j < BLK; j++)
        lv[j].price = EMPTY;
    s->count[blk] = 0;
    return blk;
}

/* The far blocks emptied (the ladder is left alone). */
static void far_clear(tw_fb_side_t *s)
{
    s->n = 0;
    s->ndir = 0;
    s->nfree = s->pool_cap;
    for (uint32_t i = 0; i < s->pool_cap; i++)
        s->free_blocks[i] = s->pool_cap - 1u - i;
}

/* The ladder emptied: only the words the summary marks are touched. */
static void ladder_clear(tw_fb_side_t *s)
{
    for (uint32_t sw = 0; sw < TW_FB_LADDER_SUMMARY; sw++) {
        for (uint64_t m = s->summary[sw]; m; m &= m - 1)
            s->bits[sw * 64u + (uint32_t)__builtin_ctzll(m)] = 0;
        s->summary[sw] = 0;
    }
    s->lad_n = 0;
    s->lad_top = -1;
}

static void side_clear(tw_fb_side_t *s)
{
    far_clear(s);
    ladder_clear(s);
    s->placed = 0;
}

int tw_feedbook_init(tw_feedbook_t *b, uint32_t capacity)
{
    memset(b, 0, sizeof(*b));
    if (capacity == 0 || capacity > (1u << 24))
        return -EINVAL;
    if (side_init(&b->side[TW_FB_BID], capacity, 1) < 0 || side_init(&b->side[TW_FB_ASK], capacity, -1) < 0) {
        tw_feedbook_free(b);
        return -ENOMEM;
    }
    tw_feedbook_clear(b);
    return 0;
}

void tw_feedbook_free(tw_feedbook_t *b)
{
    free(b->side[TW_FB_BID].pool);
    free(b->side[TW_FB_ASK].pool);
    memset(b, 0, sizeof(*b));
}

void tw_feedbook_clear(tw_feedbook_t *b)
{
    side_clear(&b->side[TW_FB_BID]);
    side_clear(&b->side[TW_FB_ASK]);
}

/* Copies a side's levels, worst first, into scratch; returns the count. */
static uint32_t flatten(const tw_fb_side_t *s)
{
    uint32_t k = 0;
    for (uint32_t d = 0; d < s->ndir; d++) {
        memcpy(s->scratch + k, block(s, s->dir[d]), s->count[s->dir[d]] * sizeof(tw_level_t));
        k += s->count[s->dir[d]];
    }
    return k;
}

/* Rebuilds the far blocks from scratch[0..n) (keys ascending), `fill` levels a block. */
static void build(tw_fb_side_t *s, uint32_t n, uint32_t fill)
{
    far_clear(s);
    for (uint32_t i = 0; i < n; i += fill) {
        uint32_t blk = new_block(s), c = n - i < fill ? n - i : fill;
        memcpy(block(s, blk), s->scratch + i, c * sizeof(tw_level_t));
        s->count[blk] = c;
        s->dir[s->ndir] = blk;
        s->dir_max[s->ndir++] = s->scratch[i + c - 1].price;
    }
    s->n = n;
}

/*
 * Searches are branch-free: the probe pattern depends on the data, so a
 * branch mispredicts on about half the probes. gcc keeps the mask form
 * branch-free, clang only when told the condition is unpredictable.
 */
#ifndef __has_builtin
#define __has_builtin(x) 0
#endif
#if __has_builtin(__builtin_unpredictable)
#define STEP(half, less) (__builtin_unpredictable(less) ? (half) : 0u)
#else
#define STEP(half, less) ((half) & (0u - (uint32_t)(less)))
#endif

/* The directory entry for a key: the first whose max >= key, or the last one. */
static inline uint32_t find_dir(const tw_fb_side_t *s, int64_t key)
{
    const int64_t *base = s->dir_max;
    for (uint32_t n = s->ndir; n > 1; n -= n / 2u)
        base += STEP(n / 2u, base[n / 2u - 1] < key);
    return (uint32_t)(base - s->dir_max);
}

/*
 * In a block: how many keys are below want. The 64 slots are sorted (EMPTY
 * last), so three probes find the 8 slots (two cache lines) that hold the
 * answer, whatever the block's count.
 */
static inline uint32_t find_level(const tw_level_t *lv, int64_t want)
{
    const tw_level_t *b = lv;
    b += STEP(32u, b[31].price < want);
    b += STEP(16u, b[15].price < want);
    b += STEP(8u, b[7].price < want);
    uint32_t below = 0;
    for (uint32_t i = 0; i < 8; i++)
        below += b[i].price < want;
    return (uint32_t)(b - lv) + below;
}

/* Moves n levels of a block from index j to j + by (by = +1 or -1). */
static inline void shift(tw_level_t *lv, uint32_t j, uint32_t n, int by)
{
    memmove(&lv[(int)j + by], &lv[j], n * sizeof(tw_level_t));
}

static void dir_remove(tw_fb_side_t *s, uint32_t d)
{
    s->free_blocks[s->nfree++] = s->dir[d];
    memmove(&s->dir[d], &s->dir[d + 1], (s->ndir - d - 1u) * sizeof(uint32_t));
    memmove(&s->dir_max[d], &s->dir_max[d + 1], (s->ndir - d - 1u) * sizeof(int64_t));
    s->ndir--;
}

static void remove_at(tw_fb_side_t *s, uint32_t d, uint32_t j)
{
    uint32_t blk = s->dir[d], c = --s->count[blk];
    tw_level_t *lv = block(s, blk);
    shift(lv, j + 1, c - j, -1);
    lv[c].price = EMPTY;
    s->n--;
    if (c == 0)
        dir_remove(s, d);
    else if (j == c)
        s->dir_max[d] = lv[c - 1].price;
}

/* Splits the full block at d in two halves; the new block takes the upper half. */
static void split(tw_fb_side_t *s, uint32_t d)
{
    uint32_t blk = s->dir[d], nb = new_block(s);
    tw_level_t *from = block(s, blk), *to = block(s, nb);
    memcpy(to, from + PACK, (BLK - PACK) * sizeof(tw_level_t));
    for (uint32_t j = PACK; j < BLK; j++)
        from[j].price = EMPTY;
    s->count[blk] = PACK;
    s->count[nb] = BLK - PACK;
    memmove(&s->dir[d + 2], &s->dir[d + 1], (s->ndir - d - 1u) * sizeof(uint32_t));
    memmove(&s->dir_max[d + 2], &s->dir_max[d + 1], (s->ndir - d - 1u) * sizeof(int64_t));
    s->dir[d + 1] = nb;
    s->dir_max[d + 1] = s->dir_max[d];
    s->dir_max[d] = from[PACK - 1].price;
    s->ndir++;
}

/* Where a key is, or would go: directory entry d and index j in its block. */
typedef struct spot {
    uint32_t d, j;
} spot_t;

static inline spot_t locate(const tw_fb_side_t *s, int64_t key)
{
    uint32_t d = find_dir(s, key);
    return (spot_t){d, find_level(block(s, s->dir[d]), key)};
}

/* ------------------------------------------------------------ ladder -- */

/* The ladder slot of a key, or LAD and more when the key is outside the window (or none is placed). */
static inline uint64_t slot_of(const tw_fb_side_t *s, int64_t key)
{
    return s->placed ? (uint64_t)key - (uint64_t)s->lo : (uint64_t)LAD;
}

static inline int64_t key_of(const tw_fb_side_t *s, uint32_t slot)
{
    return (int64_t)((uint64_t)s->lo + slot);
}

static inline int occupied(const tw_fb_side_t *s, uint32_t slot)
{
    return (int)((s->bits[slot >> 6] >> (slot & 63)) & 1u);
}

/* The highest occupied slot at or below i (i < LAD), or -1. */
static int32_t ladder_below(const tw_fb_side_t *s, int32_t i)
{
    if (i < 0)
        return -1;
    uint32_t w = (uint32_t)i >> 6;
    uint64_t m = s->bits[w] & (~0ull >> (63u - ((uint32_t)i & 63u)));
    if (m)
        return (int32_t)((w << 6) + 63u - (uint32_t)__builtin_clzll(m));
    uint32_t sw = w >> 6;
    uint64_t sm = s->summary[sw] & ((1ull << (w & 63u)) - 1u);
    while (sm == 0) {
        if (sw == 0)
            return -1;
        sm = s->summary[--sw];
    }
    w = (sw << 6) + 63u - (uint32_t)__builtin_clzll(sm);
    return (int32_t)((w << 6) + 63u - (uint32_t)__builtin_clzll(s->bits[w]));
}

/* The lowest occupied slot (the ladder is not empty). */
static uint32_t ladder_lowest(const tw_fb_side_t *s)
{
    uint32_t sw = 0;
    while (s->summary[sw] == 0)
        sw++;
    uint32_t w = (sw << 6) + (uint32_t)__builtin_ctzll(s->summary[sw]);
    return (w << 6) + (uint32_t)__builtin_ctzll(s->bits[w]);
}

static inline void ladder_put(tw_fb_side_t *s, uint32_t slot, int64_t qty)
{
    uint32_t w = slot >> 6;
    s->qty[slot] = qty;
    s->bits[w] |= 1ull << (slot & 63u);
    s->summary[w >> 6] |= 1ull << (w & 63u);
    s->lad_n++;
    if ((int32_t)slot > s->lad_top)
        s->lad_top = (int32_t)slot;
}

static inline void ladder_take(tw_fb_side_t *s, uint32_t slot)
{
    uint32_t w = slot >> 6;
    if ((s->bits[w] &= ~(1ull << (slot & 63u))) == 0)
        s->summary[w >> 6] &= ~(1ull << (w & 63u));
    s->lad_n--;
    if ((int32_t)slot == s->lad_top)
        s->lad_top = ladder_below(s, (int32_t)slot - 1);
}

/* ------------------------------------------------------- whole side -- */

static inline uint32_t side_count(const tw_fb_side_t *s)
{
    return s->n + s->lad_n;
}

/* The far blocks' largest key (far not empty). */
static inline int64_t far_top(const tw_fb_side_t *s)
{
    return s->dir_max[s->ndir - 1];
}

/* The best key of a non-empty side: far above the window, else the ladder's top, else far. */
static int64_t best_key(const tw_fb_side_t *s)
{
    if (s->ndir && (s->lad_n == 0 || far_top(s) > key_of(s, (uint32_t)s->lad_top)))
        return far_top(s);
    return key_of(s, (uint32_t)s->lad_top);
}

/* The worst key of a non-empty side. */
static int64_t worst_key(const tw_fb_side_t *s)
{
    int64_t far_low = s->ndir ? block(s, s->dir[0])[0].price : INT64_MAX;
    if (s->lad_n == 0)
        return far_low;
    int64_t lad_low = key_of(s, ladder_lowest(s));
    return far_low < lad_low ? far_low : lad_low;
}

static void remove_worst(tw_fb_side_t *s)
{
    if (s->ndir && (s->lad_n == 0 || block(s, s->dir[0])[0].price < key_of(s, ladder_lowest(s))))
        remove_at(s, 0, 0);
    else
        ladder_take(s, ladder_lowest(s));
}

/*
 * A full side takes a new level only in place of its worst: 1 when room was
 * made, 0 when the key is worse than every level kept (dropped).
 */
static int make_room(tw_feedbook_t *b, tw_fb_side_t *s, int64_t key)
{
    b->truncated++;
    if (key < worst_key(s))
        return 0;
    remove_worst(s);
    return 1;
}

/* Every level of the side, ascending by key, into scratch; returns the count. */
static uint32_t flatten_all(const tw_fb_side_t *s)
{
    uint32_t k = 0, d = 0, j = 0;
    /* far levels below the window, then the ladder, then far levels above it */
    for (; d < s->ndir; d++, j = 0) {
        const tw_level_t *lv = block(s, s->dir[d]);
        uint32_t c = s->count[s->dir[d]];
        while (j < c && (!s->placed || lv[j].price < s->lo))
            s->scratch[k++] = lv[j++];
        if (j < c)
            break;
    }
    for (uint32_t w = 0; s->lad_n && w < TW_FB_LADDER_WORDS; w++)
        for (uint64_t m = s->bits[w]; m; m &= m - 1) {
            uint32_t slot = (w << 6) + (uint32_t)__builtin_ctzll(m);
            s->scratch[k++] = (tw_level_t){key_of(s, slot), s->qty[slot]};
        }
    for (; d < s->ndir; d++, j = 0) {
        const tw_level_t *lv = block(s, s->dir[d]);
        for (uint32_t c = s->count[s->dir[d]]; j < c; j++)
            s->scratch[k++] = lv[j];
    }
    return k;
}

/*
 * The window for a best key: centred on it, but within [-INT64_MAX,
 * INT64_MAX], so that no key wraps and INT64_MIN (see set_level) is never in
 * it. A best within a half window of either end leaves it off centre.
 */
static int64_t window_lo(int64_t best)
{
    return best < -INT64_MAX + LAD / 2  ? -INT64_MAX
           : best > INT64_MAX - LAD / 2 ? INT64_MAX - LAD + 1
                                        : best - LAD / 2;
}

/*
 * Lays the side out again from scratch[0..n) (keys ascending) with the
 * ladder window centred on the best key: the levels inside it go to the
 * ladder, the rest to the far blocks (three quarters full).
 */
static void place(tw_feedbook_t *b, tw_fb_side_t *s, uint32_t n)
{
    ladder_clear(s);
    if (n == 0) {
        far_clear(s);
        s->placed = 0;
        return;
    }
    s->lo = window_lo(s->scratch[n - 1].price);
    s->placed = 1;
    uint32_t below = 0, far = 0;
    while (below < n && s->scratch[below].price < s->lo)
        below++;
    far = below;
    for (uint32_t i = below; i < n; i++) {
        uint64_t slot = slot_of(s, s->scratch[i].price);
        if (slot < LAD)
            ladder_put(s, (uint32_t)slot, s->scratch[i].quantity);
        else
            s->scratch[far++] = s->scratch[i]; /* above the window: after the ones below, still ascending */
    }
    build(s, far, BLK * 3 / 4);
    b->recenters++;
}

/* Moves the window when the best key has drifted a quarter window from its middle. */
static inline void follow_touch(tw_feedbook_t *b, tw_fb_side_t *s)
{
    if (side_count(s) == 0)
        return;
    int64_t best = best_key(s);
    uint64_t at = slot_of(s, best);
    /* outside [LAD/4, 3·LAD/4), or no window yet; a window pinned at an end of the keys stays (moving it would
     * give the same one, rebuilt at every change) */
    if (at - LAD / 4 >= LAD / 2 && !(s->placed && window_lo(best) == s->lo))
        place(b, s, flatten_all(s));
}

/* ------------------------------------------------------------ levels -- */

/*
 * Inserts a key known to be absent from the far blocks (and outside the
 * window); at says where it goes when they were not empty (the lookup the
 * caller already did, reused unless room had to be made or a block split).
 */
static int insert(tw_feedbook_t *b, tw_fb_side_t *s, int64_t qty, int64_t key, spot_t at)
{
    if (side_count(s) == s->cap) {
        if (!make_room(b, s, key))
            return 0; /* worse than every level we keep: beyond our depth */
        if (s->ndir)
            at = locate(s, key);
    }
    if (s->ndir == 0) {
        s->dir[0] = new_block(s), s->dir_max[0] = key, s->ndir = 1;
        at = (spot_t){0, 0};
    }
    if (s->count[s->dir[at.d]] == BLK) {
        if (s->nfree == 0) {
            b->repacks++;
            build(s, flatten(s), PACK); /* leaves every block half full */
        } else {
            split(s, at.d);
        }
        at = locate(s, key);
    }
    uint32_t d = at.d, j = at.j, blk = s->dir[d], c = s->count[blk];
    tw_level_t *lv = block(s, blk);
    shift(lv, j, c - j, +1);
    lv[j] = (tw_level_t){key, qty};
    s->count[blk] = c + 1;
    s->n++;
    if (j == c)
        s->dir_max[d] = key; /* a new largest key of the block (only the last entry can hold more) */
    return 1;
}

/* A level outside the window: the far blocks. */
static int far_set(tw_feedbook_t *b, tw_fb_side_t *s, int64_t key, int64_t qty)
{
    spot_t at = {0, 0};
    if (s->ndir) {
        at = locate(s, key);
        uint32_t blk = s->dir[at.d];
        tw_level_t *lv = block(s, blk);
        if (at.j < s->count[blk] && lv[at.j].price == key) {
            if (qty == 0) {
                remove_at(s, at.d, at.j);
                return 1;
            }
            int changed = lv[at.j].quantity != qty;
            lv[at.j].quantity = qty;
            return changed;
        }
    }
    return qty == 0 ? 0 : insert(b, s, qty, key, at); /* removing an unknown level is normal */
}

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int set_level(tw_feedbook_t *b, tw_fb_side_t *s, int64_t price, int64_t qty)
{
    /* INT64_MIN has no negation: price * sign would overflow (UB). The decoders never make it
     * (mantissas are capped at INT64_MAX), so only a direct caller can: refuse it. */
    if (qty < 0 || price == INT64_MIN)
        return -EINVAL;
    int64_t key = price * s->sign;
    uint64_t slot = slot_of(s, key);
    if (slot >= LAD)
        return far_set(b, s, key, qty);
    uint32_t i = (uint32_t)slot;
    if (occupied(s, i)) {
        if (qty == 0) {
            ladder_take(s, i);
            return 1;
        }
        int changed = s->qty[i] != qty;
        s->qty[i] = qty;
        return changed;
    }
    if (qty == 0)
        return 0;
    if (side_count(s) == s->cap && !make_room(b, s, key))
        return 0;
    ladder_put(s, i, qty);
    return 1;
}

int tw_feedbook_set(tw_feedbook_t *b, int side, int64_t price, int64_t qty)
{
    tw_fb_side_t *s = &b->side[side & 1];
    int r = set_level(b, s, price, qty);
    follow_touch(b, s);
    return r;
}

/*
 * The levels of a diff that land in the ladder, from i on, until one does
 * not (outside the window, a full side, a bad value): returns where it
 * stopped, with *changed counted. Without a branch on which of update,
 * insert, remove or nothing each level is: a diff mixes them unpredictably
 * (on BTCUSDT about as many removes as inserts), and each mispredicted
 * branch cost more than every store made here (measured on a random mix:
 * 10-11 ns a level with branches, 7-8 without). The count, the room and
 * the highest slot set stay in registers through the loop, and the top is
 * settled once after it: keeping it current level by level (a compare, a
 * select and a rare search when the best went) cost a third of its time.
 */
__attribute__((always_inline)) static inline uint32_t ladder_run_as(tw_fb_side_t *s, const tw_level_t *lv, uint32_t i,
                                                                   uint32_t n, int *changed, const int64_t sign)
{
    const uint64_t lo = (uint64_t)s->lo;
    int64_t *qty = s->qty;
    uint64_t *bits = s->bits, *summary = s->summary;
    uint32_t room = s->cap - s->n - s->lad_n; /* levels the side can still take */
    int64_t hi = -1;                          /* the highest slot given a level */
    int count = 0;
    const tw_level_t *at = lv + i, *end = lv + n;
    for (; at < end; at++) {
        int64_t price = at->price, q = at->quantity;
        if (q < 0)
            break;
        /* the key, price * sign, in unsigned arithmetic: INT64_MIN's is 2^63, outside every window (see place) */
        uint64_t slot = (sign > 0 ? (uint64_t)price : 0u - (uint64_t)price) - lo;
        if (slot >= LAD)
            break;
        uint32_t w = (uint32_t)slot >> 6;
        uint64_t bit = 1ull << (slot & 63u), word = bits[w];
        uint32_t was = (word & bit) != 0, now = q != 0;
        if (room == 0 && now > was)
            break; /* a full side: make_room decides */
        count += (int)((was != now) | (now & (qty[slot] != q)));
        qty[slot] = q; /* an empty slot's quantity is never read */
        word = (word & ~bit) | (bit & (0 - (uint64_t)now));
        bits[w] = word;
        uint64_t sbit = 1ull << (w & 63u);
        summary[w >> 6] = (summary[w >> 6] & ~sbit) | (sbit & (0 - (uint64_t)(word != 0)));
        room -= now - was;
        hi = now && (int64_t)slot > hi ? (int64_t)slot : hi;
    }
    s->lad_n = s->cap - s->n - room;
    /* the top once, from the final bits: no level is above both the old top and the highest one set here */
    int32_t top = hi > s->lad_top ? (int32_t)hi : s->lad_top;
    if (top >= 0 && !occupied(s, (uint32_t)top))
        top = ladder_below(s, top - 1);
    s->lad_top = top;
    *changed += count;
    return (uint32_t)(at - lv);
}

static uint32_t ladder_run(tw_fb_side_t *s, const tw_level_t *lv, uint32_t i, uint32_t n, int *changed)
{
    if (!s->placed)
        return i;
    return s->sign > 0 ? ladder_run_as(s, lv, i, n, changed, 1) : ladder_run_as(s, lv, i, n, changed, -1);
}

static int apply_side(tw_feedbook_t *b, int side, const tw_level_t *lv, uint32_t n)
{
    tw_fb_side_t *s = &b->side[side];
    int changed = 0;
    for (uint32_t i = 0; (i = ladder_run(s, lv, i, n, &changed)) < n; i++) {
        int r = set_level(b, s, lv[i].price, lv[i].quantity); /* far, a full side, or refused */
        if (r < 0) {
            follow_touch(b, s);
            return r;
        }
        changed += r;
    }
    follow_touch(b, s);
    return changed;
}

int tw_feedbook_apply(tw_feedbook_t *b, const tw_level_t *bids, uint32_t nb, const tw_level_t *asks,
                      uint32_t na)
{
    int rb = apply_side(b, TW_FB_BID, bids, nb);
    if (rb < 0)
        return rb;
    int ra = apply_side(b, TW_FB_ASK, asks, na);
    return ra < 0 ? ra : rb + ra;
}

/*
 * Snapshots come best first: reversed into scratch they are already in
 * order and are laid out in one linear pass. Anything else (unsorted,
 * duplicates, zero quantities) falls back to level-by-level inserts.
 */
static int load_side(tw_feedbook_t *b, int side, const tw_level_t *lv, uint32_t n)
{
    tw_fb_side_t *s = &b->side[side];
    uint32_t keep = n < s->cap ? n : s->cap;
    side_clear(s);
    for (uint32_t i = 0; i < keep; i++) {
        if (lv[i].price == INT64_MIN)
            return -EINVAL; /* no key for it (see set_level) */
        int ordered = i == 0 || lv[i].price * s->sign < lv[i - 1].price * s->sign;
        if (!ordered || lv[i].quantity <= 0)
            return apply_side(b, side, lv, n);
        s->scratch[keep - 1u - i] = (tw_level_t){lv[i].price * s->sign, lv[i].quantity};
    }
    place(b, s, keep);
    b->truncated += n - keep;
    return (int)keep;
}

int tw_feedbook_load(tw_feedbook_t *b, const tw_level_t *bids, uint32_t nb, const tw_level_t *asks,
                     uint32_t na)
{
    int rb = load_side(b, TW_FB_BID, bids, nb);
    if (rb < 0)
        return rb;
    int ra = load_side(b, TW_FB_ASK, asks, na);
    return ra < 0 ? ra : rb + ra;
}

tw_level_t tw_feedbook_best(const tw_feedbook_t *b, int side)
{
    const tw_fb_side_t *s = &b->side[side & 1];
    if (side_count(s) == 0)
        return (tw_level_t){0, 0};
    if (s->ndir && (s->lad_n == 0 || far_top(s) > key_of(s, (uint32_t)s->lad_top))) {
        uint32_t blk = s->dir[s->ndir - 1];
        tw_level_t best = block(s, blk)[s->count[blk] - 1];
        best.price *= s->sign; /* blocks hold keys, see tw_fb_side_t */
        return best;
    }
    return (tw_level_t){key_of(s, (uint32_t)s->lad_top) * s->sign, s->qty[s->lad_top]};
}

/* Up to n - k ladder levels from its top down into out + k, one bit at a time; the new k. */
static uint32_t ladder_top_each(const tw_fb_side_t *s, tw_level_t *out, uint32_t k, uint32_t n)
{
    int32_t w = s->lad_top >> 6;
    uint64_t m = s->bits[w];
    while (k < n) {
        while (m && k < n) {
            uint32_t slot = ((uint32_t)w << 6) + 63u - (uint32_t)__builtin_clzll(m);
            out[k++] = (tw_level_t){key_of(s, slot) * s->sign, s->qty[slot]};
            m &= ~(1ull << (slot & 63u));
        }
        if (k == n || (w = ladder_below(s, (w << 6) - 1)) < 0)
            break;
        w >>= 6; /* ladder_below gave a slot: its word is not empty */
        m = s->bits[w];
    }
    return k;
}

enum { TOP_FAST = 64, TOP_UNROLL = 4 };

/*
 * The same for the usual few dozen levels, without a branch a level: near
 * the touch a word holds two or three levels (the top 20 of BTCUSDT span
 * about eight words), and stopping after each one's last level cost a
 * mispredicted branch a word. Here each word yields TOP_UNROLL candidates
 * unconditionally (m | 1: an empty word gives slot 0 and counts nothing)
 * into a buffer with room for the overshoot.
 */
__attribute__((always_inline)) static inline uint32_t ladder_top_as(const tw_fb_side_t *s, tw_level_t *out,
                                                                   uint32_t k, uint32_t n, const int64_t sign)
{
    uint32_t want = n - k, got = 0;
    tw_level_t tmp[TOP_FAST + TOP_UNROLL];
    int32_t w = s->lad_top >> 6;
    uint64_t m = s->bits[w];
    for (;;) {
        const int64_t *q = s->qty + ((uint32_t)w << 6);
        int64_t base = key_of(s, (uint32_t)w << 6);
        for (int u = 0; u < TOP_UNROLL; u++) {
            uint32_t t = 63u - (uint32_t)__builtin_clzll(m | 1u);
            tmp[got].price = sign > 0 ? base + (int64_t)t : -base - (int64_t)t; /* a constant sign: no multiply */
            tmp[got].quantity = q[t];
            got += m != 0;
            m &= ~(1ull << t);
        }
        if (got >= want)
            break;
        if (m)
            continue; /* more than TOP_UNROLL levels in this word */
        if (w > 0 && s->bits[w - 1]) {
            m = s->bits[--w];
            continue;
        }
        int32_t below = ladder_below(s, (w << 6) - 1);
        if (below < 0)
            break;
        w = below >> 6;
        m = s->bits[w];
    }
    got = got < want ? got : want;
    memcpy(out + k, tmp, got * sizeof(tmp[0]));
    return k + got;
}

static uint32_t ladder_top(const tw_fb_side_t *s, tw_level_t *out, uint32_t k, uint32_t n)
{
    if (s->lad_n == 0 || k >= n)
        return k;
    if (n - k > TOP_FAST)
        return ladder_top_each(s, out, k, n);
    return s->sign > 0 ? ladder_top_as(s, out, k, n, 1) : ladder_top_as(s, out, k, n, -1);
}

/* Best first: far levels above the window, the ladder from its top down, then far levels below it. */
uint32_t tw_feedbook_top(const tw_feedbook_t *b, int side, tw_level_t *out, uint32_t n)
{
    const tw_fb_side_t *s = &b->side[side & 1];
    uint32_t k = 0, d = s->ndir, j = 0;
    int ladder_done = s->lad_n == 0;
    while (k < n) {
        if (j == 0) {
            if (d == 0)
                break;
            d--;
            j = s->count[s->dir[d]];
        }
        const tw_level_t *lv = block(s, s->dir[d]);
        if (!ladder_done && lv[j - 1].price < s->lo) { /* the far levels left are below the window */
            k = ladder_top(s, out, k, n);
            ladder_done = 1;
            continue;
        }
        out[k++] = (tw_level_t){lv[j - 1].price * s->sign, lv[j - 1].quantity};
        j--;
    }
    return ladder_done ? k : ladder_top(s, out, k, n);
}

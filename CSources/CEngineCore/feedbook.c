/* SPDX-License-Identifier: MIT */
/*
 * Full-depth book storage for the feed thread: per side, a sorted array cut
 * into blocks of 64 levels, best level last.
 *
 * Why not one flat sorted array: measured on the recorded BTCUSDT stream, a
 * diff touches ~30 levels and many sit hundreds or thousands of levels deep,
 * where a flat 5000-level array moves up to 80 KB per insert (6.5 us a
 * diff). With blocks an insert moves at most one block and a few directory
 * entries. No pointers to chase, no allocation after init: a full pool is
 * re-packed in place (half-full blocks) instead.
 *
 * The key slots past a block's count hold INT64_MAX, so every in-block
 * search has the same shape whatever the count: three branch-free probes
 * narrow the 64 slots to 8, which are compared at once. The variable-length
 * binary search it replaces cost six dependent loads and, compiled by
 * clang, a mispredicted branch on about half of them (40% of a diff's
 * cost). Keeping keys apart from quantities (fewer cache lines a search)
 * measured no faster and doubled the memmove calls, so blocks stay plain
 * tw_level_t arrays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tickwire/feedbook.h"

enum { BLK = TW_FB_BLOCK, PACK = TW_FB_BLOCK / 2 };

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
    void *mem = aligned_alloc(64, bytes); /* blocks on cache lines: find_level's last 8 slots are two */
    if (mem == NULL)
        return -ENOMEM;
    memset(mem, 0, bytes);
    s->pool = mem;
    s->scratch = s->pool + (size_t)blocks * BLK;
    s->dir_max = (int64_t *)(void *)(s->scratch + cap);
    s->count = (uint32_t *)(void *)(s->dir_max + blocks);
    s->dir = s->count + blocks;
    s->free_blocks = s->dir + blocks;
    s->pool_cap = blocks;
    s->cap = cap;
    s->sign = sign;
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

static void side_clear(tw_fb_side_t *s)
{
    s->n = 0;
    s->ndir = 0;
    s->nfree = s->pool_cap;
    for (uint32_t i = 0; i < s->pool_cap; i++)
        s->free_blocks[i] = s->pool_cap - 1u - i;
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

/* Rebuilds the blocks from scratch[0..n) (keys ascending), `fill` levels a block. */
static void build(tw_fb_side_t *s, uint32_t n, uint32_t fill)
{
    side_clear(s);
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

/*
 * Inserts a key known to be absent; at says where it goes when the side was
 * not empty (the lookup the caller already did, reused unless the side is
 * full or the block must be split).
 */
static int insert(tw_feedbook_t *b, tw_fb_side_t *s, int64_t qty, int64_t key, spot_t at)
{
    int moved = 0;
    if (s->n == s->cap) {
        b->truncated++;
        if (key < block(s, s->dir[0])[0].price)
            return 0; /* worse than every level we keep: beyond our depth */
        remove_at(s, 0, 0);
        moved = 1;
    }
    if (s->ndir == 0) {
        s->dir[0] = new_block(s), s->dir_max[0] = key, s->ndir = 1;
        at = (spot_t){0, 0};
    } else if (moved) {
        at = locate(s, key);
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

int tw_feedbook_set(tw_feedbook_t *b, int side, int64_t price, int64_t qty)
{
    return set_level(b, &b->side[side & 1], price, qty);
}

static int apply_side(tw_feedbook_t *b, int side, const tw_level_t *lv, uint32_t n)
{
    tw_fb_side_t *s = &b->side[side];
    int changed = 0;
    for (uint32_t i = 0; i < n; i++) {
        int r = set_level(b, s, lv[i].price, lv[i].quantity);
        if (r < 0)
            return r;
        changed += r;
    }
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
 * order and load in one linear pass, blocks three quarters full so the
 * first diffs rarely split. Anything else (unsorted, duplicates, zero
 * quantities) falls back to level-by-level inserts.
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
    build(s, keep, BLK * 3 / 4);
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

uint32_t tw_feedbook_top(const tw_feedbook_t *b, int side, tw_level_t *out, uint32_t n)
{
    const tw_fb_side_t *s = &b->side[side & 1];
    uint32_t k = 0;
    for (uint32_t d = s->ndir; d-- > 0 && k < n;) {
        const tw_level_t *lv = block(s, s->dir[d]);
        for (uint32_t j = s->count[s->dir[d]]; j-- > 0 && k < n;)
            out[k++] = (tw_level_t){lv[j].price * s->sign, lv[j].quantity};
    }
    return k;
}

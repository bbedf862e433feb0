/* SPDX-License-Identifier: MIT */
/*
 * Full-depth book storage for the feed thread: per side, a sorted array cut
 * into blocks of 64 levels, best level last.
 *
 * Why not one flat sorted array: measured on the recorded BTCUSDT stream, a
 * diff touches ~30 levels and many sit thousands of levels deep, where a
 * flat 5000-level array moves up to 80 KB per insert (6.5 us a diff). With
 * blocks an insert moves at most one block (1 KB) and a few directory
 * entries; a lookup is a binary search of the directory's block maxima then
 * of one block. No pointers to chase, no allocation after init: a full pool
 * is re-packed in place (half-full blocks) instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tickwire/feedbook.h"

enum { BLK = TW_FB_BLOCK, PACK = TW_FB_BLOCK / 2 };

static inline tw_level_t *block(const tw_fb_side_t *s, uint32_t blk)
{
    return s->pool + (size_t)blk * BLK;
}

/* Blocks store the key (price * sign) in the price field: searches compare it directly. */
static inline int64_t key_of(const tw_fb_side_t *s, const tw_level_t *lv)
{
    (void)s;
    return lv->price;
}

static int side_init(tw_fb_side_t *s, uint32_t cap, int64_t sign)
{
    uint32_t blocks = cap / PACK + 4; /* re-packed at PACK a block, cap levels always fit */
    size_t bytes = ((size_t)blocks * BLK + cap) * sizeof(tw_level_t) +
                   (size_t)blocks * (3 * sizeof(uint32_t) + sizeof(int64_t));
    char *mem = calloc(1, bytes);
    if (mem == NULL)
        return -ENOMEM;
    s->pool = (tw_level_t *)mem;
    s->scratch = s->pool + (size_t)blocks * BLK;
    s->dir_max = (int64_t *)(s->scratch + cap);
    s->count = (uint32_t *)(s->dir_max + blocks);
    s->dir = s->count + blocks;
    s->free_blocks = s->dir + blocks;
    s->pool_cap = blocks;
    s->cap = cap;
    s->sign = sign;
    return 0;
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

/* Rebuilds the blocks from scratch[0..n), `fill` levels a block. */
static void build(tw_fb_side_t *s, uint32_t n, uint32_t fill)
{
    side_clear(s);
    for (uint32_t i = 0; i < n; i += fill) {
        uint32_t blk = s->free_blocks[--s->nfree], c = n - i < fill ? n - i : fill;
        memcpy(block(s, blk), s->scratch + i, c * sizeof(tw_level_t));
        s->count[blk] = c;
        s->dir[s->ndir] = blk;
        s->dir_max[s->ndir++] = key_of(s, &s->scratch[i + c - 1]);
    }
    s->n = n;
}

/*
 * Branch-free lower bounds: the probe pattern depends on the data, so a
 * branch mispredicts on about half the probes. Written as a mask because
 * the ternary form was compiled to branches (measured: 40% of apply time).
 */
static inline uint32_t find_dir(const tw_fb_side_t *s, int64_t key)
{
    const int64_t *base = s->dir_max;
    uint32_t n = s->ndir;
    while (n > 1) {
        uint32_t half = n / 2u;
        base += half & (0u - (uint32_t)(base[half - 1] < key)); /* a mask, not a branch */
        n -= half;
    }
    uint32_t i = (uint32_t)(base - s->dir_max);
    return i; /* the first entry whose max >= key, or the last one */
}

static inline uint32_t find_level(const tw_fb_side_t *s, const tw_level_t *lv, uint32_t c, int64_t key)
{
    const tw_level_t *base = lv;
    uint32_t n = c;
    if (n == 0)
        return 0;
    while (n > 1) {
        uint32_t half = n / 2u;
        base += half & (0u - (uint32_t)(key_of(s, &base[half - 1]) < key));
        n -= half;
    }
    return (uint32_t)(base - lv) + (key_of(s, base) < key);
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
    memmove(&lv[j], &lv[j + 1], (c - j) * sizeof(tw_level_t));
    s->n--;
    if (c == 0)
        dir_remove(s, d);
    else if (j == c)
        s->dir_max[d] = key_of(s, &lv[c - 1]);
}

/* Splits the full block at d in two halves; the new block takes the upper half. */
static void split(tw_fb_side_t *s, uint32_t d)
{
    uint32_t blk = s->dir[d], nb = s->free_blocks[--s->nfree];
    memcpy(block(s, nb), block(s, blk) + PACK, (BLK - PACK) * sizeof(tw_level_t));
    s->count[blk] = PACK;
    s->count[nb] = BLK - PACK;
    memmove(&s->dir[d + 2], &s->dir[d + 1], (s->ndir - d - 1u) * sizeof(uint32_t));
    memmove(&s->dir_max[d + 2], &s->dir_max[d + 1], (s->ndir - d - 1u) * sizeof(int64_t));
    s->dir[d + 1] = nb;
    s->dir_max[d + 1] = s->dir_max[d];
    s->dir_max[d] = key_of(s, block(s, blk) + PACK - 1);
    s->ndir++;
}

static int insert(tw_feedbook_t *b, tw_fb_side_t *s, int64_t qty, int64_t key)
{
    if (s->n == s->cap) {
        b->truncated++;
        if (key < key_of(s, block(s, s->dir[0])))
            return 0; /* worse than every level we keep: beyond our depth */
        remove_at(s, 0, 0);
    }
    if (s->ndir == 0) {
        uint32_t blk = s->free_blocks[--s->nfree];
        s->dir[0] = blk, s->count[blk] = 0, s->dir_max[0] = key, s->ndir = 1;
    }
    uint32_t d = find_dir(s, key);
    if (s->count[s->dir[d]] == BLK && s->nfree == 0) {
        b->repacks++;
        build(s, flatten(s), PACK); /* leaves every block half full */
        d = find_dir(s, key);
    }
    if (s->count[s->dir[d]] == BLK) {
        split(s, d);
        d += key > s->dir_max[d];
    }
    uint32_t blk = s->dir[d], c = s->count[blk];
    tw_level_t *lv = block(s, blk);
    uint32_t j = find_level(s, lv, c, key);
    memmove(&lv[j + 1], &lv[j], (c - j) * sizeof(tw_level_t));
    lv[j] = (tw_level_t){key, qty};
    s->count[blk] = c + 1;
    s->n++;
    if (key > s->dir_max[d] || j == c)
        s->dir_max[d] = key_of(s, &lv[c]);
    return 1;
}

int tw_feedbook_set(tw_feedbook_t *b, int side, int64_t price, int64_t qty)
{
    tw_fb_side_t *s = &b->side[side & 1];
    if (qty < 0)
        return -EINVAL;
    int64_t key = price * s->sign;
    if (s->ndir) {
        uint32_t d = find_dir(s, key), blk = s->dir[d];
        tw_level_t *lv = block(s, blk);
        uint32_t j = find_level(s, lv, s->count[blk], key);
        if (j < s->count[blk] && lv[j].price == key) {
            if (qty == 0) {
                remove_at(s, d, j);
                return 1;
            }
            int changed = lv[j].quantity != qty;
            lv[j].quantity = qty;
            return changed;
        }
    }
    return qty == 0 ? 0 : insert(b, s, qty, key); /* removing an unknown level is normal */
}

static int apply_side(tw_feedbook_t *b, int side, const tw_level_t *lv, uint32_t n)
{
    int changed = 0;
    for (uint32_t i = 0; i < n; i++) {
        int r = tw_feedbook_set(b, side, lv[i].price, lv[i].quantity);
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

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the Binance decoders and the sync state machine.
 * The input is split into lines; each line goes through the envelope and
 * then through every decoder (whatever its stream says), with small level
 * arrays so -ENOBUFS paths run too. Decoded diffs, snapshots and
 * bookTickers drive one spot and one futures tw_sync_t, and after each line
 * both books must still be strictly sorted with positive quantities and
 * within capacity.
 *
 * Differentially: the depth and snapshot decoders' fast paths (the indexed
 * level walk, its padded tail, one-letter keys, word-at-a-time integers)
 * only take the compact form; the same text with a blank after every ',',
 * '[' and ':' outside strings goes through the general cursor. Both must
 * accept or refuse alike, and agree on every value when they accept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tickwire/binance.h"
#include "tickwire/feedbook.h"

enum { CAP = 16 };

static tw_sync_t spot, fut;
static tw_level_t bids[CAP], asks[CAP];

/* Strictly ordered, best first, positive quantities, the count the book claims. */
static void check_book(const tw_feedbook_t *b)
{
    static tw_level_t top[64];
    for (int side = 0; side < 2; side++) {
        uint32_t n = tw_feedbook_top(b, side, top, 64), sign = side == TW_FB_BID ? 1 : 0;
        if (n != tw_feedbook_count(b, side) || n > 8)
            abort();
        for (uint32_t i = 0; i < n; i++)
            if (top[i].quantity <= 0 || (i && (sign ? top[i].price >= top[i - 1].price
                                                    : top[i].price <= top[i - 1].price)))
                abort();
        if (n && (tw_feedbook_best(b, side).price != top[0].price))
            abort();
    }
}

/* p[0..n) with a blank after each ',', '[' and ':' that is not inside a string; the new length. */
static size_t spread(const char *p, size_t n, char *out)
{
    size_t k = 0;
    int in_string = 0, escaped = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        out[k++] = c;
        if (in_string) {
            if (escaped)
                escaped = 0;
            else if (c == '\\')
                escaped = 1;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == ',' || c == '[' || c == ':') {
            out[k++] = ' ';
        }
    }
    return k;
}

static int same_levels(const tw_level_t *a, const tw_level_t *b, uint32_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof(a[0])) == 0;
}

/* The fast paths against the general one, on the depth and snapshot decoders. */
static void differential(const char *p, size_t n, const tw_bn_scale_t *sc)
{
    static tw_level_t b1[CAP], a1[CAP], b2[CAP], a2[CAP];
    char *wide = malloc(2 * n + 1);
    if (wide == NULL)
        abort();
    size_t w = spread(p, n, wide);
    tw_bn_depth_t d1 = {.bids = b1, .asks = a1, .bids_cap = CAP, .asks_cap = CAP}, d2 = d1;
    d2.bids = b2, d2.asks = a2;
    int r1 = tw_bn_depth_decode(p, n, sc, &d1), r2 = tw_bn_depth_decode(wide, w, sc, &d2);
    if ((r1 == 0) != (r2 == 0))
        abort();
    if (r1 == 0 && (d1.bid_count != d2.bid_count || d1.ask_count != d2.ask_count || d1.first_id != d2.first_id ||
                    d1.last_id != d2.last_id || d1.event_ms != d2.event_ms || d1.has_prev != d2.has_prev ||
                    (d1.has_prev && d1.prev_last_id != d2.prev_last_id) || !same_levels(b1, b2, d1.bid_count) ||
                    !same_levels(a1, a2, d1.ask_count)))
        abort();
    tw_bn_snapshot_t s1 = {.bids = b1, .asks = a1, .bids_cap = CAP, .asks_cap = CAP}, s2 = s1;
    s2.bids = b2, s2.asks = a2;
    r1 = tw_bn_snapshot_decode(p, n, sc, &s1), r2 = tw_bn_snapshot_decode(wide, w, sc, &s2);
    if ((r1 == 0) != (r2 == 0))
        abort();
    if (r1 == 0 && (s1.bid_count != s2.bid_count || s1.ask_count != s2.ask_count ||
                    s1.last_update_id != s2.last_update_id || !same_levels(b1, b2, s1.bid_count) ||
                    !same_levels(a1, a2, s1.ask_count)))
        abort();
    free(wide);
}

static void drive(tw_sync_t *s, const char *p, size_t n, const tw_bn_scale_t *sc)
{
    differential(p, n, sc);
    tw_bn_depth_t d = {.bids = bids, .asks = asks, .bids_cap = CAP, .asks_cap = CAP};
    tw_bn_snapshot_t snap = {.bids = bids, .asks = asks, .bids_cap = CAP, .asks_cap = CAP};
    tw_bn_bookticker_t t;
    tw_bn_trade_t tr;
    if (tw_bn_depth_decode(p, n, sc, &d) == 0)
        tw_sync_diff(s, &d);
    if (tw_bn_snapshot_decode(p, n, sc, &snap) == 0)
        tw_sync_snapshot(s, &snap);
    if (tw_bn_bookticker_decode(p, n, sc, &t) == 0)
        tw_sync_bookticker(s, &t);
    tw_bn_trade_decode(p, n, sc, &tr);
    tw_bn_aggtrade_decode(p, n, sc, &tr);
    check_book(&s->book);
}

static void line(const char *p, size_t n)
{
    static const tw_bn_scale_t sc = {-2, -5}, fsc = {-4, 0};
    tw_bn_envelope_t env;
    if (tw_bn_envelope(p, n, &env) < 0)
        return drive(&spot, p, n, &sc);
    if (env.data < p || env.data + env.data_len > p + n || (env.stream_len && env.stream < p))
        abort();
    tw_bn_stream_kind(env.stream, env.stream_len);
    drive(&spot, env.data, env.data_len, &sc);
    drive(&fut, env.data, env.data_len, &fsc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (spot.mem == NULL) {
        tw_sync_config_t a = {TW_SYNC_SPOT, 8, 4, 32}, b = {TW_SYNC_FUTURES, 8, 4, 32};
        if (tw_sync_init(&spot, &a) || tw_sync_init(&fut, &b))
            abort();
    }
    tw_sync_reset(&spot); /* each input starts from the same state */
    tw_sync_reset(&fut);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line(p, n);
        p += n + 1;
    }
    return 0;
}

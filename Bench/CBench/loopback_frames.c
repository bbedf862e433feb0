/* SPDX-License-Identifier: MIT */
/*
 * Frames for the loopback scenario, as Binance's spot combined stream sends
 * them: `btcusdt@depth@100ms` diffs of 10–30 levels with an unbroken U/u
 * chain, and `btcusdt@bookTicker`s carrying the book's current u and touch
 * (so the feed's bookTicker oracle checks every one of them), plus the REST
 * snapshot the first diff continues. A seeded book on a 0.01 price grid
 * drifts by a tick or two now and then; quantities are multiples of 1e-5
 * printed with 8 decimals, prices with 8 decimals too, as the venue does.
 * Built once, before anything is timed.
 */
#include "loopback_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tickwire/abi.h"
#include "tickwire/ws.h"

enum {
    GRID = 1 << 14,            /* price levels the model book can hold */
    DEEP = 800,                /* levels a side at the start */
    PAYLOAD_MAX = 4096,
    MAX_CHANGES = 40,
};

#define PRICE_BASE (6500000LL - GRID / 2) /* mantissa at exponent -2 of grid index 0: ~65000.00 */
#define FIRST_ID 7000000000ULL
#define FIRST_MS 1700000000000ULL

typedef struct model {
    int64_t qty[GRID];         /* mantissa at exponent -5; 0: no level */
    uint32_t stamp[GRID];      /* diff number that last touched the index (no price twice in a diff) */
    int32_t mid;               /* bids below, asks at and above */
    uint32_t diff;
    uint64_t rng, update_id, event_ms;
} model_t;

typedef struct change {
    int32_t idx;
    int64_t qty;
} change_t;

static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static int64_t random_qty(model_t *m)
{
    return 1 + (int64_t)(next_rand(&m->rng) % 250000); /* 0.00001 .. 2.5 */
}

/* Distance from the touch: mostly the first levels, sometimes deep. */
static int32_t random_depth(model_t *m)
{
    uint64_t r = next_rand(&m->rng);
    uint32_t pick = (uint32_t)(r % 100);
    if (pick < 55)
        return (int32_t)((r >> 8) % 8);
    if (pick < 90)
        return (int32_t)((r >> 8) % 60);
    return (int32_t)((r >> 8) % 400);
}

/* ------------------------------------------------------------ printing -- */

static char *put_str(char *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o, s, n);
    return o + n;
}

static char *put_u64(char *o, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *o++ = tmp[--n];
    return o;
}

/* A mantissa with `frac` digits after the point, padded with zeros to 8 decimals. */
static char *put_decimal(char *o, uint64_t m, int frac)
{
    uint64_t scale = 1;
    for (int i = 0; i < frac; i++)
        scale *= 10;
    o = put_u64(o, m / scale);
    *o++ = '.';
    uint64_t rest = m % scale;
    for (int i = frac - 1; i >= 0; i--) {
        o[i] = (char)('0' + rest % 10);
        rest /= 10;
    }
    o += frac;
    for (int i = frac; i < 8; i++)
        *o++ = '0';
    return o;
}

static char *put_level(char *o, int32_t idx, int64_t qty, int first)
{
    if (!first)
        *o++ = ',';
    o = put_str(o, "[\"");
    o = put_decimal(o, (uint64_t)(PRICE_BASE + idx), 2);
    o = put_str(o, "\",\"");
    o = put_decimal(o, (uint64_t)qty, 5);
    return put_str(o, "\"]");
}

/* ---------------------------------------------------------- the model -- */

static void model_init(model_t *m, uint64_t seed)
{
    memset(m, 0, sizeof(*m));
    m->rng = seed ? seed : 0x2545F4914F6CDD1DULL;
    m->mid = GRID / 2;
    m->update_id = FIRST_ID;
    m->event_ms = FIRST_MS;
    for (int32_t d = 0; d < DEEP; d++) {
        int keep = d == 0 || next_rand(&m->rng) % 100 < 85;
        m->qty[m->mid - 1 - d] = keep ? random_qty(m) : 0;
        keep = d == 0 || next_rand(&m->rng) % 100 < 85;
        m->qty[m->mid + d] = keep ? random_qty(m) : 0;
    }
}

static int32_t best(const model_t *m, int bid)
{
    int32_t i = bid ? m->mid - 1 : m->mid;
    while (i > 0 && i < GRID - 1 && m->qty[i] == 0)
        i += bid ? -1 : 1;
    return i;
}

static int add_change(model_t *m, change_t *c, int n, int32_t idx, int64_t qty)
{
    if (idx < 1 || idx >= GRID - 1 || m->stamp[idx] == m->diff || n >= MAX_CHANGES)
        return n;
    m->stamp[idx] = m->diff;
    c[n] = (change_t){idx, qty};
    return n + 1;
}

/* The touch moves by k ticks: the levels crossed leave one side, one appears on the other. */
static int move_mid(model_t *m, change_t *bids, int *nb, change_t *asks, int *na)
{
    int32_t k = 1 + (int32_t)(next_rand(&m->rng) % 2);
    int up = (next_rand(&m->rng) & 1) ? m->mid < GRID * 3 / 4 : m->mid < GRID / 4;
    if (up) {
        for (int32_t j = 0; j < k; j++)
            if (m->qty[m->mid + j])
                *na = add_change(m, asks, *na, m->mid + j, 0);
        m->mid += k;
        *nb = add_change(m, bids, *nb, m->mid - 1, random_qty(m));
    } else {
        for (int32_t j = 1; j <= k; j++)
            if (m->qty[m->mid - j])
                *nb = add_change(m, bids, *nb, m->mid - j, 0);
        m->mid -= k;
        *na = add_change(m, asks, *na, m->mid, random_qty(m));
    }
    return *nb + *na;
}

static void sort_changes(change_t *c, int n, int descending)
{
    for (int i = 1; i < n; i++) {
        change_t v = c[i];
        int j = i - 1;
        while (j >= 0 && (descending ? c[j].idx < v.idx : c[j].idx > v.idx)) {
            c[j + 1] = c[j];
            j--;
        }
        c[j + 1] = v;
    }
}

/* One depth diff: its JSON payload into o; applies it to the model. Returns the end of the text. */
static char *depth_diff(model_t *m, char *o, uint32_t *levels)
{
    change_t bids[MAX_CHANGES], asks[MAX_CHANGES];
    int nb = 0, na = 0, want = 10 + (int)(next_rand(&m->rng) % 21), tries = 0;
    m->diff++;
    if (next_rand(&m->rng) % 8 == 0)
        move_mid(m, bids, &nb, asks, &na);
    while (nb + na < want && tries++ < 400) {
        int bid = (int)(next_rand(&m->rng) & 1);
        int32_t d = random_depth(m), idx = bid ? m->mid - 1 - d : m->mid + d;
        int64_t q = d > 0 && next_rand(&m->rng) % 5 == 0 ? 0 : random_qty(m);
        if (bid)
            nb = add_change(m, bids, nb, idx, q);
        else
            na = add_change(m, asks, na, idx, q);
    }
    sort_changes(bids, nb, 1);
    sort_changes(asks, na, 0);
    uint64_t first = m->update_id + 1;
    m->update_id += (uint64_t)(nb + na) + next_rand(&m->rng) % 3;
    m->event_ms += 1 + next_rand(&m->rng) % 3;
    o = put_str(o, "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":");
    o = put_u64(o, m->event_ms);
    o = put_str(o, ",\"s\":\"BTCUSDT\",\"U\":");
    o = put_u64(o, first);
    o = put_str(o, ",\"u\":");
    o = put_u64(o, m->update_id);
    o = put_str(o, ",\"b\":[");
    for (int i = 0; i < nb; i++) {
        o = put_level(o, bids[i].idx, bids[i].qty, i == 0);
        m->qty[bids[i].idx] = bids[i].qty;
    }
    o = put_str(o, "],\"a\":[");
    for (int i = 0; i < na; i++) {
        o = put_level(o, asks[i].idx, asks[i].qty, i == 0);
        m->qty[asks[i].idx] = asks[i].qty;
    }
    *levels = (uint32_t)(nb + na);
    return put_str(o, "]}}");
}

static char *bookticker(const model_t *m, char *o)
{
    int32_t b = best(m, 1), a = best(m, 0);
    o = put_str(o, "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":");
    o = put_u64(o, m->update_id);
    o = put_str(o, ",\"s\":\"BTCUSDT\",\"b\":\"");
    o = put_decimal(o, (uint64_t)(PRICE_BASE + b), 2);
    o = put_str(o, "\",\"B\":\"");
    o = put_decimal(o, (uint64_t)m->qty[b], 5);
    o = put_str(o, "\",\"a\":\"");
    o = put_decimal(o, (uint64_t)(PRICE_BASE + a), 2);
    o = put_str(o, "\",\"A\":\"");
    o = put_decimal(o, (uint64_t)m->qty[a], 5);
    return put_str(o, "\"}}");
}

/* {"lastUpdateId":…,"bids":[…],"asks":[…]} of the whole model book. */
static int snapshot(lb_frames_t *fr, const model_t *m)
{
    char *s = malloc((size_t)GRID * 40 + 128), *o = s;
    if (s == NULL)
        return -ENOMEM;
    o = put_str(o, "{\"lastUpdateId\":");
    o = put_u64(o, m->update_id);
    o = put_str(o, ",\"bids\":[");
    int first = 1;
    for (int32_t i = m->mid - 1; i > 0; i--)
        if (m->qty[i]) {
            o = put_level(o, i, m->qty[i], first);
            first = 0;
            fr->snapshot_levels++;
        }
    o = put_str(o, "],\"asks\":[");
    first = 1;
    for (int32_t i = m->mid; i < GRID - 1; i++)
        if (m->qty[i]) {
            o = put_level(o, i, m->qty[i], first);
            first = 0;
            fr->snapshot_levels++;
        }
    o = put_str(o, "]}");
    fr->snapshot = s;
    fr->snapshot_len = (size_t)(o - s);
    return 0;
}

int lb_frames_build(lb_frames_t *fr, uint64_t count, uint32_t bookticker_every, uint64_t seed)
{
    memset(fr, 0, sizeof(*fr));
    model_t *m = malloc(sizeof(*m));
    char *text = malloc(PAYLOAD_MAX);
    uint64_t cap = count * 1024 + 4096, len = 0;
    fr->buf = malloc(cap);
    fr->at = malloc((count + 1) * sizeof(uint64_t));
    fr->want_id = malloc(count * sizeof(uint64_t));
    fr->want_type = malloc(count);
    fr->levels = malloc(count * sizeof(uint16_t));
    fr->top = malloc(count * sizeof(*fr->top));
    int r = m && text && fr->buf && fr->at && fr->want_id && fr->want_type && fr->levels && fr->top ? 0 : -ENOMEM;
    if (r == 0) {
        model_init(m, seed);
        r = snapshot(fr, m);
    }
    for (uint64_t i = 0; r == 0 && i < count; i++) {
        int ticker = bookticker_every && i % bookticker_every == bookticker_every - 1;
        uint32_t levels = 0;
        char *end = ticker ? bookticker(m, text) : depth_diff(m, text, &levels);
        size_t n = (size_t)(end - text);
        if (cap - len < n + 16) {
            uint8_t *grown = realloc(fr->buf, cap * 2);
            if (grown == NULL) {
                r = -ENOMEM;
                break;
            }
            fr->buf = grown;
            cap *= 2;
        }
        int w = tw_ws_frame_encode(fr->buf + len, cap - len, TW_WS_TEXT, 1, (const uint8_t *)text, n, 0, 0);
        if (w < 0) {
            r = w;
            break;
        }
        fr->at[i] = len;
        len += (uint64_t)w;
        fr->want_id[i] = m->update_id;
        fr->want_type[i] = ticker ? TW_MD_BBO : TW_MD_BOOK;
        fr->levels[i] = (uint16_t)levels;
        int32_t b = best(m, 1), a = best(m, 0);
        fr->top[i][0] = PRICE_BASE + b;
        fr->top[i][1] = m->qty[b];
        fr->top[i][2] = PRICE_BASE + a;
        fr->top[i][3] = m->qty[a];
        fr->count = i + 1;
    }
    if (fr->at)
        fr->at[fr->count] = len;
    free(m);
    free(text);
    if (r < 0)
        lb_frames_free(fr);
    return r;
}

void lb_frames_free(lb_frames_t *fr)
{
    free(fr->buf);
    free(fr->at);
    free(fr->want_id);
    free(fr->want_type);
    free(fr->levels);
    free(fr->top);
    free(fr->snapshot);
    memset(fr, 0, sizeof(*fr));
}

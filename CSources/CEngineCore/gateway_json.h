/* SPDX-License-Identifier: MIT */
/*
 * What the gateway's decoders (gateway_decode.c: answers, gateway_events.c:
 * user-data events) share: spans into the message, the few readers the
 * tw_json cursor lacks (signed integers, strings that may be null, the span
 * of a nested value), and the venue's enum words. Private, static inline.
 */
#ifndef TICKWIRE_GATEWAY_JSON_H
#define TICKWIRE_GATEWAY_JSON_H

#include <string.h>

#include "gateway_internal.h"
#include "tickwire/json.h"

#define KEY_IS(k, kl, lit) ((kl) == sizeof(lit) - 1 && memcmp((k), (lit), sizeof(lit) - 1) == 0)

enum { FEE_EXPONENT = -8, BALANCE_EXPONENT = -8, MS = 1000000 };

typedef struct sp {
    const char *s;
    size_t n;
} sp_t;

static inline int64_t ms_to_ns(uint64_t ms)
{
    return ms <= (uint64_t)INT64_MAX / MS ? (int64_t)ms * MS : 0;
}

/* An integer that may be negative (Binance sends -1 for "none"). */
static inline int read_int(tw_json_t *j, int64_t *out)
{
    int neg = tw_json_peek(j) == '-';
    uint64_t v;
    if (neg)
        j->p++;
    int r = tw_json_uint(j, &v);
    if (r < 0)
        return r;
    if (v > (uint64_t)INT64_MAX)
        return -ERANGE;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* A string, or null (an empty span). */
static inline int read_str(tw_json_t *j, sp_t *v)
{
    if (tw_json_peek(j) == 'n') {
        v->s = "", v->n = 0;
        return tw_json_skip(j);
    }
    return tw_json_string(j, &v->s, &v->n);
}

/* The span of one object or array value. */
static inline int read_span(tw_json_t *j, sp_t *v)
{
    int c = tw_json_peek(j);
    if (c != '{' && c != '[')
        return tw_json_skip(j); /* null or a scalar: no span */
    v->s = j->p;
    int r = tw_json_span(j);
    v->n = (size_t)(j->p - v->s);
    return r;
}

static inline void copy_text(char *dst, size_t cap, sp_t v)
{
    size_t n = v.n < cap - 1 ? v.n : cap - 1;
    if (n) /* an absent field is a NULL span */
        memcpy(dst, v.s, n);
    dst[n] = 0;
}

static inline int decimal(sp_t v, int e, int64_t *out)
{
    return v.s ? tw_decimal_parse(v.s, v.n, e, out) : 0;
}

static inline uint8_t side_of(sp_t v)
{
    return KEY_IS(v.s, v.n, "BUY") ? TW_SIDE_BUY : KEY_IS(v.s, v.n, "SELL") ? TW_SIDE_SELL : TW_SIDE_NONE;
}

static inline uint8_t type_of(sp_t v)
{
    if (KEY_IS(v.s, v.n, "LIMIT"))
        return TW_ORDER_LIMIT;
    if (KEY_IS(v.s, v.n, "MARKET"))
        return TW_ORDER_MARKET;
    return KEY_IS(v.s, v.n, "LIMIT_MAKER") ? TW_ORDER_LIMIT_MAKER : 0;
}

static inline uint8_t tif_of(sp_t v)
{
    if (KEY_IS(v.s, v.n, "GTC"))
        return TW_TIF_GTC;
    if (KEY_IS(v.s, v.n, "IOC"))
        return TW_TIF_IOC;
    return KEY_IS(v.s, v.n, "FOK") ? TW_TIF_FOK : 0;
}

/* The index of the instrument named v: 1 with *out set, 0 when not in the table. */
static inline int symbol_index(sp_t v, const tw_gateway_instrument_t *inst, uint32_t ninst, uint32_t *out)
{
    for (uint32_t i = 0; i < ninst; i++)
        if (strnlen(inst[i].symbol, TW_SYMBOL_MAX) == v.n && memcmp(inst[i].symbol, v.s, v.n) == 0) {
            *out = i;
            return 1;
        }
    return 0;
}

/* Quote amounts are at price + quantity exponent; one that does not fit is left 0 (informational). */
static inline int64_t quote_of(sp_t v, int pe, int qe)
{
    int64_t q = 0;
    if (pe + qe < -18 || decimal(v, pe + qe, &q) < 0)
        return 0;
    return q;
}

#endif /* TICKWIRE_GATEWAY_JSON_H */

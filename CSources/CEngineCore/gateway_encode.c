/* SPDX-License-Identifier: MIT */
/*
 * Signed Binance WebSocket API requests, written into fixed buffers:
 *
 *   {"id":"<id>","method":"order.place","params":{"apiKey":"K",...,
 *    "timestamp":T,"signature":"<hex>"}}
 *
 * The signature is the HMAC-SHA256 of the params other than signature as
 * name=value pairs sorted by name and joined with '&'. Each method lists its
 * params already in that order (the unit test checks it), so one pass over
 * the list writes the payload to sign and a second the JSON around it; no
 * sort, no allocation, no printf. Prices and quantities are written from
 * their mantissas at the instrument's exponents ("64000.00" for 6400000 at
 * -2): no floating point anywhere, so what is signed is what was meant.
 *
 * USD-M futures (/ws-fapi/v1) signs the same way; its order.place adds
 * positionSide=BOTH (one-way mode) and reduceOnly=true when the command says
 * so, and has no LIMIT_MAKER type: a post-only order is LIMIT with
 * timeInForce GTX. order.cancel and order.status take the spot params.
 */
#include <errno.h>
#include <string.h>

#include "gateway_internal.h"

typedef struct param {
    const char *name;
    const char *val;
    uint32_t len;
    uint32_t number;           /* a JSON number, not a string */
} param_t;

enum { MAX_PARAMS = 16 };

typedef struct out {
    char *p;
    size_t n, cap;
} out_t;

static int put(out_t *o, const char *s, size_t n)
{
    if (o->cap - o->n < n)
        return -ENOBUFS;
    memcpy(o->p + o->n, s, n);
    o->n += n;
    return 0;
}

static int put_str(out_t *o, const char *s)
{
    return put(o, s, strlen(s));
}

/* Decimal digits of v into buf (at least 20 bytes), right-aligned; returns the first digit. */
static char *u64_digits(uint64_t v, char *end)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

int tw_gw_decimal(char *out, size_t cap, int64_t m, int e)
{
    char tmp[48], *end = tmp + sizeof(tmp);
    if (m < 0 || e < -18 || e > 18)
        return -EINVAL;
    char *p = end;
    if (e >= 0) {
        for (int i = 0; i < e && m; i++)
            *--p = '0';
        p = u64_digits((uint64_t)m, p);
    } else {
        uint64_t v = (uint64_t)m;
        for (int i = 0; i < -e; i++, v /= 10)
            *--p = (char)('0' + v % 10);
        *--p = '.';
        p = u64_digits(v, p);
    }
    size_t n = (size_t)(end - p);
    if (n > cap)
        return -ENOBUFS;
    memcpy(out, p, n);
    return (int)n;
}

int tw_gw_client_id_ok(const char *s)
{
    size_t n = strnlen(s, TW_CLIENT_ID_MAX);
    if (n == 0 || n > GW_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == ':' || c == '/' || c == '-'))
            return 0;
    }
    return 1;
}

/* The payload to sign, into enc->query; then the JSON request with the signature, into out. */
static int finish(tw_gw_encoder_t *enc, const char *method, uint64_t id, const param_t *pv, int np, char *buf,
                  size_t cap)
{
    out_t q = {enc->query, 0, sizeof(enc->query)}, o = {buf, 0, cap};
    char idb[24], *ids = u64_digits(id, idb + sizeof(idb)), hex[64];
    int r = 0;
    for (int i = 0; i < np && r == 0; i++) {
        r = i ? put(&q, "&", 1) : 0;
        r = r ? r : put_str(&q, pv[i].name);
        r = r ? r : put(&q, "=", 1);
        r = r ? r : put(&q, pv[i].val, pv[i].len);
    }
    if (r < 0)
        return r;
    enc->query_len = (uint32_t)q.n;
    tw_gw_hmac_hex(&enc->hmac, enc->query, q.n, hex);
    r = put_str(&o, "{\"id\":\"");
    r = r ? r : put(&o, ids, (size_t)(idb + sizeof(idb) - ids));
    r = r ? r : put_str(&o, "\",\"method\":\"");
    r = r ? r : put_str(&o, method);
    r = r ? r : put_str(&o, "\",\"params\":{");
    for (int i = 0; i < np && r == 0; i++) {
        r = put(&o, "\"", 1);
        r = r ? r : put_str(&o, pv[i].name);
        r = r ? r : put(&o, pv[i].number ? "\":" : "\":\"", pv[i].number ? 2 : 3);
        r = r ? r : put(&o, pv[i].val, pv[i].len);
        r = r ? r : (pv[i].number ? put(&o, ",", 1) : put(&o, "\",", 2));
    }
    r = r ? r : put_str(&o, "\"signature\":\"");
    r = r ? r : put(&o, hex, sizeof(hex));
    r = r ? r : put_str(&o, "\"}}");
    return r < 0 ? r : (int)o.n;
}

static param_t lit(const char *name, const char *val)
{
    return (param_t){name, val, (uint32_t)strlen(val), 0};
}

static param_t span(const char *name, const char *val, size_t n, uint32_t number)
{
    return (param_t){name, val, (uint32_t)n, number};
}

/* Scratch for the numbers of one request (digits written right-aligned). */
typedef struct nums {
    char ts[24], rw[24], oid[24], px[48], qty[48];
} nums_t;

static param_t number(const char *name, uint64_t v, char *b, size_t cap)
{
    char *p = u64_digits(v, b + cap);
    return span(name, p, (size_t)(b + cap - p), 1);
}

static param_t key_param(const tw_gw_encoder_t *enc)
{
    return span("apiKey", enc->key, enc->key_len, 0);
}

static const char *side_name(uint8_t s)
{
    return s == TW_SIDE_BUY ? "BUY" : s == TW_SIDE_SELL ? "SELL" : NULL;
}

static const char *type_name(uint8_t t)
{
    return t == TW_ORDER_LIMIT ? "LIMIT" : t == TW_ORDER_MARKET ? "MARKET" : t == TW_ORDER_LIMIT_MAKER ? "LIMIT_MAKER"
                                                                                                  : NULL;
}

static const char *tif_name(uint8_t t)
{
    return t == TW_TIF_GTC ? "GTC" : t == TW_TIF_IOC ? "IOC" : t == TW_TIF_FOK ? "FOK" : NULL;
}

/* USD-M order.place: LIMIT_MAKER goes as LIMIT + GTX. */
static int encode_place_usdm(tw_gw_encoder_t *enc, const tw_command_t *cmd, uint64_t id, int64_t ts_ms, char *out,
                             size_t cap)
{
    const char *side = side_name(cmd->side), *tif = tif_name(cmd->tif);
    int market = cmd->order_type == TW_ORDER_MARKET, maker = cmd->order_type == TW_ORDER_LIMIT_MAKER;
    if (maker)
        tif = "GTX";
    if (cmd->instrument >= enc->ninst || !side || cmd->quantity <= 0 || ts_ms < 0 ||
        !tw_gw_client_id_ok(cmd->client_order_id) || !(market || maker || cmd->order_type == TW_ORDER_LIMIT) ||
        (!market && (cmd->price <= 0 || !tif)))
        return -EINVAL;
    const tw_gateway_instrument_t *in = &enc->inst[cmd->instrument];
    nums_t nb;
    int npx = market ? 0 : tw_gw_decimal(nb.px, sizeof(nb.px), cmd->price, in->price_exponent);
    int nq = tw_gw_decimal(nb.qty, sizeof(nb.qty), cmd->quantity, in->qty_exponent);
    if (npx < 0 || nq < 0)
        return -EINVAL;
    param_t pv[MAX_PARAMS];
    int np = 0;
    pv[np++] = key_param(enc);
    pv[np++] = lit("newClientOrderId", cmd->client_order_id);
    pv[np++] = lit("newOrderRespType", "RESULT");
    pv[np++] = lit("positionSide", "BOTH");
    if (!market)
        pv[np++] = span("price", nb.px, (size_t)npx, 0);
    pv[np++] = span("quantity", nb.qty, (size_t)nq, 0);
    pv[np++] = number("recvWindow", enc->recv_window_ms, nb.rw, sizeof(nb.rw));
    if (cmd->flags & TW_CMD_FLAG_REDUCE_ONLY)
        pv[np++] = lit("reduceOnly", "true");
    pv[np++] = lit("side", side);
    pv[np++] = lit("symbol", in->symbol);
    if (!market)
        pv[np++] = lit("timeInForce", tif);
    pv[np++] = number("timestamp", (uint64_t)ts_ms, nb.ts, sizeof(nb.ts));
    pv[np++] = lit("type", market ? "MARKET" : "LIMIT");
    return finish(enc, "order.place", id, pv, np, out, cap);
}

int tw_gw_encode_place(tw_gw_encoder_t *enc, const tw_command_t *cmd, uint64_t id, int64_t ts_ms, char *out,
                       size_t cap)
{
    if (enc->venue == TW_GW_VENUE_USDM)
        return encode_place_usdm(enc, cmd, id, ts_ms, out, cap);
    const char *side = side_name(cmd->side), *type = type_name(cmd->order_type), *tif = tif_name(cmd->tif);
    if (cmd->instrument >= enc->ninst || !side || !type || cmd->quantity <= 0 || ts_ms < 0 ||
        !tw_gw_client_id_ok(cmd->client_order_id))
        return -EINVAL;
    int market = cmd->order_type == TW_ORDER_MARKET, limit = cmd->order_type == TW_ORDER_LIMIT;
    if ((!market && cmd->price <= 0) || (limit && !tif))
        return -EINVAL;
    const tw_gateway_instrument_t *in = &enc->inst[cmd->instrument];
    nums_t nb;
    int npx = market ? 0 : tw_gw_decimal(nb.px, sizeof(nb.px), cmd->price, in->price_exponent);
    int nq = tw_gw_decimal(nb.qty, sizeof(nb.qty), cmd->quantity, in->qty_exponent);
    if (npx < 0 || nq < 0)
        return -EINVAL;
    param_t pv[MAX_PARAMS];
    int np = 0;
    pv[np++] = key_param(enc);
    pv[np++] = lit("newClientOrderId", cmd->client_order_id);
    pv[np++] = lit("newOrderRespType", "RESULT");
    if (!market)
        pv[np++] = span("price", nb.px, (size_t)npx, 0);
    pv[np++] = span("quantity", nb.qty, (size_t)nq, 0);
    pv[np++] = number("recvWindow", enc->recv_window_ms, nb.rw, sizeof(nb.rw));
    pv[np++] = lit("side", side);
    pv[np++] = lit("symbol", in->symbol);
    if (limit)
        pv[np++] = lit("timeInForce", tif);
    pv[np++] = number("timestamp", (uint64_t)ts_ms, nb.ts, sizeof(nb.ts));
    pv[np++] = lit("type", type);
    return finish(enc, "order.place", id, pv, np, out, cap);
}

/* order.cancel and order.status take the same params: the order by venue id or by client id. */
static int encode_by_order(tw_gw_encoder_t *enc, const char *method, const tw_command_t *cmd, uint64_t id,
                           int64_t ts_ms, char *out, size_t cap)
{
    if (cmd->instrument >= enc->ninst || ts_ms < 0 || (!cmd->target_id && !tw_gw_client_id_ok(cmd->client_order_id)))
        return -EINVAL;
    nums_t nb;
    param_t pv[MAX_PARAMS];
    int np = 0;
    pv[np++] = key_param(enc);
    if (cmd->target_id)
        pv[np++] = number("orderId", cmd->target_id, nb.oid, sizeof(nb.oid));
    else
        pv[np++] = lit("origClientOrderId", cmd->client_order_id);
    pv[np++] = number("recvWindow", enc->recv_window_ms, nb.rw, sizeof(nb.rw));
    pv[np++] = lit("symbol", enc->inst[cmd->instrument].symbol);
    pv[np++] = number("timestamp", (uint64_t)ts_ms, nb.ts, sizeof(nb.ts));
    return finish(enc, method, id, pv, np, out, cap);
}

int tw_gw_encode_cancel(tw_gw_encoder_t *enc, const tw_command_t *cmd, uint64_t id, int64_t ts_ms, char *out,
                        size_t cap)
{
    return encode_by_order(enc, "order.cancel", cmd, id, ts_ms, out, cap);
}

int tw_gw_encode_status(tw_gw_encoder_t *enc, const tw_command_t *cmd, uint64_t id, int64_t ts_ms, char *out,
                        size_t cap)
{
    return encode_by_order(enc, "order.status", cmd, id, ts_ms, out, cap);
}

int tw_gw_encode_cancel_all(tw_gw_encoder_t *enc, uint32_t instrument, uint64_t id, int64_t ts_ms, char *out,
                            size_t cap)
{
    if (instrument >= enc->ninst || ts_ms < 0)
        return -EINVAL;
    nums_t nb;
    param_t pv[4] = {key_param(enc), number("recvWindow", enc->recv_window_ms, nb.rw, sizeof(nb.rw)),
                     lit("symbol", enc->inst[instrument].symbol),
                     number("timestamp", (uint64_t)ts_ms, nb.ts, sizeof(nb.ts))};
    return finish(enc, "openOrders.cancelAll", id, pv, 4, out, cap);
}

int tw_gw_encode_subscribe(tw_gw_encoder_t *enc, uint64_t id, int64_t ts_ms, char *out, size_t cap)
{
    if (ts_ms < 0)
        return -EINVAL;
    nums_t nb;
    param_t pv[2] = {key_param(enc), number("timestamp", (uint64_t)ts_ms, nb.ts, sizeof(nb.ts))};
    return finish(enc, "userDataStream.subscribe.signature", id, pv, 2, out, cap);
}

/* SPDX-License-Identifier: MIT */
/*
 * Binance WebSocket API answers, decoded on the gateway thread straight to
 * fixed point: the envelope (id, status, result or error, or a user-data
 * event's span) and one order as a result shows it. Events are in
 * gateway_events.c.
 *
 * Field order is not part of the protocol, and the decimals of an event
 * can only be scaled once its symbol is known, so each decoder walks its
 * object once, keeping integers as it meets them and decimal strings as
 * spans into the message, and converts the spans at the end. Required
 * fields are tracked in a bit set: a message missing one is refused
 * (-ENODATA), never journaled with a zero. Nothing is allocated; string
 * values stay spans until they are copied into a record.
 */
#include <string.h>

#include "gateway_json.h"

/* ----------------------------------------------------------- envelope -- */

static int read_id(tw_json_t *j, tw_gw_msg_t *m)
{
    int c = tw_json_peek(j);
    if (c >= '0' && c <= '9') {
        m->has_id = tw_json_uint(j, &m->id) == 0;
        return m->has_id ? 0 : -EBADMSG;
    }
    sp_t v = {0};
    int r = read_str(j, &v);
    if (r < 0 || v.n == 0 || v.n > 19)
        return r; /* null, or not an id of ours */
    uint64_t id = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (v.s[i] < '0' || v.s[i] > '9')
            return 0;
        id = id * 10 + (uint64_t)(v.s[i] - '0');
    }
    m->id = id;
    m->has_id = 1;
    return 0;
}

static int read_error(tw_json_t *j, tw_gw_msg_t *m)
{
    const char *k;
    size_t kl;
    int r = tw_json_object_begin(j);
    while (r == 0 && (r = tw_json_next_key(j, &k, &kl)) == 1) {
        int64_t code;
        sp_t v = {0};
        if (KEY_IS(k, kl, "code")) {
            r = read_int(j, &code);
            m->code = code < INT32_MIN || code > INT32_MAX ? INT32_MIN : (int32_t)code;
        } else if (KEY_IS(k, kl, "msg")) {
            r = read_str(j, &v);
            m->msg = v.s, m->msg_len = v.n;
        } else {
            r = tw_json_skip(j);
        }
    }
    return r;
}

int tw_gw_envelope(const char *s, size_t n, tw_gw_msg_t *m)
{
    memset(m, 0, sizeof(*m));
    tw_json_t j;
    const char *k;
    size_t kl;
    tw_json_init(&j, s, n);
    int r = tw_json_object_begin(&j), has_status = 0;
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1) {
        uint64_t st;
        sp_t v = {0};
        if (KEY_IS(k, kl, "id")) {
            r = read_id(&j, m);
        } else if (KEY_IS(k, kl, "status")) {
            r = tw_json_uint(&j, &st);
            m->status = st > 999 ? 999 : (uint32_t)st;
            has_status = 1;
        } else if (KEY_IS(k, kl, "result")) {
            r = read_span(&j, &v);
            m->result = v.s, m->result_len = v.n;
        } else if (KEY_IS(k, kl, "error")) {
            r = tw_json_peek(&j) == '{' ? read_error(&j, m) : tw_json_skip(&j);
        } else if (KEY_IS(k, kl, "event")) {
            r = read_span(&j, &v);
            m->event = v.s, m->event_len = v.n;
        } else {
            r = tw_json_skip(&j);
        }
    }
    if (r < 0)
        return r;
    if (m->event && m->event[0] == '{')
        return 0;
    return m->has_id && has_status ? 0 : -ENODATA;
}

/* -------------------------------------------------------------- enums -- */

uint8_t tw_gw_order_state(const char *s, size_t n)
{
    static const struct { const char *name; uint8_t st; } map[] = {
        {"NEW", TW_OS_NEW}, {"PARTIALLY_FILLED", TW_OS_PARTIALLY_FILLED}, {"FILLED", TW_OS_FILLED},
        {"CANCELED", TW_OS_CANCELED}, {"PENDING_CANCEL", TW_OS_CANCEL_PENDING}, {"REJECTED", TW_OS_REJECTED},
        {"EXPIRED", TW_OS_EXPIRED}, {"EXPIRED_IN_MATCH", TW_OS_EXPIRED}, {"PENDING_NEW", TW_OS_SUBMITTED},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strlen(map[i].name) == n && memcmp(map[i].name, s, n) == 0)
            return map[i].st;
    return TW_OS_NONE;
}

/* -------------------------------------------------------- order result -- */

int tw_gw_order_decode(const char *s, size_t n, int pe, int qe, tw_gw_order_t *o)
{
    memset(o, 0, sizeof(*o));
    sp_t px = {0}, oq = {0}, ex = {0}, cq = {0}, v;
    tw_json_t j;
    const char *k;
    size_t kl;
    uint64_t u;
    int gtx = 0;
    tw_json_init(&j, s, n);
    int r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1) {
        v = (sp_t){0};
        if (KEY_IS(k, kl, "orderId")) {
            r = tw_json_uint(&j, &o->order_id);
            o->has |= GW_HAS_ORDER_ID;
        } else if (KEY_IS(k, kl, "clientOrderId")) {
            r = read_str(&j, &v);
            o->client_id = v.s, o->client_id_len = v.n;
        } else if (KEY_IS(k, kl, "origClientOrderId")) {
            r = read_str(&j, &v);
            o->orig_client_id = v.s, o->orig_client_id_len = v.n;
        } else if (KEY_IS(k, kl, "transactTime") || (KEY_IS(k, kl, "updateTime") && !o->time_ms)) {
            r = tw_json_uint(&j, &u);
            o->time_ms = u > (uint64_t)INT64_MAX ? 0 : (int64_t)u;
        } else if (KEY_IS(k, kl, "price")) {
            r = read_str(&j, &px);
        } else if (KEY_IS(k, kl, "origQty")) {
            r = read_str(&j, &oq);
        } else if (KEY_IS(k, kl, "executedQty")) {
            r = read_str(&j, &ex);
            o->has |= GW_HAS_EXECUTED;
        } else if (KEY_IS(k, kl, "cummulativeQuoteQty") || KEY_IS(k, kl, "cumQuote")) { /* spot, USD-M */
            r = read_str(&j, &cq);
        } else if (KEY_IS(k, kl, "status")) {
            r = read_str(&j, &v);
            o->state = tw_gw_order_state(v.s, v.n);
            o->has |= o->state ? GW_HAS_STATE : 0;
        } else if (KEY_IS(k, kl, "side")) {
            r = read_str(&j, &v);
            o->side = side_of(v);
        } else if (KEY_IS(k, kl, "type")) {
            r = read_str(&j, &v);
            o->type = type_of(v);
        } else if (KEY_IS(k, kl, "timeInForce")) {
            r = read_str(&j, &v);
            o->tif = tif_of(v);
            gtx = KEY_IS(v.s, v.n, "GTX");
        } else {
            r = tw_json_skip(&j);
        }
    }
    if (r < 0)
        return r;
    if (!(o->has & GW_HAS_ORDER_ID))
        return -ENODATA;
    if ((r = decimal(px, pe, &o->price)) < 0 || (r = decimal(oq, qe, &o->orig_qty)) < 0 ||
        (r = decimal(ex, qe, &o->executed_qty)) < 0)
        return r;
    o->cum_quote = quote_of(cq, pe, qe);
    if (gtx && o->type == TW_ORDER_LIMIT) /* USD-M's post-only LIMIT is our LIMIT_MAKER */
        o->type = TW_ORDER_LIMIT_MAKER;
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Binance user-data events (executionReport, outboundAccountPosition,
 * balanceUpdate; the kind of USD-M's too, decoded in gateway_fevents.c), decoded on the gateway thread straight to exec journal
 * records. Each decoder walks its object once, keeping decimals as spans
 * until the symbol (and so the exponents) is known; a report missing a
 * required field is refused, never journaled with a zero, and a fill is
 * never dropped for its fee.
 */
#include "gateway_json.h"

int tw_gw_event_kind(const char *s, size_t n)
{
    tw_json_t j;
    const char *k;
    size_t kl;
    tw_json_init(&j, s, n);
    int r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1) {
        if (!KEY_IS(k, kl, "e")) {
            r = tw_json_skip(&j);
            continue;
        }
        sp_t v;
        if ((r = tw_json_string(&j, &v.s, &v.n)) < 0)
            return r;
        if (KEY_IS(v.s, v.n, "executionReport"))
            return TW_GW_EV_EXECUTION;
        if (KEY_IS(v.s, v.n, "outboundAccountPosition"))
            return TW_GW_EV_ACCOUNT;
        if (KEY_IS(v.s, v.n, "eventStreamTerminated"))
            return TW_GW_EV_TERMINATED;
        if (KEY_IS(v.s, v.n, "ORDER_TRADE_UPDATE"))
            return TW_GW_EV_FUT_ORDER;
        if (KEY_IS(v.s, v.n, "ACCOUNT_UPDATE"))
            return TW_GW_EV_FUT_ACCOUNT;
        if (KEY_IS(v.s, v.n, "listenKeyExpired"))
            return TW_GW_EV_KEY_EXPIRED;
        return KEY_IS(v.s, v.n, "balanceUpdate") ? TW_GW_EV_BALANCE : TW_GW_EV_UNKNOWN;
    }
    return r < 0 ? r : TW_GW_EV_UNKNOWN;
}

/* What an executionReport carries, as read (decimals still text). */
typedef struct exec_raw {
    sp_t sym, cid, orig_cid, side, type, tif, x, st, reason, fee_asset;
    sp_t qty, px, last_qty, last_px, cum, cum_quote, fee;
    uint64_t order_id, event_ms, trade_ms;
    int64_t trade_id;
    int maker;
    uint32_t has;
} exec_raw_t;

enum { EX_SYM = 1, EX_X = 2, EX_ST = 4, EX_ID = 8, EX_CID = 16 };

static int exec_field(tw_json_t *j, char key, exec_raw_t *x)
{
    switch (key) {
    case 's': x->has |= EX_SYM; return read_str(j, &x->sym);
    case 'c': x->has |= EX_CID; return read_str(j, &x->cid);
    case 'C': return read_str(j, &x->orig_cid);
    case 'S': return read_str(j, &x->side);
    case 'o': return read_str(j, &x->type);
    case 'f': return read_str(j, &x->tif);
    case 'x': x->has |= EX_X; return read_str(j, &x->x);
    case 'X': x->has |= EX_ST; return read_str(j, &x->st);
    case 'r': return read_str(j, &x->reason);
    case 'N': return read_str(j, &x->fee_asset);
    case 'q': return read_str(j, &x->qty);
    case 'p': return read_str(j, &x->px);
    case 'l': return read_str(j, &x->last_qty);
    case 'L': return read_str(j, &x->last_px);
    case 'z': return read_str(j, &x->cum);
    case 'Z': return read_str(j, &x->cum_quote);
    case 'n': return read_str(j, &x->fee);
    case 'i': x->has |= EX_ID; return tw_json_uint(j, &x->order_id);
    case 'E': return tw_json_uint(j, &x->event_ms);
    case 'T': return tw_json_uint(j, &x->trade_ms);
    case 't': return read_int(j, &x->trade_id);
    case 'm': return tw_json_bool(j, &x->maker);
    default: return tw_json_skip(j);
    }
}

static int exec_type_of(const exec_raw_t *x, uint16_t *type)
{
    sp_t v = x->x;
    if (KEY_IS(v.s, v.n, "NEW"))
        *type = TW_EXEC_ACK;
    else if (KEY_IS(v.s, v.n, "TRADE"))
        *type = KEY_IS(x->st.s, x->st.n, "FILLED") ? TW_EXEC_FILL : TW_EXEC_PARTIAL_FILL;
    else if (KEY_IS(v.s, v.n, "CANCELED"))
        *type = TW_EXEC_CANCELED;
    else if (KEY_IS(v.s, v.n, "REJECTED"))
        *type = TW_EXEC_REJECTED;
    else if (KEY_IS(v.s, v.n, "EXPIRED") || KEY_IS(v.s, v.n, "TRADE_PREVENTION"))
        *type = TW_EXEC_EXPIRED;
    else
        return 0; /* REPLACED, or a kind newer than this code */
    return 1;
}

static int find_symbol(sp_t s, const tw_gateway_instrument_t *inst, uint32_t ninst, uint32_t *out)
{
    for (uint32_t i = 0; i < ninst; i++)
        if (strnlen(inst[i].symbol, TW_SYMBOL_MAX) == s.n && memcmp(inst[i].symbol, s.s, s.n) == 0) {
            *out = i;
            return 1;
        }
    return 0;
}

static int exec_values(const exec_raw_t *x, int pe, int qe, uint16_t type, tw_exec_report_t *rep)
{
    int trade = type == TW_EXEC_FILL || type == TW_EXEC_PARTIAL_FILL, r;
    if ((r = decimal(trade ? x->last_px : x->px, pe, &rep->price)) < 0 ||
        (r = decimal(trade ? x->last_qty : x->qty, qe, &rep->quantity)) < 0 ||
        (r = decimal(x->cum, qe, &rep->cum_quantity)) < 0)
        return r;
    if (trade && (!x->last_px.s || !x->last_qty.s))
        return -ENODATA; /* a fill without its price or quantity is no fill */
    if (trade && decimal(x->fee, FEE_EXPONENT, &rep->fee) < 0) {
        rep->fee = 0; /* never drop a fill for its fee: say so instead */
        copy_text(rep->text, sizeof(rep->text), (sp_t){"fee not representable at 1e-8", 29});
    }
    rep->cum_quote = quote_of(x->cum_quote, pe, qe);
    rep->trade_id = trade && x->trade_id > 0 ? (uint64_t)x->trade_id : 0;
    rep->fee_exponent = FEE_EXPONENT;
    if (trade)
        copy_text(rep->fee_asset, sizeof(rep->fee_asset), x->fee_asset);
    rep->flags = TW_EXEC_FLAG_STREAM | (trade && x->maker ? TW_EXEC_FLAG_MAKER : 0);
    return 0;
}

int tw_gw_exec_decode(const char *s, size_t n, const tw_gateway_instrument_t *inst, uint32_t ninst,
                      tw_exec_report_t *rep, uint16_t *type, uint32_t *instrument)
{
    exec_raw_t x;
    memset(&x, 0, sizeof(x));
    tw_json_t j;
    const char *k;
    size_t kl;
    tw_json_init(&j, s, n);
    int r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1)
        r = kl == 1 ? exec_field(&j, k[0], &x) : tw_json_skip(&j);
    if (r < 0)
        return r;
    if ((x.has & (EX_SYM | EX_X | EX_ST | EX_ID | EX_CID)) != (EX_SYM | EX_X | EX_ST | EX_ID | EX_CID))
        return -ENODATA;
    if (!exec_type_of(&x, type) || !find_symbol(x.sym, inst, ninst, instrument))
        return 0;
    memset(rep, 0, sizeof(*rep));
    const tw_gateway_instrument_t *in = &inst[*instrument];
    if ((r = exec_values(&x, in->price_exponent, in->qty_exponent, *type, rep)) < 0)
        return r;
    rep->venue_order_id = x.order_id;
    rep->venue_ns = ms_to_ns(x.trade_ms ? x.trade_ms : x.event_ms);
    rep->side = side_of(x.side);
    rep->order_type = type_of(x.type);
    rep->tif = tif_of(x.tif);
    rep->order_state = tw_gw_order_state(x.st.s, x.st.n);
    copy_text(rep->client_order_id, sizeof(rep->client_order_id), x.orig_cid.n ? x.orig_cid : x.cid);
    if (*type == TW_EXEC_REJECTED && x.reason.n)
        copy_text(rep->text, sizeof(rep->text), x.reason);
    return 1;
}

/* One {"a":"BTC","f":"1.0","l":"0.0"} of outboundAccountPosition.B. */
static int account_entry(tw_json_t *j, tw_exec_balance_t *b)
{
    sp_t a = {0}, f = {0}, l = {0};
    const char *k;
    size_t kl;
    int r = tw_json_object_begin(j);
    while (r == 0 && (r = tw_json_next_key(j, &k, &kl)) == 1) {
        if (KEY_IS(k, kl, "a"))
            r = read_str(j, &a);
        else if (KEY_IS(k, kl, "f"))
            r = read_str(j, &f);
        else if (KEY_IS(k, kl, "l"))
            r = read_str(j, &l);
        else
            r = tw_json_skip(j);
    }
    if (r < 0)
        return r;
    if (!a.s || a.n == 0 || a.n >= sizeof(b->asset) || !f.s || !l.s)
        return -ENODATA;
    memset(b, 0, sizeof(*b));
    copy_text(b->asset, sizeof(b->asset), a);
    b->exponent = BALANCE_EXPONENT;
    if ((r = decimal(f, BALANCE_EXPONENT, &b->free)) < 0 || (r = decimal(l, BALANCE_EXPONENT, &b->locked)) < 0)
        return r;
    return 0;
}

int tw_gw_account_decode(const char *s, size_t n, tw_exec_balance_t *out, uint32_t cap)
{
    sp_t arr = {0};
    uint64_t ev_ms = 0;
    tw_json_t j;
    const char *k;
    size_t kl;
    tw_json_init(&j, s, n);
    int r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1) {
        if (KEY_IS(k, kl, "B"))
            r = read_span(&j, &arr);
        else if (KEY_IS(k, kl, "E"))
            r = tw_json_uint(&j, &ev_ms);
        else
            r = tw_json_skip(&j);
    }
    if (r < 0)
        return r;
    if (!arr.s || arr.s[0] != '[')
        return -ENODATA;
    uint32_t count = 0;
    tw_json_init(&j, arr.s, arr.n);
    r = tw_json_array_begin(&j);
    while (r == 0 && (r = tw_json_array_next(&j)) == 1) {
        if (count == cap)
            return -ENOBUFS;
        if ((r = account_entry(&j, &out[count])) == 0)
            out[count++].venue_ns = ms_to_ns(ev_ms);
    }
    return r < 0 ? r : (int)count;
}

int tw_gw_balance_decode(const char *s, size_t n, tw_exec_balance_t *out)
{
    sp_t a = {0}, d = {0};
    uint64_t ev_ms = 0, tx_ms = 0;
    tw_json_t j;
    const char *k;
    size_t kl;
    tw_json_init(&j, s, n);
    int r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1) {
        if (KEY_IS(k, kl, "a"))
            r = read_str(&j, &a);
        else if (KEY_IS(k, kl, "d"))
            r = read_str(&j, &d);
        else if (KEY_IS(k, kl, "E"))
            r = tw_json_uint(&j, &ev_ms);
        else if (KEY_IS(k, kl, "T"))
            r = tw_json_uint(&j, &tx_ms);
        else
            r = tw_json_skip(&j);
    }
    if (r < 0)
        return r;
    if (!a.s || a.n == 0 || a.n >= sizeof(out->asset) || !d.s)
        return -ENODATA;
    memset(out, 0, sizeof(*out));
    copy_text(out->asset, sizeof(out->asset), a);
    out->exponent = BALANCE_EXPONENT;
    out->venue_ns = ms_to_ns(tx_ms ? tx_ms : ev_ms);
    return decimal(d, BALANCE_EXPONENT, &out->delta);
}

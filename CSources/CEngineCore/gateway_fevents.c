/* SPDX-License-Identifier: MIT */
/*
 * Binance USD-M futures user-data events, as the listenKey stream sends them
 * (bare objects, no envelope): ORDER_TRADE_UPDATE into the same exec reports
 * as spot's executionReport, ACCOUNT_UPDATE into balance and position
 * records. Like gateway_events.c, each object is walked once with decimals
 * kept as spans until the symbol (and so the exponents) is known, required
 * fields are tracked in a bit set, and nothing is allocated.
 *
 * Two values are averages rather than prices on the book: a position's
 * entry price and its unrealized PnL. They carry more decimals than the
 * tick (an entry of 43210.123456 on a 0.1 tick), so they are rounded half
 * away from zero to their exponents, as gateway.h says; every other decimal
 * must fit exactly or the event is refused.
 */
#include "gateway_json.h"

/* ------------------------------------------------- ORDER_TRADE_UPDATE -- */

/* The order object "o", as read. */
typedef struct fut_raw {
    sp_t sym, cid, side, type, tif, x, st, fee_asset;
    sp_t qty, px, last_qty, last_px, cum, fee;
    uint64_t order_id, trade_ms;
    int64_t trade_id;
    int maker;
    uint32_t has;
} fut_raw_t;

enum { FX_SYM = 1, FX_X = 2, FX_ST = 4, FX_ID = 8, FX_CID = 16, FX_ALL = 31 };

/* One field of "o"; the two-letter ones (ap, sp, rp, ps, wt, ot, cp, ...) are not journaled. */
static int order_field(tw_json_t *j, const char *k, size_t kl, fut_raw_t *x)
{
    if (kl != 1)
        return tw_json_skip(j);
    switch (k[0]) {
    case 's': x->has |= FX_SYM; return read_str(j, &x->sym);
    case 'c': x->has |= FX_CID; return read_str(j, &x->cid);
    case 'S': return read_str(j, &x->side);
    case 'o': return read_str(j, &x->type);
    case 'f': return read_str(j, &x->tif);
    case 'x': x->has |= FX_X; return read_str(j, &x->x);
    case 'X': x->has |= FX_ST; return read_str(j, &x->st);
    case 'N': return read_str(j, &x->fee_asset);
    case 'q': return read_str(j, &x->qty);
    case 'p': return read_str(j, &x->px);
    case 'l': return read_str(j, &x->last_qty);
    case 'L': return read_str(j, &x->last_px);
    case 'z': return read_str(j, &x->cum);
    case 'n': return read_str(j, &x->fee);
    case 'i': x->has |= FX_ID; return tw_json_uint(j, &x->order_id);
    case 'T': return tw_json_uint(j, &x->trade_ms);
    case 't': return read_int(j, &x->trade_id);
    case 'm': return tw_json_bool(j, &x->maker);
    default: return tw_json_skip(j);
    }
}

/* The record type of x; 0 for kinds not journaled. *liq: a liquidation fill (CALCULATED). */
static int fut_type(const fut_raw_t *x, uint16_t *type, int *liq)
{
    sp_t v = x->x;
    int filled = KEY_IS(x->st.s, x->st.n, "FILLED");
    *liq = KEY_IS(v.s, v.n, "CALCULATED");
    if (KEY_IS(v.s, v.n, "NEW"))
        *type = TW_EXEC_ACK;
    else if (KEY_IS(v.s, v.n, "TRADE") || *liq)
        *type = filled ? TW_EXEC_FILL : TW_EXEC_PARTIAL_FILL;
    else if (KEY_IS(v.s, v.n, "CANCELED"))
        *type = TW_EXEC_CANCELED;
    else if (KEY_IS(v.s, v.n, "EXPIRED"))
        *type = TW_EXEC_EXPIRED;
    else if (KEY_IS(v.s, v.n, "REJECTED"))
        *type = TW_EXEC_REJECTED;
    else if (KEY_IS(v.s, v.n, "AMENDMENT"))
        *type = TW_EXEC_STATUS; /* price or quantity modified: the order's new state */
    else
        return 0;
    return 1;
}

static int fut_values(const fut_raw_t *x, int pe, int qe, uint16_t type, tw_exec_report_t *rep)
{
    int trade = type == TW_EXEC_FILL || type == TW_EXEC_PARTIAL_FILL, r;
    if (trade && (!x->last_px.s || !x->last_qty.s))
        return -ENODATA; /* a fill without its price or quantity is no fill */
    if ((r = decimal(trade ? x->last_px : x->px, pe, &rep->price)) < 0 ||
        (r = decimal(trade ? x->last_qty : x->qty, qe, &rep->quantity)) < 0 ||
        (r = decimal(x->cum, qe, &rep->cum_quantity)) < 0)
        return r;
    if (trade && decimal(x->fee, FEE_EXPONENT, &rep->fee) < 0) {
        rep->fee = 0; /* never drop a fill for its fee: say so instead */
        copy_text(rep->text, sizeof(rep->text), (sp_t){"fee not representable at 1e-8", 29});
    }
    rep->trade_id = trade && x->trade_id > 0 ? (uint64_t)x->trade_id : 0;
    rep->fee_exponent = FEE_EXPONENT;
    if (trade)
        copy_text(rep->fee_asset, sizeof(rep->fee_asset), x->fee_asset);
    rep->flags = TW_EXEC_FLAG_STREAM | (trade && x->maker ? TW_EXEC_FLAG_MAKER : 0);
    return 0;
}

/* The top level: E, T and the span of "o". */
static int fut_top(const char *s, size_t n, const char *obj, sp_t *o, uint64_t *ev_ms, uint64_t *tx_ms)
{
    tw_json_t j;
    const char *k;
    size_t kl;
    tw_json_init(&j, s, n);
    int r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1) {
        if (kl == 1 && k[0] == obj[0])
            r = read_span(&j, o);
        else if (KEY_IS(k, kl, "E"))
            r = tw_json_uint(&j, ev_ms);
        else if (KEY_IS(k, kl, "T"))
            r = tw_json_uint(&j, tx_ms);
        else
            r = tw_json_skip(&j);
    }
    if (r < 0)
        return r;
    return o->s && o->s[0] == '{' ? 0 : -ENODATA;
}

int tw_gw_fut_order_decode(const char *s, size_t n, const tw_gateway_instrument_t *inst, uint32_t ninst,
                           tw_exec_report_t *rep, uint16_t *type, uint32_t *instrument)
{
    sp_t o = {0};
    uint64_t ev_ms = 0, tx_ms = 0;
    int r = fut_top(s, n, "o", &o, &ev_ms, &tx_ms), liq;
    if (r < 0)
        return r;
    fut_raw_t x;
    memset(&x, 0, sizeof(x));
    tw_json_t j;
    const char *k;
    size_t kl;
    tw_json_init(&j, o.s, o.n);
    r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1)
        r = order_field(&j, k, kl, &x);
    if (r < 0)
        return r;
    if ((x.has & FX_ALL) != FX_ALL)
        return -ENODATA;
    if (!fut_type(&x, type, &liq) || !symbol_index(x.sym, inst, ninst, instrument))
        return 0;
    memset(rep, 0, sizeof(*rep));
    const tw_gateway_instrument_t *in = &inst[*instrument];
    if ((r = fut_values(&x, in->price_exponent, in->qty_exponent, *type, rep)) < 0)
        return r;
    rep->venue_order_id = x.order_id;
    rep->venue_ns = ms_to_ns(x.trade_ms ? x.trade_ms : tx_ms ? tx_ms : ev_ms);
    rep->side = side_of(x.side);
    rep->order_type = type_of(x.type);
    rep->tif = tif_of(x.tif);
    if (rep->order_type == TW_ORDER_LIMIT && KEY_IS(x.tif.s, x.tif.n, "GTX"))
        rep->order_type = TW_ORDER_LIMIT_MAKER;
    rep->order_state = tw_gw_order_state(x.st.s, x.st.n);
    copy_text(rep->client_order_id, sizeof(rep->client_order_id), x.cid);
    if (liq && !rep->text[0])
        copy_text(rep->text, sizeof(rep->text), (sp_t){"liquidation", 11});
    return 1;
}

/* ----------------------------------------------------- ACCOUNT_UPDATE -- */

/* Digit of [-]digits[.digits] at decimal position x (10^x), 0 outside the text. */
static int digit_at(const char *ip, size_t il, const char *fp, size_t fl, int x)
{
    if (x >= 0)
        return (size_t)x < il ? ip[il - 1 - (size_t)x] - '0' : 0;
    return (size_t)(-x - 1) < fl ? fp[-x - 1] - '0' : 0;
}

/* An average at exponent e, rounded half away from zero. 0 (absent: *out untouched), -EINVAL, -ERANGE. */
static int decimal_round(sp_t v, int e, int64_t *out)
{
    if (!v.s)
        return 0;
    size_t i = 0, il, fl = 0;
    int neg = v.n > 0 && v.s[0] == '-';
    const char *ip = v.s + neg, *fp = "";
    for (i = (size_t)neg; i < v.n && v.s[i] >= '0' && v.s[i] <= '9'; i++) {
    }
    il = i - (size_t)neg;
    if (i < v.n && v.s[i] == '.') {
        fp = v.s + ++i;
        for (; i < v.n && v.s[i] >= '0' && v.s[i] <= '9'; i++)
            fl++;
    }
    if (i != v.n || il + fl == 0 || il > 19 || e < -18 || e > 18)
        return -EINVAL;
    uint64_t m = 0;
    for (int x = (int)il - 1; x >= e; x--) {
        uint64_t d = (uint64_t)digit_at(ip, il, fp, fl, x);
        if (m > ((uint64_t)INT64_MAX - d) / 10)
            return -ERANGE;
        m = m * 10 + d;
    }
    if (digit_at(ip, il, fp, fl, e - 1) >= 5) {
        if (m == (uint64_t)INT64_MAX)
            return -ERANGE;
        m++;
    }
    *out = neg ? -(int64_t)m : (int64_t)m;
    return 0;
}

/* One {"a","wb","cw","bc"} of a.B. */
static int fut_balance(tw_json_t *j, int64_t venue_ns, tw_exec_balance_t *b)
{
    sp_t a = {0}, wb = {0}, cw = {0}, bc = {0};
    const char *k;
    size_t kl;
    int r = tw_json_object_begin(j);
    while (r == 0 && (r = tw_json_next_key(j, &k, &kl)) == 1) {
        sp_t *dst = KEY_IS(k, kl, "a") ? &a : KEY_IS(k, kl, "wb") ? &wb : KEY_IS(k, kl, "cw") ? &cw
                                                                   : KEY_IS(k, kl, "bc") ? &bc : NULL;
        r = dst ? read_str(j, dst) : tw_json_skip(j);
    }
    if (r < 0)
        return r;
    if (!a.s || a.n == 0 || a.n >= sizeof(b->asset) || !wb.s)
        return -ENODATA;
    memset(b, 0, sizeof(*b));
    copy_text(b->asset, sizeof(b->asset), a);
    b->exponent = BALANCE_EXPONENT;
    b->venue_ns = venue_ns;
    int64_t cross = 0;
    if ((r = decimal(wb, BALANCE_EXPONENT, &b->free)) < 0 || (r = decimal(cw, BALANCE_EXPONENT, &cross)) < 0 ||
        (r = decimal(bc, BALANCE_EXPONENT, &b->delta)) < 0)
        return r;
    b->locked = cw.s ? b->free - cross : 0; /* the wallet held by isolated positions */
    return 0;
}

/* One {"s","pa","ep","up","ps",...} of a.P: 1 a position to hand over, 0 one skipped, or -errno. */
static int fut_position(tw_json_t *j, const tw_gateway_instrument_t *inst, uint32_t ninst, int64_t venue_ns,
                        uint32_t *instrument, tw_exec_position_t *p)
{
    sp_t sym = {0}, pa = {0}, ep = {0}, up = {0}, ps = {0};
    const char *k;
    size_t kl;
    int r = tw_json_object_begin(j);
    while (r == 0 && (r = tw_json_next_key(j, &k, &kl)) == 1) {
        sp_t *dst = KEY_IS(k, kl, "s") ? &sym : KEY_IS(k, kl, "pa") ? &pa : KEY_IS(k, kl, "ep") ? &ep
                                            : KEY_IS(k, kl, "up") ? &up : KEY_IS(k, kl, "ps") ? &ps : NULL;
        r = dst ? read_str(j, dst) : tw_json_skip(j);
    }
    if (r < 0)
        return r;
    if (!sym.s || !pa.s)
        return -ENODATA;
    if ((ps.s && ps.n && !KEY_IS(ps.s, ps.n, "BOTH")) || !symbol_index(sym, inst, ninst, instrument))
        return 0; /* hedge-mode legs, or a symbol this engine does not trade */
    const tw_gateway_instrument_t *in = &inst[*instrument];
    memset(p, 0, sizeof(*p));
    p->exponent = BALANCE_EXPONENT;
    p->venue_ns = venue_ns;
    if ((r = decimal(pa, in->qty_exponent, &p->amount)) < 0 ||
        (r = decimal_round(ep, in->price_exponent, &p->entry_price)) < 0 ||
        (r = decimal_round(up, BALANCE_EXPONENT, &p->unrealized)) < 0)
        return r;
    return 1;
}

/* Walks a.B then a.P, handing each record to sink (when it has sinks). The count, or -errno. */
static int fut_entries(sp_t bal, sp_t pos, const tw_gateway_instrument_t *inst, uint32_t ninst, int64_t venue_ns,
                       const tw_gw_account_sink_t *sink)
{
    int count = 0, r = 0;
    tw_json_t j;
    if (bal.s) {
        tw_json_init(&j, bal.s, bal.n);
        r = tw_json_array_begin(&j);
        while (r == 0 && (r = tw_json_array_next(&j)) == 1) {
            tw_exec_balance_t b;
            if ((r = fut_balance(&j, venue_ns, &b)) < 0)
                return r;
            count++;
            if (sink && sink->balance)
                sink->balance(sink->user, &b);
        }
    }
    if (r >= 0 && pos.s) {
        tw_json_init(&j, pos.s, pos.n);
        r = tw_json_array_begin(&j);
        while (r == 0 && (r = tw_json_array_next(&j)) == 1) {
            tw_exec_position_t p;
            uint32_t instrument = 0;
            if ((r = fut_position(&j, inst, ninst, venue_ns, &instrument, &p)) < 0)
                return r;
            count += r;
            if (r == 1 && sink && sink->position)
                sink->position(sink->user, instrument, &p);
            r = 0;
        }
    }
    return r < 0 ? r : count;
}

int tw_gw_fut_account_decode(const char *s, size_t n, const tw_gateway_instrument_t *inst, uint32_t ninst,
                             const tw_gw_account_sink_t *sink)
{
    sp_t a = {0}, bal = {0}, pos = {0};
    uint64_t ev_ms = 0, tx_ms = 0;
    int r = fut_top(s, n, "a", &a, &ev_ms, &tx_ms);
    if (r < 0)
        return r;
    tw_json_t j;
    const char *k;
    size_t kl;
    tw_json_init(&j, a.s, a.n);
    r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1) {
        if (KEY_IS(k, kl, "B"))
            r = read_span(&j, &bal);
        else if (KEY_IS(k, kl, "P"))
            r = read_span(&j, &pos);
        else
            r = tw_json_skip(&j);
    }
    if (r < 0)
        return r;
    if ((bal.s && bal.s[0] != '[') || (pos.s && pos.s[0] != '['))
        return -EBADMSG;
    int64_t venue_ns = ms_to_ns(tx_ms ? tx_ms : ev_ms);
    int count = fut_entries(bal, pos, inst, ninst, venue_ns, NULL); /* all of it checked first */
    if (count > 0 && sink && (sink->balance || sink->position))
        count = fut_entries(bal, pos, inst, ninst, venue_ns, sink);
    return count;
}

/* SPDX-License-Identifier: MIT */
/*
 * What comes back on the gateway's connection: answers to our requests
 * (matched to their slot by id) and user-data events, both journaled.
 *
 * An answer's outcome is decided by its status and error code:
 *   2xx with a result     the request's success record (ACK, CANCELED...)
 *   5xx, or -1007         the venue does not know either: UNKNOWN + query
 *   -2014 -2015 -1022 -1002  authentication: the request's failure record,
 *                         then HALT
 *   any other error       the request's failure record with code and msg
 * A success whose result does not decode is counted as malformed and the
 * outcome made UNKNOWN: the venue did something, we cannot tell what.
 */
#include <string.h>

#include "gateway_internal.h"
#include "tickwire/core.h"
#include "tickwire/json.h"

#define MS 1000000LL

enum { CODE_NO_SUCH_ORDER = -2013, CODE_UNKNOWN_STATUS = -1007 };

static int auth_error(int32_t code)
{
    return code == -2014 || code == -2015 || code == -1022 || code == -1002;
}

static void malformed(tw_gateway_t *gw)
{
    tw_counter_add(&gw->ctr[TW_CTR_GW_MALFORMED], 1);
}

static void base_report(tw_exec_report_t *rep, const struct gw_slot *s, int64_t recv_ns)
{
    const tw_command_t *c = &s->cmd;
    memset(rep, 0, sizeof(*rep));
    rep->command_id = c->command_id;
    rep->producer = s->producer;
    rep->strategy_id = c->strategy_id;
    rep->side = c->side;
    rep->order_type = c->order_type;
    rep->tif = c->tif;
    rep->price = c->price;
    rep->quantity = c->quantity;
    rep->venue_order_id = c->target_id;
    rep->recv_ns = recv_ns;
    memcpy(rep->client_order_id, c->client_order_id, sizeof(rep->client_order_id));
    rep->client_order_id[sizeof(rep->client_order_id) - 1] = 0;
}

static void copy_span(char *dst, size_t cap, const char *s, size_t n)
{
    n = n < cap - 1 ? n : cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* The venue's view of one order over the report. */
static void apply_order(tw_exec_report_t *rep, const tw_gw_order_t *o)
{
    rep->venue_order_id = o->order_id;
    rep->order_state = o->state;
    rep->cum_quantity = o->executed_qty;
    rep->cum_quote = o->cum_quote;
    rep->venue_ns = o->time_ms > 0 && o->time_ms < INT64_MAX / MS ? o->time_ms * MS : 0;
    if (o->price)
        rep->price = o->price;
    if (o->orig_qty)
        rep->quantity = o->orig_qty;
    rep->side = o->side ? o->side : rep->side;
    rep->order_type = o->type ? o->type : rep->order_type;
    rep->tif = o->tif ? o->tif : rep->tif;
    const char *id = o->orig_client_id_len ? o->orig_client_id : o->client_id;
    size_t n = o->orig_client_id_len ? o->orig_client_id_len : o->client_id_len;
    if (id && n)
        copy_span(rep->client_order_id, sizeof(rep->client_order_id), id, n);
}

static uint16_t success_type(uint32_t kind)
{
    return kind == TW_GW_PLACE ? TW_EXEC_ACK : kind == TW_GW_STATUS ? TW_EXEC_STATUS : TW_EXEC_CANCELED;
}

/* openOrders.cancelAll: one CANCELED per order in the result array (order lists are skipped). */
static int cancel_all_result(tw_gateway_t *gw, const struct gw_slot *s, const tw_gw_msg_t *m, int64_t recv_ns)
{
    const tw_gateway_instrument_t *in = &gw->inst[s->cmd.instrument];
    tw_json_t j;
    tw_json_init(&j, m->result, m->result_len);
    int r = tw_json_array_begin(&j);
    while (r == 0 && (r = tw_json_array_next(&j)) == 1) {
        const char *start = j.p;
        tw_gw_order_t o;
        if ((r = tw_json_skip(&j)) < 0)
            break;
        if (tw_gw_order_decode(start, (size_t)(j.p - start), in->price_exponent, in->qty_exponent, &o) < 0)
            continue; /* an order list's summary, or an entry we cannot read */
        tw_exec_report_t rep;
        base_report(&rep, s, recv_ns);
        apply_order(&rep, &o);
        tw_gw_journal(gw, TW_EXEC_CANCELED, s->cmd.instrument, &rep);
    }
    return r;
}

static int success(tw_gateway_t *gw, struct gw_slot *s, const tw_gw_msg_t *m, int64_t recv_ns)
{
    if (s->kind == TW_GW_CANCEL_ALL)
        return m->result[0] == '[' ? cancel_all_result(gw, s, m, recv_ns) : -EBADMSG;
    const tw_gateway_instrument_t *in = &gw->inst[s->cmd.instrument];
    tw_gw_order_t o;
    int r = tw_gw_order_decode(m->result, m->result_len, in->price_exponent, in->qty_exponent, &o);
    if (r < 0)
        return r;
    tw_exec_report_t rep;
    base_report(&rep, s, recv_ns);
    apply_order(&rep, &o);
    if (s->kind == TW_GW_CANCEL && !rep.order_state)
        rep.order_state = TW_OS_CANCELED;
    tw_gw_journal(gw, success_type(s->kind), s->cmd.instrument, &rep);
    return 0;
}

static void failure(tw_gateway_t *gw, const struct gw_slot *s, const tw_gw_msg_t *m, int64_t recv_ns)
{
    tw_exec_report_t rep;
    base_report(&rep, s, recv_ns);
    rep.code = m->code;
    if (m->msg)
        copy_span(rep.text, sizeof(rep.text), m->msg, m->msg_len);
    uint16_t type = s->kind == TW_GW_PLACE ? TW_EXEC_REJECTED : s->kind == TW_GW_STATUS ? TW_EXEC_STATUS
                                                                                         : TW_EXEC_CANCEL_REJECT;
    if (type == TW_EXEC_REJECTED)
        rep.order_state = TW_OS_REJECTED;
    else if (type == TW_EXEC_STATUS)
        rep.order_state = m->code == CODE_NO_SUCH_ORDER ? TW_OS_REJECTED : TW_OS_UNKNOWN;
    tw_gw_journal(gw, type, s->cmd.instrument, &rep);
    if (m->msg)
        copy_span(gw->local.last_error_text, sizeof(gw->local.last_error_text), m->msg, m->msg_len);
}

/* The slot's answer: journal it, then free the slot or turn it UNKNOWN. */
static void answer(tw_gateway_t *gw, struct gw_slot *s, const tw_gw_msg_t *m, int64_t recv_ns)
{
    tw_hist_record(gw->h_ack, (uint64_t)(tw_mono_ns() - s->sent_ns));
    int ok = m->status >= 200 && m->status < 300 && m->result && !m->code;
    int unknown = !ok && (m->status >= 500 || m->code == CODE_UNKNOWN_STATUS);
    if (ok && success(gw, s, m, recv_ns) < 0) {
        malformed(gw);
        unknown = 1;
    } else if (!ok && !unknown) {
        failure(gw, s, m, recv_ns);
    }
    if (unknown) {
        tw_gw_make_unknown(gw, s, ok ? "answer did not decode" : "venue says the outcome is unknown");
        tw_gw_flush_status(gw, tw_mono_ns());
    } else {
        tw_gw_slot_free(gw, s);
    }
    if (!ok && auth_error(m->code))
        tw_gw_halt(gw, m->code, m->msg ? m->msg : "", m->msg_len);
    tw_gw_publish_status(gw);
}

/* ------------------------------------------------------------- events -- */

static void sink_balance(void *user, tw_exec_balance_t *b)
{
    tw_gateway_t *gw = user;
    b->recv_ns = gw->event_recv_ns;
    b->publish_ns = tw_real_ns();
    tw_exec_append(&gw->exec, TW_EXEC_BALANCE, TW_GW_NO_INSTRUMENT, b, (uint32_t)sizeof(*b));
}

static void sink_position(void *user, uint32_t instrument, tw_exec_position_t *p)
{
    tw_gateway_t *gw = user;
    p->recv_ns = gw->event_recv_ns;
    p->publish_ns = tw_real_ns();
    tw_exec_append(&gw->exec, TW_EXEC_POSITION, (uint16_t)instrument, p, (uint32_t)sizeof(*p));
}

/* USD-M events: 1 journaled, 0 not journaled, -errno malformed. */
static int fut_event(tw_gateway_t *gw, int kind, const char *s, size_t n, int64_t recv_ns)
{
    if (kind == TW_GW_EV_FUT_ORDER) {
        tw_exec_report_t rep;
        uint16_t type;
        uint32_t instrument;
        int r = tw_gw_fut_order_decode(s, n, gw->inst, gw->cfg.instrument_count, &rep, &type, &instrument);
        if (r == 1) {
            rep.recv_ns = recv_ns;
            tw_gw_journal(gw, type, instrument, &rep);
        }
        return r;
    }
    if (kind == TW_GW_EV_FUT_ACCOUNT) {
        gw->event_recv_ns = recv_ns;
        tw_gw_account_sink_t sink = {.balance = sink_balance, .position = sink_position, .user = gw};
        int r = tw_gw_fut_account_decode(s, n, gw->inst, gw->cfg.instrument_count, &sink);
        return r < 0 ? r : 1;
    }
    tw_gw_user_expired(gw); /* TW_GW_EV_KEY_EXPIRED */
    return 1;
}

static void event(tw_gateway_t *gw, const char *s, size_t n, int64_t recv_ns)
{
    int kind = tw_gw_event_kind(s, n), r = 0;
    tw_exec_report_t rep;
    uint16_t type;
    uint32_t instrument;
    if (kind == TW_GW_EV_EXECUTION && (r = tw_gw_exec_decode(s, n, gw->inst, gw->cfg.instrument_count, &rep,
                                                             &type, &instrument)) == 1) {
        rep.recv_ns = recv_ns;
        tw_gw_journal(gw, type, instrument, &rep);
    } else if (kind == TW_GW_EV_ACCOUNT || kind == TW_GW_EV_BALANCE) {
        tw_exec_balance_t *b = gw->balances;
        r = kind == TW_GW_EV_ACCOUNT ? tw_gw_account_decode(s, n, b, GW_BALANCES_MAX) : tw_gw_balance_decode(s, n, b);
        int count = kind == TW_GW_EV_ACCOUNT ? r : (r == 0);
        for (int i = 0; i < count; i++) {
            b[i].recv_ns = recv_ns;
            b[i].publish_ns = tw_real_ns();
            tw_exec_append(&gw->exec, TW_EXEC_BALANCE, TW_GW_NO_INSTRUMENT, &b[i], (uint32_t)sizeof(b[i]));
        }
        r = r < 0 ? r : 1;
    } else if (kind == TW_GW_EV_TERMINATED) {
        gw->subscribed = 0; /* the timers notice and resubscribe */
        r = 1;
    } else if (kind >= TW_GW_EV_FUT_ORDER && kind <= TW_GW_EV_KEY_EXPIRED) {
        r = gw->cfg.venue == TW_GW_VENUE_USDM ? fut_event(gw, kind, s, n, recv_ns) : 0;
    }
    if (r < 0 || kind < 0) {
        malformed(gw);
    } else if (r == 0 || kind == TW_GW_EV_UNKNOWN) {
        gw->local.unknown_events++;
        tw_gw_publish_status(gw);
    } else {
        tw_counter_add(&gw->ctr[TW_CTR_GW_EVENTS], 1);
    }
}

void tw_gw_on_user_message(tw_gateway_t *gw, const char *s, size_t n, int64_t recv_ns)
{
    gw->user.healthy = 1;
    event(gw, s, n, recv_ns); /* the listenKey stream sends bare event objects */
}

void tw_gw_on_message(tw_gateway_t *gw, const char *s, size_t n, int64_t recv_ns)
{
    tw_gw_msg_t m;
    gw->healthy = 1;
    if (tw_gw_envelope(s, n, &m) < 0) {
        malformed(gw);
        return;
    }
    if (m.event) {
        event(gw, m.event, m.event_len, recv_ns);
        return;
    }
    tw_counter_add(&gw->ctr[TW_CTR_GW_ANSWERS], 1);
    if (gw->sub_id && m.id == gw->sub_id) {
        tw_gw_on_subscribed(gw, &m);
        return;
    }
    uint64_t i = m.id & 0xFFFF;
    struct gw_slot *slot = i < gw->nslots ? &gw->slots[i] : NULL;
    if (slot == NULL || slot->state != SLOT_WAIT || slot->gen != m.id >> 16) {
        gw->local.stale_answers++; /* late (after a timeout or a drop): the status query tells the outcome */
        tw_gw_publish_status(gw);
        return;
    }
    answer(gw, slot, &m, recv_ns);
}

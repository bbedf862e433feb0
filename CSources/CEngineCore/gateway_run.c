/* SPDX-License-Identifier: MIT */
/*
 * The gateway thread's work on requests, answers and user-data events.
 *
 * A request that goes to the venue takes a slot; its id is
 * (generation << 16) | slot, so an answer finds its slot in O(1) and a late
 * answer to a slot since reused (new generation) is told apart and dropped.
 * A slot is FREE, WAIT (sent, answer due by deadline_ns) or NEED_STATUS (the
 * outcome is unknown: an order.status query goes out as soon as the
 * connection is open and subscribed, in the same slot under a new
 * generation, carrying the original command so the STATUS record names it).
 *
 * Every record is built from the slot's command (ids, side, type, prices)
 * and then overwritten with what the venue said.
 */
#include <string.h>

#include "gateway_internal.h"
#include "tickwire/core.h"

#define MS 1000000LL

enum { STATUS_ATTEMPTS = 3 };

/* ------------------------------------------------------------ helpers -- */

int64_t tw_gw_timestamp_ms(const tw_gateway_t *gw)
{
    return tw_real_ns() / MS + __atomic_load_n(&gw->time_offset_ms, __ATOMIC_RELAXED); /* set_time_offset */
}

int tw_gw_send(tw_gateway_t *gw, const char *buf, size_t n)
{
    if (gw->conn)
        return tw_conn_send_text(gw->conn, buf, n);
    if (gw->capture && gw->capture_cap - gw->capture_len > n) { /* a test gateway */
        memcpy(gw->capture + gw->capture_len, buf, n);
        gw->capture[gw->capture_len + n] = 0;
        gw->capture_len += n + 1;
    }
    return 0;
}

void tw_gw_journal(tw_gateway_t *gw, uint16_t type, uint32_t instrument, tw_exec_report_t *rep)
{
    rep->publish_ns = tw_real_ns();
    if (instrument >= gw->cfg.instrument_count) /* no such instrument: the record names none */
        instrument = TW_GW_NO_INSTRUMENT;
    tw_exec_append(&gw->exec, type, (uint16_t)instrument, rep, (uint32_t)sizeof(*rep));
}

static void set_text(char *dst, size_t cap, const char *s, size_t n)
{
    n = n < cap - 1 ? n : cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

static void from_command(tw_exec_report_t *rep, const tw_command_t *cmd, uint64_t producer)
{
    memset(rep, 0, sizeof(*rep));
    rep->command_id = cmd->command_id;
    rep->producer = producer;
    rep->strategy_id = cmd->strategy_id;
    rep->side = cmd->side;
    rep->order_type = cmd->order_type;
    rep->tif = cmd->tif;
    rep->price = cmd->price;
    rep->quantity = cmd->quantity;
    rep->venue_order_id = cmd->target_id;
    memcpy(rep->client_order_id, cmd->client_order_id, sizeof(rep->client_order_id));
    rep->client_order_id[sizeof(rep->client_order_id) - 1] = 0;
}

/* A refusal made here: REJECTED or CANCEL_REJECT with a tw_reject_code_t, or STATUS. */
static void local_answer(tw_gateway_t *gw, uint16_t type, const tw_command_t *cmd, uint64_t producer, int32_t code,
                         uint8_t state, const char *text)
{
    tw_exec_report_t rep;
    from_command(&rep, cmd, producer);
    rep.code = code;
    rep.order_state = state;
    rep.flags = TW_EXEC_FLAG_LOCAL;
    set_text(rep.text, sizeof(rep.text), text, strlen(text));
    tw_gw_journal(gw, type, cmd->instrument, &rep);
}

static uint64_t slot_id(const tw_gateway_t *gw, const struct gw_slot *s)
{
    return (s->gen << 16) | (uint64_t)(s - gw->slots);
}

static struct gw_slot *slot_take(tw_gateway_t *gw, uint32_t kind, const tw_command_t *cmd, uint64_t producer)
{
    if (gw->nfree == 0)
        return NULL;
    struct gw_slot *s = &gw->slots[gw->free_list[--gw->nfree]];
    s->gen = ++gw->gen;
    s->kind = s->origin = kind;
    s->attempts = 0;
    s->producer = producer;
    s->cmd = *cmd;
    s->state = SLOT_WAIT;
    gw->inflight++;
    return s;
}

void tw_gw_slot_free(tw_gateway_t *gw, struct gw_slot *s)
{
    if (s->state == SLOT_NEED_STATUS)
        gw->need_status--;
    s->state = SLOT_FREE;
    gw->free_list[gw->nfree++] = (uint32_t)(s - gw->slots);
    gw->inflight--;
}

/* The outcome is unknown: say so, and query the venue once we can (not for a cancel-all). */
void tw_gw_make_unknown(tw_gateway_t *gw, struct gw_slot *s, const char *why)
{
    local_answer(gw, TW_EXEC_STATUS, &s->cmd, s->producer, 0, TW_OS_UNKNOWN, why);
    gw->local.unknown++;
    if (s->origin == TW_GW_CANCEL_ALL || s->attempts >= STATUS_ATTEMPTS) {
        tw_gw_slot_free(gw, s);
        return;
    }
    s->state = SLOT_NEED_STATUS;
    gw->need_status++;
}

/* ----------------------------------------------------------- requests -- */

typedef int (*encode_fn)(tw_gw_encoder_t *, const tw_command_t *, uint64_t, int64_t, char *, size_t);

static int encode_cancel_all(tw_gw_encoder_t *e, const tw_command_t *c, uint64_t id, int64_t ts, char *o, size_t n)
{
    return tw_gw_encode_cancel_all(e, c->instrument, id, ts, o, n);
}

static encode_fn encoder_of(uint32_t kind)
{
    switch (kind) {
    case TW_GW_PLACE: return tw_gw_encode_place;
    case TW_GW_CANCEL: return tw_gw_encode_cancel;
    case TW_GW_CANCEL_ALL: return encode_cancel_all;
    default: return tw_gw_encode_status;
    }
}

/* Encodes and sends the slot's request as kind: 0, -EINVAL (encode) or the send's -errno. */
static int send_slot(tw_gateway_t *gw, struct gw_slot *s, uint32_t kind, int64_t now)
{
    int n = encoder_of(kind)(&gw->enc, &s->cmd, slot_id(gw, s), tw_gw_timestamp_ms(gw), gw->out, sizeof(gw->out));
    if (n < 0)
        return -EINVAL;
    int r = tw_gw_send(gw, gw->out, (size_t)n);
    if (r < 0)
        return r;
    s->kind = kind;
    s->sent_ns = now;
    s->deadline_ns = now + (int64_t)gw->cfg.request_timeout_ms * MS;
    tw_counter_add(&gw->ctr[TW_CTR_GW_SENT], 1);
    return 0;
}

/* "tw<producer hex>x<command_id hex>": at most 2 + 16 + 1 + 16 = 35 bytes, within the venue's 36. */
static void make_client_id(tw_command_t *cmd, uint64_t producer)
{
    static const char hex[] = "0123456789abcdef";
    char b[48];
    int i = (int)sizeof(b);
    b[--i] = 0;
    for (uint64_t v = cmd->command_id;; v >>= 4) {
        b[--i] = hex[v & 15];
        if (v < 16)
            break;
    }
    b[--i] = 'x';
    for (uint64_t v = producer;; v >>= 4) {
        b[--i] = hex[v & 15];
        if (v < 16)
            break;
    }
    b[--i] = 'w';
    b[--i] = 't';
    set_text(cmd->client_order_id, sizeof(cmd->client_order_id), b + i, strlen(b + i));
}

static uint16_t refusal_type(uint32_t kind)
{
    return kind == TW_GW_PLACE ? TW_EXEC_REJECTED : kind == TW_GW_STATUS ? TW_EXEC_STATUS : TW_EXEC_CANCEL_REJECT;
}

/* Why a request cannot go now (0: it can). */
static int refuse(tw_gateway_t *gw, uint32_t kind, const char **why)
{
    if (kind == TW_GW_PLACE && gw->halted)
        return *why = "trading halted", TW_REJ_HALTED;
    if (kind == TW_GW_PLACE && !tw_exec_admit(&gw->exec))
        return *why = "exec journal near full", TW_REJ_JOURNAL_FULL;
    if (!gw->open || !gw->subscribed)
        return *why = "gateway not connected", TW_REJ_GATEWAY;
    if (gw->nfree == 0)
        return *why = "no request slot free", TW_REJ_GATEWAY;
    return 0;
}

static void journal_request(tw_gateway_t *gw, const tw_gw_request_t *req)
{
    uint32_t t = req->exec_type;
    if (t < TW_EXEC_ACCEPTED || t > TW_EXEC_HALT) { /* balances and positions are not reports */
        tw_counter_add(&gw->ctr[TW_CTR_GW_MALFORMED], 1);
        return;
    }
    tw_exec_report_t rep = req->report;
    tw_gw_journal(gw, (uint16_t)t, req->cmd.instrument, &rep);
}

void tw_gw_handle_request(tw_gateway_t *gw, const tw_gw_request_t *req, int64_t taken_ns)
{
    if (req->kind == TW_GW_JOURNAL) {
        journal_request(gw, req);
        return;
    }
    tw_command_t cmd = req->cmd;
    const char *why = NULL;
    if (req->kind == TW_GW_PLACE && cmd.client_order_id[0] == 0)
        make_client_id(&cmd, req->producer);
    int code = cmd.instrument < gw->cfg.instrument_count ? refuse(gw, req->kind, &why) : TW_REJ_MALFORMED;
    if (code == TW_REJ_MALFORMED)
        why = "unknown instrument";
    if (req->kind == TW_GW_CANCEL_ALL && gw->cfg.venue == TW_GW_VENUE_USDM) {
        code = TW_REJ_MALFORMED; /* the engine knows its open orders: it cancels them one by one */
        why = "no cancel-all on the USD-M WebSocket API: cancel each order";
    }
    if (code == TW_REJ_GATEWAY && req->kind == TW_GW_STATUS && gw->nfree) { /* asked once connected */
        struct gw_slot *s = slot_take(gw, TW_GW_STATUS, &cmd, req->producer);
        s->state = SLOT_NEED_STATUS;
        gw->need_status++;
        return;
    }
    if (code) {
        local_answer(gw, refusal_type(req->kind), &cmd, req->producer, code,
                     req->kind == TW_GW_STATUS ? TW_OS_UNKNOWN : TW_OS_NONE, why);
        return;
    }
    struct gw_slot *s = slot_take(gw, req->kind, &cmd, req->producer);
    int r = send_slot(gw, s, req->kind, taken_ns);
    if (r < 0) {
        tw_gw_slot_free(gw, s);
        local_answer(gw, refusal_type(req->kind), &cmd, req->producer,
                     r == -EINVAL ? TW_REJ_MALFORMED : TW_REJ_GATEWAY, TW_OS_NONE,
                     r == -EINVAL ? "request fields the venue cannot take" : "send failed");
        return;
    }
    tw_hist_record(gw->h_encode, (uint64_t)(tw_mono_ns() - taken_ns));
    if (req->kind == TW_GW_STATUS)
        return; /* a query: nothing to journal until its answer */
    tw_exec_report_t rep;
    from_command(&rep, &cmd, req->producer);
    rep.flags = TW_EXEC_FLAG_LOCAL;
    rep.order_state = req->kind == TW_GW_PLACE ? TW_OS_SUBMITTED : TW_OS_CANCEL_PENDING;
    tw_gw_journal(gw, TW_EXEC_SENT, cmd.instrument, &rep);
}

void tw_gw_flush_status(tw_gateway_t *gw, int64_t now)
{
    for (uint32_t i = 0; gw->need_status && gw->open && gw->subscribed && i < gw->nslots; i++) {
        struct gw_slot *s = &gw->slots[i];
        if (s->state != SLOT_NEED_STATUS)
            continue;
        s->gen = ++gw->gen;
        int r = send_slot(gw, s, TW_GW_STATUS, now);
        if (r < 0 && r != -EINVAL)
            return; /* the send queue is full or the connection is closing: the next pass goes on */
        if (r == -EINVAL) { /* cannot even be encoded: nothing more can be learned here */
            tw_gw_slot_free(gw, s);
            continue;
        }
        gw->need_status--;
        s->attempts++;
        s->state = SLOT_WAIT;
    }
}

void tw_gw_expire(tw_gateway_t *gw, int64_t now)
{
    for (uint32_t i = 0; gw->inflight && i < gw->nslots; i++)
        if (gw->slots[i].state == SLOT_WAIT && now >= gw->slots[i].deadline_ns)
            tw_gw_make_unknown(gw, &gw->slots[i], "no answer within the request timeout");
    tw_gw_flush_status(gw, now);
}

void tw_gw_lose_inflight(tw_gateway_t *gw, const char *why)
{
    for (uint32_t i = 0; gw->inflight && i < gw->nslots; i++)
        if (gw->slots[i].state == SLOT_WAIT)
            tw_gw_make_unknown(gw, &gw->slots[i], why);
}

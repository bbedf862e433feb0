/* SPDX-License-Identifier: MIT */
/*
 * The gateway connection's life and the thread's loop.
 *
 *   open → on_open: userDataStream.subscribe.signature (its id's slot
 *   part is 0xFFFF, never a request slot) → answer: subscribed; the status
 *   queries of requests left UNKNOWN go out → orders flow.
 *   on_close: every request in flight becomes UNKNOWN; a reconnect is
 *   scheduled after tw_feed_backoff_ns (the feed's exponential backoff with
 *   equal jitter; a connection that had delivered data starts over at base,
 *   a planned lifetime reconnect goes at once).
 *   Timers (every TIMER_PERIOD_NS): due reconnects, the subscribe timeout,
 *   silence past heartbeat_ms, age past lifetime_s, request deadlines.
 *
 * USD-M: no subscription on this connection; user data comes on the
 * listenKey stream (gateway_user.c), whose being open is "subscribed", and
 * whose timers run from here.
 *
 * Waiting: SPIN polls the ring without blocking and the queue every pass.
 * BLOCK says it sleeps (queue.sleeping, see gateway.c), looks at the queue
 * once more, and waits in io_uring at most POLL_BLOCK_NS: a submit writes
 * the eventfd whose read is armed in the ring, so a request never waits for
 * the timeout.
 */
#include <string.h>

#include "feed_internal.h"
#include "gateway_internal.h"
#include "tickwire/core.h"
#include "tickwire/ws.h"

#define MS 1000000LL
#define POLL_BLOCK_NS (1 * MS)
#define TIMER_PERIOD_NS (1 * MS)
#define STOP_DRAIN_NS (500 * MS)

enum { SUB_SLOT = 0xFFFF };

static void copy_text(char *dst, size_t cap, const char *s, size_t n)
{
    n = n < cap - 1 ? n : cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

void tw_gw_halt(tw_gateway_t *gw, int32_t code, const char *msg, size_t len)
{
    if (gw->halted)
        return;
    gw->halted = 1;
    tw_exec_report_t rep;
    memset(&rep, 0, sizeof(rep));
    rep.code = code;
    rep.flags = TW_EXEC_FLAG_LOCAL;
    copy_text(rep.text, sizeof(rep.text), msg, len);
    tw_gw_journal(gw, TW_EXEC_HALT, TW_GW_NO_INSTRUMENT, &rep);
    copy_text(gw->local.halt_reason, sizeof(gw->local.halt_reason), msg, len);
    tw_gw_publish_status(gw);
}

static void close_conn(tw_gateway_t *gw)
{
    if (gw->conn && !gw->closing && tw_conn_close(gw->conn, TW_WS_CLOSE_NORMAL) == 0)
        gw->closing = 1;
}

static void subscribe(tw_gateway_t *gw, int64_t now)
{
    uint64_t id = (++gw->gen << 16) | SUB_SLOT;
    int n = tw_gw_encode_subscribe(&gw->enc, id, tw_gw_timestamp_ms(gw), gw->out, sizeof(gw->out));
    if (n < 0 || tw_gw_send(gw, gw->out, (size_t)n) < 0) {
        close_conn(gw); /* cannot happen on a fresh connection: start over */
        return;
    }
    gw->sub_id = id;
    gw->sub_deadline_ns = now + (int64_t)gw->cfg.request_timeout_ms * MS;
}

void tw_gw_on_open(tw_gateway_t *gw)
{
    int64_t now = tw_mono_ns();
    gw->open = 1;
    gw->healthy = 0;
    gw->closing = 0;
    gw->opened_ns = now;
    gw->local.connects++;
    if (gw->cfg.venue == TW_GW_VENUE_SPOT)
        subscribe(gw, now);
    else if (gw->subscribed)
        tw_gw_flush_status(gw, now); /* the user-data stream is up already */
    tw_gw_publish_status(gw);
}

void tw_gw_on_subscribed(tw_gateway_t *gw, const tw_gw_msg_t *m)
{
    gw->sub_id = 0;
    if (m->status >= 200 && m->status < 300 && !m->code) {
        gw->subscribed = 1;
        gw->attempts = 0;
        tw_gw_flush_status(gw, tw_mono_ns());
    } else {
        if (m->msg)
            copy_text(gw->local.last_error_text, sizeof(gw->local.last_error_text), m->msg, m->msg_len);
        if (m->code == -2014 || m->code == -2015 || m->code == -1022 || m->code == -1002)
            tw_gw_halt(gw, m->code, m->msg ? m->msg : "", m->msg_len);
        else
            close_conn(gw); /* reconnect and try again after the backoff */
    }
    tw_gw_publish_status(gw);
}

static void schedule(tw_gateway_t *gw, int64_t now, int64_t delay)
{
    gw->scheduled = 1;
    gw->next_attempt_ns = now + delay;
}

static void attempt_open(tw_gateway_t *gw, int64_t now)
{
    gw->scheduled = 0;
    gw->closing = 0;
    int r = gw->conn ? tw_conn_open(gw->conn) : 0;
    if (r < 0) {
        gw->local.last_error = r;
        schedule(gw, now, tw_feed_backoff_ns(gw->cfg.reconnect_base_ms, gw->cfg.reconnect_max_ms, ++gw->attempts,
                                             &gw->rng));
    }
}

void tw_gw_on_close(tw_gateway_t *gw, int err)
{
    int64_t now = tw_mono_ns();
    int was_open = gw->open, healthy = gw->healthy, planned = gw->closing == 2;
    gw->open = gw->healthy = gw->closing = 0;
    if (gw->cfg.venue == TW_GW_VENUE_SPOT)
        gw->subscribed = 0; /* USD-M: the user-data stream's own connection says */
    gw->sub_id = 0;
    tw_gw_lose_inflight(gw, "connection lost with the request in flight");
    gw->local.last_error = err;
    if (gw->conn) {
        tw_conn_stats_t st;
        tw_conn_get_stats(gw->conn, &st);
        if (st.tls_error[0])
            copy_text(gw->local.last_error_text, sizeof(gw->local.last_error_text), st.tls_error,
                      strlen(st.tls_error));
    }
    if (was_open)
        gw->local.reconnects++;
    if (!tw_worker_stopping(&gw->worker)) {
        uint32_t n = healthy ? 0 : ++gw->attempts;
        if (healthy)
            gw->attempts = 0;
        int64_t d = tw_feed_backoff_ns(gw->cfg.reconnect_base_ms, gw->cfg.reconnect_max_ms, n, &gw->rng);
        schedule(gw, now, planned ? 0 : d);
    }
    tw_gw_publish_status(gw);
}

void tw_gw_timers(tw_gateway_t *gw, int64_t now)
{
    tw_gw_user_timers(gw, now);
    if (gw->scheduled && now >= gw->next_attempt_ns)
        attempt_open(gw, now);
    if (gw->open && !gw->closing) {
        if (gw->cfg.venue == TW_GW_VENUE_SPOT && !gw->subscribed && !gw->sub_id && !gw->halted)
            subscribe(gw, now); /* the stream ended (eventStreamTerminated): subscribe again */
        else if (gw->sub_id && now >= gw->sub_deadline_ns)
            close_conn(gw);
        if (gw->conn) {
            tw_conn_stats_t st;
            tw_conn_get_stats(gw->conn, &st);
            int64_t last = st.last_rx_ns > gw->opened_ns ? st.last_rx_ns : gw->opened_ns;
            if (now - last > (int64_t)gw->cfg.heartbeat_ms * MS) {
                close_conn(gw);
            } else if (now - gw->opened_ns > (int64_t)gw->cfg.lifetime_s * 1000 * MS) {
                close_conn(gw);
                gw->closing = 2; /* planned: reconnect at once */
            }
        }
    }
    if (gw->inflight)
        tw_gw_expire(gw, now);
}

/* ------------------------------------------------------------ thread -- */

static int poll_ok(int n)
{
    return n >= 0 || n == -EINTR || n == -ETIME || n == -EAGAIN || n == -EBUSY;
}

static void drain_queue(tw_gateway_t *gw)
{
    tw_gw_request_t req;
    while (tw_gw_queue_pop(gw, &req))
        tw_gw_handle_request(gw, &req, tw_mono_ns());
}

/* BLOCK: announce the sleep, look once more (Dekker, see gateway.c), then wait. */
static int wait_block(tw_gateway_t *gw)
{
    struct gw_queue *q = &gw->q;
    __atomic_store_n(&q->sleeping, 1, __ATOMIC_RELAXED); /* read by tw_gateway_submit after its fence */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);              /* sleeping store before the tail load */
    int empty = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) == q->head; /* pairs with submit's release */
    int n = tw_loop_poll(gw->loop, empty && !tw_worker_stopping(&gw->worker) ? POLL_BLOCK_NS : -1);
    __atomic_store_n(&q->sleeping, 0, __ATOMIC_RELAXED); /* an extra eventfd write is harmless */
    return n;
}

static void stop_conn(tw_gateway_t *gw)
{
    int64_t end = tw_mono_ns() + STOP_DRAIN_NS;
    gw->scheduled = 0;
    close_conn(gw);
    tw_gw_user_stop(gw);
    tw_conn_stats_t st;
    tw_conn_get_stats(gw->conn, &st);
    while ((st.state != TW_CONN_CLOSED || !tw_gw_user_closed(gw)) && tw_mono_ns() < end) {
        if (!poll_ok(tw_loop_poll(gw->loop, POLL_BLOCK_NS)))
            break;
        tw_conn_get_stats(gw->conn, &st);
    }
}

void *tw_gw_thread(void *arg)
{
    tw_gateway_t *gw = arg;
    int r = gw->cfg.cpu >= 0 ? tw_cpu_pin_self(gw->cfg.cpu) : 0;
    if (r < 0) {
        tw_worker_finish(&gw->worker, r);
        return NULL;
    }
    int64_t now = tw_mono_ns(), next_timer = now + TIMER_PERIOD_NS;
    attempt_open(gw, now);
    while (!tw_worker_stopping(&gw->worker)) {
        drain_queue(gw);
        int n = gw->cfg.wait == TW_GW_WAIT_SPIN ? tw_loop_poll(gw->loop, -1) : wait_block(gw);
        if (!poll_ok(n)) {
            gw->worker.result = n;
            break;
        }
        now = tw_mono_ns();
        if (now >= next_timer) {
            tw_gw_timers(gw, now);
            next_timer = now + TIMER_PERIOD_NS;
        }
    }
    stop_conn(gw);
    drain_queue(gw); /* refused locally (not connected): every request gets its answer */
    tw_gw_publish_status(gw);
    tw_worker_finish(&gw->worker, 0);
    return NULL;
}

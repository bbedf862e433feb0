/* SPDX-License-Identifier: MIT */
/*
 * The order gateway (tickwire/gateway.h): setup, the private request queue,
 * the status seqlock and the thread's life. What the thread does with a
 * request, an answer or an event is in gateway_run.c.
 *
 * tw_gateway_create() does everything that allocates or blocks: config
 * checks, the instrument table and API key copies, the HMAC states (the
 * secret itself is not kept), request slots, the queue, the wake eventfd,
 * host resolution, the TLS context, the io_uring loop and the connection
 * (USD-M: the user-data stream's host too; its connection is made when a
 * listenKey arrives, gateway_user.c).
 *
 * The queue (rigtorp SPSCQueue's shape): the producer owns tail and a
 * cached copy of head, the consumer owns head and a cached copy of tail,
 * each pair on its own cache line, so neither side touches the other's line
 * unless its cached copy says the queue looks full (producer) or empty
 * (consumer). Waking a sleeping thread is the Dekker pattern: the consumer
 * stores sleeping = 1, fences, and looks at tail once more before it waits;
 * the producer stores tail, fences, and writes the eventfd only when it sees
 * sleeping. Either the consumer sees the new tail or the producer sees it
 * asleep: a request is never left waiting for a timer.
 */
#define _GNU_SOURCE
#include "gateway_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "tickwire/core.h"
#include "tickwire/ws.h"

enum { STATUS_READ_RETRIES = 10000, SLOTS_MAX = 65535 };

tw_gateway_config_t tw_gateway_config_defaults_for(uint32_t venue)
{
    tw_gateway_config_t c = tw_gateway_config_defaults();
    if (venue == TW_GW_VENUE_USDM) {
        c.venue = TW_GW_VENUE_USDM;
        c.path = "/ws-fapi/v1";
        c.heartbeat_ms = 200000; /* the venue pings every 3 minutes */
    }
    return c;
}

tw_gateway_config_t tw_gateway_config_defaults(void)
{
    tw_gateway_config_t c;
    memset(&c, 0, sizeof(c));
    c.port = 443;
    c.tls = 1;
    c.verify = 1;
    c.path = "/ws-api/v3";
    c.cpu = -1;
    c.wait = TW_GW_WAIT_BLOCK;
    c.recv_window_ms = 5000;
    c.request_timeout_ms = 5000;
    c.reconnect_base_ms = 1000;
    c.reconnect_max_ms = 60000;
    c.heartbeat_ms = 60000;
    c.lifetime_s = 23 * 3600 + 50 * 60;
    c.inflight_slots = 256;
    c.queue_slots = 1024;
    c.seed = 0x9E3779B97F4A7C15ULL;
    c.venue = TW_GW_VENUE_SPOT;
    c.user_tls = 1;
    c.user_path = "/ws/";
    return c;
}

static int symbol_ok(const char *s)
{
    size_t n = strnlen(s, TW_SYMBOL_MAX);
    if (n == 0 || n == TW_SYMBOL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

static const char *venue_path(const tw_gateway_config_t *c)
{
    return c->path ? c->path : c->venue == TW_GW_VENUE_USDM ? "/ws-fapi/v1" : "/ws-api/v3";
}

/* USD-M's user-data stream: a path to which the key can be appended, a host if one is named. */
static int user_ok(const tw_gateway_config_t *c)
{
    if (c->venue != TW_GW_VENUE_USDM)
        return c->venue == TW_GW_VENUE_SPOT;
    const char *p = c->user_path ? c->user_path : "/ws/";
    return p[0] == '/' && strlen(p) + TW_GW_LISTEN_KEY_MAX <= GW_USER_PATH_MAX && !strpbrk(p, "\r\n ") &&
           (!c->user_host || *c->user_host);
}

static int config_ok(const tw_gateway_config_t *c)
{
    uint32_t q = c->queue_slots;
    const char *path = venue_path(c);
    int ok = c->host && *c->host && c->port && path[0] == '/' && user_ok(c) && c->api_key && *c->api_key &&
             strlen(c->api_key) < GW_KEY_MAX && c->api_secret && *c->api_secret && c->cpu >= -1 &&
             (c->wait == TW_GW_WAIT_BLOCK || c->wait == TW_GW_WAIT_SPIN) && c->recv_window_ms > 0 &&
             c->recv_window_ms <= 60000 && c->request_timeout_ms > 0 && c->reconnect_base_ms > 0 &&
             c->reconnect_max_ms >= c->reconnect_base_ms && c->heartbeat_ms > 0 && c->lifetime_s > 0 &&
             c->inflight_slots > 0 && c->inflight_slots <= SLOTS_MAX && q >= 2 && (q & (q - 1)) == 0 &&
             c->instruments && c->instrument_count > 0 && c->instrument_count <= TW_GW_NO_INSTRUMENT;
    for (uint32_t i = 0; ok && i < c->instrument_count; i++) {
        const tw_gateway_instrument_t *in = &c->instruments[i];
        ok = symbol_ok(in->symbol) && in->price_exponent >= -18 && in->price_exponent <= 18 &&
             in->qty_exponent >= -18 && in->qty_exponent <= 18;
    }
    for (size_t i = 0; ok && c->api_key[i]; i++) /* it goes into JSON and the signed payload unescaped */
        ok = c->api_key[i] > ' ' && c->api_key[i] < 0x7f && c->api_key[i] != '"' && c->api_key[i] != '\\' &&
             c->api_key[i] != '&' && c->api_key[i] != '=';
    return ok;
}

/* ------------------------------------------------------------ queue -- */

int tw_gateway_submit(tw_gateway_t *gw, const tw_gw_request_t *req)
{
    struct gw_queue *q = &gw->q;
    if (req->kind < TW_GW_PLACE || req->kind > TW_GW_JOURNAL)
        return -EINVAL;
    uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_RELAXED); /* we are its only writer */
    if (tail - q->head_cache > q->mask) {
        q->head_cache = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE); /* pairs with pop's release: slot free */
        if (tail - q->head_cache > q->mask)
            return -ENOBUFS;
    }
    q->slots[tail & q->mask] = *req;
    __atomic_store_n(&q->tail, tail + 1, __ATOMIC_RELEASE); /* pairs with pop's acquire: slot complete */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);                /* tail store before the sleeping load (Dekker) */
    if (__atomic_load_n(&q->sleeping, __ATOMIC_RELAXED) && gw->event_fd >= 0) { /* pairs with tw_gw_thread */
        uint64_t one = 1;
        if (write(gw->event_fd, &one, sizeof(one)) < 0) {
            /* EAGAIN: the counter is saturated, the thread is awake anyway */
        }
    }
    return 0;
}

int tw_gw_queue_pop(tw_gateway_t *gw, tw_gw_request_t *req)
{
    struct gw_queue *q = &gw->q;
    uint64_t head = __atomic_load_n(&q->head, __ATOMIC_RELAXED); /* we are its only writer */
    if (head == q->tail_cache) {
        q->tail_cache = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE); /* pairs with submit's release */
        if (head == q->tail_cache)
            return 0;
    }
    *req = q->slots[head & q->mask];
    __atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE); /* frees the slot: pairs with submit's acquire */
    return 1;
}

void tw_gateway_set_time_offset(tw_gateway_t *gw, int64_t offset_ms)
{
    __atomic_store_n(&gw->time_offset_ms, offset_ms, __ATOMIC_RELAXED); /* read relaxed by the thread */
}

/* ----------------------------------------------------------- status -- */

void tw_gw_publish_status(tw_gateway_t *gw)
{
    uint64_t s = tw_seq_write_begin(&gw->status_seq);
    gw->local.connected = gw->open;
    gw->local.subscribed = gw->subscribed;
    gw->local.halted = gw->halted;
    gw->local.in_flight = gw->inflight;
    gw->local.has_listen_key = gw->user.key[0] != 0;
    tw_copy_to_shared(&gw->status, &gw->local, (uint32_t)sizeof(gw->status));
    tw_seq_write_end(&gw->status_seq, s);
}

int tw_gateway_get_status(const tw_gateway_t *gw, tw_gateway_status_t *out)
{
    for (int i = 0; i < STATUS_READ_RETRIES; i++) {
        uint64_t s1 = tw_seq_read_begin(&gw->status_seq);
        if (s1 & 1u) {
            tw_cpu_relax();
            continue;
        }
        tw_copy_from_shared(out, &gw->status, (uint32_t)sizeof(*out));
        if (tw_seq_read_end(&gw->status_seq, s1)) {
            out->halt_reason[sizeof(out->halt_reason) - 1] = 0;
            out->last_error_text[sizeof(out->last_error_text) - 1] = 0;
            return 0;
        }
    }
    return -EAGAIN;
}

_Static_assert(sizeof(tw_gateway_status_t) % 8 == 0, "status copied in words");

/* ------------------------------------------------------------ thread -- */

int tw_gateway_start(tw_gateway_t *gw)
{
    if (gw->loop == NULL)
        return -ENOTCONN; /* a test gateway has no network */
    return tw_worker_start(&gw->worker, tw_gw_thread, gw);
}

void tw_gateway_stop(tw_gateway_t *gw)
{
    tw_worker_stop(&gw->worker);
    uint64_t one = 1;
    if (gw->event_fd >= 0 && write(gw->event_fd, &one, sizeof(one)) < 0) {
        /* saturated: awake anyway */
    }
}

int tw_gateway_running(const tw_gateway_t *gw)
{
    return tw_worker_running(&gw->worker);
}

int tw_gateway_join(tw_gateway_t *gw)
{
    return tw_worker_join(&gw->worker);
}

int tw_gateway_encode_place(tw_gateway_t *gw, const tw_command_t *cmd, uint64_t request_id, int64_t timestamp_ms,
                            char *out, size_t cap)
{
    return tw_gw_encode_place(&gw->enc, cmd, request_id, timestamp_ms, out, cap);
}

/* ------------------------------------------------------------- setup -- */

void tw_gateway_destroy(tw_gateway_t *gw)
{
    if (!gw)
        return;
    if (gw->worker.started) {
        tw_gateway_stop(gw);
        tw_gateway_join(gw);
    }
    if (gw->conn)
        tw_conn_destroy(gw->conn);
    if (gw->user.conn)
        tw_conn_destroy(gw->user.conn);
    if (gw->loop)
        tw_loop_destroy(gw->loop);
    if (gw->tls)
        tw_tls_destroy(gw->tls);
    if (gw->event_fd >= 0)
        close(gw->event_fd);
    OPENSSL_cleanse(&gw->enc, sizeof(gw->enc)); /* HMAC states and the API key */
    OPENSSL_cleanse(gw->out, sizeof(gw->out));
    free(gw->q.slots);
    free(gw->slots);
    free(gw->free_list);
    free(gw->inst);
    free(gw->host);
    free(gw->path);
    free(gw->user_host);
    free(gw->user_path);
    free(gw->capture);
    free(gw);
}

static int segments(tw_gateway_t *gw, void *exec, void *stats)
{
    const tw_segment_header_t *h = exec;
    if (h->kind != TW_SEG_EXEC || tw_exec_writer_init(&gw->exec, exec) < 0 ||
        gw->exec.ring.slot_size < TW_EXEC_SLOT_SIZE)
        return -EINVAL;
    const tw_stats_header_t *sh = tw_stats_of(stats);
    if (sh->counter_count < TW_CTR_COUNT || sh->histogram_count < TW_HIST_COUNT)
        return -EINVAL;
    gw->ctr = tw_stats_counters_mut(stats);
    gw->h_encode = tw_stats_histogram_mut(stats, TW_HIST_ORDER_ENCODE);
    gw->h_ack = tw_stats_histogram_mut(stats, TW_HIST_ORDER_ACK);
    return 0;
}

static int prepare(const tw_gateway_config_t *cfg, void *exec, void *stats, tw_gateway_t **out)
{
    if (!cfg || !exec || !stats || !out || !config_ok(cfg))
        return -EINVAL;
    tw_gateway_t *gw = aligned_alloc(64, (sizeof(*gw) + 63) & ~(size_t)63); /* the queue's cache lines */
    if (gw == NULL)
        return -ENOMEM;
    memset(gw, 0, sizeof(*gw));
    gw->event_fd = -1;
    gw->cfg = *cfg;
    gw->host = strdup(cfg->host);
    gw->path = strdup(venue_path(cfg));
    gw->user_host = strdup(cfg->user_host ? cfg->user_host : cfg->host);
    gw->user_path = strdup(cfg->user_path ? cfg->user_path : "/ws/");
    gw->cfg.host = gw->host, gw->cfg.path = gw->path;
    gw->cfg.user_host = gw->user_host, gw->cfg.user_path = gw->user_path;
    gw->cfg.user_port = cfg->user_port ? cfg->user_port : cfg->port;
    gw->cfg.api_key = gw->cfg.api_secret = gw->cfg.ca_file = NULL; /* only the copies below stay */
    gw->inst = calloc(cfg->instrument_count, sizeof(*gw->inst));
    gw->cfg.instruments = gw->inst;
    gw->nslots = cfg->inflight_slots;
    gw->slots = calloc(gw->nslots, sizeof(*gw->slots));
    gw->free_list = calloc(gw->nslots, sizeof(*gw->free_list));
    for (uint32_t i = 0; gw->free_list && i < gw->nslots; i++)
        gw->free_list[i] = gw->nslots - 1 - i; /* slot 0 on top */
    gw->nfree = gw->free_list ? gw->nslots : 0;
    gw->q.slots = calloc(cfg->queue_slots, sizeof(*gw->q.slots));
    gw->q.mask = cfg->queue_slots - 1u;
    gw->rng = cfg->seed ? cfg->seed : 0x9E3779B97F4A7C15ULL;
    int r = gw->host && gw->path && gw->user_host && gw->user_path && gw->inst && gw->slots && gw->free_list && gw->q.slots ? segments(gw, exec, stats) : -ENOMEM;
    if (r == 0) {
        memcpy(gw->inst, cfg->instruments, cfg->instrument_count * sizeof(*gw->inst));
        tw_gw_encoder_t *e = &gw->enc;
        e->inst = gw->inst, e->ninst = cfg->instrument_count, e->recv_window_ms = cfg->recv_window_ms;
        e->venue = cfg->venue;
        e->key_len = (uint32_t)strlen(cfg->api_key);
        memcpy(e->key, cfg->api_key, e->key_len);
        tw_gw_hmac_init(&e->hmac, cfg->api_secret, strlen(cfg->api_secret));
        if ((gw->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
            r = -errno;
    }
    if (r < 0) {
        tw_gateway_destroy(gw);
        return r;
    }
    tw_gw_publish_status(gw);
    *out = gw;
    return 0;
}

static void on_open(void *user, tw_conn_t *c)
{
    (void)c;
    tw_gw_on_open(user);
}

static void on_message(void *user, tw_conn_t *c, const uint8_t *data, size_t len, int opcode, int64_t recv_ns)
{
    (void)c;
    if (opcode == TW_WS_TEXT)
        tw_gw_on_message(user, (const char *)data, len, recv_ns);
}

static void on_close(void *user, tw_conn_t *c, int err, uint16_t code)
{
    (void)c, (void)code;
    tw_gw_on_close(user, err);
}

static int net_setup(tw_gateway_t *gw, const tw_gateway_config_t *cfg)
{
    if (tw_net_resolve(cfg->host, cfg->port, &gw->addr, &gw->addr_len) < 0)
        return -EHOSTUNREACH;
    if (!cfg->verify && !tw_net_is_loopback(&gw->addr))
        return -EPERM;
    int r, usdm = cfg->venue == TW_GW_VENUE_USDM;
    if (usdm && (r = tw_gw_user_setup(gw)) < 0)
        return r;
    if (cfg->tls || (usdm && cfg->user_tls)) {
        tw_tls_config_t tc = {.ca_file = cfg->ca_file, .verify = cfg->verify};
        if ((r = tw_tls_create(&tc, &gw->tls)) < 0)
            return r;
    }
    tw_loop_config_t lc = {.entries = 256, .buffers = 64, .buffer_size = 65536};
    if ((r = tw_loop_create(&lc, &gw->loop)) < 0 || (r = tw_loop_set_wake_fd(gw->loop, gw->event_fd)) < 0)
        return r;
    tw_conn_config_t cc = {
        .addr = gw->addr, .addr_len = gw->addr_len, .host = gw->host, .path = gw->path,
        .tls = cfg->tls ? gw->tls : NULL,
        .max_frame = 1u << 20, .max_message = 4u << 20, .tx_capacity = 1u << 20, .seed = gw->rng | 1,
        .msgs_per_sec = TW_CONN_RATE_UNLIMITED,
    };
    tw_conn_handlers_t h = {.user = gw, .on_open = on_open, .on_message = on_message, .on_close = on_close};
    return tw_conn_create(gw->loop, &cc, &h, &gw->conn);
}

int tw_gateway_create(const tw_gateway_config_t *cfg, void *exec_segment, void *stats_segment, tw_gateway_t **out)
{
    tw_gateway_t *gw;
    int r = prepare(cfg, exec_segment, stats_segment, &gw);
    if (r < 0)
        return r;
    if (cfg->cpu >= 0 && !tw_cpu_allowed(cfg->cpu))
        r = -EINVAL;
    if (r == 0)
        r = net_setup(gw, cfg);
    if (r < 0) {
        tw_gateway_destroy(gw);
        return r;
    }
    *out = gw;
    return 0;
}

/* -------------------------------------------------------------- tests -- */

int tw_gateway_test_create(const tw_gateway_config_t *cfg, void *exec_segment, void *stats_segment,
                           tw_gateway_t **out)
{
    int r = prepare(cfg, exec_segment, stats_segment, out);
    if (r == 0 && ((*out)->capture = malloc(1u << 20)) == NULL) {
        tw_gateway_destroy(*out);
        return -ENOMEM;
    }
    if (r == 0)
        (*out)->capture_cap = 1u << 20;
    return r;
}

int tw_gateway_test_drain(tw_gateway_t *gw)
{
    tw_gw_request_t req;
    int n = 0;
    while (tw_gw_queue_pop(gw, &req)) {
        tw_gw_handle_request(gw, &req, tw_mono_ns());
        n++;
    }
    return n;
}

const char *tw_gateway_test_sent(const tw_gateway_t *gw, uint32_t i)
{
    size_t pos = 0;
    for (uint32_t k = 0; pos < gw->capture_len; k++) {
        if (k == i)
            return gw->capture + pos;
        pos += strlen(gw->capture + pos) + 1;
    }
    return NULL;
}

void tw_gateway_test_reset_sent(tw_gateway_t *gw)
{
    gw->capture_len = 0;
}

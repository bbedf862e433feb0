/* SPDX-License-Identifier: MIT */
/*
 * USD-M futures: the user-data stream's connection, beside the WebSocket
 * API's, on the same loop and thread.
 *
 * Binance sends USD-M user data on a stream of its own, opened at
 * <user_path><listenKey>; Swift obtains the key over REST, keeps it alive
 * and hands it over with tw_gateway_set_listen_key from any thread. The key
 * crosses through a seqlock (key_seq, odd while written; a writer takes it
 * with a CAS from even, so two setters never interleave). The thread looks
 * at it on every timer pass:
 *
 *   a new key          close the stream (if open); once closed, destroy its
 *                      connection, make one on the new path and open it
 *   the same key       nothing (a keepalive), unless the stream is down for
 *                      good (expired, or never opened): then as a new key
 *   "" (none)          close the stream and stay closed
 *
 * The stream is "subscribed" in the gateway's status while it is open, and
 * orders wait for it as on spot. A drop reconnects with the feed's backoff
 * (at once after a planned lifetime reconnect); listenKeyExpired closes it
 * until a key is set again, and says so in the status. Silence past
 * heartbeat_ms counts as a dead connection (Binance pings every 3 minutes).
 */
#include <errno.h>
#include <string.h>

#include "feed_internal.h"
#include "gateway_internal.h"
#include "tickwire/core.h"
#include "tickwire/reader.h"
#include "tickwire/ws.h"

#define MS 1000000LL

/* --------------------------------------------------- the key (any thread) -- */

static int key_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int tw_gateway_set_listen_key(tw_gateway_t *gw, const char *key)
{
    if (gw->cfg.venue != TW_GW_VENUE_USDM)
        return -EINVAL;
    size_t n = key ? strnlen(key, TW_GW_LISTEN_KEY_MAX) : 0;
    if (n == TW_GW_LISTEN_KEY_MAX)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!key_char_ok(key[i]))
            return -EINVAL; /* it becomes part of a URL path */
    uint64_t words[TW_GW_LISTEN_KEY_MAX / 8];
    memset(words, 0, sizeof(words));
    memcpy(words, key ? key : "", n);
    struct gw_user *u = &gw->user;
    uint64_t s = __atomic_load_n(&u->key_seq, __ATOMIC_RELAXED); /* the CAS below decides */
    if ((s & 1u) || !__atomic_compare_exchange_n(&u->key_seq, &s, s + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        return -EBUSY; /* another setter holds it */
    __atomic_thread_fence(__ATOMIC_RELEASE); /* odd seq before the data: pairs with take_key's acquire fence */
    tw_copy_to_shared(u->key_words, words, (uint32_t)sizeof(words));
    tw_seq_write_end(&u->key_seq, s); /* begun by the CAS above: setters may race, the thread reads */
    return 0;
}

/* The thread's side of the seqlock: 1 with a key newer than the last taken in out. */
static int take_key(struct gw_user *u, char out[TW_GW_LISTEN_KEY_MAX])
{
    uint64_t s1 = tw_seq_read_begin(&u->key_seq);
    if ((s1 & 1u) || s1 == u->key_seen)
        return 0;
    uint64_t words[TW_GW_LISTEN_KEY_MAX / 8];
    tw_copy_from_shared(words, u->key_words, (uint32_t)sizeof(words));
    if (!tw_seq_read_end(&u->key_seq, s1))
        return 0; /* being rewritten: the next pass takes it */
    u->key_seen = s1;
    memcpy(out, words, TW_GW_LISTEN_KEY_MAX);
    out[TW_GW_LISTEN_KEY_MAX - 1] = 0;
    return 1;
}

/* ------------------------------------------------------- the connection -- */

static void on_open_cb(void *user, tw_conn_t *c)
{
    (void)c;
    tw_gw_user_on_open(user);
}

static void on_message_cb(void *user, tw_conn_t *c, const uint8_t *data, size_t len, int opcode, int64_t recv_ns)
{
    (void)c;
    if (opcode == TW_WS_TEXT)
        tw_gw_on_user_message(user, (const char *)data, len, recv_ns);
}

static void on_close_cb(void *user, tw_conn_t *c, int err, uint16_t code)
{
    (void)c, (void)code;
    tw_gw_user_on_close(user, err);
}

int tw_gw_user_setup(tw_gateway_t *gw)
{
    struct gw_user *u = &gw->user;
    if (tw_net_resolve(gw->user_host, gw->cfg.user_port, &u->addr, &u->addr_len) < 0)
        return -EHOSTUNREACH;
    return !gw->cfg.verify && !tw_net_is_loopback(&u->addr) ? -EPERM : 0;
}

static void schedule(struct gw_user *u, int64_t now, int64_t delay)
{
    u->scheduled = 1;
    u->next_attempt_ns = now + delay;
}

static void backoff(tw_gateway_t *gw, int64_t now, int err)
{
    gw->local.last_error = err;
    schedule(&gw->user, now,
             tw_feed_backoff_ns(gw->cfg.reconnect_base_ms, gw->cfg.reconnect_max_ms, ++gw->user.attempts, &gw->rng));
}

/* The connection for the key in use, made anew (the path holds the key). 0, or -errno. */
static int rebuild(tw_gateway_t *gw)
{
    struct gw_user *u = &gw->user;
    if (u->conn)
        tw_conn_destroy(u->conn); /* closed: no on_close follows */
    u->conn = NULL;
    u->rebuild = 0;
    size_t pl = strlen(gw->user_path), kl = strlen(u->key);
    if (!u->key[0] || !gw->loop)
        return 0; /* no key, or a test gateway (no network) */
    if (pl + kl >= sizeof(u->path))
        return -ENAMETOOLONG;
    memcpy(u->path, gw->user_path, pl);
    memcpy(u->path + pl, u->key, kl + 1);
    tw_conn_config_t cc = {
        .addr = u->addr, .addr_len = u->addr_len, .host = gw->user_host, .path = u->path,
        .tls = gw->cfg.user_tls ? gw->tls : NULL, .max_frame = 1u << 20, .max_message = 4u << 20,
        .tx_capacity = 64u << 10, .seed = gw->rng | 1, .msgs_per_sec = 5,
    };
    tw_conn_handlers_t h = {.user = gw, .on_open = on_open_cb, .on_message = on_message_cb, .on_close = on_close_cb};
    return tw_conn_create(gw->loop, &cc, &h, &u->conn);
}

/* Opens the stream (making its connection first when the key changed). */
static void connect_user(tw_gateway_t *gw, int64_t now)
{
    struct gw_user *u = &gw->user;
    u->scheduled = 0;
    int r = u->rebuild ? rebuild(gw) : 0;
    if (r < 0) {
        u->rebuild = 1;
        backoff(gw, now, r);
        return;
    }
    if (!u->conn || !u->key[0] || u->expired)
        return;
    u->closing = 0;
    if ((r = tw_conn_open(u->conn)) < 0)
        backoff(gw, now, r);
    else
        u->active = 1;
}

static void close_user(tw_gateway_t *gw)
{
    struct gw_user *u = &gw->user;
    if (u->conn && u->active && !u->closing && tw_conn_close(u->conn, TW_WS_CLOSE_NORMAL) == 0)
        u->closing = 1;
}

void tw_gw_user_on_open(tw_gateway_t *gw)
{
    struct gw_user *u = &gw->user;
    int64_t now = tw_mono_ns();
    u->open = 1;
    u->healthy = 1; /* the venue took the key: a later drop starts the backoff over */
    u->attempts = 0;
    u->opened_ns = now;
    gw->subscribed = 1;
    gw->local.user_connects++;
    if (gw->open)
        tw_gw_flush_status(gw, now); /* the status queries of requests left UNKNOWN */
    tw_gw_publish_status(gw);
}

void tw_gw_user_on_close(tw_gateway_t *gw, int err)
{
    struct gw_user *u = &gw->user;
    int64_t now = tw_mono_ns();
    int was_open = u->open, planned = u->closing == 2;
    u->open = u->active = u->closing = u->healthy = 0;
    gw->subscribed = 0;
    if (was_open)
        gw->local.user_reconnects++;
    if (err)
        gw->local.last_error = err;
    if (tw_worker_stopping(&gw->worker)) {
        tw_gw_publish_status(gw);
        return;
    }
    if (u->rebuild)
        connect_user(gw, now); /* the key changed: at once */
    else if (u->key[0] && !u->expired)
        schedule(u, now, planned ? 0 : tw_feed_backoff_ns(gw->cfg.reconnect_base_ms, gw->cfg.reconnect_max_ms,
                                                           ++u->attempts, &gw->rng));
    tw_gw_publish_status(gw);
}

void tw_gw_user_expired(tw_gateway_t *gw)
{
    gw->user.expired = 1;
    gw->local.listen_key_expired = 1;
    close_user(gw);
    tw_gw_publish_status(gw);
}

/* A key from tw_gateway_set_listen_key: act on it (see the top of the file). */
static void poll_key(tw_gateway_t *gw, int64_t now)
{
    struct gw_user *u = &gw->user;
    char k[TW_GW_LISTEN_KEY_MAX];
    if (!take_key(u, k))
        return;
    int same = strcmp(k, u->key) == 0;
    gw->local.listen_key_expired = 0;
    if (same && !u->expired && (u->active || u->scheduled || !k[0])) {
        tw_gw_publish_status(gw);
        return; /* a keepalive of the key in use */
    }
    memcpy(u->key, k, sizeof(u->key));
    u->expired = 0;
    u->rebuild = 1;
    u->attempts = 0;
    if (u->active)
        close_user(gw); /* its on_close makes the new one */
    else
        connect_user(gw, now);
    tw_gw_publish_status(gw);
}

void tw_gw_user_timers(tw_gateway_t *gw, int64_t now)
{
    struct gw_user *u = &gw->user;
    if (gw->cfg.venue != TW_GW_VENUE_USDM)
        return;
    poll_key(gw, now);
    if (u->scheduled && now >= u->next_attempt_ns)
        connect_user(gw, now);
    if (!u->open || u->closing || !u->conn)
        return;
    tw_conn_stats_t st;
    tw_conn_get_stats(u->conn, &st);
    int64_t last = st.last_rx_ns > u->opened_ns ? st.last_rx_ns : u->opened_ns;
    if (now - last > (int64_t)gw->cfg.heartbeat_ms * MS) {
        close_user(gw);
    } else if (now - u->opened_ns > (int64_t)gw->cfg.lifetime_s * 1000 * MS) {
        close_user(gw);
        u->closing = 2; /* planned: reconnect at once */
    }
}

void tw_gw_user_stop(tw_gateway_t *gw)
{
    gw->user.scheduled = 0;
    close_user(gw);
}

int tw_gw_user_closed(const tw_gateway_t *gw)
{
    return !gw->user.active;
}

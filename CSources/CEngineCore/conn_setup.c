/* SPDX-License-Identifier: MIT */
/*
 * A WebSocket client connection's set-up and end of life (tickwire/net.h):
 * configuration defaults and checks, the upgrade request template (sized for
 * up to 1024 streams), the buffers, and detaching or destroying a connection
 * (waiting for its operations to come back first). What it does while it
 * lives is conn.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_internal.h"
#include "tickwire/core.h"
#include "tickwire/shm.h"

#define SEC_NS 1000000000LL

static int config_defaults(tw_conn_config_t *c)
{
    if (c->max_frame == 0)
        c->max_frame = 1u << 20;
    if (c->max_message == 0)
        c->max_message = 4u << 20;
    if (c->rx_capacity == 0)
        c->rx_capacity = 2 * c->max_frame + 65536;
    if (c->tx_capacity == 0)
        c->tx_capacity = 65536;
    if (c->open_timeout_ms == 0)
        c->open_timeout_ms = 10000;
    if (c->close_timeout_ms == 0)
        c->close_timeout_ms = 2000;
    if (c->msgs_per_sec == 0)
        c->msgs_per_sec = 5;
    if (c->seed == 0)
        c->seed = 0x9E3779B97F4A7C15ull;
    int ok = c->host && c->host[0] && strlen(c->host) < 200 && (c->msgs_per_sec <= TW_NET_RATE_MAX || c->msgs_per_sec == TW_CONN_RATE_UNLIMITED) &&
             c->max_frame <= TW_WS_FRAME_LIMIT && c->rx_capacity >= (uint64_t)c->max_frame + TW_WS_HEADER_MAX &&
             c->tx_capacity >= 2 * TW_NET_TX_RESERVE && c->addr_len > 0 && c->addr_len <= sizeof(c->addr) &&
             (c->addr.ss_family == AF_INET || c->addr.ss_family == AF_INET6);
    return ok ? 0 : -EINVAL;
}

static uint16_t addr_port(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)a)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
}

/* The upgrade request with a placeholder key, patched with a fresh nonce at every open. */
static int request_template(tw_conn_t *c, const char *path)
{
    char host[256];
    uint16_t dflt = c->tls ? 443 : 80;
    int v6 = strchr(c->name, ':') != NULL;
    if (c->port == dflt)
        snprintf(host, sizeof(host), v6 ? "[%s]" : "%s", c->name);
    else
        snprintf(host, sizeof(host), v6 ? "[%s]:%u" : "%s:%u", c->name, (unsigned)c->port);
    uint8_t zero[16] = {0};
    path = path ? path : "/";
    size_t plen = strlen(path);
    if (plen > TW_WS_PATH_MAX)
        return tw_error_set(EMSGSIZE, "%s: request path of %zu bytes is longer than %d", c->name, plen,
                            TW_WS_PATH_MAX);
    size_t cap = plen + strlen(host) + 256; /* the fixed header lines and the key are < 160 bytes */
    c->request = malloc(cap);
    if (c->request == NULL)
        return -ENOMEM;
    int n = tw_ws_request_build(c->request, cap, host, path, zero);
    if (n < 0)
        return tw_error_set(n == -ENOBUFS ? EMSGSIZE : -n, "%s: cannot build the upgrade request (%s)", c->name,
                            n == -EINVAL ? "CR or LF in host or path, or a path not starting with '/'" : "too long");
    const char *k = strstr(c->request, "Sec-WebSocket-Key: ");
    c->request_len = (size_t)n;
    c->key_off = (size_t)(k - c->request) + 19;
    c->cfg.path = c->request + 4;
    return 0;
}

static void *zalloc(size_t n)
{
    return calloc(1, n ? n : 1);
}

int tw_conn_create(tw_loop_t *loop, const tw_conn_config_t *cfg, const tw_conn_handlers_t *h, tw_conn_t **out)
{
    tw_conn_config_t k = *cfg;
    if (loop == NULL || config_defaults(&k) < 0)
        return -EINVAL;
    if (k.tls && !k.tls->verify && !tw_net_is_loopback(&k.addr))
        return -EPERM;
    tw_conn_t *c = aligned_alloc(64, (sizeof(*c) + 63) & ~(size_t)63);
    if (c == NULL)
        return -ENOMEM;
    memset(c, 0, sizeof(*c));
    c->loop = loop;
    c->cfg = k;
    c->tls = k.tls;
    c->h = h ? *h : (tw_conn_handlers_t){0};
    c->fd = -1;
    c->rng = k.seed;
    c->port = addr_port(&k.addr);
    snprintf(c->name, sizeof(c->name), "%s", k.host);
    c->cfg.host = c->name;
    c->rx_cap = k.rx_capacity;
    c->tx_cap = k.tx_capacity;
    c->scratch_cap = k.tx_capacity + TW_WS_HEADER_MAX;
    c->rx = malloc(c->rx_cap);
    c->tx = malloc(c->tx_cap);
    c->scratch = malloc(c->scratch_cap);
    uint8_t *msg = zalloc(k.max_message);
    int r = c->rx && c->tx && c->scratch && msg ? request_template(c, cfg->path) : -ENOMEM;
    if (r < 0) {
        free(msg);
        c->loop = NULL;
        tw_conn_destroy(c);
        return r;
    }
    tw_ws_assembler_init(&c->as, msg, k.max_message, 0);
    if (k.tls && !k.tls->verify && !k.tls->warned) {
        k.tls->warned = 1;
        fprintf(stderr, "tickwire: WARNING: TLS CERTIFICATE VERIFICATION IS OFF for %s (loopback only)\n", c->name);
    }
    c->next = loop->conns;
    loop->conns = c;
    *out = c;
    return 0;
}

void tw_conn_detach(tw_conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->tls_s.ssl)
        tw_tls_session_free(&c->tls_s);
    c->loop = NULL;
    c->ops = 0;
    c->tearing = 0;
    tw_conn_set_state(c, TW_CONN_CLOSED);
}

void tw_conn_destroy(tw_conn_t *c)
{
    if (c == NULL)
        return;
    tw_loop_t *l = c->loop;
    if (l && (c->state != TW_CONN_CLOSED || c->tearing)) {
        tw_conn_teardown(c, -ECANCELED);
        int64_t end = tw_mono_ns() + SEC_NS;
        /* only the ring's thread may poll it (SINGLE_ISSUER): from any other, poll fails at once and the
         * connection is detached without waiting */
        while ((c->state != TW_CONN_CLOSED || c->tearing) && tw_mono_ns() < end)
            if (tw_loop_poll(l, 10000000) < 0)
                break;
        if (c->state != TW_CONN_CLOSED || c->tearing)
            tw_conn_detach(c);
    }
    if (l) {
        tw_conn_t **p = &l->conns;
        while (*p && *p != c)
            p = &(*p)->next;
        if (*p)
            *p = c->next;
    }
    if (c->fd >= 0)
        close(c->fd);
    if (c->tls_s.ssl)
        tw_tls_session_free(&c->tls_s);
    free(c->as.buf);
    free(c->rx);
    free(c->tx);
    free(c->scratch);
    free(c->request);
    free(c);
}

/* SPDX-License-Identifier: MIT */
/*
 * The gateway thread end to end: tw_gateway_create + tw_gateway_start on
 * io_uring against a WebSocket API peer on loopback (plain TCP, a thread of
 * this test, answering like Binance's /ws-api/v3).
 *
 * Session 1: the peer answers the user-data subscription, acknowledges
 * order A and then streams its fill; order B gets no answer, so after the
 * request timeout the gateway journals UNKNOWN and asks order.status, which
 * the peer answers FILLED; then the peer cuts TCP without a close frame.
 * Session 2: the gateway reconnects by itself and subscribes again; a stop
 * closes it cleanly.
 *
 * USD-M (the same peer in futures mode, one listening port for both paths,
 * like the sim): the gateway opens /ws-fapi/v1 and sends no subscription;
 * the test hands it a listenKey as Swift would, and the gateway opens the
 * user-data stream at /fstream/ws/<key>. A reduce-only order is placed
 * (positionSide BOTH), answered the futures way (ACK), and filled on the
 * stream (ORDER_TRADE_UPDATE → FILL, ACCOUNT_UPDATE → BALANCE + POSITION);
 * then the stream says listenKeyExpired and goes away, the status says so,
 * a new key is set, and the stream opens again on it. A stop closes both.
 * Every wait below polls a condition under a deadline.
 * Exits 77 (SKIP) when the kernel refuses io_uring.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfeed.h"
#include "tickwire/core.h"
#include "tickwire/gateway.h"
#include "tickwire/reader.h"
#include "tickwire/shm.h"
#include "tickwire/ws.h"

typedef struct peer {
    int lfd;
    int failed;                /* atomic */
    int step;                  /* atomic: how far the script got */
} peer_t;

static int64_t ms_now(void)
{
    return tw_mono_ns() / 1000000;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int send_text(int fd, const char *s)
{
    static uint8_t frame[1 << 16];
    int len = tw_ws_frame_encode(frame, sizeof(frame), TW_WS_TEXT, 1, (const uint8_t *)s, strlen(s), 0, 0);
    return len < 0 ? -1 : write_all(fd, frame, (size_t)len);
}

static int read_n(int fd, uint8_t *p, size_t n)
{
    while (n) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 20000) != 1)
            return -1;
        ssize_t r = recv(fd, p, n, 0);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* One masked client frame, unmasked into out (NUL-terminated); its opcode, or -1. */
static int read_frame(int fd, char *out, size_t cap)
{
    uint8_t h[14];
    if (read_n(fd, h, 2) < 0)
        return -1;
    uint64_t len = h[1] & 0x7F;
    if (len == 126) {
        if (read_n(fd, h + 2, 2) < 0)
            return -1;
        len = (uint64_t)h[2] << 8 | h[3];
    } else if (len == 127) {
        return -1;
    }
    uint8_t mask[4];
    if (len >= cap || read_n(fd, mask, 4) < 0 || read_n(fd, (uint8_t *)out, len) < 0)
        return -1;
    for (uint64_t i = 0; i < len; i++)
        out[i] ^= (char)mask[i & 3];
    out[len] = 0;
    return h[0] & 0x0F;
}

/* The upgrade of a request for exactly path (query strings included). */
static int handshake(int fd, const char *path)
{
    char req[8192];
    size_t n = 0;
    while (n < sizeof(req) - 1 && !memmem(req, n, "\r\n\r\n", 4)) {
        ssize_t r = recv(fd, req + n, sizeof(req) - 1 - n, 0);
        if (r <= 0)
            return -1;
        n += (size_t)r;
    }
    req[n] = 0;
    char *key = strcasestr(req, "Sec-WebSocket-Key:"), accept[29], resp[256];
    size_t pl = strlen(path);
    if (strncmp(req, "GET ", 4) != 0 || strncmp(req + 4, path, pl) != 0 || req[4 + pl] != ' ' || key == NULL)
        return -1;
    for (key += 18; *key == ' '; key++) {
    }
    if (tw_ws_accept_compute(key, strcspn(key, "\r\n"), accept) < 0)
        return -1;
    int len = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
    return write_all(fd, resp, (size_t)len);
}

static int accept_one(peer_t *p, const char *path)
{
    struct pollfd pf = {.fd = p->lfd, .events = POLLIN};
    if (poll(&pf, 1, 20000) != 1)
        return -1;
    int fd = accept(p->lfd, NULL, NULL);
    if (fd >= 0 && handshake(fd, path) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads the next request; checks its method; copies its id. */
static int expect(int fd, const char *method, char *id, size_t idcap)
{
    char b[4096], want[96];
    if (read_frame(fd, b, sizeof(b)) != TW_WS_TEXT)
        return -1;
    snprintf(want, sizeof(want), "\"method\":\"%s\"", method);
    const char *p = strstr(b, "\"id\":\"");
    if (!strstr(b, want) || !p || !strstr(b, "\"signature\":\""))
        return -1;
    snprintf(id, idcap, "%.*s", (int)strcspn(p + 6, "\""), p + 6);
    return 0;
}

static int subscribe(int fd)
{
    char id[32], a[128];
    if (expect(fd, "userDataStream.subscribe.signature", id, sizeof(id)) < 0)
        return -1;
    snprintf(a, sizeof(a), "{\"id\":\"%s\",\"status\":200,\"result\":{\"subscriptionId\":0}}", id);
    return send_text(fd, a);
}

static const char *RESULT = "{\"id\":\"%s\",\"status\":200,\"result\":{\"symbol\":\"BTCUSDT\",\"orderId\":%d,"
                            "\"clientOrderId\":\"%s\",\"price\":\"64000.00\",\"origQty\":\"0.00150\",\"executedQty\":"
                            "\"%s\",\"status\":\"%s\"}}";

static int session1(int fd, peer_t *p)
{
    char id[32], m[1024];
    if (subscribe(fd) < 0 || expect(fd, "order.place", id, sizeof(id)) < 0)
        return -1;
    snprintf(m, sizeof(m), RESULT, id, 101, "A", "0.00000", "NEW");
    if (send_text(fd, m) < 0)
        return -1;
    snprintf(m, sizeof(m), "{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":1,\"s\":\"BTCUSDT\","
                           "\"c\":\"A\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"0.00150\",\"p\":"
                           "\"64000.00\",\"x\":\"TRADE\",\"X\":\"FILLED\",\"i\":101,\"l\":\"0.00150\",\"z\":\"0.00150\","
                           "\"L\":\"64000.00\",\"n\":\"0\",\"N\":\"BNB\",\"T\":2,\"t\":7,\"m\":false,\"Z\":\"96.0\"}}");
    if (send_text(fd, m) < 0)
        return -1;
    __atomic_store_n(&p->step, 1, __ATOMIC_RELEASE); /* read by main */
    if (expect(fd, "order.place", id, sizeof(id)) < 0) /* B: left unanswered */
        return -1;
    if (expect(fd, "order.status", id, sizeof(id)) < 0)
        return -1;
    snprintf(m, sizeof(m), RESULT, id, 102, "B", "0.00150", "FILLED");
    return send_text(fd, m);
}

static void *peer_main(void *arg)
{
    peer_t *p = arg;
    int fd = accept_one(p, "/ws-api/v3");
    if (fd < 0 || session1(fd, p) < 0)
        goto fail;
    close(fd); /* no close frame: the gateway must notice and reconnect */
    if ((fd = accept_one(p, "/ws-api/v3")) < 0 || subscribe(fd) < 0)
        goto fail;
    __atomic_store_n(&p->step, 2, __ATOMIC_RELEASE);
    char b[4096];
    if (read_frame(fd, b, sizeof(b)) == TW_WS_CLOSE) { /* the stop: echo the close */
        uint8_t code[2] = {0x03, 0xE8}, frame[16];
        int len = tw_ws_frame_encode(frame, sizeof(frame), TW_WS_CLOSE, 1, code, 2, 0, 0);
        write_all(fd, frame, (size_t)len);
    }
    close(fd);
    return NULL;
fail:
    fprintf(stderr, "peer: script broken at step %d\n", __atomic_load_n(&p->step, __ATOMIC_RELAXED));
    __atomic_store_n(&p->failed, 1, __ATOMIC_RELEASE); /* read by main */
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* ------------------------------------------------------------- USD-M -- */

static const char *OTU_FILL =
    "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1700000000300,\"T\":1700000000299,\"o\":{\"s\":\"BTCUSDT\",\"c\":"
    "\"A\",\"S\":\"SELL\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"0.002\",\"p\":\"64321.5\",\"ap\":\"64321.5\","
    "\"sp\":\"0\",\"x\":\"TRADE\",\"X\":\"FILLED\",\"i\":201,\"l\":\"0.002\",\"z\":\"0.002\",\"L\":"
    "\"64321.5\",\"N\":\"USDT\",\"n\":\"0.05145720\",\"T\":1700000000299,\"t\":9,\"b\":\"0\",\"a\":\"0\","
    "\"m\":false,\"R\":true,\"wt\":\"CONTRACT_PRICE\",\"ot\":\"LIMIT\",\"ps\":\"BOTH\",\"cp\":false,"
    "\"rp\":\"1.2\"}}";

static const char *ACCOUNT =
    "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1700000000301,\"T\":1700000000299,\"a\":{\"m\":\"ORDER\",\"B\":[{\"a\":"
    "\"USDT\",\"wb\":\"1001.14854280\",\"cw\":\"1001.14854280\",\"bc\":\"0\"}],\"P\":[{\"s\":\"BTCUSDT\","
    "\"pa\":\"0.000\",\"ep\":\"0.0\",\"bep\":\"0\",\"cr\":\"1.2\",\"up\":\"0\",\"mt\":\"cross\",\"iw\":\"0\","
    "\"ps\":\"BOTH\"}]}}";

/* Echoes the gateway's close frame (its stop). */
static void echo_close(int fd)
{
    char b[4096];
    if (fd >= 0 && read_frame(fd, b, sizeof(b)) == TW_WS_CLOSE) {
        uint8_t code[2] = {0x03, 0xE8}, frame[16];
        int len = tw_ws_frame_encode(frame, sizeof(frame), TW_WS_CLOSE, 1, code, 2, 0, 0);
        write_all(fd, frame, (size_t)len);
    }
}

static int usdm_order(int api, int user)
{
    char b[4096], id[32], m[1024];
    if (read_frame(api, b, sizeof(b)) != TW_WS_TEXT || !strstr(b, "\"method\":\"order.place\"") ||
        !strstr(b, "\"positionSide\":\"BOTH\"") || !strstr(b, "\"reduceOnly\":\"true\"") ||
        !strstr(b, "\"price\":\"64321.5\"") || !strstr(b, "\"quantity\":\"0.002\""))
        return -1;
    const char *p = strstr(b, "\"id\":\"");
    snprintf(id, sizeof(id), "%.*s", p ? (int)strcspn(p + 6, "\"") : 0, p ? p + 6 : "");
    snprintf(m, sizeof(m), "{\"id\":\"%s\",\"status\":200,\"result\":{\"orderId\":201,\"symbol\":\"BTCUSDT\","
                           "\"status\":\"NEW\",\"clientOrderId\":\"A\",\"price\":\"64321.5\",\"avgPrice\":\"0.0\","
                           "\"origQty\":\"0.002\",\"executedQty\":\"0.000\",\"cumQuote\":\"0.0\",\"timeInForce\":"
                           "\"GTC\",\"type\":\"LIMIT\",\"reduceOnly\":true,\"side\":\"SELL\",\"positionSide\":"
                           "\"BOTH\",\"updateTime\":1700000000200},\"rateLimits\":[]}",
             id);
    return send_text(api, m) < 0 || send_text(user, OTU_FILL) < 0 || send_text(user, ACCOUNT) < 0 ? -1 : 0;
}

static void *peer_usdm(void *arg)
{
    peer_t *p = arg;
    int api = accept_one(p, "/ws-fapi/v1"), user = -1;
    if (api < 0 || (user = accept_one(p, "/fstream/ws/key1")) < 0)
        goto fail;
    __atomic_store_n(&p->step, 1, __ATOMIC_RELEASE); /* read by main */
    if (usdm_order(api, user) < 0)
        goto fail;
    __atomic_store_n(&p->step, 2, __ATOMIC_RELEASE);
    if (send_text(user, "{\"e\":\"listenKeyExpired\",\"E\":1700000000400,\"listenKey\":\"key1\"}") < 0)
        goto fail;
    echo_close(user); /* the gateway closes the expired stream itself */
    close(user);
    if ((user = accept_one(p, "/fstream/ws/key2")) < 0)
        goto fail;
    __atomic_store_n(&p->step, 3, __ATOMIC_RELEASE);
    echo_close(api);
    echo_close(user);
    close(api);
    close(user);
    return NULL;
fail:
    fprintf(stderr, "usdm peer: script broken at step %d\n", __atomic_load_n(&p->step, __ATOMIC_RELAXED));
    __atomic_store_n(&p->failed, 1, __ATOMIC_RELEASE); /* read by main */
    if (api >= 0)
        close(api);
    if (user >= 0)
        close(user);
    return NULL;
}

static int listen_loopback(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

typedef struct journal {
    tw_ring_cursor_t cur;
    uint16_t types[64];
    tw_exec_report_t reps[64];
    int n;
} journal_t;

static void drain(journal_t *j)
{
    tw_slot_header_t h;
    uint64_t payload[TW_EXEC_PAYLOAD_MAX / 8];
    while (j->n < 64 && tw_ring_poll(&j->cur, &h, payload, sizeof(payload)) > 0) {
        j->types[j->n] = h.type;
        memcpy(&j->reps[j->n++], payload, sizeof(tw_exec_report_t));
    }
}

/* Polls the journal (and the peer) until a record of type for command_id shows up, or the deadline. */
static int wait_rec(journal_t *j, const peer_t *p, uint16_t type, uint64_t command_id, uint8_t state)
{
    for (int64_t end = ms_now() + 10000; ms_now() < end && !__atomic_load_n(&p->failed, __ATOMIC_ACQUIRE);) {
        drain(j);
        for (int i = 0; i < j->n; i++)
            if (j->types[i] == type && j->reps[i].command_id == command_id &&
                (!state || j->reps[i].order_state == state))
                return i;
        usleep(1000);
    }
    return -1;
}

static int wait_status(const tw_gateway_t *gw, const peer_t *p, uint64_t reconnects)
{
    tw_gateway_status_t st;
    for (int64_t end = ms_now() + 10000; ms_now() < end && !__atomic_load_n(&p->failed, __ATOMIC_ACQUIRE);) {
        if (tw_gateway_get_status(gw, &st) == 0 && st.subscribed && st.reconnects == reconnects)
            return 0;
        usleep(1000);
    }
    return -1;
}

static void place(tw_gateway_t *gw, uint64_t command_id, const char *cid)
{
    tw_gw_request_t r;
    memset(&r, 0, sizeof(r));
    r.kind = TW_GW_PLACE;
    r.cmd = (tw_command_t){.command_id = command_id, .instrument = 0, .side = TW_SIDE_BUY,
                           .order_type = TW_ORDER_LIMIT, .tif = TW_TIF_GTC, .price = 6400000, .quantity = 150};
    snprintf(r.cmd.client_order_id, sizeof(r.cmd.client_order_id), "%s", cid);
    CHECK_EQ(tw_gateway_submit(gw, &r), 0);
}

/* The first record of type (any command), or -1 by the deadline. */
static int wait_type(journal_t *j, const peer_t *p, uint16_t type)
{
    for (int64_t end = ms_now() + 10000; ms_now() < end && !__atomic_load_n(&p->failed, __ATOMIC_ACQUIRE);) {
        drain(j);
        for (int i = 0; i < j->n; i++)
            if (j->types[i] == type)
                return i;
        usleep(1000);
    }
    return -1;
}

/* Waits until the user-data stream is up (subscribed) after `connects` opens, or says it expired. */
static int wait_user(const tw_gateway_t *gw, const peer_t *p, uint64_t connects, int expired)
{
    tw_gateway_status_t st;
    for (int64_t end = ms_now() + 10000; ms_now() < end && !__atomic_load_n(&p->failed, __ATOMIC_ACQUIRE);) {
        if (tw_gateway_get_status(gw, &st) == 0 && st.connected &&
            (expired ? st.listen_key_expired && !st.subscribed : st.subscribed && st.user_connects == connects))
            return 0;
        usleep(1000);
    }
    return -1;
}

static void run_usdm(void)
{
    char name[32];
    snprintf(name, sizeof(name), "e2egf%ld", (long)getpid());
    tw_shm_t exec, stats;
    int r = tw_shm_create(name, TW_SEG_EXEC, tw_exec_region_size(256), 1, &exec);
    r = r ? r : tw_exec_init(&exec, 256, 16);
    r = r ? r : tw_shm_commit(&exec);
    r = r ? r : tw_shm_create(name, TW_SEG_STATS, tw_stats_region_size(1), 1, &stats);
    r = r ? r : tw_stats_init(&stats, 1);
    r = r ? r : tw_shm_commit(&stats);
    tw_shm_unlink(name, TW_SEG_EXEC);
    tw_shm_unlink(name, TW_SEG_STATS);
    static journal_t j;
    peer_t p = {.lfd = -1};
    uint16_t port = 0;
    if (r != 0 || tw_ring_cursor_init(&j.cur, exec.base, 1) != 0 || (p.lfd = listen_loopback(&port)) < 0) {
        CHECK(!"usdm setup");
        return;
    }
    static const tw_gateway_instrument_t inst[1] = {{.symbol = "BTCUSDT", .price_exponent = -1, .qty_exponent = -3}};
    tw_gateway_config_t c = tw_gateway_config_defaults_for(TW_GW_VENUE_USDM);
    c.host = "127.0.0.1", c.port = port, c.tls = 0, c.user_tls = 0, c.user_path = "/fstream/ws/";
    c.api_key = "KEY", c.api_secret = "SECRET", c.instruments = inst, c.instrument_count = 1;
    c.reconnect_base_ms = 20, c.reconnect_max_ms = 100;
    tw_gateway_t *gw = NULL;
    CHECK_EQ(tw_gateway_create(&c, exec.base, stats.base, &gw), 0);
    if (!gw)
        return;
    pthread_t t;
    pthread_create(&t, NULL, peer_usdm, &p);
    CHECK_EQ(tw_gateway_start(gw), 0);
    CHECK_EQ(tw_gateway_set_listen_key(gw, "key1"), 0); /* as Swift's keeper would, from its own thread */
    CHECK_EQ(wait_user(gw, &p, 1, 0), 0);
    tw_gw_request_t req;
    memset(&req, 0, sizeof(req));
    req.kind = TW_GW_PLACE;
    req.cmd = (tw_command_t){.command_id = 1, .instrument = 0, .side = TW_SIDE_SELL, .order_type = TW_ORDER_LIMIT,
                             .tif = TW_TIF_GTC, .price = 643215, .quantity = 2, .flags = TW_CMD_FLAG_REDUCE_ONLY};
    snprintf(req.cmd.client_order_id, sizeof(req.cmd.client_order_id), "A");
    CHECK_EQ(tw_gateway_submit(gw, &req), 0);
    int i = wait_rec(&j, &p, TW_EXEC_ACK, 1, TW_OS_NEW);
    CHECK(i >= 0 && j.reps[i].venue_order_id == 201);
    i = wait_rec(&j, &p, TW_EXEC_FILL, 0, TW_OS_FILLED);
    CHECK(i >= 0 && j.reps[i].quantity == 2 && j.reps[i].price == 643215 && j.reps[i].fee == 5145720 &&
          (j.reps[i].flags & TW_EXEC_FLAG_STREAM) && strcmp(j.reps[i].client_order_id, "A") == 0);
    CHECK(wait_type(&j, &p, TW_EXEC_BALANCE) >= 0);
    i = wait_type(&j, &p, TW_EXEC_POSITION);
    tw_exec_position_t pos;
    memcpy(&pos, i >= 0 ? (const void *)&j.reps[i] : (const void *)&j.reps[0], sizeof(pos));
    CHECK(i >= 0 && pos.amount == 0 && pos.venue_ns == 1700000000299LL * 1000000);
    CHECK_EQ(wait_user(gw, &p, 1, 1), 0); /* listenKeyExpired: the status says so */
    CHECK_EQ(tw_gateway_set_listen_key(gw, "key2"), 0);
    CHECK_EQ(wait_user(gw, &p, 2, 0), 0);
    tw_gateway_status_t st;
    CHECK(tw_gateway_get_status(gw, &st) == 0 && !st.listen_key_expired && st.reconnects == 0);
    tw_gateway_stop(gw);
    CHECK_EQ(tw_gateway_join(gw), 0);
    pthread_join(t, NULL);
    CHECK(!__atomic_load_n(&p.failed, __ATOMIC_ACQUIRE));
    tw_gateway_destroy(gw);
    tw_shm_detach(&exec);
    tw_shm_detach(&stats);
    close(p.lfd);
}

int main(void)
{
    char name[32];
    snprintf(name, sizeof(name), "e2egw%ld", (long)getpid());
    tw_shm_t exec, stats;
    int r = tw_shm_create(name, TW_SEG_EXEC, tw_exec_region_size(256), 1, &exec);
    r = r ? r : tw_exec_init(&exec, 256, 16);
    r = r ? r : tw_shm_commit(&exec);
    r = r ? r : tw_shm_create(name, TW_SEG_STATS, tw_stats_region_size(1), 1, &stats);
    r = r ? r : tw_stats_init(&stats, 1);
    r = r ? r : tw_shm_commit(&stats);
    tw_shm_unlink(name, TW_SEG_EXEC);
    tw_shm_unlink(name, TW_SEG_STATS);
    journal_t j = {.n = 0};
    peer_t p = {.lfd = -1};
    uint16_t port = 0;
    if (r != 0 || tw_ring_cursor_init(&j.cur, exec.base, 1) != 0 || (p.lfd = listen_loopback(&port)) < 0) {
        fprintf(stderr, "setup: %d\n", r);
        return 2;
    }
    static const tw_gateway_instrument_t inst[1] = {{.symbol = "BTCUSDT", .price_exponent = -2, .qty_exponent = -5}};
    tw_gateway_config_t c = tw_gateway_config_defaults();
    c.host = "127.0.0.1", c.port = port, c.tls = 0, c.api_key = "KEY", c.api_secret = "SECRET";
    c.instruments = inst, c.instrument_count = 1, c.request_timeout_ms = 300;
    c.reconnect_base_ms = 20, c.reconnect_max_ms = 100;
    tw_gateway_t *gw = NULL;
    r = tw_gateway_create(&c, exec.base, stats.base, &gw);
    if (r == -ENOSYS || r == -EPERM) {
        printf("e2e_gateway: io_uring not available (%d)\n", r);
        return 77;
    }
    CHECK_EQ(r, 0);
    pthread_t t;
    pthread_create(&t, NULL, peer_main, &p);
    CHECK_EQ(tw_gateway_start(gw), 0);
    CHECK_EQ(wait_status(gw, &p, 0), 0);
    place(gw, 1, "A");
    CHECK(wait_rec(&j, &p, TW_EXEC_SENT, 1, 0) >= 0);
    int i = wait_rec(&j, &p, TW_EXEC_ACK, 1, TW_OS_NEW);
    CHECK(i >= 0 && j.reps[i].venue_order_id == 101);
    i = wait_rec(&j, &p, TW_EXEC_FILL, 0, TW_OS_FILLED);
    CHECK(i >= 0 && j.reps[i].trade_id == 7 && j.reps[i].quantity == 150 && strcmp(j.reps[i].client_order_id, "A") == 0);
    place(gw, 2, "B");
    CHECK(wait_rec(&j, &p, TW_EXEC_STATUS, 2, TW_OS_UNKNOWN) >= 0);
    i = wait_rec(&j, &p, TW_EXEC_STATUS, 2, TW_OS_FILLED);
    CHECK(i >= 0 && j.reps[i].venue_order_id == 102 && j.reps[i].cum_quantity == 150);
    CHECK_EQ(wait_status(gw, &p, 1), 0); /* dropped, reconnected, subscribed again */
    const uint64_t *ctr = tw_stats_counters(stats.base);
    CHECK(tw_load_u64(&ctr[TW_CTR_GW_SENT]) == 3 && tw_load_u64(&ctr[TW_CTR_GW_EVENTS]) == 1);
    CHECK(tw_load_u64(&tw_stats_histogram(stats.base, TW_HIST_ORDER_ACK)->count) >= 2);
    tw_gateway_stop(gw);
    CHECK_EQ(tw_gateway_join(gw), 0);
    CHECK(!tw_gateway_running(gw));
    pthread_join(t, NULL);
    CHECK(!__atomic_load_n(&p.failed, __ATOMIC_ACQUIRE));
    tw_gateway_destroy(gw);
    tw_shm_detach(&exec);
    tw_shm_detach(&stats);
    close(p.lfd);
    run_usdm();
    printf("e2e_gateway: %d checks, %d failed\n", cfeed_checks, cfeed_failures);
    return cfeed_failures ? 1 : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The feed thread end to end: tw_feed_create + tw_feed_start against a
 * WebSocket server on loopback (plain TCP, a thread of this test) that
 * streams the recorded hftbacktest BTCUSDT spot frames.
 *
 *   e2e_feed <hft lines.txt> [ignored...]
 *
 * Session 1: the server answers the upgrade, streams frames up to the
 * recorded REST snapshot and waits; this thread posts that snapshot when the
 * feed asks for it, the server resumes once the book is LIVE and later cuts
 * the TCP connection without a close frame. Session 2: the feed reconnects
 * by itself (backoff), the server skips what was said meanwhile, streams on,
 * and this thread answers the new snapshot request with the book of a
 * reference feed that saw every frame. At the end the shm book must equal
 * the reference's, every bookTicker check must have matched, and a stop
 * must close cleanly and leave the book stale.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "feedtest.h"
#include "tickwire/ws.h"

enum { RESUME_GAP = 200 };

typedef struct server {
    char **line;
    size_t *line_len;
    size_t n, snap_line, cut_line, resume_line, resync_line;
    const ft_segs_t *segs;
    int lfd;
    uint16_t port;
    int session;               /* atomic: which session the server is in */
    int done;                  /* atomic: the test has looked; close when asked */
    int failed;                /* atomic */
    char path[2048];
} server_t;

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

static int send_text(int fd, const char *s, size_t n)
{
    static uint8_t frame[1 << 20];
    int len = tw_ws_frame_encode(frame, sizeof(frame), TW_WS_TEXT, 1, (const uint8_t *)s, n, 0, 0);
    return len < 0 ? -1 : write_all(fd, frame, (size_t)len);
}

static void fail(server_t *sv, const char *why)
{
    fprintf(stderr, "server: %s\n", why);
    __atomic_store_n(&sv->failed, 1, __ATOMIC_RELAXED); /* read by main */
}

/* Reads the upgrade request and answers 101; keeps the request target. */
static int handshake(server_t *sv, int fd)
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
    if (strncmp(req, "GET ", 4) != 0 || key == NULL)
        return -1;
    key += 18;
    while (*key == ' ')
        key++;
    if (tw_ws_accept_compute(key, strcspn(key, "\r\n"), accept) < 0)
        return -1;
    snprintf(sv->path, sizeof(sv->path), "%.*s", (int)strcspn(req + 4, " "), req + 4);
    int len = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
    return write_all(fd, resp, (size_t)len);
}

static int accept_one(server_t *sv)
{
    struct pollfd p = {.fd = sv->lfd, .events = POLLIN};
    if (poll(&p, 1, 20000) != 1)
        return -1;
    int fd = accept(sv->lfd, NULL, NULL);
    if (fd >= 0 && handshake(sv, fd) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int wait_state(const server_t *sv, uint32_t state, int64_t timeout_ms)
{
    int64_t end = ms_now() + timeout_ms;
    while (ft_state(sv->segs, 0) != state) {
        if (ms_now() > end)
            return -1;
        usleep(1000);
    }
    return 0;
}

/* Frames [from, to) as text frames, skipping the inline REST snapshot; waits for LIVE after line `sync`. */
static int stream(server_t *sv, int fd, size_t from, size_t to, size_t sync)
{
    for (size_t i = from; i < to; i++) {
        if (strncmp(sv->line[i], "{\"stream\"", 9) == 0 && send_text(fd, sv->line[i], sv->line_len[i]) < 0)
            return -1;
        if (i == sync && wait_state(sv, TW_FEED_LIVE, 20000) < 0)
            return -1;
    }
    return 0;
}

static void *server_main(void *arg)
{
    server_t *sv = arg;
    __atomic_store_n(&sv->session, 1, __ATOMIC_RELEASE); /* read by main */
    int fd = accept_one(sv);
    if (fd < 0 || stream(sv, fd, 0, sv->cut_line, sv->snap_line) < 0) {
        fail(sv, "session 1");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    close(fd); /* no close frame: the feed must notice and reconnect */
    __atomic_store_n(&sv->session, 2, __ATOMIC_RELEASE);
    fd = accept_one(sv);
    if (fd < 0 || stream(sv, fd, sv->resume_line, sv->n, sv->resync_line) < 0) {
        fail(sv, "session 2");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    __atomic_store_n(&sv->session, 3, __ATOMIC_RELEASE);
    /* the feed's close frame (on stop) gets an unmasked close echo */
    uint8_t buf[256];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 30000) == 1 && recv(fd, buf, sizeof(buf), 0) > 0 && (buf[0] & 0x0F) == TW_WS_CLOSE) {
        uint8_t code[2] = {0x03, 0xE8}, frame[16];
        int len = tw_ws_frame_encode(frame, sizeof(frame), TW_WS_CLOSE, 1, code, 2, 0, 0);
        write_all(fd, frame, (size_t)len);
    }
    usleep(100000);
    close(fd);
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

static int is_depth(const char *s)
{
    return strncmp(s, "{\"stream\":\"btcusdt@depth", 24) == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return fprintf(stderr, "usage: e2e_feed HFT_LINES\n"), 2;
    size_t blen, pos = 0, ll;
    char *buf = cfeed_read_file(argv[1], &blen), *l;
    if (buf == NULL)
        return fprintf(stderr, "cannot read %s\n", argv[1]), 2;
    server_t sv = {.line = calloc(20000, sizeof(char *)), .line_len = calloc(20000, sizeof(size_t))};
    while ((l = cfeed_next_line(buf, blen, &pos, &ll)) != NULL && sv.n < 20000) {
        char *sp = memchr(l, ' ', ll);
        if (sp == NULL)
            continue;
        if (strncmp(sp + 1, "{\"stream\"", 9) != 0)
            sv.snap_line = sv.n;
        sv.line[sv.n] = sp + 1;
        sv.line_len[sv.n++] = ll - (size_t)(sp + 1 - l);
    }
    sv.cut_line = sv.n / 2;
    sv.resume_line = sv.cut_line + RESUME_GAP;
    for (sv.resync_line = sv.resume_line; !is_depth(sv.line[sv.resync_line]); sv.resync_line++) {
    }

    /* the reference: every frame, in a feed without sockets; its book at resync_line is session 2's snapshot */
    static const ft_inst_def_t defs[] = {{"BTCUSDT", -2, -8}};
    tw_feed_symbol_t sy[] = {{"btcusdt", 0, 0}};
    ft_segs_t rs, s;
    ft_make(&rs, "e2eref", defs, 1);
    ft_make(&s, "e2efeed", defs, 1);
    tw_feed_config_t c;
    tw_feed_config_defaults(&c);
    c.host = "127.0.0.1";
    c.tls = 0;
    c.reconnect_base_ms = 50;
    c.reconnect_max_ms = 400;
    c.reconnect_attempts = 20;
    c.heartbeat_ms = 5000;
    tw_feed_t *ref = NULL, *f = NULL;
    CHECK_EQ(tw_feed_test_create(&c, sy, 1, rs.md.base, rs.books.base, rs.stats.base, &ref), 0);
    tw_feed_test_open(ref, 0);
    char *snap2 = NULL;
    size_t snap2_len = 0;
    for (size_t i = 0; i < sv.n; i++) {
        if (i == sv.snap_line) {
            uint64_t t;
            CHECK_EQ(tw_feed_snapshot_wanted(ref, 0, &t), 1);
            CHECK_EQ(tw_feed_snapshot_post(ref, 0, t, sv.line[i], sv.line_len[i]), 0);
            tw_feed_test_service(ref, tw_mono_ns());
            continue;
        }
        tw_feed_test_message(ref, 0, sv.line[i], sv.line_len[i], tw_real_ns());
        if (i == sv.resync_line)
            snap2 = ft_snapshot_json(&ref->sym[0].sync, ref->sym[0].scale, &snap2_len);
    }
    CHECK_EQ(ft_state(&rs, 0), TW_FEED_LIVE);
    const tw_sync_t *want = &ref->sym[0].sync;

    sv.segs = &s;
    sv.lfd = listen_loopback(&sv.port);
    CHECK(sv.lfd >= 0);
    c.port = sv.port;
    int rc = tw_feed_create(&c, sy, 1, s.md.base, s.books.base, s.stats.base, &f);
    CHECK_EQ(rc, 0);
    if (rc != 0 || sv.lfd < 0)
        return cfeed_summary("e2e_feed");
    c.verify = 0;
    c.host = "localhost";
    tw_feed_t *g = NULL;
    CHECK(tw_feed_create(&c, sy, 1, s.md.base, s.books.base, s.stats.base, &g) == 0); /* loopback: allowed */
    tw_feed_destroy(g);

    pthread_t th;
    pthread_create(&th, NULL, server_main, &sv);
    CHECK_EQ(tw_feed_start(f), 0);
    CHECK_EQ(tw_feed_start(f), -EALREADY);
    int64_t end = ms_now() + 60000;
    int posted1 = 0, posted2 = 0;
    while (ms_now() < end && !__atomic_load_n(&sv.failed, __ATOMIC_RELAXED)) {
        uint64_t t;
        int session = __atomic_load_n(&sv.session, __ATOMIC_ACQUIRE); /* pairs with server_main */
        if (tw_feed_snapshot_wanted(f, 0, &t) == 1) {
            const char *body = session == 1 ? sv.line[sv.snap_line] : snap2;
            size_t len = session == 1 ? sv.line_len[sv.snap_line] : snap2_len;
            int r = tw_feed_snapshot_post(f, 0, t, body, len);
            posted1 += r == 0 && session == 1;
            posted2 += r == 0 && session == 2;
        }
        if (session == 3 && tw_load_u64(&ft_stats(&s, 0)->last_update_id) == want->update_id)
            break;
        usleep(1000);
    }
    CHECK(!__atomic_load_n(&sv.failed, __ATOMIC_RELAXED));
    CHECK_EQ(posted1, 1);
    CHECK_EQ(posted2, 1);
    CHECK(tw_feed_running(f));
    CHECK_EQ(ft_state(&s, 0), TW_FEED_LIVE);
    CHECK(ft_book_matches(&s, 0, want));
    CHECK(strstr(sv.path, "/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade") == sv.path);

    const tw_instrument_stats_t *st = ft_stats(&s, 0);
    CHECK(st->bookticker_checks > 150);
    CHECK_EQ(st->bookticker_mismatches, 0);
    CHECK_EQ(st->gaps, 0);
    CHECK_EQ(st->malformed, 0);
    CHECK_EQ(st->reconnects, 1);
    tw_feed_conn_info_t info;
    CHECK_EQ(tw_feed_conn_info(f, 0, &info), 0);
    CHECK_EQ(info.state, TW_CONN_OPEN);
    CHECK_EQ(info.connects, 2);
    CHECK_EQ(info.reconnects, 1);
    CHECK_EQ(info.attempts, 0);
    CHECK(info.last_error < 0); /* the cut */
    CHECK(ft_counter(&s, TW_CTR_FEED_LOOPS) > 0);
    const tw_histogram_t *hw = tw_stats_histogram(s.stats.base, TW_HIST_FEED_WIRE);
    CHECK(hw->count > 10000);
    printf("  checks=%" PRIu64 " book_updates=%" PRIu64 " trades=%" PRIu64 " wire p50=%" PRIu64
           " ns p99=%" PRIu64 " ns max=%" PRIu64 " ns, last close %d\n",
           st->bookticker_checks, st->book_updates, st->trades, tw_hist_quantile(hw, 0.5),
           tw_hist_quantile(hw, 0.99), hw->max, info.last_error);

    tw_feed_stop(f);
    CHECK_EQ(tw_feed_join(f), 0);
    CHECK(!tw_feed_running(f));
    CHECK_EQ(ft_state(&s, 0), TW_FEED_STALE);
    CHECK(ft_book_stale_empty(&s, 0));
    CHECK_EQ(tw_feed_conn_info(f, 0, &info), 0);
    CHECK_EQ(info.state, TW_CONN_CLOSED);
    pthread_join(th, NULL);
    tw_feed_destroy(f);
    tw_feed_destroy(ref);
    close(sv.lfd);
    free(snap2);
    ft_free(&s, "e2efeed");
    ft_free(&rs, "e2eref");
    free(sv.line);
    free(sv.line_len);
    free(buf);
    return cfeed_summary("e2e_feed");
}

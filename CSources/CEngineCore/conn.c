/* SPDX-License-Identifier: MIT */
/*
 * A WebSocket client connection driven by the loop's completions:
 * CONNECTING → (TLS) → UPGRADING → OPEN → CLOSING → CLOSED.
 *
 * Each connection has at most one connect, one multishot recv, one send and
 * one timer in flight (plus the final close of its socket). Ending a
 * connection never frees anything under the kernel's feet: "tearing" cancels
 * every operation on the socket, and only when the last completion is back
 * is the socket closed through the ring and on_close called. That is also
 * why on_close may reopen the connection at once.
 *
 * Received bytes go through ingest(): under TLS they are decrypted into the
 * staging buffer rx; in plain TCP whole frames are parsed straight out of the
 * loop's receive buffer and only a partial tail is copied. Sends are a byte
 * ring (tx) with one send in flight; under TLS tx holds ciphertext.
 *
 * One timer per connection serves the phase deadline (open, close) and the
 * moment a delayed pong may go out; it is an absolute CLOCK_MONOTONIC
 * timeout, re-armed from its own completion.
 *
 * Creating, detaching and destroying connections (what allocates) are in
 * conn_setup.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_internal.h"
#include "tickwire/core.h"
#include "tickwire/shm.h"

#define SEC_NS 1000000000LL
#define STAT_SET(c, f, v) __atomic_store_n(&(c)->st.f, (v), __ATOMIC_RELAXED) /* pairs with stats_load */
#define STAT_ADD(c, f, v) STAT_SET(c, f, (c)->st.f + (v))

static void ingest(tw_conn_t *c, const uint8_t *p, size_t n);

/* ------------------------------------------------------------ helpers -- */

static uint32_t next_key(tw_conn_t *c)
{
    uint64_t x = c->rng; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c->rng = x;
    return (uint32_t)(x >> 32);
}

void tw_conn_set_state(tw_conn_t *c, uint32_t s)
{
    c->state = s;
    STAT_SET(c, state, s);
}

static void set_tls_error(tw_conn_t *c, const char *msg)
{
    size_t i = 0;
    for (; msg[i] && i + 1 < sizeof(c->st.tls_error); i++)
        __atomic_store_n(&c->st.tls_error[i], msg[i], __ATOMIC_RELAXED); /* pairs with stats_load */
    __atomic_store_n(&c->st.tls_error[i], 0, __ATOMIC_RELAXED);
}

static void submit(tw_conn_t *c, struct io_uring_sqe *sqe, unsigned op)
{
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | op);
    c->ops++;
}

/* ------------------------------------------------- rate limit (tokens) -- */

/*
 * A bucket of msgs_per_sec tokens where each spent token comes back exactly
 * one second later: rate_log holds when the last msgs_per_sec messages went
 * out, oldest at rate_i, so no one-second window ever sees more.
 */
static int rate_ok(const tw_conn_t *c, int64_t now)
{
    return c->cfg.msgs_per_sec == TW_CONN_RATE_UNLIMITED || now - c->rate_log[c->rate_i] >= SEC_NS;
}

static void rate_take(tw_conn_t *c, int64_t now)
{
    if (c->cfg.msgs_per_sec == TW_CONN_RATE_UNLIMITED)
        return;
    c->rate_log[c->rate_i] = now;
    c->rate_i = (c->rate_i + 1) % c->cfg.msgs_per_sec;
}

/* ----------------------------------------------------------------- timer -- */

static void timer_update(tw_conn_t *c)
{
    int64_t want = INT64_MAX, now = tw_mono_ns();
    if (!c->tearing && c->deadline)
        want = c->deadline;
    if (!c->tearing && c->pong_pending && !rate_ok(c, now) && c->rate_log[c->rate_i] + SEC_NS < want)
        want = c->rate_log[c->rate_i] + SEC_NS;
    if (c->timer_armed) {
        if (c->timer_removing || c->timer_at <= want)
            return; /* its completion re-evaluates */
        struct io_uring_sqe *sqe = tw_loop_sqe(c->loop);
        if (sqe) {
            io_uring_prep_timeout_remove(sqe, (uint64_t)(uintptr_t)c | TW_OP_TIMER, 0);
            io_uring_sqe_set_data64(sqe, 0);
            c->timer_removing = 1;
        }
        return;
    }
    if (want == INT64_MAX)
        return;
    struct io_uring_sqe *sqe = tw_loop_sqe(c->loop);
    if (sqe == NULL)
        return;
    c->ts.tv_sec = want / SEC_NS;
    c->ts.tv_nsec = want % SEC_NS;
    io_uring_prep_timeout(sqe, &c->ts, 0, IORING_TIMEOUT_ABS);
    submit(c, sqe, TW_OP_TIMER);
    c->timer_armed = 1;
    c->timer_at = want;
}

static void set_deadline(tw_conn_t *c, uint32_t ms)
{
    c->deadline = ms ? tw_mono_ns() + (int64_t)ms * 1000000 : 0;
    timer_update(c);
}

/* ------------------------------------------------------------------ send -- */

static void kick_send(tw_conn_t *c)
{
    if (c->tx_inflight || c->tx_len == 0 || c->fd < 0 || c->tearing)
        return;
    size_t chunk = c->tx_cap - c->tx_head;
    if (chunk > c->tx_len)
        chunk = c->tx_len;
    struct io_uring_sqe *sqe = tw_loop_sqe(c->loop);
    if (sqe == NULL)
        return; /* retried on the next completion */
    io_uring_prep_send(sqe, c->fd, c->tx + c->tx_head, chunk, MSG_NOSIGNAL);
    submit(c, sqe, TW_OP_SEND);
    c->tx_inflight = chunk;
}

static void tx_put(tw_conn_t *c, const uint8_t *p, size_t n)
{
    size_t tail = (c->tx_head + c->tx_len) % c->tx_cap, first = c->tx_cap - tail;
    if (first > n)
        first = n;
    memcpy(c->tx + tail, p, first);
    memcpy(c->tx, p + first, n - first);
    c->tx_len += n;
}

/* Moves ciphertext from the TLS session into tx as far as it fits. */
static void tls_flush(tw_conn_t *c)
{
    while (c->tls_s.ssl && c->tx_len < c->tx_cap && tw_tls_pending(&c->tls_s)) {
        size_t tail = (c->tx_head + c->tx_len) % c->tx_cap, room = c->tx_cap - c->tx_len;
        if (room > c->tx_cap - tail)
            room = c->tx_cap - tail;
        size_t got = tw_tls_take(&c->tls_s, c->tx + tail, room);
        if (got == 0)
            break;
        c->tx_len += got;
    }
}

/* Bytes queued: tx plus ciphertext still inside the TLS session. */
static size_t queued(tw_conn_t *c)
{
    return c->tx_len + (c->tls_s.ssl ? tw_tls_pending(&c->tls_s) : 0);
}

/* Encodes one masked frame and queues it, keeping `reserve` bytes free. */
static int queue_frame(tw_conn_t *c, uint8_t op, const uint8_t *p, size_t n, size_t reserve)
{
    size_t need = n + TW_WS_HEADER_MAX + (c->tls ? TW_TLS_RECORD_OVERHEAD * (n / 16384 + 1) : 0);
    if (need + reserve > c->tx_cap || n + TW_WS_HEADER_MAX > c->scratch_cap)
        return -EMSGSIZE;
    if (need + reserve > c->tx_cap - queued(c) || (c->tls_s.ssl && need > tw_tls_room(&c->tls_s)))
        return -ENOBUFS;
    int len = tw_ws_frame_encode(c->scratch, c->scratch_cap, op, 1, p, n, 1, next_key(c));
    if (len < 0)
        return len;
    if (c->tls_s.ssl) {
        int r = tw_tls_write(&c->tls_s, c->scratch, (size_t)len);
        if (r < 0)
            return r;
        tls_flush(c);
    } else {
        tx_put(c, c->scratch, (size_t)len);
    }
    kick_send(c);
    return 0;
}

static void flush_pong(tw_conn_t *c)
{
    if (!c->pong_pending)
        return;
    if (c->sent_close || c->tearing) {
        c->pong_pending = 0;
        return;
    }
    int64_t now = tw_mono_ns();
    if (!rate_ok(c, now)) {
        timer_update(c);
        return;
    }
    if (queue_frame(c, TW_WS_PONG, c->pong, c->pong_len, 0) < 0)
        return; /* send queue full: the next send completion retries */
    rate_take(c, now);
    c->pong_pending = 0;
    STAT_ADD(c, pongs_sent, 1);
}

/* Our close frame; code 1005 (none) is sent as an empty close. */
static int queue_close(tw_conn_t *c, uint16_t code)
{
    uint8_t p[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    c->sent_close = 1;
    c->pong_pending = 0;
    if (!c->close_code)
        c->close_code = code;
    return queue_frame(c, TW_WS_CLOSE, p, code == TW_WS_CLOSE_NO_STATUS ? 0 : 2, 0);
}

static void end_if_flushed(tw_conn_t *c)
{
    if (c->ending && !c->tearing && c->tx_len == 0 && !c->tx_inflight && queued(c) == 0)
        tw_conn_teardown(c, c->end_err);
}

/* Ends the connection once what is queued (and TLS close_notify) has gone out, within close_timeout_ms. */
static void end_after_flush(tw_conn_t *c, int err)
{
    if (c->ending || c->tearing)
        return;
    c->ending = 1;
    c->rx_done = 1;
    c->end_err = err;
    tw_conn_set_state(c, TW_CONN_CLOSING);
    if (c->tls_s.ssl) {
        tw_tls_shutdown(&c->tls_s);
        tls_flush(c);
        kick_send(c);
    }
    set_deadline(c, c->cfg.close_timeout_ms);
    end_if_flushed(c);
}

/* A WebSocket protocol error: close with its code, read nothing more. */
static void ws_fail(tw_conn_t *c, int err)
{
    if (!c->sent_close)
        queue_close(c, tw_ws_close_code(err));
    end_after_flush(c, err);
}

/* -------------------------------------------------------------- receive -- */

static void become_open(tw_conn_t *c)
{
    tw_conn_set_state(c, TW_CONN_OPEN);
    set_deadline(c, 0);
    STAT_SET(c, opened_ns, tw_mono_ns());
    if (c->h.on_open)
        c->h.on_open(c->h.user, c);
}

static void on_message(tw_conn_t *c, const tw_ws_message_t *m)
{
    switch (m->opcode) {
    case TW_WS_TEXT:
    case TW_WS_BINARY:
        STAT_ADD(c, messages_in, 1);
        if (c->h.on_message)
            c->h.on_message(c->h.user, c, m->data, m->len, m->opcode, c->loop->batch_real_ns);
        break;
    case TW_WS_PING:
        STAT_ADD(c, pings, 1);
        if (c->sent_close)
            break;
        memcpy(c->pong, m->data, m->len); /* only the latest ping is answered (RFC 6455 §5.5.3) */
        c->pong_len = (uint8_t)m->len;
        c->pong_pending = 1;
        flush_pong(c);
        break;
    case TW_WS_CLOSE:
        c->rx_done = 1;
        if (!c->sent_close) {
            queue_close(c, m->close_code);
            c->close_code = m->close_code;
            end_after_flush(c, 0);
        } else {
            c->close_code = m->close_code;
            end_after_flush(c, c->end_err);
        }
        break;
    default: /* PONG: we never ping */
        break;
    }
}

/* Parses whole frames in p[0..n); returns the bytes consumed (all of them once input is done). */
static size_t frames(tw_conn_t *c, const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n && !c->rx_done && !c->tearing) {
        tw_ws_frame_t f;
        tw_ws_message_t m;
        int r = tw_ws_frame_parse(p + off, n - off, c->cfg.max_frame, &f);
        if (r == 0)
            break;
        if (r < 0) {
            ws_fail(c, r);
            break;
        }
        off += (size_t)r;
        r = tw_ws_assemble(&c->as, &f, &m);
        if (r < 0)
            ws_fail(c, r);
        else if (r == 1)
            on_message(c, &m);
    }
    return c->rx_done || c->tearing ? n : off;
}

/* Handles what rx holds: the HTTP head while upgrading, then frames; keeps a partial frame at the front. */
static void drain_rx(tw_conn_t *c)
{
    size_t off = 0;
    if (c->state == TW_CONN_UPGRADING) {
        int r = tw_ws_response_verify((const char *)c->rx, c->rx_len, c->nonce);
        if (r < 0 || (r == 0 && c->rx_len == c->rx_cap)) {
            tw_conn_teardown(c, r == -EACCES ? -EACCES : -EPROTO);
            return;
        }
        if (r == 0)
            return;
        off = (size_t)r;
        become_open(c);
    }
    if (c->tearing || c->rx_done) {
        c->rx_len = 0;
        return;
    }
    off += frames(c, c->rx + off, c->rx_len - off);
    if (off && off < c->rx_len)
        memmove(c->rx, c->rx + off, c->rx_len - off);
    c->rx_len -= off;
}

/* Plaintext bytes, in place when nothing is staged. */
static void ingest(tw_conn_t *c, const uint8_t *p, size_t n)
{
    while (n > 0 && !c->tearing && !c->rx_done) {
        if (c->rx_len == 0 && c->state >= TW_CONN_OPEN) {
            size_t used = frames(c, p, n);
            p += used;
            n -= used;
            if (n == 0)
                return;
        }
        size_t k = c->rx_cap - c->rx_len;
        if (k > n)
            k = n;
        if (k == 0) { /* cannot happen while rx_cap >= max_frame + header */
            ws_fail(c, -EMSGSIZE);
            return;
        }
        memcpy(c->rx + c->rx_len, p, k);
        c->rx_len += k;
        p += k;
        n -= k;
        drain_rx(c);
    }
}

static void send_request(tw_conn_t *c)
{
    tw_conn_set_state(c, TW_CONN_UPGRADING);
    if (c->tls_s.ssl) {
        if (tw_tls_write(&c->tls_s, (const uint8_t *)c->request, c->request_len) < 0) {
            tw_conn_teardown(c, -EPROTO);
            return;
        }
        tls_flush(c);
    } else {
        tx_put(c, (const uint8_t *)c->request, c->request_len);
    }
    kick_send(c);
}

static void tls_handshake(tw_conn_t *c)
{
    char err[sizeof(c->st.tls_error)];
    int r = tw_tls_handshake(&c->tls_s, err, sizeof(err));
    tls_flush(c);
    kick_send(c);
    if (r < 0) {
        set_tls_error(c, err);
        tw_conn_teardown(c, r);
    } else if (r == 1) {
        send_request(c);
    }
}

/* Ciphertext: fed to OpenSSL in as many pieces as its input buffer needs. */
static void tls_input(tw_conn_t *c, const uint8_t *p, size_t n)
{
    char err[sizeof(c->st.tls_error)];
    while (n > 0 && !c->tearing && !c->rx_done) {
        size_t k = tw_tls_feed(&c->tls_s, p, n);
        p += k;
        n -= k;
        if (c->state == TW_CONN_TLS)
            tls_handshake(c);
        while (c->state >= TW_CONN_UPGRADING && !c->tearing && !c->rx_done) {
            if (c->rx_len == c->rx_cap) {
                ws_fail(c, -EMSGSIZE);
                break;
            }
            int r = tw_tls_read(&c->tls_s, c->rx + c->rx_len, c->rx_cap - c->rx_len, err, sizeof(err));
            if (r == 0)
                break;
            if (r < 0) {
                if (r == -EPROTO)
                    set_tls_error(c, err);
                tw_conn_teardown(c, c->ending ? c->end_err : r);
                break;
            }
            c->rx_len += (size_t)r;
            drain_rx(c);
        }
        tls_flush(c); /* anything OpenSSL wants to say back (alerts, key updates) */
        kick_send(c);
        if (k == 0 && n > 0 && !c->tearing && !c->rx_done) {
            /* OpenSSL took none of it and had nothing to read: dropping these bytes would cut the
             * TLS stream mid-record, so the connection ends here, with the reason. */
            snprintf(err, sizeof(err), "TLS input stalled: OpenSSL took none of %zu ciphertext bytes", n);
            set_tls_error(c, err);
            tw_conn_teardown(c, -EPROTO);
            break;
        }
    }
}

/* ----------------------------------------------------------- completions -- */

static void arm_recv(tw_conn_t *c)
{
    struct io_uring_sqe *sqe = tw_loop_sqe(c->loop);
    if (sqe == NULL) {
        tw_conn_teardown(c, -EBUSY);
        return;
    }
    io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = TW_NET_BGID;
    submit(c, sqe, TW_OP_RECV);
}

static void on_connect(tw_conn_t *c, int res)
{
    if (c->tearing)
        return;
    if (res < 0) {
        tw_conn_teardown(c, res);
        return;
    }
    arm_recv(c);
    if (c->tearing)
        return;
    if (c->tls_s.ssl) {
        tw_conn_set_state(c, TW_CONN_TLS);
        tls_handshake(c);
    } else {
        send_request(c);
    }
}

static void on_recv(tw_conn_t *c, int res, unsigned flags)
{
    if (flags & IORING_CQE_F_BUFFER) {
        uint32_t bid = flags >> IORING_CQE_BUFFER_SHIFT;
        if (res > 0 && !c->tearing && !c->rx_done) {
            STAT_ADD(c, bytes_in, (uint64_t)res);
            STAT_SET(c, last_rx_ns, c->loop->batch_mono_ns);
            const uint8_t *p = tw_loop_buffer(c->loop, bid);
            if (c->tls_s.ssl)
                tls_input(c, p, (size_t)res);
            else
                ingest(c, p, (size_t)res);
        }
        tw_loop_buffer_return(c->loop, bid);
    }
    if (c->tearing)
        return;
    if (res == 0 || (res < 0 && res != -ENOBUFS)) {
        tw_conn_teardown(c, c->ending ? c->end_err : res == 0 ? -ECONNABORTED : res);
        return;
    }
    if (!(flags & IORING_CQE_F_MORE))
        arm_recv(c); /* the kernel ended the multishot (e.g. out of buffers) */
}

static void on_send(tw_conn_t *c, int res)
{
    c->tx_inflight = 0;
    if (c->tearing)
        return;
    if (res < 0) {
        tw_conn_teardown(c, c->ending ? c->end_err : res);
        return;
    }
    STAT_ADD(c, bytes_out, (uint64_t)res);
    c->tx_head = (c->tx_head + (size_t)res) % c->tx_cap;
    c->tx_len -= (size_t)res;
    if (c->tx_len == 0)
        c->tx_head = 0;
    tls_flush(c);
    flush_pong(c);
    kick_send(c);
    end_if_flushed(c);
}

static void on_timer(tw_conn_t *c)
{
    c->timer_armed = 0;
    c->timer_removing = 0;
    if (c->tearing)
        return;
    flush_pong(c);
    if (c->deadline && tw_mono_ns() >= c->deadline) {
        c->deadline = 0;
        tw_conn_teardown(c, -ETIMEDOUT);
        return;
    }
    timer_update(c);
}

/* The last completion is back: close the socket through the ring, then report. */
static void finish(tw_conn_t *c)
{
    if (c->fd >= 0) {
        struct io_uring_sqe *sqe = tw_loop_sqe(c->loop);
        if (sqe) {
            io_uring_prep_close(sqe, c->fd);
            submit(c, sqe, TW_OP_CLOSE);
            c->fd = -1;
            return;
        }
        close(c->fd); /* no ring slot: rare, and still correct */
        c->fd = -1;
    }
    if (c->tls_s.ssl)
        tw_tls_session_free(&c->tls_s);
    int err = c->end_err;
    uint16_t code = c->close_code ? c->close_code : TW_NET_CLOSE_ABNORMAL;
    c->tearing = 0;
    tw_conn_set_state(c, TW_CONN_CLOSED);
    STAT_SET(c, last_error, err);
    STAT_SET(c, last_close_code, code);
    if (c->h.on_close)
        c->h.on_close(c->h.user, c, err, code);
}

void tw_conn_complete(tw_conn_t *c, unsigned op, int res, unsigned flags)
{
    switch (op) {
    case TW_OP_CONNECT: on_connect(c, res); break;
    case TW_OP_RECV: on_recv(c, res, flags); break;
    case TW_OP_SEND: on_send(c, res); break;
    case TW_OP_TIMER: on_timer(c); break;
    default: break; /* TW_OP_CLOSE */
    }
    if (!(flags & IORING_CQE_F_MORE))
        c->ops--;
    if (c->tearing && c->ops == 0)
        finish(c);
}

/* Cancels everything in flight on the socket; finish() runs when the last completion is back. */
void tw_conn_teardown(tw_conn_t *c, int err)
{
    if (c->tearing)
        return;
    c->tearing = 1;
    c->end_err = err;
    c->deadline = 0;
    c->pong_pending = 0;
    c->rx_done = 1;
    if (c->timer_armed && !c->timer_removing) {
        struct io_uring_sqe *sqe = tw_loop_sqe(c->loop);
        if (sqe) {
            io_uring_prep_timeout_remove(sqe, (uint64_t)(uintptr_t)c | TW_OP_TIMER, 0);
            io_uring_sqe_set_data64(sqe, 0);
            c->timer_removing = 1;
        }
    }
    if (c->fd >= 0 && c->ops > c->timer_armed) {
        struct io_uring_sqe *sqe = tw_loop_sqe(c->loop);
        if (sqe) {
            io_uring_prep_cancel_fd(sqe, c->fd, IORING_ASYNC_CANCEL_ALL);
            io_uring_sqe_set_data64(sqe, 0);
        }
    }
    if (c->ops == 0) /* nothing in flight (only from the caller's side): close through the ring */
        finish(c);
}

/* ------------------------------------------------------------ public API -- */

/* Fresh per-connection state: buffers empty, a new nonce, a full token bucket. */
static void reset(tw_conn_t *c)
{
    c->ops = 0;
    c->tearing = c->rx_done = c->sent_close = c->ending = 0;
    c->timer_armed = c->timer_removing = c->pong_pending = 0;
    c->end_err = 0;
    c->close_code = 0;
    c->deadline = 0;
    c->rx_len = c->tx_head = c->tx_len = c->tx_inflight = 0;
    c->as.active = 0;
    c->as.len = 0;
    c->rate_i = 0;
    for (uint32_t i = 0; i < c->cfg.msgs_per_sec && i < TW_NET_RATE_MAX; i++)
        c->rate_log[i] = INT64_MIN / 2;
    for (int i = 0; i < 16; i += 4) {
        uint32_t k = next_key(c);
        memcpy(c->nonce + i, &k, 4);
    }
    char key[25];
    tw_ws_key_encode(c->nonce, key);
    memcpy(c->request + c->key_off, key, 24);
}

static int open_socket(tw_conn_t *c)
{
    int fd = socket(c->cfg.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0)
        return -errno;
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    c->fd = fd;
    return 0;
}

int tw_conn_open(tw_conn_t *c)
{
    if (c->loop == NULL || c->state != TW_CONN_CLOSED || c->tearing || c->ops)
        return -EBUSY;
    reset(c);
    struct io_uring_sqe *sqe = tw_loop_sqe(c->loop);
    if (sqe == NULL)
        return -EBUSY;
    int r = c->tls ? tw_tls_session_open(c->tls, &c->tls_s, c->name, c->tx_cap + 4096) : 0;
    if (r == 0 && (r = open_socket(c)) < 0 && c->tls_s.ssl)
        tw_tls_session_free(&c->tls_s);
    if (r < 0) {
        io_uring_prep_nop(sqe);
        io_uring_sqe_set_data64(sqe, 0);
        return r;
    }
    set_tls_error(c, "");
    io_uring_prep_connect(sqe, c->fd, (const struct sockaddr *)&c->cfg.addr, c->cfg.addr_len);
    submit(c, sqe, TW_OP_CONNECT);
    tw_conn_set_state(c, TW_CONN_CONNECTING);
    set_deadline(c, c->cfg.open_timeout_ms);
    return 0;
}

int tw_conn_send_text(tw_conn_t *c, const char *text, size_t len)
{
    if (c->state != TW_CONN_OPEN || c->sent_close || c->tearing)
        return -ENOTCONN;
    flush_pong(c); /* a pong waiting for a token goes first */
    int64_t now = tw_mono_ns();
    if (!rate_ok(c, now))
        return -EAGAIN;
    int r = queue_frame(c, TW_WS_TEXT, (const uint8_t *)text, len, TW_NET_TX_RESERVE);
    if (r == 0)
        rate_take(c, now);
    return r;
}

static int close_code_sendable(uint16_t code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

int tw_conn_close(tw_conn_t *c, uint16_t code)
{
    if (c->state == TW_CONN_CLOSED && !c->tearing)
        return -ENOTCONN;
    if (c->tearing || c->sent_close || c->ending)
        return -EALREADY;
    if (!close_code_sendable(code))
        return -EINVAL;
    if (c->state < TW_CONN_OPEN) {
        tw_conn_teardown(c, -ECANCELED);
        return 0;
    }
    if (queue_close(c, code) < 0) {
        tw_conn_teardown(c, -ENOBUFS);
        return 0;
    }
    tw_conn_set_state(c, TW_CONN_CLOSING);
    set_deadline(c, c->cfg.close_timeout_ms);
    return 0;
}

#define LOAD(f) out->f = __atomic_load_n(&c->st.f, __ATOMIC_RELAXED) /* pairs with STAT_SET */

void tw_conn_get_stats(const tw_conn_t *c, tw_conn_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    LOAD(state);
    LOAD(last_close_code);
    LOAD(last_error);
    LOAD(bytes_in);
    LOAD(bytes_out);
    LOAD(messages_in);
    LOAD(pings);
    LOAD(pongs_sent);
    LOAD(last_rx_ns);
    LOAD(opened_ns);
    for (size_t i = 0; i + 1 < sizeof(out->tls_error); i++)
        LOAD(tls_error[i]); /* pairs with set_tls_error; a message being replaced may read torn */
}

/* SPDX-License-Identifier: MIT */
/*
 * The feed thread's network layer: one io_uring per thread (tw_loop_t)
 * driving any number of client connections (tw_conn_t), each a TCP socket,
 * optionally TLS (OpenSSL over memory BIOs, so the ring does every read and
 * write), carrying a WebSocket client (tickwire/ws.h).
 *
 * Setup (tw_loop_create, tw_tls_create, tw_conn_create, tw_net_resolve)
 * allocates and may block; it runs before the thread starts or off the hot
 * path. tw_conn_open, tw_conn_send_text, tw_conn_close and tw_loop_poll are
 * the steady state: no allocation, no locks, no blocking system call (socket
 * I/O goes through io_uring only), no floating point.
 *
 * A connection's life: tw_conn_open → connect → TLS handshake (SNI,
 * certificate and host name checked) → HTTP upgrade (Sec-WebSocket-Accept
 * checked) → on_open → on_message … → on_close (exactly once per open,
 * whatever ended it: the peer's close, an error, tw_conn_close). A closed
 * connection may be opened again (reconnect).
 *
 * Pings are answered with pongs by the connection itself; a close frame from
 * the peer is echoed before on_close. Protocol errors close with the RFC
 * 6455 code (tw_ws_close_code).
 *
 * Return convention: 0 or a count on success, -errno on failure.
 */
#ifndef TICKWIRE_NET_H
#define TICKWIRE_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tw_loop tw_loop_t;
typedef struct tw_conn tw_conn_t;
typedef struct tw_tls tw_tls_t;

/* ------------------------------------------------------------------ loop -- */

typedef struct tw_loop_config {
    uint32_t entries;          /* submission queue entries, e.g. 256 */
    uint32_t buffers;          /* provided receive buffers, e.g. 64 */
    uint32_t buffer_size;      /* bytes each, e.g. 65536 */
    uint32_t reserved;
} tw_loop_config_t;

int tw_loop_create(const tw_loop_config_t *cfg, tw_loop_t **out);
void tw_loop_destroy(tw_loop_t *loop);

/*
 * Submits what is queued and handles every completion, calling the
 * connections' handlers. timeout_ns < 0: do not wait (busy polling);
 * 0: wait for at least one completion; > 0: wait at most that long.
 * Returns the number of completions handled, or -errno.
 */
int tw_loop_poll(tw_loop_t *loop, int64_t timeout_ns);

/* ------------------------------------------------------------------- tls -- */

typedef struct tw_tls_config {
    const char *ca_file;       /* PEM bundle to trust; NULL: the system CAs */
    int verify;                /* 0 disables certificate checks: refused unless every connection is loopback */
    int reserved;
} tw_tls_config_t;

/* A client TLS context shared by connections (TLS 1.2+). */
int tw_tls_create(const tw_tls_config_t *cfg, tw_tls_t **out);
void tw_tls_destroy(tw_tls_t *tls);

/* ------------------------------------------------------------------ conn -- */

/* Resolves host:port (getaddrinfo; blocking, so never on the feed thread). */
int tw_net_resolve(const char *host, uint16_t port, struct sockaddr_storage *addr, socklen_t *len);

/* 1 when the address is loopback (127.0.0.0/8 or ::1). */
int tw_net_is_loopback(const struct sockaddr_storage *addr);

typedef struct tw_conn_handlers {
    void *user;
    /* The WebSocket is open. */
    void (*on_open)(void *user, tw_conn_t *c);
    /* A whole text or binary message; data is valid until the handler returns. recv_ns is
     * CLOCK_REALTIME when the completion carrying its last byte was reaped. */
    void (*on_message)(void *user, tw_conn_t *c, const uint8_t *data, size_t len, int opcode, int64_t recv_ns);
    /* The connection ended: err is 0 after a clean close handshake, else -errno
     * (-ECONNREFUSED, -ECONNRESET, -ETIMEDOUT, -EPROTO, -EACCES for a bad accept key,
     * -EKEYREJECTED for a failed certificate check, ...); code is the close code sent or received. */
    void (*on_close)(void *user, tw_conn_t *c, int err, uint16_t code);
} tw_conn_handlers_t;

typedef struct tw_conn_config {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    const char *host;          /* Host header and TLS SNI / host name check */
    const char *path;          /* request target, e.g. "/stream?streams=btcusdt@depth@100ms" */
    tw_tls_t *tls;             /* NULL: plain TCP */
    uint32_t max_frame;        /* largest frame payload accepted, bytes */
    uint32_t max_message;      /* largest (reassembled) message, bytes */
    uint32_t rx_capacity;      /* receive staging buffer (at least 2 × max_frame is sensible) */
    uint32_t tx_capacity;      /* send queue bytes */
    uint64_t seed;             /* masks and handshake nonces (xorshift, no RNG call on the hot path) */
} tw_conn_config_t;

/* Allocates a connection's buffers and TLS object (setup time). */
int tw_conn_create(tw_loop_t *loop, const tw_conn_config_t *cfg, const tw_conn_handlers_t *h, tw_conn_t **out);
void tw_conn_destroy(tw_conn_t *c);

/* Starts connecting (socket + non-blocking connect through the ring, TCP_NODELAY). -EBUSY if not closed. */
int tw_conn_open(tw_conn_t *c);

/* Queues a masked text frame. -ENOTCONN before on_open, -ENOBUFS when the send queue is full. */
int tw_conn_send_text(tw_conn_t *c, const char *text, size_t len);

/* Starts the close handshake (or aborts a connection not yet open); on_close follows. */
int tw_conn_close(tw_conn_t *c, uint16_t code);

typedef enum tw_conn_state {
    TW_CONN_CLOSED = 0,
    TW_CONN_CONNECTING = 1,    /* TCP connect */
    TW_CONN_TLS = 2,           /* TLS handshake */
    TW_CONN_UPGRADING = 3,     /* HTTP upgrade sent, waiting for 101 */
    TW_CONN_OPEN = 4,
    TW_CONN_CLOSING = 5,
} tw_conn_state_t;

typedef struct tw_conn_stats {
    uint32_t state;            /* tw_conn_state_t */
    uint32_t last_close_code;
    int32_t last_error;        /* -errno of the last on_close, 0 after a clean close */
    uint32_t reserved;
    uint64_t bytes_in, bytes_out; /* socket bytes (TLS records included) */
    uint64_t messages_in, pings, pongs_sent;
    int64_t last_rx_ns;        /* CLOCK_MONOTONIC of the last bytes received */
    int64_t opened_ns;         /* CLOCK_MONOTONIC of the last on_open */
    char tls_error[96];        /* the last TLS/verification error, "" when none */
} tw_conn_stats_t;

void tw_conn_get_stats(const tw_conn_t *c, tw_conn_stats_t *out);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_NET_H */

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
 * I/O goes through io_uring only), no floating point. Two exceptions, both
 * once per connection: tw_conn_open makes the socket (socket, setsockopt),
 * and a TLS connection's handshake allocates inside OpenSSL (the SSL object,
 * certificates, the session ticket that follows it). Once a connection is
 * open, this layer allocates nothing; under TLS 1.3, OpenSSL 3.0 itself
 * mallocs and frees 40 bytes per record it decrypts and three small blocks
 * per record it encrypts (the WPACKET that builds the record's AAD,
 * crypto/packet.c) — a thread-cache hit beside ~1.5 µs of AES-GCM.
 *
 * Threads: everything but tw_conn_get_stats runs on the loop's thread.
 * Handlers run inside tw_loop_poll; they may call tw_conn_send_text and
 * tw_conn_close, and on_close may call tw_conn_open (the connection is fully
 * closed when on_close runs). Frames are queued by the calls and submitted
 * at the end of the current or the next tw_loop_poll.
 *
 * A connection's life: tw_conn_open → connect → TLS handshake (SNI,
 * certificate and host name checked) → HTTP upgrade (Sec-WebSocket-Accept
 * checked) → on_open → on_message … → on_close (exactly once per open,
 * whatever ended it: the peer's close, an error, tw_conn_close). A closed
 * connection may be opened again (reconnect).
 *
 * Pings are answered with pongs by the connection itself; a close frame from
 * the peer is echoed before on_close. Protocol errors close with the RFC
 * 6455 code (tw_ws_close_code). Client messages (text, pong, ping) are
 * limited to msgs_per_sec in any one-second window (Binance: 5): a pong that
 * must wait is delayed, a text message gets -EAGAIN. The close frame is never
 * held back. TW_CONN_RATE_UNLIMITED lifts the limit (order entry).
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

/* Zero fields (or a NULL config) take the defaults in brackets. */
typedef struct tw_loop_config {
    uint32_t entries;          /* submission queue entries [256] */
    uint32_t buffers;          /* provided receive buffers, a power of two, shared by all connections [64] */
    uint32_t buffer_size;      /* bytes each [65536] */
    uint32_t reserved;
} tw_loop_config_t;

/*
 * Sets up the ring and its buffer ring. -EINVAL, -ENOMEM, or io_uring_queue_init's error (-ENOSYS, -EPERM).
 * The ring belongs to one thread: the first one that submits on it (tw_conn_open, tw_loop_poll, ...);
 * every later submit and poll must come from that thread (SINGLE_ISSUER where the kernel has it).
 */
int tw_loop_create(const tw_loop_config_t *cfg, tw_loop_t **out);

/* The IORING_SETUP_* flags the ring was made with (the best the kernel took). */
unsigned tw_loop_setup_flags(const tw_loop_t *loop);

/*
 * Closes the ring. Connections still open lose their socket without an
 * on_close; close them (and poll until on_close) first. Connections stay
 * allocated until tw_conn_destroy.
 */
void tw_loop_destroy(tw_loop_t *loop);

/*
 * Keeps an 8-byte read armed on fd (an eventfd, non-blocking or not) in the
 * ring, re-armed by every tw_loop_poll after it completes: a write to the
 * eventfd from any thread ends the loop's wait. The value read is dropped.
 * Setup time; fd stays the caller's (close it after tw_loop_destroy). 0 or -EINVAL.
 */
int tw_loop_set_wake_fd(tw_loop_t *loop, int fd);

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
    int verify;                /* 0 disables certificate checks: tw_conn_create refuses it (-EPERM) unless
                                  the connection's address is loopback, and warns once on stderr */
    int reserved;
} tw_tls_config_t;

/*
 * A client TLS context shared by connections (TLS 1.2+). A NULL config
 * verifies against the system CAs. -EINVAL when the CA file cannot be
 * loaded, -ENOMEM.
 */
int tw_tls_create(const tw_tls_config_t *cfg, tw_tls_t **out);

/* Frees the context; after every connection using it is destroyed. */
void tw_tls_destroy(tw_tls_t *tls);

/* ------------------------------------------------------------------ conn -- */

/* Resolves host:port (getaddrinfo; blocking, so never on the feed thread). -EHOSTUNREACH when it cannot. */
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
     * (-ECONNREFUSED, -ECONNRESET, -ETIMEDOUT (open or close took too long), -ECONNABORTED
     * (the peer ended TCP or TLS without a close frame), -ECANCELED (tw_conn_close before
     * on_open), -EPROTO / -EMSGSIZE / -EILSEQ (WebSocket or HTTP protocol errors; a bad TLS
     * handshake is -EPROTO too, reason in tls_error), -EACCES for a bad accept key,
     * -EKEYREJECTED for a failed certificate check, reason in tls_error, ...); code is the
     * close code received, else the one sent, else 1006 (no close frame either way). */
    void (*on_close)(void *user, tw_conn_t *c, int err, uint16_t code);
} tw_conn_handlers_t;

/* tw_conn_config_t.msgs_per_sec: no client-side limit on messages sent. */
#define TW_CONN_RATE_UNLIMITED 0xFFFFFFFFu

/* Zero sizes and times take the defaults in brackets. Strings are copied by tw_conn_create. */
typedef struct tw_conn_config {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    const char *host;          /* TLS SNI / host name check (a bare name or IP literal, no port); the Host
                                  header adds ":port" when the port is not 80 (plain) or 443 (TLS) */
    const char *path;          /* request target, e.g. "/stream?streams=btcusdt@depth@100ms" [/] */
    tw_tls_t *tls;             /* NULL: plain TCP */
    uint32_t max_frame;        /* largest frame payload accepted, bytes [1 MiB] */
    uint32_t max_message;      /* largest (reassembled) message, bytes [4 MiB] */
    uint32_t rx_capacity;      /* receive staging buffer, at least max_frame + 14 [2 × max_frame + 64 KiB] */
    uint32_t tx_capacity;      /* send queue bytes [64 KiB] */
    uint64_t seed;             /* masks and handshake nonces (xorshift, no RNG call on the hot path) */
    uint32_t open_timeout_ms;  /* connect + TLS + upgrade must finish within this [10000] */
    uint32_t close_timeout_ms; /* our close frame → the peer's echo, or flushing our last frames [2000] */
    uint32_t msgs_per_sec;     /* client messages in any one-second window, at most 64 [5, Binance market
                                  data], or TW_CONN_RATE_UNLIMITED (a WebSocket API connection: the
                                  venue's own request limits apply, not a client-side cap) */
    uint32_t reserved;
} tw_conn_config_t;

/*
 * Allocates a connection's buffers (setup time); the TLS object is made by
 * each tw_conn_open. -EINVAL (bad sizes, no host, CR/LF in host or path),
 * -EMSGSIZE (a path longer than 64 KiB; the upgrade request is sized from the
 * path, so any path up to that works), -EPERM (verify off for an address that
 * is not loopback), -ENOMEM.
 */
int tw_conn_create(tw_loop_t *loop, const tw_conn_config_t *cfg, const tw_conn_handlers_t *h, tw_conn_t **out);

/*
 * Frees a connection. One that is not closed is aborted first and the loop
 * polled (at most 1 s) until its on_close has run, so destroy it on the loop's
 * thread.
 */
void tw_conn_destroy(tw_conn_t *c);

/*
 * Starts connecting (socket + non-blocking connect through the ring,
 * TCP_NODELAY). -EBUSY if not closed, -ENOMEM (TLS objects), or socket()'s
 * error. After a 0, on_close follows exactly once.
 */
int tw_conn_open(tw_conn_t *c);

/*
 * Queues a masked text frame. -ENOTCONN before on_open or once closing,
 * -EAGAIN when the message rate limit is reached (retry later), -ENOBUFS
 * when the send queue is full, -EMSGSIZE when it could never fit.
 */
int tw_conn_send_text(tw_conn_t *c, const char *text, size_t len);

/*
 * Starts the close handshake (or aborts a connection not yet open, with
 * -ECANCELED); on_close follows. -ENOTCONN when closed, -EALREADY when
 * already closing, -EINVAL for a code a client may not send.
 */
int tw_conn_close(tw_conn_t *c, uint16_t code);

typedef enum tw_conn_state {
    TW_CONN_CLOSED = 0,
    TW_CONN_CONNECTING = 1,    /* TCP connect */
    TW_CONN_TLS = 2,           /* TLS handshake */
    TW_CONN_UPGRADING = 3,     /* HTTP upgrade sent, waiting for 101 */
    TW_CONN_OPEN = 4,
    TW_CONN_CLOSING = 5,
} tw_conn_state_t;

/*
 * Counters of one connection. Written by the loop's thread with relaxed
 * atomic stores and copied field by field by tw_conn_get_stats, so any thread
 * may read them; a copy may mix values from just before and just after an
 * event (e.g. bytes_in already counted, messages_in not yet).
 */
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

/* Copies the counters (any thread; see tw_conn_stats_t). */
void tw_conn_get_stats(const tw_conn_t *c, tw_conn_stats_t *out);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_NET_H */

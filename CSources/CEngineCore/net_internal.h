/* SPDX-License-Identifier: MIT */
/*
 * What loop.c, tls.c and conn.c share behind tickwire/net.h: the loop and
 * connection structs, the user_data encoding of ring operations, and the
 * TLS session calls the connection state machine drives. Not installed.
 *
 * user_data of every operation a connection submits is the connection's
 * address (64-byte aligned) with the operation kind in the low bits; 0 marks
 * operations whose completion needs no handling (cancels, timeout removal).
 */
#ifndef TW_NET_INTERNAL_H
#define TW_NET_INTERNAL_H

#include <liburing.h>
#include <openssl/ssl.h>

#include "tickwire/net.h"
#include "tickwire/ws.h"

enum { TW_OP_CONNECT = 1, TW_OP_RECV = 2, TW_OP_SEND = 3, TW_OP_TIMER = 4, TW_OP_CLOSE = 5, TW_OP_MASK = 7 };

enum {
    TW_NET_BGID = 7,           /* buffer group of the loop's receive buffers */
    TW_NET_RATE_MAX = 64,      /* largest msgs_per_sec */
    TW_WS_PATH_MAX = 65536,    /* longest request path: 1024 streams of ~40 bytes each fit */
    TW_NET_CLOSE_ABNORMAL = 1006,
    TW_NET_TX_RESERVE = 256,   /* send-queue bytes kept for the close frame (with a TLS record around it) */
    TW_TLS_RECORD_OVERHEAD = 128, /* worst ciphertext growth of one TLS record (CBC + HMAC-SHA384 in 1.2) */
    TW_TLS_IN_BIO = 65536,     /* ciphertext the TLS input side holds before SSL_read drains it */
};

struct tw_loop {
    struct io_uring ring;
    struct io_uring_buf_ring *br;
    size_t br_bytes;
    uint8_t *bufs;
    size_t bufs_bytes;
    uint32_t nbufs, buf_size;
    unsigned setup_flags;      /* IORING_SETUP_* the ring was made with */
    uint8_t disabled;          /* R_DISABLED and not yet enabled by its issuer */
    int64_t batch_real_ns;     /* clocks read once when a batch with received bytes was reaped */
    int64_t batch_mono_ns;
    tw_conn_t *conns;          /* every connection made on this loop (tw_loop_destroy detaches them) */
    int wake_fd;               /* tw_loop_set_wake_fd's eventfd, when wake_set */
    uint8_t wake_set, wake_armed;
    uint64_t wake_buf;         /* where the armed read lands */
};

/* user_data of the wake read: no connection is at address 0, so it cannot be one of theirs. */
#define TW_LOOP_WAKE_UD 1u

struct tw_tls {
    SSL_CTX *ctx;
    int verify;
    int warned;                /* the verify=0 warning was printed */
};

/* One connection's TLS state: the SSL object writes records into a BIO pair whose far end we read. */
typedef struct tw_tls_session {
    SSL *ssl;
    BIO *net;                  /* our end: write received ciphertext, read ciphertext to send */
} tw_tls_session_t;

struct tw_conn {
    tw_loop_t *loop;
    tw_conn_t *next;
    tw_conn_handlers_t h;
    tw_conn_config_t cfg;      /* host and path point into name and request below */
    tw_tls_t *tls;
    int fd;
    uint32_t state;            /* tw_conn_state_t */
    uint32_t ops;              /* operations in flight on the ring */
    uint8_t tearing;           /* cancelling operations; on_close when ops reaches 0 */
    uint8_t rx_done;           /* close frame received or protocol error: ignore further input */
    uint8_t sent_close;
    uint8_t ending;            /* tear down once the send queue is flushed */
    uint8_t timer_armed, timer_removing, pong_pending, pong_len;
    int end_err;
    uint16_t close_code;       /* received, else sent, else 0 */
    uint16_t port;
    int64_t deadline;          /* CLOCK_MONOTONIC ns of the current phase's end; 0: none */
    int64_t timer_at;
    struct __kernel_timespec ts;
    uint64_t rng;
    uint8_t nonce[16];
    uint8_t *rx;
    size_t rx_cap, rx_len;
    uint8_t *tx;               /* ring of bytes to send (ciphertext under TLS) */
    size_t tx_cap, tx_head, tx_len, tx_inflight;
    uint8_t *scratch;          /* one encoded frame on its way into tx or SSL_write */
    size_t scratch_cap;
    tw_ws_assembler_t as;
    uint8_t pong[TW_WS_CONTROL_MAX];
    uint32_t rate_i;
    int64_t rate_log[TW_NET_RATE_MAX]; /* when each of the last msgs_per_sec messages went out */
    tw_tls_session_t tls_s;
    size_t request_len, key_off;
    char *request;             /* the upgrade request, sized from the path (a 1024-stream path is ~40 KB) */
    char name[256];
    tw_conn_stats_t st;
};

/* ---------------------------------------------------------- loop.c -- */

/* A submission entry, submitting what is queued when the ring is full; NULL when none can be had. */
struct io_uring_sqe *tw_loop_sqe(tw_loop_t *l);

/* Receive buffer bid's bytes, and giving it back to the kernel once handled. */
const uint8_t *tw_loop_buffer(const tw_loop_t *l, uint32_t bid);
void tw_loop_buffer_return(tw_loop_t *l, uint32_t bid);

/* ---------------------------------------------------------- conn.c -- */

/* One completion of an operation c submitted (flags: the CQE's). */
void tw_conn_complete(tw_conn_t *c, unsigned op, int res, unsigned flags);

/* The loop is going away: drop the socket without on_close. */
void tw_conn_detach(tw_conn_t *c);

/* ----------------------------------------------------------- tls.c -- */

/* A fresh SSL object for host (SNI unless an IP literal; name or IP checked when verifying). 0 or -ENOMEM. */
int tw_tls_session_open(tw_tls_t *t, tw_tls_session_t *s, const char *host, size_t out_bytes);
void tw_tls_session_free(tw_tls_session_t *s);

/* Hands received ciphertext to OpenSSL; returns how much it took (it may take less than n). */
size_t tw_tls_feed(tw_tls_session_t *s, const uint8_t *p, size_t n);

/*
 * Drives the handshake: 1 done, 0 more input needed, -EKEYREJECTED (the
 * certificate or host name check failed) or -EPROTO, with the reason in err.
 */
int tw_tls_handshake(tw_tls_session_t *s, char *err, size_t cap);

/* Plaintext: a count, 0 when more ciphertext is needed, -ECONNABORTED on close_notify, -EPROTO. */
int tw_tls_read(tw_tls_session_t *s, uint8_t *out, size_t cap, char *err, size_t errcap);

/* Encrypts all n bytes (the caller checked room with tw_tls_room). n or -EPROTO. */
int tw_tls_write(tw_tls_session_t *s, const uint8_t *p, size_t n);

/* Ciphertext bytes the session can still take from SSL_write without blocking. */
size_t tw_tls_room(tw_tls_session_t *s);

/* Ciphertext waiting to be sent, and taking up to cap bytes of it. */
size_t tw_tls_pending(tw_tls_session_t *s);
size_t tw_tls_take(tw_tls_session_t *s, uint8_t *out, size_t cap);

/* Queues close_notify after a finished handshake. */
void tw_tls_shutdown(tw_tls_session_t *s);

/* conn.c, for conn_setup.c: the state word (stats and handlers see it), and the end of a connection. */
void tw_conn_set_state(tw_conn_t *c, uint32_t s);
void tw_conn_teardown(tw_conn_t *c, int err);

#endif /* TW_NET_INTERNAL_H */

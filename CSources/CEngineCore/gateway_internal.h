/* SPDX-License-Identifier: MIT */
/*
 * The order gateway's insides, shared by gateway*.c and the C tests (not a
 * public header). The layers, each testable alone:
 *   gateway_sign.c    HMAC-SHA256 from precomputed inner/outer states
 *   gateway_encode.c  signed WebSocket API requests into fixed buffers
 *   gateway_decode.c  answers (envelope, order results) to fixed point
 *   gateway_events.c  user-data events to exec journal records
 *   gateway_fevents.c USD-M futures user-data events (ORDER_TRADE_UPDATE,
 *                     ACCOUNT_UPDATE, listenKeyExpired) to the same records
 * and the thread itself (gateway.c: setup, queue, status; gateway_run.c:
 * requests and their slots; gateway_answer.c: answers and events into the
 * journal; gateway_conn.c: the connection's life and the loop; gateway_user.c:
 * the USD-M user-data stream's connection and its listenKey).
 *
 * Test entries drive a gateway with no network: tw_gateway_test_create()
 * builds one without resolve, TLS, io_uring or socket; what it would send
 * lands in a capture buffer (tw_gateway_test_sent).
 */
#ifndef TICKWIRE_GATEWAY_INTERNAL_H
#define TICKWIRE_GATEWAY_INTERNAL_H

#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* SHA256_* stay: the EVP digest API allocates per context */
#endif
#include <openssl/sha.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tickwire/gateway.h"
#include "tickwire/net.h"
#include "tickwire/writer.h"
#include "worker.h"

/* ------------------------------------------------------------- hmac -- */

typedef struct tw_gw_hmac {
    SHA256_CTX inner;          /* after key ^ ipad */
    SHA256_CTX outer;          /* after key ^ opad */
} tw_gw_hmac_t;

/* Precomputes both states from the key (hashed first when longer than 64 bytes). */
void tw_gw_hmac_init(tw_gw_hmac_t *h, const char *key, size_t len);
/* Lower-case hex HMAC of msg into hex[64] (no NUL). No allocation. */
void tw_gw_hmac_hex(const tw_gw_hmac_t *h, const char *msg, size_t len, char hex[64]);
/* Zeroes the states. */
void tw_gw_hmac_wipe(tw_gw_hmac_t *h);

/* ----------------------------------------------------------- encoder -- */

enum { GW_KEY_MAX = 128, GW_QUERY_MAX = 1024, GW_REQ_MAX = 2048, GW_ID_MAX = 36 };

typedef struct tw_gw_encoder {
    tw_gw_hmac_t hmac;
    const tw_gateway_instrument_t *inst;
    uint32_t ninst;
    uint32_t recv_window_ms;
    uint32_t venue;            /* tw_gw_venue_t: which params order.place takes */
    uint32_t key_len;
    char key[GW_KEY_MAX];
    char query[GW_QUERY_MAX];  /* the signed payload of the last request */
    uint32_t query_len;
} tw_gw_encoder_t;

/* Whether a client order id is something the venue takes: 1..36 of [A-Za-z0-9._:/-]. */
int tw_gw_client_id_ok(const char *s);

/* Renders mantissa m (>= 0) at exponent e as decimal text; the length, or -ENOBUFS. */
int tw_gw_decimal(char *out, size_t cap, int64_t m, int e);

/*
 * Signed requests. Each returns the JSON length or -EINVAL / -ENOBUFS; the
 * signed payload stays in enc->query. For cancel and status, cmd names the
 * order by client_order_id, or by target_id when that is non-zero.
 */
int tw_gw_encode_place(tw_gw_encoder_t *enc, const tw_command_t *cmd, uint64_t id, int64_t ts_ms, char *out,
                       size_t cap);
int tw_gw_encode_cancel(tw_gw_encoder_t *enc, const tw_command_t *cmd, uint64_t id, int64_t ts_ms, char *out,
                        size_t cap);
int tw_gw_encode_cancel_all(tw_gw_encoder_t *enc, uint32_t instrument, uint64_t id, int64_t ts_ms, char *out,
                            size_t cap);
int tw_gw_encode_status(tw_gw_encoder_t *enc, const tw_command_t *cmd, uint64_t id, int64_t ts_ms, char *out,
                        size_t cap);
int tw_gw_encode_subscribe(tw_gw_encoder_t *enc, uint64_t id, int64_t ts_ms, char *out, size_t cap);

/* ----------------------------------------------------------- decoder -- */

/* A top-level message: an answer (id, status, result or error) or a user-data event. */
typedef struct tw_gw_msg {
    int has_id;
    uint64_t id;               /* our numeric request id (ids we did not make: has_id 0) */
    uint32_t status;           /* HTTP-like status of an answer */
    int32_t code;              /* error.code (0 when none) */
    const char *result;        /* span of "result" (object or array) */
    size_t result_len;
    const char *msg;           /* span of error.msg */
    size_t msg_len;
    const char *event;         /* span of "event" */
    size_t event_len;
} tw_gw_msg_t;

/* Splits a message. 0, or -EBADMSG / -ENODATA (neither an answer nor an event). */
int tw_gw_envelope(const char *s, size_t n, tw_gw_msg_t *m);

/* One order as an answer's result shows it (order.place RESULT, order.cancel, order.status). */
typedef struct tw_gw_order {
    uint64_t order_id;
    int64_t price, orig_qty, executed_qty, cum_quote;
    int64_t time_ms;           /* transactTime, else updateTime */
    uint8_t state;             /* tw_order_state_t */
    uint8_t side, type, tif;
    uint32_t has;              /* GW_HAS_* */
    const char *client_id;     /* clientOrderId */
    size_t client_id_len;
    const char *orig_client_id; /* origClientOrderId (cancels) */
    size_t orig_client_id_len;
} tw_gw_order_t;

enum { GW_HAS_ORDER_ID = 1, GW_HAS_STATE = 2, GW_HAS_EXECUTED = 4 };

/* Decodes one result object at the instrument's exponents (spot, and USD-M: cumQuote, updateTime, GTX as
 * LIMIT_MAKER). 0, -EBADMSG, -ERANGE, -EINVAL, -ENODATA (no orderId). */
int tw_gw_order_decode(const char *s, size_t n, int price_exp, int qty_exp, tw_gw_order_t *o);

typedef enum tw_gw_event_kind {
    TW_GW_EV_UNKNOWN = 0,
    TW_GW_EV_EXECUTION = 1,
    TW_GW_EV_ACCOUNT = 2,
    TW_GW_EV_BALANCE = 3,
    TW_GW_EV_TERMINATED = 4,   /* eventStreamTerminated: the subscription ended */
    TW_GW_EV_FUT_ORDER = 5,    /* USD-M ORDER_TRADE_UPDATE */
    TW_GW_EV_FUT_ACCOUNT = 6,  /* USD-M ACCOUNT_UPDATE */
    TW_GW_EV_KEY_EXPIRED = 7,  /* USD-M listenKeyExpired */
} tw_gw_event_kind_t;

/* The kind of an event object (its "e"), or -EBADMSG. */
int tw_gw_event_kind(const char *s, size_t n);

/*
 * An executionReport into rep (exec type in *type, instrument index in
 * *instrument). 1 decoded; 0 an event we do not journal (REPLACED, an
 * unknown x, a symbol not in the table); -EBADMSG / -ERANGE / -ENODATA.
 */
int tw_gw_exec_decode(const char *s, size_t n, const tw_gateway_instrument_t *inst, uint32_t ninst,
                      tw_exec_report_t *rep, uint16_t *type, uint32_t *instrument);

/* outboundAccountPosition: up to cap balances; the count, or -errno. */
int tw_gw_account_decode(const char *s, size_t n, tw_exec_balance_t *out, uint32_t cap);

/* balanceUpdate: one balance with delta. 0 or -errno. */
int tw_gw_balance_decode(const char *s, size_t n, tw_exec_balance_t *out);

/*
 * USD-M ORDER_TRADE_UPDATE into rep, as tw_gw_exec_decode (same returns).
 * x: NEW → ACK, TRADE → PARTIAL_FILL / FILL (by X), CANCELED, EXPIRED,
 * REJECTED, CALCULATED (a liquidation fill) → PARTIAL_FILL / FILL with text
 * "liquidation", AMENDMENT (price or quantity modified) → STATUS.
 */
int tw_gw_fut_order_decode(const char *s, size_t n, const tw_gateway_instrument_t *inst, uint32_t ninst,
                           tw_exec_report_t *rep, uint16_t *type, uint32_t *instrument);

/* Where tw_gw_fut_account_decode hands each record (NULL sinks: validate only). */
typedef struct tw_gw_account_sink {
    void (*balance)(void *user, tw_exec_balance_t *b);
    void (*position)(void *user, uint32_t instrument, tw_exec_position_t *p);
    void *user;
} tw_gw_account_sink_t;

/*
 * USD-M ACCOUNT_UPDATE: each balance of a.B (free = wb, locked = wb - cw,
 * delta = bc, at -8), then each position of a.P whose symbol is in the table
 * and whose side is BOTH (one-way mode, what the gateway trades): amount pa at
 * the quantity exponent (exact), entry price ep at the price exponent and
 * unrealized up at -8 (both averages, rounded half away from zero). The whole
 * message is checked before anything is handed over, so a bad entry
 * journals nothing. The number of records handed over, or -EBADMSG / -ERANGE
 * / -ENODATA.
 */
int tw_gw_fut_account_decode(const char *s, size_t n, const tw_gateway_instrument_t *inst, uint32_t ninst,
                             const tw_gw_account_sink_t *sink);

/* The venue's order status word ("PARTIALLY_FILLED") as a tw_order_state_t; TW_OS_NONE when unknown. */
uint8_t tw_gw_order_state(const char *s, size_t n);

/* ---------------------------------------------------------- thread -- */

enum { GW_BALANCES_MAX = 64 };

/* A request slot: what was sent, and what to do when its answer comes. */
enum { SLOT_FREE = 0, SLOT_WAIT = 1, SLOT_NEED_STATUS = 2 };

struct gw_slot {
    uint32_t state;            /* SLOT_* */
    uint32_t kind;             /* tw_gw_kind_t of what was sent (STATUS for a follow-up query) */
    uint32_t origin;           /* tw_gw_kind_t of the request that made the slot */
    uint32_t attempts;         /* status queries sent */
    uint64_t gen;              /* the id's high part; ids are (gen << 16) | slot index */
    uint64_t producer;
    int64_t sent_ns;           /* CLOCK_MONOTONIC */
    int64_t deadline_ns;
    tw_command_t cmd;
};

/* The SPSC queue: each index on its own cache line with the owner's cached copy of the other. */
struct gw_queue {
    uint64_t tail;             /* producer stores (release), consumer loads (acquire) */
    uint64_t head_cache;       /* producer's copy of head */
    uint8_t pad0[48];
    uint64_t head;             /* consumer stores (release), producer loads (acquire) */
    uint64_t tail_cache;       /* consumer's copy of tail */
    uint8_t pad1[48];
    uint32_t sleeping;         /* consumer: 1 while it may block; producer writes the eventfd then */
    uint32_t reserved;
    uint8_t pad2[56];
    tw_gw_request_t *slots;
    uint64_t mask;
};

/* USD-M: the user-data stream's connection and the listenKey it is opened with. */
enum { GW_USER_PATH_MAX = 256 };

struct gw_user {
    tw_conn_t *conn;           /* made on the first key, made again on each key change; NULL in a test gateway */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    uint32_t open, closing, scheduled, healthy, attempts;
    uint32_t rebuild;          /* the key changed: make the connection anew once closed */
    uint32_t expired;          /* listenKeyExpired: stay closed until a key is set */
    uint32_t active;           /* opened and its on_close not yet run */
    int64_t next_attempt_ns, opened_ns;
    uint64_t key_seen;         /* key_seq last taken */
    char key[TW_GW_LISTEN_KEY_MAX]; /* the thread's copy: the key in use ("" none) */
    char path[GW_USER_PATH_MAX];
    /* Written by tw_gateway_set_listen_key (any thread), read by ours: a seqlock. */
    uint64_t key_seq;          /* odd while written; CAS from even by the writer */
    uint64_t key_words[TW_GW_LISTEN_KEY_MAX / 8];
};

struct tw_gateway {
    tw_gateway_config_t cfg;
    tw_gw_encoder_t enc;
    struct gw_queue q;
    tw_exec_writer_t exec;
    uint64_t *ctr;
    tw_histogram_t *h_encode, *h_ack;
    struct gw_slot *slots;
    uint32_t *free_list;       /* indices of free slots (a stack) */
    uint32_t nslots, nfree;
    uint32_t inflight;         /* slots not free */
    uint32_t need_status;      /* slots waiting to send a status query */
    uint64_t gen;
    uint64_t sub_id;           /* id of the subscribe request in flight, 0 when none */
    int64_t sub_deadline_ns;
    int64_t time_offset_ms;    /* atomic: set by any thread, read relaxed by ours */
    uint32_t open, subscribed, halted, closing;
    uint32_t attempts, scheduled, healthy;
    int64_t next_attempt_ns, opened_ns;
    uint64_t rng;
    int event_fd;
    char *host, *path, *user_host, *user_path;
    struct gw_user user;
    tw_gateway_instrument_t *inst;
    tw_loop_t *loop;
    tw_tls_t *tls;
    tw_conn_t *conn;           /* NULL in a test gateway */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    tw_exec_balance_t balances[GW_BALANCES_MAX];
    int64_t event_recv_ns;     /* the event being decoded (its records' recv_ns) */
    char out[GW_REQ_MAX];      /* the request being sent */
    char *capture;             /* test gateway: what would have been sent, NUL-separated */
    size_t capture_len, capture_cap;
    tw_gateway_status_t local; /* the thread's copy */
    uint64_t status_seq;       /* seqlock over status: written by the thread, read by tw_gateway_get_status */
    tw_gateway_status_t status;
    tw_worker_t worker;
};

/* gateway_run.c: requests, answers and events (thread only; the tests call them directly). */
void tw_gw_handle_request(tw_gateway_t *gw, const tw_gw_request_t *req, int64_t taken_ns);
void tw_gw_on_message(tw_gateway_t *gw, const char *s, size_t n, int64_t recv_ns);
/* A slot back to the free list; a slot's outcome UNKNOWN (journaled, then NEED_STATUS or freed). */
void tw_gw_slot_free(tw_gateway_t *gw, struct gw_slot *s);
void tw_gw_make_unknown(tw_gateway_t *gw, struct gw_slot *s, const char *why);
/* Every request awaiting an answer becomes UNKNOWN (why in the record's text). */
void tw_gw_lose_inflight(tw_gateway_t *gw, const char *why);
/* Requests past their deadline become UNKNOWN. */
void tw_gw_expire(tw_gateway_t *gw, int64_t now_ns);
/* Sends the status queries of UNKNOWN requests (connected and subscribed only). */
void tw_gw_flush_status(tw_gateway_t *gw, int64_t now_ns);
/* Sends a request's bytes (or captures them in a test gateway): 0 or tw_conn_send_text's -errno. */
int tw_gw_send(tw_gateway_t *gw, const char *buf, size_t n);
/* Current request timestamp: local real time + the offset (ms). */
int64_t tw_gw_timestamp_ms(const tw_gateway_t *gw);
/* Appends one report (publish_ns set here). */
void tw_gw_journal(tw_gateway_t *gw, uint16_t type, uint32_t instrument, tw_exec_report_t *rep);

/* gateway_conn.c: the connection's life (thread only). */
void tw_gw_on_open(tw_gateway_t *gw);
void tw_gw_on_close(tw_gateway_t *gw, int err);
/* The subscribe request's answer (m: its envelope). */
void tw_gw_on_subscribed(tw_gateway_t *gw, const tw_gw_msg_t *m);
/* Connection timers: reconnect, subscribe timeout, heartbeat, lifetime; then tw_gw_expire. */
void tw_gw_timers(tw_gateway_t *gw, int64_t now_ns);
/* An authentication failure: one HALT record, new orders refused from now on. */
void tw_gw_halt(tw_gateway_t *gw, int32_t code, const char *msg, size_t len);
void tw_gw_publish_status(tw_gateway_t *gw);
void *tw_gw_thread(void *arg);

/* gateway_user.c: the USD-M user-data stream (thread only). */
int tw_gw_user_setup(tw_gateway_t *gw);  /* create: resolves user_host (blocking, setup time) */
void tw_gw_user_timers(tw_gateway_t *gw, int64_t now_ns); /* key changes, reconnects, heartbeat, lifetime */
void tw_gw_user_on_open(tw_gateway_t *gw);
void tw_gw_user_on_close(tw_gateway_t *gw, int err);
void tw_gw_user_expired(tw_gateway_t *gw); /* listenKeyExpired: closed until a new key */
void tw_gw_user_stop(tw_gateway_t *gw);  /* starts closing (the thread's stop) */
int tw_gw_user_closed(const tw_gateway_t *gw);
/* gateway_answer.c: one message of the user-data stream (a bare event object). */
void tw_gw_on_user_message(tw_gateway_t *gw, const char *s, size_t n, int64_t recv_ns);

/* gateway.c: the consumer side of the queue (thread only): 1 with *req filled, 0 when empty. */
int tw_gw_queue_pop(tw_gateway_t *gw, tw_gw_request_t *req);

/* Test entries: a gateway with no network, and what it would have sent. */
int tw_gateway_test_create(const tw_gateway_config_t *cfg, void *exec_segment, void *stats_segment,
                           tw_gateway_t **out);
/* Drains the queue as the thread would (each request handled at once). Returns how many. */
int tw_gateway_test_drain(tw_gateway_t *gw);
/* The i-th request sent since the last reset (NUL-terminated), or NULL; and a reset. */
const char *tw_gateway_test_sent(const tw_gateway_t *gw, uint32_t i);
void tw_gateway_test_reset_sent(tw_gateway_t *gw);

#endif /* TICKWIRE_GATEWAY_INTERNAL_H */

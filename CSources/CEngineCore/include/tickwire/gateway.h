/* SPDX-License-Identifier: MIT */
/*
 * The order gateway thread: one WebSocket connection to a Binance-style
 * spot WebSocket API (/ws-api/v3) on its own io_uring loop (tickwire/net.h),
 * optionally TLS. It signs every request with HMAC-SHA256, sends
 * order.place, order.cancel, openOrders.cancelAll and order.status,
 * subscribes the user-data stream on the same connection
 * (userDataStream.subscribe.signature), and turns answers and user-data
 * events into fixed-point records of the exec journal (abi.h, "Exec
 * journal"), whose only writer it is.
 *
 * Requests come from exactly one caller thread (the Swift execution/risk
 * stage) through a private single-producer queue (tw_gateway_submit); the
 * thread wakes for them through an eventfd read armed in its ring (BLOCK)
 * or by busy polling (SPIN).
 *
 * What the journal gets (tw_exec_report_t unless noted; LOCAL = made here):
 *   PLACE      SENT (LOCAL, SUBMITTED) when the signed bytes are handed to
 *              the socket; the answer: ACK (venue_order_id, order_state,
 *              cum_quantity) or REJECTED (venue code, msg in text).
 *              Refused before sending: REJECTED LOCAL with TW_REJ_HALTED
 *              (trading halted), TW_REJ_JOURNAL_FULL (tw_exec_admit said
 *              no), TW_REJ_GATEWAY (not connected and subscribed, or no
 *              request slot free), TW_REJ_MALFORMED (bad fields).
 *   CANCEL     SENT (CANCEL_PENDING); CANCELED or CANCEL_REJECT (code, text).
 *   CANCEL_ALL SENT; one CANCELED per order in the answer, or CANCEL_REJECT.
 *   STATUS     STATUS (order_state, cum_quantity, ...). A venue "order does
 *              not exist" (-2013) is STATUS with order_state REJECTED and
 *              the code: the order never reached the book.
 *   JOURNAL    the embedded report appended as is (type exec_type).
 *   user data  executionReport: ACK (x=NEW), PARTIAL_FILL / FILL (x=TRADE),
 *              CANCELED, REJECTED, EXPIRED (also TRADE_PREVENTION), all with
 *              TW_EXEC_FLAG_STREAM (and MAKER for maker fills); for cancels
 *              client_order_id is the original order's (Binance's `C`).
 *              outboundAccountPosition: one tw_exec_balance_t per asset
 *              (free, locked at exponent -8); balanceUpdate: one with delta
 *              (free and locked 0). Balances carry TW_GW_NO_INSTRUMENT as
 *              the slot's instrument.
 *   unknown    a request without an answer within request_timeout_ms, or
 *              in flight when the connection dropped, or answered with a
 *              server error (5xx, -1007): STATUS LOCAL with order_state
 *              TW_OS_UNKNOWN, then, once connected and subscribed again,
 *              an order.status query (never a resubmission) whose answer is
 *              a STATUS record. CANCEL_ALL is not followed up (the engine
 *              reconciles open orders).
 *   HALT       an authentication failure (-2014, -2015, -1022, -1002) on any
 *              answer: one HALT record (LOCAL, reason in text); from then on
 *              PLACE requests are refused (TW_REJ_HALTED) and the status says
 *              halted. Cancels and status queries are still sent.
 * USD-M futures (venue TW_GW_VENUE_USDM): requests go to the WebSocket API
 * at /ws-fapi/v1 (order.place with positionSide BOTH, reduceOnly when the
 * command carries TW_CMD_FLAG_REDUCE_ONLY, LIMIT_MAKER sent as LIMIT + GTX;
 * order.cancel; order.status). That API has no cancel-all: CANCEL_ALL is
 * answered CANCEL_REJECT LOCAL (TW_REJ_MALFORMED) at once, so the engine
 * cancels order by order. User data is not a subscription but a second
 * connection, to user_host:user_port at user_path + the listenKey that
 * Swift obtains and keeps alive over REST and hands over with
 * tw_gateway_set_listen_key; "subscribed" then means that connection is
 * open. Orders (and the status queries of UNKNOWN requests) wait for both
 * connections, as on spot. Events on it:
 *              ORDER_TRADE_UPDATE: the same reports as executionReport
 *              (x NEW → ACK, TRADE → PARTIAL_FILL / FILL, CANCELED,
 *              EXPIRED, CALCULATED (liquidation) → FILL / PARTIAL_FILL with
 *              text "liquidation", AMENDMENT → STATUS), STREAM flag.
 *              ACCOUNT_UPDATE: one tw_exec_balance_t per asset (free =
 *              wallet balance wb, locked = wb - cross wallet cw (the part
 *              held by isolated positions), delta = balance change bc), then
 *              one tw_exec_position_t per position of a known symbol (slot
 *              instrument = its index; amount at its quantity exponent,
 *              entry price at its price exponent, unrealized at -8).
 *              listenKeyExpired: status listen_key_expired = 1 (Swift makes
 *              a new key); the connection is closed and not reopened until
 *              a new key is set.
 * Counters: TW_CTR_GW_SENT (requests handed to the socket), _ANSWERS,
 * _EVENTS (user-data events journaled), _MALFORMED (messages that did not
 * decode); histograms TW_HIST_ORDER_ENCODE (request dequeued → bytes handed
 * to the socket) and TW_HIST_ORDER_ACK (sent → answer received).
 *
 * The API secret is kept only as precomputed HMAC-SHA256 states; the
 * caller's strings are copied at create and the copies of the secret are
 * zeroed. Nothing of it is printed or written to shared memory.
 *
 * Return convention: 0 or a count on success, -errno on failure.
 */
#ifndef TICKWIRE_GATEWAY_H
#define TICKWIRE_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#include "tickwire/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tw_gateway tw_gateway_t;

enum {
    TW_GW_NO_INSTRUMENT = 0xFFFF, /* slot instrument of records that belong to no instrument (balances, HALT,
                                     answers to a request naming an instrument outside the table) */
    TW_GW_TEXT_MAX = 96,
};

/* Which venue protocol the gateway speaks (tw_gateway_config_t.venue). */
typedef enum tw_gw_venue {
    TW_GW_VENUE_SPOT = 0,      /* Binance spot WebSocket API /ws-api/v3, user data subscribed on it */
    TW_GW_VENUE_USDM = 1,      /* Binance USD-M futures WebSocket API /ws-fapi/v1, user data on a listenKey stream */
} tw_gw_venue_t;

enum { TW_GW_LISTEN_KEY_MAX = 128 }; /* longest listenKey taken (Binance's are 64 characters) */

typedef enum tw_gw_wait {
    TW_GW_WAIT_BLOCK = 0,      /* sleep in io_uring, woken by completions, requests (eventfd) or timers */
    TW_GW_WAIT_SPIN = 1,       /* busy-poll the ring and the queue: lowest latency, owns the core */
} tw_gw_wait_t;

/* One instrument: its index in the books segment is its index in this table. */
typedef struct tw_gateway_instrument {
    char symbol[TW_SYMBOL_MAX]; /* upper case, as the venue spells it: "BTCUSDT" */
    int8_t price_exponent;
    int8_t qty_exponent;
    uint8_t reserved[6];
} tw_gateway_instrument_t;

typedef struct tw_gateway_config {
    const char *host;          /* resolved by tw_gateway_create */
    uint16_t port;             /* [443] */
    uint16_t tls;              /* wss [1] */
    int32_t verify;            /* certificate checks [1]; 0 only for loopback */
    const char *ca_file;       /* NULL: system CAs */
    const char *path;          /* ["/ws-api/v3"; USD-M "/ws-fapi/v1"]; NULL: the venue's */
    const char *api_key;       /* sent as apiKey; copied */
    const char *api_secret;    /* HMAC key; only its HMAC states are kept */
    int32_t cpu;               /* pin here; -1: no pinning [-1] */
    uint32_t wait;             /* tw_gw_wait_t [BLOCK] */
    uint32_t recv_window_ms;   /* recvWindow [5000] */
    uint32_t request_timeout_ms; /* no answer by then: UNKNOWN, then order.status [5000] */
    uint32_t reconnect_base_ms;  /* [1000] */
    uint32_t reconnect_max_ms;   /* [60000] */
    uint32_t heartbeat_ms;     /* silence before a connection is presumed dead [60000; USD-M, whose
                                  servers ping every 3 min, 200000] */
    uint32_t lifetime_s;       /* reconnect before this age (Binance cuts at 24 h) [23 h 50 min] */
    uint32_t inflight_slots;   /* requests awaiting an answer, at most 65535 [256] */
    uint32_t queue_slots;      /* private queue, a power of two [1024] */
    uint64_t seed;             /* jitter, WebSocket masks */
    const tw_gateway_instrument_t *instruments; /* copied */
    uint32_t instrument_count;
    uint32_t venue;            /* tw_gw_venue_t [SPOT] */
    /* USD-M only: the user-data stream (Binance: fstream.binance.com:443, "/ws/"). */
    const char *user_host;     /* NULL: host */
    uint16_t user_port;        /* 0: port */
    uint16_t user_tls;         /* wss [1] */
    uint32_t reserved;
    const char *user_path;     /* the listenKey is appended ["/ws/"]; the sim: "/fstream/ws/" */
} tw_gateway_config_t;

/* The defaults in brackets above; host, api_key, api_secret and instruments stay unset. */
tw_gateway_config_t tw_gateway_config_defaults(void);
/* The same for a venue (tw_gw_venue_t): its path and heartbeat. Unknown venues get the spot defaults. */
tw_gateway_config_t tw_gateway_config_defaults_for(uint32_t venue);

/* What a request asks for (tw_gw_request_t.kind). */
typedef enum tw_gw_kind {
    TW_GW_PLACE = 1,           /* cmd: a new order (op ignored) */
    TW_GW_CANCEL = 2,          /* cmd.instrument + cmd.client_order_id, or cmd.target_id (venue id) */
    TW_GW_CANCEL_ALL = 3,      /* cmd.instrument: openOrders.cancelAll */
    TW_GW_STATUS = 4,          /* cmd.instrument + client_order_id or target_id: order.status */
    TW_GW_JOURNAL = 5,         /* append report as is, type exec_type, instrument cmd.instrument */
} tw_gw_kind_t;

typedef struct tw_gw_request {
    uint32_t kind;             /* tw_gw_kind_t */
    uint32_t exec_type;        /* TW_GW_JOURNAL: the record's tw_exec_type_t */
    uint64_t producer;         /* the command's producer token (copied into the reports) */
    tw_command_t cmd;          /* command_id, strategy_id, instrument, side, type, tif, price, quantity,
                                  client_order_id (empty: the gateway makes "tw<producer>x<command_id>",
                                  both in lower-case hex; the reports carry it),
                                  target_id */
    tw_exec_report_t report;   /* TW_GW_JOURNAL only */
} tw_gw_request_t;

/*
 * Validates cfg (-EINVAL: no host, key, secret or instruments, a bad size or
 * interval, a cpu not allowed, an instrument symbol that is empty or not
 * upper case, an exponent outside -18..18), resolves the host
 * (-EHOSTUNREACH), builds the TLS context and the loop, and checks the
 * segments: exec_segment is the mapped writable exec journal, stats_segment
 * the stats segment (-EINVAL when their geometry is wrong). -ENOMEM.
 * Setup time only; the strings in cfg need not outlive the call.
 */
int tw_gateway_create(const tw_gateway_config_t *cfg, void *exec_segment, void *stats_segment, tw_gateway_t **out);

/* Starts the thread: 0, -EALREADY, or -errno from pthread_create. */
int tw_gateway_start(tw_gateway_t *gw);
void tw_gateway_stop(tw_gateway_t *gw);    /* asks the thread to stop; returns at once */
int tw_gateway_running(const tw_gateway_t *gw);
/* Waits for the thread: 0, the pinning error, or io_uring's -errno. */
int tw_gateway_join(tw_gateway_t *gw);
void tw_gateway_destroy(tw_gateway_t *gw); /* stops and joins first; zeroes the key material */

/*
 * Hands one request to the thread (copied). Exactly one producer thread.
 * 0, -ENOBUFS when the queue is full (nothing queued), -EINVAL for an
 * unknown kind. Never blocks; a system call (eventfd write) only when the
 * thread sleeps in BLOCK mode.
 */
int tw_gateway_submit(tw_gateway_t *gw, const tw_gw_request_t *req);

/* Server time minus local time (ms), added to every request's timestamp. Any thread. */
void tw_gateway_set_time_offset(tw_gateway_t *gw, int64_t offset_ms);

/*
 * USD-M: the user-data stream's listenKey (NUL-terminated, 1..TW_GW_LISTEN_KEY_MAX-1
 * of [A-Za-z0-9]); NULL or "" closes the stream. Any thread, never blocks:
 * the gateway thread notices within a millisecond or so and, when the key
 * differs from the one in use, closes the stream and opens it on the new
 * key (its connection is made anew then: an allocation per key change, not
 * per message). Setting a key clears listen_key_expired. 0, -EINVAL (bad
 * key, or a spot gateway), -EBUSY (another thread was setting one: retry).
 */
int tw_gateway_set_listen_key(tw_gateway_t *gw, const char *key);

typedef struct tw_gateway_status {
    uint32_t connected;        /* the WebSocket is open */
    uint32_t subscribed;       /* the user-data stream is subscribed on it */
    uint32_t halted;           /* trading halted: new orders are refused */
    uint32_t in_flight;        /* requests awaiting an answer (or a status query) */
    uint64_t reconnects;       /* drops of an open connection */
    uint64_t connects;
    uint64_t unknown;          /* requests whose outcome became UNKNOWN */
    uint64_t stale_answers;    /* answers to no request in flight (late, after a timeout) */
    uint64_t unknown_events;   /* user-data events of kinds not journaled, or for no known symbol */
    int32_t last_error;        /* -errno of the last close, 0 when clean */
    uint32_t reserved;
    char halt_reason[TW_GW_TEXT_MAX];
    char last_error_text[TW_GW_TEXT_MAX]; /* the last venue error or TLS failure */
    /* USD-M: the user-data stream (its being open is also `subscribed`). */
    uint32_t listen_key_expired; /* the venue said listenKeyExpired: make a new key and set it */
    uint32_t has_listen_key;     /* a key is set */
    uint64_t user_connects;      /* opens of the user-data stream */
    uint64_t user_reconnects;    /* drops of an open user-data stream */
} tw_gateway_status_t;

/* A consistent copy of the status, readable from any thread. 0, or -EAGAIN when it kept changing (retry). */
int tw_gateway_get_status(const tw_gateway_t *gw, tw_gateway_status_t *out);

/*
 * The thread's encoder, for benchmarks and tests: the signed order.place
 * request for cmd (instrument, side, type, tif, price, quantity,
 * client_order_id) with the given request id and timestamp (ms), exactly the
 * bytes the thread sends. Returns the length, -EINVAL (a field the venue
 * cannot take), -ENOBUFS (cap too small). Do not call on a running gateway's
 * behalf from another thread: it uses the gateway's scratch buffer.
 */
int tw_gateway_encode_place(tw_gateway_t *gw, const tw_command_t *cmd, uint64_t request_id, int64_t timestamp_ms,
                            char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_GATEWAY_H */

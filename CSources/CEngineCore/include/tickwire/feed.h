/* SPDX-License-Identifier: MIT */
/*
 * A Binance market-data feed thread: WebSocket connections on one io_uring
 * (tickwire/net.h) → decoders (tickwire/binance.h) → the venue's book sync
 * (tickwire/feedbook.h) → seqlocked books, md ring events, per-instrument
 * state and counters in shared memory.
 *
 * Symbols are spread over connections (symbols_per_conn each), subscribed
 * in the URL (/stream?streams=a/b/…), so no client message is needed.
 * A dropped connection is reopened after an exponential backoff with jitter
 * (base, max, attempts); a connection that says nothing (no data, no ping)
 * for heartbeat_ms is closed and reopened, and so is one older than
 * lifetime_s (Binance cuts at 24 h) or one whose peer sent serverShutdown.
 * Every reconnect resets its symbols' books (stale in shm) and resyncs.
 *
 * REST snapshots are fetched off the feed thread (Swift): the thread asks
 * through a per-symbol mailbox (tw_feed_snapshot_wanted), the fetcher posts
 * the response body (tw_feed_snapshot_post) into the symbol's preallocated
 * buffer, and the thread loads it with the buffered diffs. A gap or a
 * buffer overflow asks again. Readers see TW_FEED_SYNCING and the stale flag
 * until the book is live again.
 *
 * What readers see per instrument (tw_instrument_info_t.feed_state, each
 * change also a TW_MD_STATUS event whose reason is a tw_status_reason_t):
 *   CONNECTING  the thread started, or a connection attempt is under way
 *   SYNCING     the connection is open; diffs are buffered until a snapshot
 *               loads (again after a gap or a buffer overflow)
 *   LIVE        the book block is the venue's book (top `depth` levels)
 *   STALE       the connection dropped (a reconnect is scheduled), or the
 *               thread stopped
 * Whenever a live book is lost (gap, overflow, drop, stop) its block is
 * rewritten once with TW_BOOK_FLAG_STALE and no levels (update_id kept), so
 * a reader that ignores the state cannot trade on a dead book.
 *
 * Per-instrument stats (tw_instrument_stats_t): messages and bytes routed to
 * the instrument, gaps (broken update-id chains, including inside a
 * snapshot's replay), resyncs (times a new snapshot had to be asked for
 * after the first: gap, overflow, a snapshot older than the buffer or one
 * that did not decode), reconnects (drops of an open connection),
 * malformed (frames for it that did not decode, or of a stream kind we do
 * not handle), bookticker_checks/mismatches (tw_sync_t's oracle), book
 * updates and trades published, last_update_id/last_update_ns of the block.
 * Messages that reach no instrument go to TW_CTR_FEED_UNROUTED.
 *
 * Return convention: 0 or a count on success, -errno on failure.
 */
#ifndef TICKWIRE_FEED_H
#define TICKWIRE_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "tickwire/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tw_feed tw_feed_t;

enum {
    TW_FEED_STREAM_DEPTH = 1u << 0,      /* <s>@depth@<depth_ms>ms (or @depth for 1000 ms spot) */
    TW_FEED_STREAM_BOOKTICKER = 1u << 1, /* <s>@bookTicker */
    TW_FEED_STREAM_TRADE = 1u << 2,      /* <s>@trade */
    TW_FEED_STREAM_AGGTRADE = 1u << 3,   /* <s>@aggTrade */
};

typedef enum tw_feed_wait {
    TW_FEED_WAIT_BLOCK = 0,    /* wait in io_uring for completions (timeout-bounded): shares the core */
    TW_FEED_WAIT_SPIN = 1,     /* busy-poll the completion queue: lowest latency, owns the core */
} tw_feed_wait_t;

typedef struct tw_feed_symbol {
    char stream_name[TW_SYMBOL_MAX]; /* lower case, as in stream names: "btcusdt" */
    uint32_t instrument;       /* index in the books and stats segments (exponents come from its info) */
    uint32_t reserved;
} tw_feed_symbol_t;

typedef struct tw_feed_config {
    uint32_t rule;             /* tw_sync_rule_t: TW_SYNC_SPOT or TW_SYNC_FUTURES */
    uint32_t streams;          /* TW_FEED_STREAM_* */
    uint32_t depth_ms;         /* 100 (spot/futures) or 1000 (spot); futures also 250, 500 */
    uint32_t symbols_per_conn; /* e.g. 16; 0: all on one connection */
    const char *host;          /* resolved by tw_feed_create */
    uint16_t port;
    uint16_t tls;              /* wss */
    int32_t verify;            /* certificate checks; 0 only for loopback (loud on stderr) */
    const char *ca_file;       /* NULL: system CAs */
    const char *path;          /* combined-stream endpoint, e.g. "/stream" (spot) or "/stream" (futures) */
    int32_t cpu;               /* pin here; -1: no pinning */
    uint32_t wait;             /* tw_feed_wait_t */
    uint32_t reconnect_base_ms;    /* default 1000 */
    uint32_t reconnect_max_ms;     /* default 60000 */
    uint32_t reconnect_attempts;   /* consecutive failures before giving up; 0: unlimited.
                                      Delay before attempt n+1 after n failures: min(max, base·2^n)
                                      with equal jitter, never below base; after a connection
                                      that delivered data drops: base (a lifetime or
                                      serverShutdown reconnect: at once). */
    uint32_t heartbeat_ms;         /* silence before a connection is presumed dead; default 30000.
                                      Also the limit for connect + TLS + upgrade. */
    uint32_t lifetime_s;           /* reconnect before this age; default 23 h 50 min (closed and
                                      reopened at once, no overlap: its symbols resync) */
    uint32_t book_capacity;        /* levels a side kept in the feed thread; default 5000 */
    uint32_t buffer_events;        /* diffs held while the snapshot is fetched; default 1024 */
    uint32_t buffer_levels;        /* levels held in those diffs; default 65536 */
    uint32_t max_frame;            /* default 1 MiB */
    uint32_t max_message;          /* default 4 MiB */
    uint32_t snapshot_capacity;    /* largest snapshot body accepted, bytes; default 4 MiB */
    uint64_t seed;                 /* jitter, WebSocket masks, handshake nonces */
    uint32_t stale_intervals;      /* a live book with no valid update for this many depth intervals (an
                                      interval of 0 ms counts as 100) goes stale, and a syncing symbol
                                      with no diff for as long says so; default 50; 0: never */
    uint32_t reserved;
} tw_feed_config_t;

/*
 * Zeroes cfg and sets the defaults above: rule spot, depth + bookTicker + trade, 100 ms,
 * 16 symbols a connection, port 443 with tls and verify on, path "/stream", cpu -1, block
 * wait, a fixed seed. host stays NULL: the caller must set it.
 */
void tw_feed_config_defaults(tw_feed_config_t *cfg);

/*
 * Prepares a feed over committed md, books and stats segments (mapped
 * read-write by the caller until tw_feed_destroy): resolves the host, builds
 * the TLS context, allocates books, buffers and connections. Setup time only.
 * The strings in cfg are copied; they need not outlive the call.
 * -EINVAL (bad config, unknown instrument), -EPERM (verify off for a host
 * that is not loopback), -EHOSTUNREACH (resolution failed), -ENOMEM, or a TLS setup error.
 *
 * -EINVAL covers: a rule, stream mask, wait or depth_ms the venue does not
 * have (spot 100/1000, futures 0/100/250/500); a zero size or interval;
 * reconnect_max_ms < base; max_message < max_frame; more than 1024 streams
 * on one connection; a cpu that is not in the allowed set; a stream_name
 * that is empty or not [a-z0-9_.-]; an instrument index outside either
 * segment, used twice, or whose info symbol is set and differs (ignoring
 * case) from stream_name; a stream_name used twice.
 * Each instrument's price and quantity exponents come from its info.
 */
int tw_feed_create(const tw_feed_config_t *cfg, const tw_feed_symbol_t *symbols, uint32_t count, void *md_segment,
                   void *books_segment, void *stats_segment, tw_feed_t **out);

/* Starts the thread: 0, -EALREADY, or -errno from pthread_create. */
int tw_feed_start(tw_feed_t *f);
void tw_feed_stop(tw_feed_t *f);           /* asks the thread to stop; returns at once */
int tw_feed_running(const tw_feed_t *f);
/*
 * Waits for the thread; its result: 0 after tw_feed_stop, the pinning error,
 * -ECONNABORTED when a connection failed reconnect_attempts times in a row
 * (the thread then stops every connection: the supervisor decides), or
 * io_uring's -errno when the loop itself failed.
 */
int tw_feed_join(tw_feed_t *f);
void tw_feed_destroy(tw_feed_t *f);        /* stops and joins a running thread first */

/* --------------------------------------------------- snapshot mailbox -- */

/*
 * 1 when the symbol (index into the create() array) wants a REST snapshot,
 * with the ticket to post it under; 0 when not; -EINVAL for a bad index.
 * Any thread. The snapshot must be fetched after this returned 1 (an older
 * one is refused by the sync rule and asked for again).
 */
int tw_feed_snapshot_wanted(tw_feed_t *f, uint32_t symbol, uint64_t *ticket);

/*
 * Hands a REST depth response body to the feed thread: it is decoded here,
 * in the caller's thread, into the symbol's mailbox, so the feed thread (and
 * every other symbol on it) only waits for the load of the levels and the
 * replay of the buffered diffs. -ESTALE when the ticket is no longer wanted (the
 * connection dropped meanwhile, or another post took it), -EMSGSIZE above
 * snapshot_capacity (the ticket stays wanted), -EINVAL bad index or ticket.
 * 0 means accepted, not applied: the thread loads it within a loop
 * iteration (BLOCK: a few ms) and asks again, with a new ticket, when it
 * does not decode or does not fit the buffered diffs. Any thread; one post
 * per ticket.
 */
int tw_feed_snapshot_post(tw_feed_t *f, uint32_t symbol, uint64_t ticket, const char *body, size_t len);

/*
 * Tells the feed thread that fetching the symbol's snapshot failed, so a
 * symbol stuck in syncing says why (stats health TW_REASON_SNAPSHOT_FAILED):
 * detail is the HTTP status, 0 when no answer came, 1 when the body was too
 * large. The ticket stays wanted; fetch again. Any thread. 0 or -EINVAL.
 */
int tw_feed_snapshot_failed(tw_feed_t *f, uint32_t symbol, uint32_t detail);

/*
 * An eventfd (non-blocking) that becomes readable when a snapshot is wanted
 * (the fetcher may block on it, or poll tw_feed_snapshot_wanted). It counts
 * requests: read it to reset it, then look at every symbol.
 */
int tw_feed_request_fd(const tw_feed_t *f);

/* ------------------------------------------------------ introspection -- */

typedef struct tw_feed_conn_info {
    uint32_t state;            /* tw_conn_state_t */
    uint32_t symbols;          /* symbols carried */
    uint32_t attempts;         /* consecutive failed attempts */
    uint32_t last_close_code;
    int32_t last_error;        /* -errno of the last close, 0 when clean */
    uint32_t reserved;
    uint64_t connects;         /* successful opens */
    uint64_t reconnects;
    int64_t next_attempt_ns;   /* CLOCK_MONOTONIC of the next attempt, 0 when none is scheduled */
    char tls_error[96];
} tw_feed_conn_info_t;

/* Connections: ceil(count / symbols_per_conn), symbols in create() order. */
uint32_t tw_feed_conn_count(const tw_feed_t *f);
/*
 * A consistent copy of a connection's state, readable from any thread
 * (TLS/UPGRADING show within ~10 ms). 0, -EINVAL bad index, -EAGAIN when
 * the thread kept rewriting it (retry).
 */
int tw_feed_conn_info(const tw_feed_t *f, uint32_t conn, tw_feed_conn_info_t *out);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_FEED_H */

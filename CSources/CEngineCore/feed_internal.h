/* SPDX-License-Identifier: MIT */
/*
 * The feed thread's insides, shared by feed.c and the C tests (not a public
 * header: nothing under include/ sees it, and Swift never does).
 *
 * The test entries (tickwire/feed_test.h) drive the per-message, mailbox and
 * connection paths of a feed without its thread or sockets.
 */
#ifndef TICKWIRE_FEED_INTERNAL_H
#define TICKWIRE_FEED_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "tickwire/feed.h"
#include "tickwire/feed_test.h"
#include "tickwire/feedbook.h"
#include "tickwire/net.h"
#include "tickwire/writer.h"
#include "worker.h"

/* Mailbox word: (ticket << 2) | state. */
enum { MB_IDLE = 0, MB_WANTED = 1, MB_FILLING = 2, MB_POSTED = 3, MB_STATE_MASK = 3 };

struct feed_mailbox {
    uint64_t word;             /* atomic: thread stores WANTED/IDLE, fetcher CASes WANTED→FILLING, stores POSTED */
    /* written by the fetcher (it decodes the body in its own thread) before the POSTED release store */
    tw_bn_snapshot_t snap;     /* header, counts, and its levels in bids/asks */
    int32_t decoded;           /* tw_bn_snapshot_decode's result */
    uint32_t reserved0;
    tw_level_t *bids, *asks;   /* scratch_cap levels each */
    uint32_t failed;           /* atomic: 0, or MB_FAILED | the detail of the fetcher's last failure */
    uint32_t reserved;
};

enum { MB_FAILED = 1u << 31 };

struct feed_sym {
    tw_sync_t sync;
    tw_bn_scale_t scale;
    uint32_t instrument;
    uint32_t conn;
    uint32_t state;            /* tw_feed_state_t last published */
    uint32_t name_len;
    uint32_t want;             /* a snapshot is needed (a ticket is out, or will be once the buffer is free) */
    uint32_t in_pending;       /* listed in tw_feed.pending */
    uint32_t book_live;        /* the block holds a live book (not stale) */
    uint32_t reserved;
    uint64_t ticket;           /* the ticket the thread waits for, 0 when none */
    uint64_t tickets;          /* last ticket handed out */
    int64_t last_valid_ns;     /* CLOCK_REALTIME of the last book published (a valid update) */
    int64_t syncing_ns;        /* CLOCK_REALTIME the connection opened (syncing since) */
    uint64_t diffs_seen;       /* depth diffs that decoded since the connection opened */
    uint64_t health;           /* the thread's copy of stats->health */
    uint32_t not_bridged;      /* snapshots in a row older than the buffered diffs */
    uint32_t reserved2;
    tw_book_header_t *block;
    tw_instrument_info_t *info;
    tw_instrument_stats_t *stats;
    struct feed_mailbox mb;
    char name[TW_SYMBOL_MAX];
};

/* Why a connection is being closed by us (decides the delay of the next attempt). */
enum { CLOSE_NONE = 0, CLOSE_HEARTBEAT = 1, CLOSE_LIFETIME = 2, CLOSE_SHUTDOWN = 3, CLOSE_STOP = 4, CLOSE_MALFORMED = 5 };

/* A connection whose messages are mostly malformed or unroutable is closed: judged every WINDOW messages. */
enum { MALFORMED_WINDOW = 64 };

struct feed_conn {
    struct tw_feed *feed;
    tw_conn_t *conn;           /* NULL in a test feed (no network) */
    uint32_t index;
    uint32_t first_sym, nsym;  /* symbols [first_sym, first_sym + nsym) */
    uint32_t attempts;         /* consecutive failed attempts */
    uint32_t closing;          /* CLOSE_* we asked for */
    uint32_t open;             /* on_open seen, on_close not yet */
    uint32_t healthy;          /* a message arrived since on_open */
    uint32_t scheduled;        /* next_attempt_ns is set */
    uint32_t win_msgs, win_bad;/* messages, and malformed or unroutable ones, in the current window */
    uint32_t bad_percent;      /* of the window that closed the connection (CLOSE_MALFORMED) */
    int64_t next_attempt_ns;   /* CLOCK_MONOTONIC */
    int64_t opened_ns;
    uint64_t connects, reconnects;
    char *path;
    tw_feed_conn_info_t local; /* the thread's copy */
    uint64_t info_seq;         /* seqlock over info: written by the thread, read by tw_feed_conn_info */
    tw_feed_conn_info_t info;  /* published copy of local */
};

struct tw_feed {
    tw_feed_config_t cfg;
    void *md_seg, *books_seg, *stats_seg;
    tw_ring_writer_t ring;
    uint64_t *ctr;
    tw_histogram_t *h_wire, *h_book;
    struct feed_sym *sym;
    struct feed_conn *conn;
    uint32_t nsym, nconn, depth, scratch_cap;
    tw_level_t *bids, *asks;   /* decode scratch, scratch_cap each */
    tw_level_t *top_b, *top_a; /* depth each */
    uint32_t *pending;         /* symbols with a ticket outstanding (mailbox to poll) */
    uint32_t npending;
    uint64_t book_writes;      /* books published, for sampling TW_HIST_BOOK_WRITE */
    int event_fd;
    uint64_t rng;
    char *host;
    tw_loop_t *loop;
    tw_tls_t *tls;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    tw_worker_t worker;        /* thread, stop flag, running, result */
};

enum { SNAPSHOT_LEVELS_MIN = 5000 }; /* decode scratch levels at least (a REST snapshot's largest limit) */
#define MS 1000000LL

/* feed.c, for feed_setup.c: the connection handlers and the info publisher. */
void tw_feed_on_open(void *user, tw_conn_t *c);
void tw_feed_on_message(void *user, tw_conn_t *c, const uint8_t *data, size_t len, int opcode, int64_t recv_ns);
void tw_feed_on_close(void *user, tw_conn_t *c, int err, uint16_t code);
void tw_feed_publish_info(struct feed_conn *fc);

/* Delay (ns) before attempt number `attempts` + 1: min(max, base·2^attempts) with equal jitter, never
 * below base. rng is an xorshift64 state. */
int64_t tw_feed_backoff_ns(uint32_t base_ms, uint32_t max_ms, uint32_t attempts, uint64_t *rng);

#endif /* TICKWIRE_FEED_INTERNAL_H */

/* SPDX-License-Identifier: MIT */
/*
 * The loopback scenario of `bench latency` (DESIGN §7, first row): WebSocket
 * bytes written by a peer on 127.0.0.1 → a real tw_feed thread (io_uring,
 * optional TLS, unframe, decode, book sync, seqlocked book, md ring) → the
 * event visible to a reader polling the md ring, beside its floor, a
 * loopback TCP one-way hop between the same two cores in the same run.
 *
 * The "blaster" runs on cpu_a: it accepts the feed's connection, answers the
 * upgrade (over TLS when asked, with a throwaway certificate the feed
 * verifies through a CA file), then plays ping-pong: stamp, write() one
 * prebuilt frame, busy-poll the md ring until the event carrying that frame's
 * update id shows, stamp. The feed thread busy-polls its ring on cpu_b.
 * Frames are Binance combined-stream `btcusdt@depth@100ms` diffs (10–30
 * levels, an unbroken U/u chain) and `btcusdt@bookTicker`s, all built in
 * memory before anything is timed; the REST snapshot goes straight into the
 * feed's mailbox.
 *
 * Clock: CLOCK_REALTIME (tw_real_ns) throughout, the clock of the md events'
 * recv_ns/publish_ns stamps, so each sample also splits into send → receive
 * completion → publish → visible.
 *
 * Return convention: 0 on success, -errno on failure with the error text set.
 */
#ifndef TW_CBENCH_LOOPBACK_H
#define TW_CBENCH_LOOPBACK_H

#include <stdint.h>

#include "tickwire/cbench.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tw_bench_loopback {
    int32_t cpu_a;              /* blaster and measurer */
    int32_t cpu_b;              /* the feed thread (wait = SPIN) */
    uint32_t tls;               /* 1: wss with a throwaway certificate, verified by the feed */
    uint32_t bookticker_every;  /* one frame in n is a bookTicker (0: depth diffs only) */
    uint64_t warmup;            /* untimed rounds first */
    uint64_t iterations;        /* timed rounds: the arrays below have room for this many */
    uint64_t burst;             /* frames written back to back after the rounds (msgs/s); 0: none */
    int64_t max_ns;             /* the timed rounds stop early after this long (0: no limit) */
    const char *instance;       /* segment instance name */
    uint64_t *out;              /* t_visible - t_send per round, ns */
    uint64_t *send_recv;        /* per round: t_send -> the event's recv_ns (NULL: not kept) */
    uint64_t *recv_publish;     /* per round: recv_ns -> publish_ns (NULL: not kept) */
    uint64_t *publish_visible;  /* per round: publish_ns -> t_visible (NULL: not kept) */
    uint8_t *kind;              /* per round: TW_MD_BOOK or TW_MD_BBO (NULL: not kept) */
    /* filled in */
    uint64_t samples;           /* rounds timed (< iterations when max_ns cut the run short) */
    uint64_t clamped;           /* split stamps that went backwards (clamped to 0) */
    uint64_t top_mismatches;    /* events (timed and burst) whose top of book is not the generator's */
    uint64_t wire_bytes;        /* WebSocket bytes of the timed frames (before TLS) */
    uint64_t depth_frames, ticker_frames; /* of the timed frames */
    uint32_t min_levels, max_levels;      /* levels per depth diff */
    uint32_t snapshot_levels;   /* levels in the posted snapshot */
    int64_t rounds_ns;          /* wall time of the timed rounds */
    uint64_t burst_frames;      /* frames of the burst actually sent */
    int64_t burst_ns;           /* first write -> last event visible */
    uint64_t burst_bytes;       /* socket bytes of the burst (TLS records included) */
    int64_t csw_meas_voluntary, csw_meas_involuntary; /* blaster thread, over the timed rounds */
    int64_t csw_feed_voluntary, csw_feed_involuntary; /* feed thread, same span; -1: not readable */
    /* TW_HIST_FEED_WIRE (recv completion -> publish) over the timed rounds, from the stats segment */
    uint64_t wire_count, wire_p50, wire_p90, wire_p99, wire_p999, wire_max;
    /* the feed's own per-instrument counters at the end */
    uint64_t messages, gaps, resyncs, malformed, bbo_checks, bbo_mismatches, unrouted;
    char tls_desc[64];          /* "TLSv1.3 TLS_AES_256_GCM_SHA384", "" for plain TCP */
    char error[TW_BENCH_ERROR_MAX];
} tw_bench_loopback_t;

/* Runs the scenario (its own pinned thread, the feed on another); 0 or -errno with b->error set. */
int tw_bench_loopback(tw_bench_loopback_t *b);

/*
 * The floor: a thread on cpu_a write()s 8 bytes on a loopback TCP connection
 * (TCP_NODELAY), a thread on cpu_b busy-polls a non-blocking recv() and
 * stores its receive time (tw_real_ns) on a cache line the writer spins on;
 * one sample = t_recv - t_send. Fills r->out, r->csw_* (both threads) and
 * r->clamped; r->instance, r->bytes and r->batch are unused.
 */
int tw_bench_tcp_hop(tw_bench_run_t *r);

#ifdef __cplusplus
}
#endif

#endif /* TW_CBENCH_LOOPBACK_H */

/* SPDX-License-Identifier: MIT */
/*
 * Hot loops of `bench latency`. Every scenario fills r->out with
 * r->iterations one-way latencies in ns (after r->warmup untimed rounds) and
 * runs its threads pinned: busy-spinning is deliberate, the run is bounded.
 *
 * Cross-core scenarios are ack-gated: the writer stamps tw_mono_ns() into the
 * data, publishes, and waits until the reader has seen it and acknowledged on
 * a separate cache line, so no latency ever includes queueing.
 *
 * Return convention: 0 on success, -errno on failure with r->error set.
 * Nothing here allocates or makes a system call inside a timed loop.
 */
#ifndef TW_CBENCH_H
#define TW_CBENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TW_BENCH_DEPTH = 20,        /* book depth of the seqlock scenarios */
    TW_BENCH_MD_SLOTS = 65536,  /* md ring slots, as the engine's default */
    TW_BENCH_ERROR_MAX = 256,
    TW_BENCH_SNAPSHOT_LEVELS = 5000, /* the largest REST depth snapshot Binance serves, a side */
};

/* One scenario run: inputs, then what the call fills in. */
typedef struct tw_bench_run {
    int32_t cpu_a;              /* writer / initiator / the memcpy thread */
    int32_t cpu_b;              /* reader / responder */
    uint64_t warmup;            /* untimed rounds first */
    uint64_t iterations;        /* timed rounds: r->out has room for this many */
    uint64_t *out;              /* one-way ns per round (memcpy: ns per copy) */
    const char *instance;       /* segment instance name (seqlock/ring scenarios) */
    uint32_t bytes;             /* memcpy: bytes per copy */
    uint32_t batch;             /* memcpy: copies per timed sample */
    /* filled in */
    int64_t csw_voluntary;      /* getrusage(RUSAGE_THREAD) deltas summed over the */
    int64_t csw_involuntary;    /* scenario's threads, peer process included */
    uint64_t clamped;           /* samples where the reader's clock read fell before the stamp */
    char error[TW_BENCH_ERROR_MAX];
} tw_bench_run_t;

/* Two threads bounce a counter in one cache line; one-way = round trip / 2. */
int tw_bench_pingpong(tw_bench_run_t *r);

/* memcpy of r->bytes between cache-hot buffers on cpu_a, r->batch copies per sample. */
int tw_bench_memcpy(tw_bench_run_t *r);

/* tw_book_write (depth TW_BENCH_DEPTH) on cpu_a -> tw_book_read spinning on cpu_b. */
int tw_bench_seqlock_thread(tw_bench_run_t *r);

/* tw_ring_publish on cpu_a -> tw_ring_poll on cpu_b, md ring in a real segment. */
int tw_bench_ring_thread(tw_bench_run_t *r);

/* Which data structure a peer process reads. */
typedef enum tw_bench_peer_kind {
    TW_BENCH_PEER_SEQLOCK = 1,
    TW_BENCH_PEER_RING = 2,
} tw_bench_peer_kind_t;

/*
 * The process scenarios: creates the data segment and a small writable
 * control file (ack line, peer status, results), spawns /proc/self/exe with
 * peer_argv (NULL-terminated; it must end up calling tw_bench_peer), runs the
 * writer pinned to cpu_a, reaps the peer and removes both files, also on error.
 */
int tw_bench_process(tw_bench_run_t *r, tw_bench_peer_kind_t kind, char *const peer_argv[]);

/*
 * The peer's side: attaches the data segment read-only and the control file,
 * pins to cpu, reads and acknowledges. Returns 0, or -errno; the message goes
 * to the parent through the control file, or into err (else left empty) when
 * the control file could not be used.
 */
int tw_bench_peer(tw_bench_peer_kind_t kind, const char *instance, int32_t cpu, char *err, uint32_t errlen);

/*
 * A recorded Binance file ("<receive ns> <json>" lines, the hftbacktest
 * format) framed as the server sends it: unmasked text frames back to back,
 * with 64 zero bytes readable past the last one. With depth_only only the
 * depth diffs and the snapshot are kept and start is the first frame after
 * the snapshot. Shared by the feed scenario and its library baseline, so
 * both read the same bytes.
 */
typedef struct tw_bench_frames {
    uint8_t *wire;
    uint32_t *frame_at;         /* offset of each frame, plus the end */
    uint8_t *snapshot;          /* per frame: 1 for the REST snapshot the recorder stored inline */
    uint16_t *levels;           /* per frame: the [price, qty] levels it carries (a depth diff's size) */
    uint64_t frames, wire_len, wire_cap;
    uint64_t start;             /* the first timed frame */
    uint64_t diffs;             /* depth diffs among the timed frames */
} tw_bench_frames_t;

/* 0, or -errno with a message in error. */
int tw_bench_frames_make(const char *text, uint64_t len, int depth_only, tw_bench_frames_t *out, char *error,
                         size_t error_cap);
void tw_bench_frames_free(tw_bench_frames_t *f);

/*
 * The in-memory feed (inmem.c): every line of a recorded Binance file
 * ("<receive ns> <json>", the hftbacktest format) framed as the server
 * sends it, back to back in memory; then per frame, on one core, what a
 * connection and the feed thread do with it: WebSocket unframe + assemble,
 * then feed.c's own per-message path (tw_feed_test_message: envelope,
 * symbol lookup, decode, sync and book apply, crossed-book check,
 * tw_book_write of the top levels, tw_ring_publish of an md event, the
 * counters, histograms and clock reads) into segments that are unlinked as
 * soon as they are mapped. The recorded REST snapshot goes through the
 * symbol's mailbox as a fetched one would. Each pass starts on a fresh
 * connection (empty book); with depth_only it first applies the diffs
 * before the snapshot and the snapshot, untimed, then times the diffs.
 * A pass fails unless every timed diff was applied or was older than the
 * snapshot, with no gap, resync or malformed message, and the symbol live.
 * The floor is memcpy of the same frames' bytes, in the same run.
 */
enum { TW_BENCH_TYPICAL_MIN = 25, TW_BENCH_TYPICAL_MAX = 35 };

typedef struct tw_bench_inmem {
    const char *text;           /* the file's bytes (read only) */
    uint64_t len;
    int32_t depth_only;         /* 1: time the depth diffs after the snapshot only */
    int32_t cpu;                /* pin the measuring thread to this core; -1: do not pin */
    uint32_t reps;              /* passes timed as a whole (msgs/s), no clock read inside */
    uint32_t sample_passes;     /* passes with a clock read around each message */
    const char *instance;       /* segment instance name */
    uint64_t *out;              /* ns per message of the sample passes (NULL: none) */
    uint64_t *floor_out;        /* ns of a memcpy of each message's frame (NULL: none) */
    uint64_t out_cap;           /* room in out and floor_out */
    /* filled in */
    uint64_t messages;          /* timed messages per pass */
    uint64_t diffs;             /* depth diffs among them */
    uint64_t bytes;             /* their wire bytes per pass */
    int64_t elapsed_ns;         /* reps passes */
    int64_t floor_elapsed_ns;   /* reps memcpys of the timed bytes */
    uint64_t samples;           /* entries written to out (and floor_out) */
    uint64_t applied, stale;    /* timed diffs applied, and dropped as older than the snapshot (all passes) */
    uint64_t bbo_checks, bbo_mismatches, gaps, malformed, published; /* over all passes */
    /* the "~30-level diff" of a throughput target: the median of the samples (out) of diffs with
     * TW_BENCH_TYPICAL_MIN..MAX levels, and how many there were (0: none sampled) */
    uint64_t typical_samples;
    int64_t typical_p50_ns;
    /* depth_only: a REST snapshot of TW_BENCH_SNAPSHOT_LEVELS levels a side: the feed thread's part
     * (load, the buffered diffs replayed, the book published; what every other symbol on that thread
     * waits), min and median of a few; and the fetcher's part (decoding the body), median */
    uint32_t snapshot_levels, snapshot_runs;
    int64_t snapshot_min_ns, snapshot_p50_ns, snapshot_decode_p50_ns;
    char error[TW_BENCH_ERROR_MAX];
} tw_bench_inmem_t;

/* Runs the scenario on its own (pinned) thread; 0, or -errno with b->error set. */
int tw_bench_inmem(tw_bench_inmem_t *b);

/*
 * Order encoding (order_encode.c): a command claimed → the signed
 * order.place request ready for the socket, through the gateway's own
 * encoder (tw_gateway_encode_place on a gateway made by tw_gateway_create,
 * never started): the command copied out of its slot, the timestamp read,
 * params rendered from mantissas, HMAC-SHA256 from the precomputed states,
 * JSON written. The floor, in the same loop: OpenSSL's one-shot
 * HMAC(EVP_sha256(), …) of the same signed payload. Every request's
 * signature is checked against that HMAC (untimed); one that does not
 * verify fails the run.
 */
typedef struct tw_bench_order_encode {
    int32_t cpu;                /* pin the measuring thread here; -1: do not pin */
    uint32_t reserved;
    uint64_t warmup;            /* untimed rounds first */
    uint64_t iterations;        /* timed rounds: out and floor_out have room for this many */
    const char *instance;       /* segment instance name (exec and stats, unlinked at once) */
    uint64_t *out;              /* ns per encode */
    uint64_t *floor_out;        /* ns per one-shot HMAC of the same payload */
    /* filled in */
    uint64_t verified;          /* requests whose signature was checked */
    uint32_t request_bytes;     /* of the last request */
    uint32_t payload_bytes;     /* of its signed payload */
    char error[TW_BENCH_ERROR_MAX];
} tw_bench_order_encode_t;

/* Runs the scenario on its own (pinned) thread; 0, or -errno with b->error set. */
int tw_bench_order_encode(tw_bench_order_encode_t *b);

/* Median cost of one tw_mono_ns() read (back-to-back pairs), ns. */
int64_t tw_bench_clock_cost(void);

/* SIGINT/SIGTERM/SIGHUP: remove the bench's files and kill its peer, then die of the signal. */
void tw_bench_install_signal_cleanup(void);

#ifdef __cplusplus
}
#endif

#endif /* TW_CBENCH_H */

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the feed thread's per-message and snapshot paths
 * (feed.c through feed_internal.h's test entries), writing into real md,
 * books and stats segments. Two test feeds are made once: spot (btcusdt
 * -2/-8 on connection 0, nknusdt -8/-8 on connection 1) and futures
 * (sushiusdt -4/0). Each input starts with every connection closed and
 * reopened (books reset, tickets cancelled), then runs line by line; the
 * first byte of a line picks what it is:
 *   'S' 'T' 'G' + body   snapshot for btcusdt / nknusdt / sushiusdt, posted
 *                        through the mailbox when a ticket is out (refused
 *                        otherwise) and loaded by the housekeeping pass
 *   'E' 'F' + message    a message on spot connection 1 / the futures one
 *   'C' 'O' + digit      close / reopen connection digit % 3
 *   'W'                  a housekeeping pass (mailboxes, timers)
 *   anything else        the whole line is a message on spot connection 0
 * After every line: the md events read back match the blocks, each LIVE
 * instrument's block is fresh, strictly sorted, positive, uncrossed and
 * within depth, no block has more than depth levels, and no stats counter
 * went down.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <unistd.h>

#include "feedtest.h"

/* A broken invariant: say which, then abort (libFuzzer saves the input). */
#define REQUIRE(cond, what)                                                          \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz_feed: %s (%s:%d)\n", what, __FILE__, __LINE__);     \
            abort();                                                                 \
        }                                                                            \
    } while (0)

enum { NFEED = 2, NCONN = 3, MAX_INST = 2, CUMULATIVE = 10 };

#define FAR_FUTURE_NS (INT64_MAX / 4) /* a monotonic time at which every scheduled reconnect is due */

typedef struct fz_feed {
    ft_segs_t segs;
    tw_feed_t *f;
    uint32_t ninst;
} fz_feed_t;

static fz_feed_t feeds[NFEED];
static const struct { uint32_t feed, conn; } conns[NCONN] = {{0, 0}, {0, 1}, {1, 0}};
static int conn_open[NCONN];

static tw_feed_config_t config(uint32_t rule)
{
    tw_feed_config_t c;
    tw_feed_config_defaults(&c);
    c.rule = rule;
    c.host = "127.0.0.1";
    c.port = 9;
    c.tls = 0;
    c.symbols_per_conn = 1;
    c.book_capacity = 2000;
    c.buffer_events = 64;
    c.buffer_levels = 8192;
    c.snapshot_capacity = 1u << 20;
    return c;
}

/* Segments under $TICKWIRE_SHM_DIR (a private temp dir when unset), unlinked at once: the mappings stay. */
static void make_feed(fz_feed_t *z, const char *tag, uint32_t rule, const ft_inst_def_t *defs,
                      const tw_feed_symbol_t *sy, uint32_t n)
{
    char inst[32];
    snprintf(inst, sizeof(inst), "fzfeed%s%ld", tag, (long)getpid());
    ft_make(&z->segs, inst, defs, n);
    tw_shm_unlink(inst, TW_SEG_MD);
    tw_shm_unlink(inst, TW_SEG_BOOKS);
    tw_shm_unlink(inst, TW_SEG_STATS);
    tw_feed_config_t c = config(rule);
    int r = tw_feed_test_create(&c, sy, n, z->segs.md.base, z->segs.books.base, z->segs.stats.base, &z->f);
    if (r != 0) {
        fprintf(stderr, "tw_feed_test_create: %d\n", r);
        exit(2);
    }
    z->ninst = n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (feeds[0].f)
        return 0;
    char dir[4096];
    const char *env = getenv("TICKWIRE_SHM_DIR"), *tmp = getenv("TMPDIR");
    int own = env == NULL || *env == 0;
    snprintf(dir, sizeof(dir), "%s/tw-fuzz-feed.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (own && (mkdtemp(dir) == NULL || setenv("TICKWIRE_SHM_DIR", dir, 1) != 0)) {
        fprintf(stderr, "no temp dir for the segments\n");
        exit(2);
    }
    static const ft_inst_def_t spot[] = {{"BTCUSDT", -2, -8}, {"NKNUSDT", -8, -8}}, fut[] = {{"SUSHIUSDT", -4, 0}};
    static const tw_feed_symbol_t spot_sy[] = {{"btcusdt", 0, 0}, {"nknusdt", 1, 0}}, fut_sy[] = {{"sushiusdt", 0, 0}};
    make_feed(&feeds[0], "s", TW_SYNC_SPOT, spot, spot_sy, 2);
    make_feed(&feeds[1], "f", TW_SYNC_FUTURES, fut, fut_sy, 1);
    if (own) {
        unsetenv("TICKWIRE_SHM_DIR");
        rmdir(dir);
    }
    return 0;
}

/* ---------------------------------------------------------- invariants -- */

static void check_side(const tw_level_t *lv, uint32_t n, int bids)
{
    for (uint32_t i = 0; i < n; i++) {
        REQUIRE(lv[i].quantity > 0, "a live level without quantity");
        if (i)
            REQUIRE(bids ? lv[i].price < lv[i - 1].price : lv[i].price > lv[i - 1].price, "a live side out of order");
    }
}

static void check_block(const fz_feed_t *z, uint32_t i)
{
    const tw_book_header_t *blk = tw_books_block(z->segs.books.base, i);
    tw_book_header_t h;
    tw_level_t b[FT_DEPTH], a[FT_DEPTH];
    REQUIRE(tw_load_u32(&blk->bid_count) <= FT_DEPTH && tw_load_u32(&blk->ask_count) <= FT_DEPTH,
            "more levels than the block's depth");
    REQUIRE(ft_read_book(&z->segs, i, &h, b, a) == 1, "a block left mid-write"); /* no writer runs between lines */
    if (ft_state(&z->segs, i) != TW_FEED_LIVE)
        return;
    REQUIRE(!(h.flags & TW_BOOK_FLAG_STALE), "LIVE with a stale block");
    check_side(b, h.bid_count, 1);
    check_side(a, h.ask_count, 0);
    REQUIRE(!h.bid_count || !h.ask_count || b[0].price < a[0].price, "a live book crossed");
}

typedef struct fz_counters {
    uint64_t global[TW_CTR_COUNT];
    uint64_t inst[NFEED][MAX_INST][CUMULATIVE]; /* tw_instrument_stats_t from messages to trades */
} fz_counters_t;

_Static_assert(offsetof(tw_instrument_stats_t, trades) == (CUMULATIVE - 1) * sizeof(uint64_t), "cumulative stats");

static void counters(fz_counters_t *c)
{
    for (uint32_t k = 0; k < TW_CTR_COUNT; k++)
        c->global[k] = ft_counter(&feeds[0].segs, k) + ft_counter(&feeds[1].segs, k);
    for (uint32_t z = 0; z < NFEED; z++)
        for (uint32_t i = 0; i < feeds[z].ninst; i++)
            memcpy(c->inst[z][i], ft_stats(&feeds[z].segs, i), sizeof(c->inst[z][i]));
}

static void check_all(fz_counters_t *last)
{
    fz_counters_t now;
    for (uint32_t z = 0; z < NFEED; z++) {
        ft_drain(&feeds[z].segs);
        REQUIRE(feeds[z].segs.bad_events == 0, "an md BOOK event that is not the block's book");
        for (uint32_t i = 0; i < feeds[z].ninst; i++)
            check_block(&feeds[z], i);
    }
    counters(&now);
    for (uint32_t k = 0; k < TW_CTR_COUNT; k++)
        REQUIRE(now.global[k] >= last->global[k], "a global counter went down");
    for (uint32_t z = 0; z < NFEED; z++)
        for (uint32_t i = 0; i < feeds[z].ninst; i++)
            for (uint32_t k = 0; k < CUMULATIVE; k++)
                REQUIRE(now.inst[z][i][k] >= last->inst[z][i][k], "an instrument counter went down");
    *last = now;
}

/* --------------------------------------------------------------- steps -- */

static void close_conn(uint32_t k)
{
    if (conn_open[k])
        tw_feed_test_close(feeds[conns[k].feed].f, conns[k].conn, -ECONNRESET, 1006);
    conn_open[k] = 0;
}

static void open_conn(uint32_t k)
{
    if (conn_open[k])
        return;
    tw_feed_test_service(feeds[conns[k].feed].f, FAR_FUTURE_NS); /* the reconnect attempt, as the timer would */
    tw_feed_test_open(feeds[conns[k].feed].f, conns[k].conn);
    conn_open[k] = 1;
}

/* The fetcher's side: post under the ticket that is out, or see a post without one refused. */
static void snapshot(fz_feed_t *z, uint32_t sym, const char *body, size_t n)
{
    uint64_t t = 0;
    if (tw_feed_snapshot_wanted(z->f, sym, &t) != 1) {
        REQUIRE(tw_feed_snapshot_post(z->f, sym, 1, body, n) != 0, "a snapshot nobody asked for was taken");
        return;
    }
    REQUIRE(tw_feed_snapshot_post(z->f, sym, t, body, n) == 0, "the ticket out was refused");
    REQUIRE(tw_feed_snapshot_post(z->f, sym, t, body, n) != 0, "one ticket posted twice");
    tw_feed_test_service(z->f, tw_mono_ns());
    /* acquire: pairs with nothing here (one thread); the word is read as the feed thread would */
    uint64_t w = __atomic_load_n(&z->f->sym[sym].mb.word, __ATOMIC_ACQUIRE);
    REQUIRE((w & MB_STATE_MASK) != MB_POSTED, "a posted snapshot left in the mailbox");
}

static void message(uint32_t k, const char *p, size_t n)
{
    tw_feed_test_message(feeds[conns[k].feed].f, conns[k].conn, p, n, tw_real_ns());
}

static void step(const char *p, size_t n)
{
    char op = n ? p[0] : 0;
    uint32_t k = n > 1 ? (uint8_t)p[1] % NCONN : 0;
    switch (op) {
    case 'S': snapshot(&feeds[0], 0, p + 1, n - 1); break;
    case 'T': snapshot(&feeds[0], 1, p + 1, n - 1); break;
    case 'G': snapshot(&feeds[1], 0, p + 1, n - 1); break;
    case 'E': message(1, p + 1, n - 1); break;
    case 'F': message(2, p + 1, n - 1); break;
    case 'C': close_conn(k); break;
    case 'O': open_conn(k); break;
    case 'W':
        tw_feed_test_service(feeds[0].f, tw_mono_ns());
        tw_feed_test_service(feeds[1].f, tw_mono_ns());
        break;
    default: message(0, p, n); break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fz_counters_t last;
    static int started;
    if (!started) { /* the replayer (fuzz_replay.c) has no LLVMFuzzerInitialize call */
        LLVMFuzzerInitialize(NULL, NULL);
        counters(&last);
        started = 1;
    }
    for (uint32_t k = 0; k < NCONN; k++) { /* each input starts from the same state: fresh connections */
        close_conn(k);
        open_conn(k);
    }
    check_all(&last);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        step(p, n);
        check_all(&last);
        p += n + 1;
    }
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Seqlocked book blocks under a writer that never pauses.
 *
 * One writer thread rewrites a depth-20 book block as fast as it can; write k
 * derives every field (header and each level) from k. Reader threads, each on
 * its own read-only mapping of the segment, copy the block with tw_book_read()
 * and check that every successful copy is internally consistent (all fields
 * from one k, seq == 2k, counts as written for k) and that k never goes back.
 * A torn copy, a zero success count or a bad final read fails the test.
 *
 * Reader 0 reads through the writer's own mapping, reader 1 through its own
 * read-only attach. Both matter: the second is what an external reader does,
 * but ThreadSanitizer tracks virtual addresses, so only the first lets it
 * see the writer's and reader's accesses to the same words.
 *
 * usage: seqlock_torn [seconds=1.5] [readers=2] [max_retries=64]
 */
#include "cstress.h"

enum { DEPTH = TW_DEFAULT_DEPTH, MAX_READERS = 2 };

static const char *INSTANCE = "seqlock";
static int stop_flag;                /* atomic */
static tw_book_header_t *wblock;     /* writer's block (creating mapping) */
static const void *wseg;             /* the creating mapping */

static uint32_t expect_nb(uint64_t k) { return DEPTH - (uint32_t)(k % 4); }
static uint32_t expect_na(uint64_t k) { return DEPTH - (uint32_t)(k % 3); }

static void make_book(uint64_t k, tw_book_header_t *h, tw_level_t *bids, tw_level_t *asks)
{
    h->seq = 0xDEADBEEFDEADBEEFull; /* must be ignored by tw_book_write */
    h->update_id = k;
    h->first_update_id = k ^ 0x5555555555555555ull;
    h->exchange_ns = (int64_t)(k * 3);
    h->recv_ns = (int64_t)(k * 5);
    h->publish_ns = (int64_t)(k * 7);
    h->bid_count = 0xFFFF;  /* overwritten from nb/na by tw_book_write */
    h->ask_count = 0xFFFF;
    h->flags = (uint32_t)(k * 11u);
    h->reserved0 = (uint32_t)(k >> 3);
    for (uint32_t i = 0; i < DEPTH; i++) {
        bids[i].price = (int64_t)(k * 1000 + i);
        bids[i].quantity = (int64_t)k;
        asks[i].price = (int64_t)(k * 1000 + 500 + i);
        asks[i].quantity = (int64_t)(k * 2 + i);
    }
}

/* Returns NULL when the copy is consistent for its k, else what is wrong. */
static const char *check_copy(const tw_book_header_t *o, const tw_level_t *bids, const tw_level_t *asks,
                              uint32_t max_levels, char *why, size_t len)
{
    uint64_t k = o->update_id;
    uint32_t nb = expect_nb(k) < max_levels ? expect_nb(k) : max_levels;
    uint32_t na = expect_na(k) < max_levels ? expect_na(k) : max_levels;
    if (k == 0)
        return "update_id 0 (writer wrote k >= 1 before readers started)";
    if (o->seq != 2 * k) {
        snprintf(why, len, "seq %" PRIu64 " but update_id %" PRIu64 " (want seq 2k)", o->seq, k);
        return why;
    }
    if (o->first_update_id != (k ^ 0x5555555555555555ull) || o->exchange_ns != (int64_t)(k * 3) ||
        o->recv_ns != (int64_t)(k * 5) || o->publish_ns != (int64_t)(k * 7) || o->flags != (uint32_t)(k * 11u) ||
        o->reserved0 != (uint32_t)(k >> 3)) {
        snprintf(why, len, "header fields of k=%" PRIu64 " mixed: first=%" PRIx64 " exch=%" PRId64 " recv=%" PRId64
                 " pub=%" PRId64 " flags=%u",
                 k, o->first_update_id, o->exchange_ns, o->recv_ns, o->publish_ns, o->flags);
        return why;
    }
    if (o->bid_count != nb || o->ask_count != na) {
        snprintf(why, len, "k=%" PRIu64 ": counts %u/%u, want %u/%u", k, o->bid_count, o->ask_count, nb, na);
        return why;
    }
    for (uint32_t i = 0; i < nb; i++)
        if (bids[i].price != (int64_t)(k * 1000 + i) || bids[i].quantity != (int64_t)k) {
            snprintf(why, len, "k=%" PRIu64 ": bid %u is {%" PRId64 ", %" PRId64 "} (from another write)", k, i,
                     bids[i].price, bids[i].quantity);
            return why;
        }
    for (uint32_t i = 0; i < na; i++)
        if (asks[i].price != (int64_t)(k * 1000 + 500 + i) || asks[i].quantity != (int64_t)(k * 2 + i)) {
            snprintf(why, len, "k=%" PRIu64 ": ask %u is {%" PRId64 ", %" PRId64 "} (from another write)", k, i,
                     asks[i].price, asks[i].quantity);
            return why;
        }
    return NULL;
}

static void *writer_main(void *arg)
{
    uint64_t k = *(uint64_t *)arg;
    tw_book_header_t h;
    tw_level_t bids[DEPTH], asks[DEPTH];
    while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) {
        k++;
        make_book(k, &h, bids, asks);
        tw_book_write(wblock, DEPTH, &h, bids, expect_nb(k), asks, expect_na(k));
    }
    *(uint64_t *)arg = k;
    return NULL;
}

typedef struct reader {
    int id;
    uint32_t max_retries;
    uint64_t successes, retries, giveups, first_try, raw_copies, raw_torn;
    uint64_t max_k;
} reader_t;

static void *reader_main(void *arg)
{
    reader_t *r = arg;
    tw_shm_t s;
    memset(&s, 0, sizeof(s));
    const void *base = wseg; /* reader 0: the writer's mapping (visible to TSan) */
    if (r->id != 0) {        /* others: an own read-only mapping, like an external reader */
        CHECK_RC(tw_shm_attach(INSTANCE, TW_SEG_BOOKS, 0, &s), 0);
        CHECK(s.writable == 0, "read-only attach reports writable");
        base = s.base;
    }
    const tw_books_header_t *bh = tw_books_of(base);
    CHECK(bh->depth == DEPTH && bh->instrument_count == 1, "books geometry %u/%u", bh->depth, bh->instrument_count);
    const tw_book_header_t *block = tw_books_block(base, 0);
    tw_book_header_t out;
    tw_level_t bids[DEPTH], asks[DEPTH];
    char why[256];
    uint64_t last_k = 0;
    for (uint64_t iter = 0; !__atomic_load_n(&stop_flag, __ATOMIC_RELAXED); iter++) {
        /* reader 1 alternates full and partial (5-level) copies to exercise the max_levels cap */
        uint32_t max_levels = (r->id == 1 && (iter & 1)) ? 5 : DEPTH;
        memset(&out, 0xA5, sizeof(out));
        int rc = tw_book_read(block, DEPTH, &out, bids, asks, max_levels, r->max_retries);
        if (rc == -EAGAIN) {
            r->giveups++;
            continue;
        }
        CHECK(rc >= 1 && (uint32_t)rc <= r->max_retries, "tw_book_read returned %d (max_retries %u)", rc,
              r->max_retries);
        r->successes++;
        r->retries += (uint64_t)rc - 1;
        if (rc == 1)
            r->first_try++;
        const char *bad = check_copy(&out, bids, asks, max_levels, why, sizeof(why));
        if (bad)
            FAIL("reader %d: TORN READ after %d attempt(s): %s", r->id, rc, bad);
        if (out.update_id < last_k)
            FAIL("reader %d: k went back from %" PRIu64 " to %" PRIu64, r->id, last_k, out.update_id);
        last_k = out.update_id;

        /* Sanity of the checker itself: an unprotected copy of the same block does tear. */
        if (r->id == 0 && (iter & 63) == 0) {
            struct {
                tw_book_header_t h;
                tw_level_t lv[2 * DEPTH];
            } raw;
            tw_copy_from_shared(&raw, block, (uint32_t)sizeof(raw));
            r->raw_copies++;
            raw.h.seq = 2 * raw.h.update_id;
            raw.h.bid_count = raw.h.bid_count > DEPTH ? DEPTH : raw.h.bid_count;
            raw.h.ask_count = raw.h.ask_count > DEPTH ? DEPTH : raw.h.ask_count;
            if (check_copy(&raw.h, raw.lv, raw.lv + DEPTH, DEPTH, why, sizeof(why)))
                r->raw_torn++;
        }
    }
    r->max_k = last_k;
    tw_shm_detach(&s);
    return NULL;
}

int main(int argc, char **argv)
{
    double seconds = cs_arg_double(argc, argv, 1, 1.5);
    int nreaders = (int)cs_arg_u64(argc, argv, 2, 2);
    uint32_t max_retries = (uint32_t)cs_arg_u64(argc, argv, 3, 64);
    if (nreaders > MAX_READERS)
        nreaders = MAX_READERS;
    setvbuf(stdout, NULL, _IOLBF, 0);
    cs_setup_dir("seqlock");

    tw_shm_t w;
    cs_make_books(INSTANCE, 1, DEPTH, &w);
    wseg = w.base;
    wblock = tw_books_block_mut(w.base, 0);
    CHECK(wblock->seq == 0 && wblock->flags == TW_BOOK_FLAG_STALE, "fresh block: seq %" PRIu64 " flags %u",
          wblock->seq, wblock->flags);

    /* Write k = 1 before anyone reads, so every read sees k >= 1. */
    uint64_t k = 1;
    {
        tw_book_header_t h;
        tw_level_t bids[DEPTH], asks[DEPTH];
        make_book(k, &h, bids, asks);
        tw_book_write(wblock, DEPTH, &h, bids, expect_nb(k), asks, expect_na(k));
        CHECK(wblock->seq == 2, "seq after one write is %" PRIu64, wblock->seq);
    }

    reader_t readers[MAX_READERS];
    pthread_t rt[MAX_READERS], wt;
    for (int i = 0; i < nreaders; i++) {
        memset(&readers[i], 0, sizeof(readers[i]));
        readers[i].id = i;
        readers[i].max_retries = max_retries;
        CHECK(pthread_create(&rt[i], NULL, reader_main, &readers[i]) == 0, "pthread_create");
    }
    CHECK(pthread_create(&wt, NULL, writer_main, &k) == 0, "pthread_create");
    cs_sleep_ns((int64_t)(seconds * 1e9));
    __atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
    pthread_join(wt, NULL);
    for (int i = 0; i < nreaders; i++)
        pthread_join(rt[i], NULL);

    /* With the writer stopped, a read succeeds first time and sees the last write. */
    tw_shm_t ro;
    CHECK_RC(tw_shm_attach(INSTANCE, TW_SEG_BOOKS, 0, &ro), 0);
    tw_book_header_t out;
    tw_level_t bids[DEPTH], asks[DEPTH];
    char why[256];
    CHECK_RC(tw_book_read(tw_books_block(ro.base, 0), DEPTH, &out, bids, asks, DEPTH, 1), 1);
    CHECK(out.update_id == k, "final read saw k=%" PRIu64 ", writer's last k=%" PRIu64, out.update_id, k);
    const char *bad = check_copy(&out, bids, asks, DEPTH, why, sizeof(why));
    CHECK(bad == NULL, "final read inconsistent: %s", bad);
    /* max_retries 0 gives up at once. */
    CHECK_RC(tw_book_read(tw_books_block(ro.base, 0), DEPTH, &out, bids, asks, DEPTH, 0), -EAGAIN);
    tw_shm_detach(&ro);

    uint64_t succ = 0, retries = 0, giveups = 0, first = 0, raw = 0, torn = 0;
    for (int i = 0; i < nreaders; i++) {
        printf("reader %d: %" PRIu64 " ok (%" PRIu64 " first try), %" PRIu64 " retries, %" PRIu64
               " gave up (-EAGAIN), last k %" PRIu64 "\n",
               i, readers[i].successes, readers[i].first_try, readers[i].retries, readers[i].giveups, readers[i].max_k);
        succ += readers[i].successes;
        retries += readers[i].retries;
        giveups += readers[i].giveups;
        first += readers[i].first_try;
        raw += readers[i].raw_copies;
        torn += readers[i].raw_torn;
        if (readers[i].successes == 0)
            FAIL("reader %d never got a consistent copy in %.2fs (%" PRIu64 " give-ups)", i, seconds,
                 readers[i].giveups);
    }
    printf("control: %" PRIu64 " of %" PRIu64 " unprotected copies were torn (shows the checker can see tearing)\n",
           torn, raw);
    tw_shm_detach(&w);
    printf("seqlock_torn: %" PRIu64 " writes, %d readers: %" PRIu64 " consistent reads, %" PRIu64
           " first try, %" PRIu64 " retries, %" PRIu64 " -EAGAIN, 0 torn\n",
           k, nreaders, succ, first, retries, giveups);
    return 0;
}

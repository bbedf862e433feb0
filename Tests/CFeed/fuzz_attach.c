/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for segment attach (tw_shm_attach and the geometry checks
 * of tw_segment_check in reader.h). The input is a whole segment file: it is
 * written to tickwire.fz.<kind> in a private TICKWIRE_SHM_DIR and attached as
 * every kind, twice: as it is, and with magic, ABI major and kind patched in,
 * so the fuzzer reaches each kind's geometry checks without having to guess
 * the header. A refused file must leave a message naming what is wrong. On a
 * file attach accepted, every inline helper is run over every index the
 * header allows (ring cursor and polls, every book block and instrument,
 * every counter, instrument stat and histogram, every lane's depth, the
 * account snapshot and its three arrays), each
 * access first checked against the mapped size by plain 128-bit arithmetic;
 * the patched variant is also attached writable and written through the
 * writer helpers (publish, book write, histogram record, lane pop, account
 * publish).
 * Crash inputs are kept in Tests/CFeed/regressions/attach/ and replayed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tickwire/shm.h"
#include "tickwire/writer.h"

#define REQUIRE(cond, what)                                                      \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_attach: %s (%s:%d)\n", what, __FILE__, __LINE__); \
            abort();                                                             \
        }                                                                        \
    } while (0)

static char dir[256];

static void cleanup(void)
{
    for (uint32_t k = TW_SEG_MD; k <= TW_SEG_STATS; k++)
        tw_shm_unlink("fz", k);
    rmdir(dir);
}

static void setup(void)
{
    if (dir[0])
        return;
    const char *tmp = getenv("TMPDIR"); /* tmpfs when there is one: a disk makes each run 3x slower */
    if (access("/dev/shm", W_OK) == 0)
        tmp = "/dev/shm";
    snprintf(dir, sizeof(dir), "%s/tw-fuzz-attach.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    REQUIRE(mkdtemp(dir) != NULL, "mkdtemp");
    setenv("TICKWIRE_SHM_DIR", dir, 1);
    atexit(cleanup);
}

/* The oracle: [p, p + bytes) lies inside the mapping, computed without any chance of wrap. */
static void inside(const tw_shm_t *s, const void *p, unsigned __int128 bytes, const char *what)
{
    unsigned __int128 at = (unsigned __int128)((uintptr_t)p - (uintptr_t)s->base);
    if ((uintptr_t)p < (uintptr_t)s->base || at + bytes > s->size) {
        fprintf(stderr, "fuzz_attach: %s outside the %llu-byte mapping\n", what, (unsigned long long)s->size);
        abort();
    }
}

static void read_ring(const tw_shm_t *s)
{
    tw_ring_cursor_t c;
    REQUIRE(tw_ring_cursor_init(&c, s->base, 1) == 0, "attach accepted a ring the cursor refuses");
    inside(s, c.slots, (unsigned __int128)(c.mask + 1) * c.slot_size, "ring slots");
    uint64_t payload[64];
    tw_slot_header_t h;
    for (uint64_t i = 0; i <= c.mask + 2 && i < 4096; i++)
        if (tw_ring_poll(&c, &h, payload, sizeof(payload)) == 0)
            break;
}

static void read_books(const tw_shm_t *s)
{
    static tw_level_t bids[TW_MAX_DEPTH], asks[TW_MAX_DEPTH];
    const tw_books_header_t *b = tw_books_of(s->base);
    for (uint32_t i = 0; i < b->instrument_count; i++) {
        const tw_instrument_info_t *info = tw_books_instrument(s->base, i);
        inside(s, info, sizeof(*info), "instrument info");
        const tw_book_header_t *block = tw_books_block(s->base, i);
        inside(s, block, sizeof(*block) + 2ull * b->depth * sizeof(tw_level_t), "book block");
        tw_book_header_t out;
        tw_book_read(block, b->depth, &out, bids, asks, TW_MAX_DEPTH, 2);
        (void)tw_load_u32(&info->feed_state);
    }
}

static void read_stats(const tw_shm_t *s)
{
    const tw_stats_header_t *st = tw_stats_of(s->base);
    const uint64_t *ctr = tw_stats_counters(s->base);
    inside(s, ctr, TW_CTR_COUNT * 8u, "counters");
    uint64_t sum = 0;
    for (uint32_t i = 0; i < TW_CTR_COUNT; i++)
        sum += tw_load_u64(&ctr[i]);
    for (uint32_t i = 0; i < st->instrument_count; i++) {
        const tw_instrument_stats_t *is = tw_stats_instrument(s->base, i);
        inside(s, is, sizeof(*is), "instrument stats");
        sum += tw_load_u64(&is->messages);
    }
    for (uint32_t i = 0; i < TW_HIST_COUNT; i++) {
        const tw_histogram_t *h = tw_stats_histogram(s->base, i);
        inside(s, h, sizeof(*h), "histogram");
        sum += tw_hist_quantile(h, 0.99);
    }
    (void)sum;
}

static void read_cmd(const tw_shm_t *s)
{
    tw_cmd_header_t *c = tw_cmd_of(s->base);
    for (uint32_t i = 0; i < c->lane_count; i++) {
        tw_cmd_lane_t *l = tw_cmd_lane(s->base, i);
        inside(s, l, (unsigned __int128)sizeof(*l) + (unsigned __int128)c->lane_slots * c->slot_size, "lane");
        (void)tw_cmd_lane_depth(s->base, i);
    }
}

static void read_account(const tw_shm_t *s)
{
    static tw_account_balance_t b[64];
    static tw_account_position_t p[64];
    static tw_account_order_t o[64];
    const tw_account_header_t *a = tw_account_of(s->base);
    inside(s, a, sizeof(*a), "account header");
    inside(s, (const uint8_t *)s->base + a->balances_offset, (unsigned __int128)a->balance_capacity * a->balance_size,
           "account balances");
    inside(s, (const uint8_t *)s->base + a->positions_offset,
           (unsigned __int128)a->position_capacity * a->position_size, "account positions");
    inside(s, (const uint8_t *)s->base + a->orders_offset, (unsigned __int128)a->order_capacity * a->order_size,
           "account orders");
    tw_account_header_t out;
    if (tw_account_read(s->base, &out, b, 64, p, 64, o, 64, 2) > 0)
        REQUIRE(out.balance_count <= a->balance_capacity && out.position_count <= a->position_capacity &&
                    out.order_count <= a->order_capacity,
                "account read returned more entries than the capacities");
}

static void read_all(const tw_shm_t *s, uint32_t kind)
{
    switch (kind) {
    case TW_SEG_MD:
    case TW_SEG_EXEC:
        read_ring(s);
        break;
    case TW_SEG_BOOKS:
        read_books(s);
        break;
    case TW_SEG_STATS:
        read_stats(s);
        break;
    case TW_SEG_CMD:
        read_cmd(s);
        break;
    case TW_SEG_ACCOUNT:
        read_account(s);
        break;
    }
}

/* The engine's side on an accepted geometry: one write through each writer helper. */
static void write_all(const tw_shm_t *s, uint32_t kind)
{
    uint64_t payload[32] = {1, 2, 3};
    if (kind == TW_SEG_MD) {
        tw_ring_writer_t w;
        REQUIRE(tw_ring_writer_init(&w, s->base) == 0, "attach accepted a ring the writer refuses");
        tw_ring_publish(&w, TW_MD_TRADE, 0, payload, sizeof(tw_md_trade_t));
    } else if (kind == TW_SEG_EXEC) {
        tw_exec_writer_t w;
        REQUIRE(tw_exec_writer_init(&w, s->base) == 0, "attach accepted a journal the writer refuses");
        if (tw_exec_admit(&w))
            tw_exec_append(&w, TW_EXEC_ACK, 0, payload, sizeof(tw_exec_report_t) & ~7u);
    } else if (kind == TW_SEG_BOOKS) {
        const tw_books_header_t *b = tw_books_of(s->base);
        tw_book_header_t h = {0};
        tw_level_t lv[2] = {{100, 1}, {99, 2}};
        uint32_t n = b->depth < 2 ? b->depth : 2;
        tw_book_write(tw_books_block_mut(s->base, b->instrument_count - 1), b->depth, &h, lv, n, lv, n);
    } else if (kind == TW_SEG_STATS) {
        tw_hist_record(tw_stats_histogram_mut(s->base, TW_HIST_COUNT - 1), 12345);
        tw_counter_add(&tw_stats_counters_mut(s->base)[TW_CTR_COUNT - 1], 1);
    } else if (kind == TW_SEG_ACCOUNT) {
        static tw_account_balance_t b[3];
        static tw_account_position_t p[3];
        static tw_account_order_t o[3];
        tw_account_header_t h = {0};
        h.version = tw_account_of(s->base)->version + 1; /* 0 after a wrap: refused, nothing written */
        tw_account_publish(s->base, &h, b, 3, p, 3, o, 3);
    } else if (kind == TW_SEG_CMD) {
        tw_cmd_header_t *c = tw_cmd_of(s->base);
        tw_slot_header_t h;
        tw_command_t cmd;
        uint64_t owner;
        tw_cmd_lane_pop(s->base, c->lane_count - 1, &h, &cmd, &owner);
    }
}

static void put_file(uint32_t kind, const uint8_t *data, size_t size, int patch)
{
    char path[TW_PATH_MAX];
    REQUIRE(tw_shm_path("fz", kind, path, sizeof(path)) == 0, "path");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    REQUIRE(fd >= 0, "open");
    tw_segment_header_t h;
    size_t done = 0;
    if (patch && size >= sizeof(h)) {
        memcpy(&h, data, sizeof(h));
        h.magic = TW_ABI_MAGIC;
        h.abi_major = TW_ABI_MAJOR;
        h.kind = kind;
        REQUIRE(write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h), "write");
        done = sizeof(h);
    }
    if (size > done)
        REQUIRE(write(fd, data + done, size - done) == (ssize_t)(size - done), "write");
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    for (uint32_t kind = TW_SEG_MD; kind <= TW_SEG_STATS; kind++) {
        for (int patch = 0; patch < 2; patch++) {
            put_file(kind, data, size, patch);
            tw_shm_t s;
            int rc = tw_shm_attach("fz", kind, 0, &s);
            if (rc < 0) {
                REQUIRE(tw_error_message()[0] != '\0' && s.base == NULL, "refusal without a message");
                continue;
            }
            read_all(&s, kind);
            tw_shm_detach(&s);
            if (!patch)
                continue;
            REQUIRE(tw_shm_attach("fz", kind, 1, &s) == 0, "writable attach differs");
            write_all(&s, kind);
            read_all(&s, kind);
            tw_shm_detach(&s);
        }
    }
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Exec journal (ABI 2.0): a broadcast ring whose writer never overwrites a
 * record the engine has not consumed.
 *
 * Record n has type, length and instrument derived from n (execution
 * reports of 240 bytes, balances of 72, positions of 56) and payload word
 * j = mix(n * 32 + j), so any mixing of two records shows.
 *
 * (a) unit: tw_exec_init geometry refusals and layout; on a 16-slot journal
 *     with reserve 4: tw_exec_admit says yes while more than 4 slots are free
 *     and then refuses (counted in refused_full); appends continue until no
 *     slot is free above `consumed`, then tw_exec_append returns 0 (counted
 *     in overflowed) and every unconsumed record is still in its slot;
 *     tw_exec_set_consumed frees exactly what it covers; a reader cursor
 *     (tw_ring_cursor_init / tw_ring_poll) reads the journal like any ring,
 *     decoded report, balance and position fields included.
 * (b) stress: a writer thread appends as fast as it can (asking tw_exec_admit
 *     before every fourth record, as before a new order), an engine consumer
 *     thread reads with a cursor and advances `consumed` with
 *     tw_exec_set_consumed, sometimes pausing so the journal fills; and an
 *     external reader thread that never consumes. The consumer must get every
 *     record exactly once, in order, intact, and is never lapped; the writer's
 *     zero returns equal overflowed and its refusals equal refused_full; the
 *     external reader may be lapped but each jump equals the growth of its
 *     lost count and it never gets a torn record.
 *
 * usage: exec_journal [seconds=1.0]
 */
#include "cstress.h"

enum { WORDS = TW_EXEC_PAYLOAD_MAX / 8 };

static uint16_t rec_type(uint64_t n)
{
    static const uint16_t types[] = {TW_EXEC_ACCEPTED, TW_EXEC_ACK, TW_EXEC_PARTIAL_FILL, TW_EXEC_FILL,
                                     TW_EXEC_BALANCE, TW_EXEC_POSITION, TW_EXEC_REJECTED};
    return types[n % 7];
}

static uint32_t rec_len(uint64_t n)
{
    uint16_t t = rec_type(n);
    return t == TW_EXEC_BALANCE ? (uint32_t)sizeof(tw_exec_balance_t)
           : t == TW_EXEC_POSITION ? (uint32_t)sizeof(tw_exec_position_t)
                                   : (uint32_t)sizeof(tw_exec_report_t);
}

static uint16_t rec_instrument(uint64_t n) { return (uint16_t)(n % 5); }
static uint64_t rec_word(uint64_t n, uint32_t j) { return cs_mix(n * 32 + j); }

static uint64_t append_rec(tw_exec_writer_t *w, uint64_t n)
{
    uint64_t p[WORDS];
    for (uint32_t j = 0; j < WORDS; j++)
        p[j] = rec_word(n, j);
    return tw_exec_append(w, rec_type(n), rec_instrument(n), p, rec_len(n));
}

static void check_rec(const char *who, const tw_slot_header_t *h, const uint64_t *p)
{
    uint64_t n = h->seq;
    if (h->length != rec_len(n) || h->type != rec_type(n) || h->instrument != rec_instrument(n))
        FAIL("%s: record %" PRIu64 " has length/type/instrument %u/%u/%u, want %u/%u/%u", who, n, h->length, h->type,
             h->instrument, rec_len(n), rec_type(n), rec_instrument(n));
    for (uint32_t j = 0; j < h->length / 8; j++)
        if (p[j] != rec_word(n, j))
            FAIL("%s: TORN record %" PRIu64 ": word %u is %016" PRIx64 ", want %016" PRIx64, who, n, j, p[j],
                 rec_word(n, j));
}

static tw_exec_header_t *exec_of(void *seg)
{
    return (tw_exec_header_t *)((uint8_t *)seg + ((tw_segment_header_t *)seg)->region_offset);
}

/* --------------------------------------------------------------- unit -- */

static void unit_geometry(void)
{
    tw_shm_t s;
    CHECK(tw_exec_region_size(32) == sizeof(tw_exec_header_t) + 32u * TW_EXEC_SLOT_SIZE, "tw_exec_region_size(32)");
    CHECK_RC(tw_shm_create("geom", TW_SEG_EXEC, tw_exec_region_size(64), 1, &s), 0);
    CHECK_RC(tw_exec_init(&s, 8, 0), -EINVAL);   /* fewer than 16 slots */
    CHECK_RC(tw_exec_init(&s, 48, 4), -EINVAL);  /* not a power of two */
    CHECK_RC(tw_exec_init(&s, 64, 64), -EINVAL); /* reserve >= slots */
    CHECK_RC(tw_exec_init(&s, 128, 4), -EINVAL); /* does not fit */
    CHECK_RC(tw_exec_init(&s, 64, 63), 0);
    tw_exec_header_t *e = exec_of(s.base);
    uint64_t region = ((tw_segment_header_t *)s.base)->region_offset;
    CHECK(e->ring.slot_size == TW_EXEC_SLOT_SIZE && e->ring.slot_count == 64 && e->reserve == 63,
          "geometry %u x %u reserve %" PRIu64, e->ring.slot_count, e->ring.slot_size, e->reserve);
    CHECK(e->ring.slots_offset == region + sizeof(tw_exec_header_t), "slots_offset %" PRIu64, e->ring.slots_offset);
    CHECK(e->consumed == 0 && e->overflowed == 0 && e->refused_full == 0 && e->ring.head == 0, "not zeroed");
    tw_shm_detach(&s);
}

/* A real execution report, to check the reader sees the fields where abi.h puts them. */
static void report_fields(void *seg)
{
    tw_exec_writer_t w;
    CHECK_RC(tw_exec_writer_init(&w, seg), 0);
    tw_ring_cursor_t cur;
    CHECK_RC(tw_ring_cursor_init(&cur, seg, 0), 0);
    tw_exec_report_t r;
    memset(&r, 0, sizeof(r));
    r.command_id = 42;
    r.producer = 0x0000123400000007ull;
    r.venue_order_id = 987654321;
    r.trade_id = 555;
    r.price = 6400012;
    r.quantity = 150;
    r.cum_quantity = 300;
    r.code = -2010;
    r.side = TW_SIDE_SELL;
    r.order_state = TW_OS_PARTIALLY_FILLED;
    r.flags = TW_EXEC_FLAG_STREAM | TW_EXEC_FLAG_MAKER;
    r.fee_exponent = -8;
    snprintf(r.client_order_id, sizeof(r.client_order_id), "tw-42");
    snprintf(r.text, sizeof(r.text), "partially filled");
    tw_exec_balance_t bal;
    memset(&bal, 0, sizeof(bal));
    snprintf(bal.asset, sizeof(bal.asset), "USDT");
    bal.free = 1000000;
    bal.exponent = -2;
    uint64_t n1 = tw_exec_append(&w, TW_EXEC_PARTIAL_FILL, 3, &r, sizeof(r));
    uint64_t n2 = tw_exec_append(&w, TW_EXEC_BALANCE, 0, &bal, sizeof(bal));
    CHECK(n1 > 0 && n2 == n1 + 1, "appends returned %" PRIu64 ", %" PRIu64, n1, n2);
    tw_slot_header_t h;
    tw_exec_report_t got;
    CHECK_RC(tw_ring_poll(&cur, &h, &got, sizeof(got)), 1);
    CHECK(h.seq == n1 && h.type == TW_EXEC_PARTIAL_FILL && h.instrument == 3 && h.length == sizeof(r),
          "report header %" PRIu64 "/%u/%u/%u", h.seq, h.type, h.instrument, h.length);
    CHECK(memcmp(&got, &r, sizeof(r)) == 0 && got.order_state == TW_OS_PARTIALLY_FILLED && !strcmp(got.text, r.text),
          "report fields differ");
    tw_exec_balance_t gb;
    uint64_t buf[WORDS];
    CHECK_RC(tw_ring_poll(&cur, &h, buf, sizeof(buf)), 1);
    memcpy(&gb, buf, sizeof(gb));
    CHECK(h.type == TW_EXEC_BALANCE && h.length == sizeof(bal) && !strcmp(gb.asset, "USDT") && gb.free == 1000000 &&
              gb.exponent == -2,
          "balance record differs");
    tw_exec_set_consumed(seg, n2);
}

static void unit_append_admit(void)
{
    enum { SLOTS = 16, RESERVE = 4 };
    tw_shm_t s, ro;
    cs_make_exec("unit", SLOTS, RESERVE, &s);
    CHECK_RC(tw_shm_attach("unit", TW_SEG_EXEC, 0, &ro), 0);
    report_fields(s.base);
    tw_exec_header_t *e = exec_of(s.base);
    uint64_t base = e->ring.head; /* records of report_fields, consumed */

    tw_exec_writer_t w;
    CHECK_RC(tw_exec_writer_init(&w, s.base), 0);
    tw_ring_cursor_t cur; /* an external reader on its own read-only mapping */
    CHECK_RC(tw_ring_cursor_init(&cur, ro.base, 0), 0);
    CHECK(cur.next == base + 1, "cursor at %" PRIu64, cur.next);

    /* admit while more than RESERVE slots are free */
    uint64_t n = base, admitted = 0;
    while (tw_exec_admit(&w)) {
        CHECK(append_rec(&w, n + 1) == n + 1, "append %" PRIu64, n + 1);
        n++;
        admitted++;
    }
    CHECK(admitted == SLOTS - RESERVE, "admitted %" PRIu64 " new orders, want %d", admitted, SLOTS - RESERVE);
    CHECK(e->refused_full == 1, "refused_full %" PRIu64, e->refused_full);
    CHECK(!tw_exec_admit(&w) && e->refused_full == 2, "refused_full %" PRIu64, e->refused_full);
    /* the reserve: reports of orders already out still fit */
    for (int j = 0; j < RESERVE; j++, n++)
        CHECK(append_rec(&w, n + 1) == n + 1, "append into the reserve, record %" PRIu64, n + 1);
    CHECK(append_rec(&w, n + 1) == 0 && e->overflowed == 1, "a full journal took a record (overflowed %" PRIu64 ")",
          e->overflowed);
    CHECK(append_rec(&w, n + 1) == 0 && e->overflowed == 2, "overflowed %" PRIu64, e->overflowed);
    CHECK(e->ring.head == n, "head %" PRIu64 " after refused appends, want %" PRIu64, e->ring.head, n);
    /* nothing above consumed was overwritten: every unconsumed record is in its slot */
    for (uint64_t m = base + 1; m <= n; m++) {
        const uint64_t *slot = (const uint64_t *)((const uint8_t *)ro.base + e->ring.slots_offset +
                                                  (m & (SLOTS - 1)) * TW_EXEC_SLOT_SIZE);
        CHECK(slot[0] == m << 1 && slot[2] == rec_word(m, 0), "slot of record %" PRIu64 " holds seq %" PRIu64, m,
              slot[0] >> 1);
    }
    tw_slot_header_t h;
    uint64_t p[WORDS];
    for (uint64_t m = base + 1; m <= n; m++) {
        CHECK_RC(tw_ring_poll(&cur, &h, p, sizeof(p)), 1);
        CHECK(h.seq == m, "read %" PRIu64 ", want %" PRIu64, h.seq, m);
        check_rec("unit", &h, p);
    }
    CHECK_RC(tw_ring_poll(&cur, &h, p, sizeof(p)), 0);

    /* consuming frees exactly what it covers */
    tw_exec_set_consumed(s.base, base + 3);
    CHECK(!tw_exec_admit(&w), "admitted with 3 free slots and reserve %d", RESERVE);
    for (int j = 0; j < 3; j++, n++)
        CHECK(append_rec(&w, n + 1) == n + 1, "append after consuming 3, record %" PRIu64, n + 1);
    CHECK(append_rec(&w, n + 1) == 0 && e->overflowed == 3, "overflowed %" PRIu64, e->overflowed);
    tw_exec_set_consumed(s.base, n - SLOTS + RESERVE);
    CHECK(!tw_exec_admit(&w), "admitted with exactly `reserve` free slots");
    tw_exec_set_consumed(s.base, n - SLOTS + RESERVE + 1);
    CHECK(tw_exec_admit(&w), "refused with reserve + 1 free slots");
    CHECK(e->refused_full == 4, "refused_full %" PRIu64, e->refused_full);
    for (uint64_t m = n - 2; m <= n; m++) {
        CHECK_RC(tw_ring_poll(&cur, &h, p, sizeof(p)), 1);
        CHECK(h.seq == m, "read %" PRIu64 ", want %" PRIu64, h.seq, m);
        check_rec("unit", &h, p);
    }
    CHECK(cur.lost == 0 && cur.laps == 0, "a reader that kept up was lapped");
    tw_shm_detach(&ro);
    tw_shm_detach(&s);
    printf("(a) unit: geometry refusals; admit refuses at reserve (counted), append returns 0 at full (counted), "
           "unconsumed records intact, set_consumed frees exactly, records read back like a ring\n");
}

/* ------------------------------------------------------------- stress -- */

typedef struct stress {
    void *seg;
    int64_t deadline;
    uint64_t written;        /* atomic: records appended so far (release) */
    uint32_t done;           /* atomic: the writer finished (release) */
    uint32_t ready;          /* atomic: readers whose cursor is positioned (before the writer starts) */
    uint64_t full_returns;   /* writer: tw_exec_append returned 0 */
    uint64_t refusals;       /* writer: tw_exec_admit said no */
    uint64_t engine_read, engine_pauses;
    uint64_t ext_read, ext_lost, ext_laps;
} stress_t;

static void *writer_main(void *arg)
{
    stress_t *st = arg;
    tw_exec_writer_t w;
    CHECK_RC(tw_exec_writer_init(&w, st->seg), 0);
    uint64_t n = 0;
    uint32_t spins = 0;
    while (cs_now_ns() < st->deadline) {
        if ((n & 3) == 0 && !tw_exec_admit(&w))
            st->refusals++;
        uint64_t got = append_rec(&w, n + 1);
        if (got == 0) {
            st->full_returns++;
            if (++spins > 16)
                sched_yield();
            continue;
        }
        CHECK(got == n + 1, "append returned %" PRIu64 ", want %" PRIu64, got, n + 1);
        spins = 0;
        n++;
        __atomic_store_n(&st->written, n, __ATOMIC_RELEASE); /* pairs with the readers' acquire */
    }
    __atomic_store_n(&st->done, 1, __ATOMIC_RELEASE); /* pairs with the readers' acquire */
    return NULL;
}

/* The engine's consumer: lossless, advances consumed. */
static void *engine_main(void *arg)
{
    stress_t *st = arg;
    tw_ring_cursor_t cur;
    CHECK_RC(tw_ring_cursor_init(&cur, st->seg, 0), 0);
    __atomic_fetch_add(&st->ready, 1, __ATOMIC_RELEASE); /* pairs with stress()'s acquire */
    tw_slot_header_t h;
    uint64_t p[WORDS], want = 1;
    for (;;) {
        int rc = tw_ring_poll(&cur, &h, p, sizeof(p));
        if (rc == 1) {
            CHECK(h.seq == want, "engine: record %" PRIu64 ", want %" PRIu64, h.seq, want);
            check_rec("engine", &h, p);
            want++;
            tw_exec_set_consumed(st->seg, h.seq);
            if ((cs_mix(h.seq) & 1023) == 0) { /* a slow moment: the journal fills */
                st->engine_pauses++;
                cs_sleep_ns(200 * 1000);
            }
            continue;
        }
        if (rc < 0)
            FAIL("engine consumer LAPPED at %" PRIu64 " (lost %" PRIu64 "): the writer overwrote an unconsumed record",
                 want, cur.lost);
        int done = __atomic_load_n(&st->done, __ATOMIC_ACQUIRE);
        if (done && want - 1 == __atomic_load_n(&st->written, __ATOMIC_ACQUIRE))
            break;
        sched_yield();
    }
    st->engine_read = want - 1;
    return NULL;
}

/* An external reader: never consumes, may be lapped, never gets a torn record. */
static void *external_main(void *arg)
{
    stress_t *st = arg;
    tw_ring_cursor_t cur;
    CHECK_RC(tw_ring_cursor_init(&cur, st->seg, 0), 0);
    __atomic_fetch_add(&st->ready, 1, __ATOMIC_RELEASE); /* pairs with stress()'s acquire */
    tw_slot_header_t h;
    uint64_t p[WORDS], expect = 1, lost_seen = 0, delivered = 0;
    for (;;) {
        int rc = tw_ring_poll(&cur, &h, p, sizeof(p));
        if (rc == 1) {
            check_rec("external", &h, p);
            CHECK(h.seq - expect == cur.lost - lost_seen, "external: jumped %" PRIu64 " -> %" PRIu64
                  " but lost grew by %" PRIu64, expect, h.seq, cur.lost - lost_seen);
            lost_seen = cur.lost;
            expect = h.seq + 1;
            delivered++;
            if ((delivered & 255) == 0)
                cs_sleep_ns(50 * 1000);
            continue;
        }
        if (rc == 0) {
            if (__atomic_load_n(&st->done, __ATOMIC_ACQUIRE) &&
                expect - 1 == __atomic_load_n(&st->written, __ATOMIC_ACQUIRE))
                break;
            sched_yield();
        }
    }
    CHECK(delivered + cur.lost == expect - 1, "external: delivered %" PRIu64 " + lost %" PRIu64 " != %" PRIu64,
          delivered, cur.lost, expect - 1);
    st->ext_read = delivered;
    st->ext_lost = cur.lost;
    st->ext_laps = cur.laps;
    return NULL;
}

static void stress(double seconds)
{
    tw_shm_t s;
    cs_make_exec("stress", 64, 8, &s);
    stress_t st = {.seg = s.base, .deadline = cs_now_ns() + (int64_t)(seconds * 1e9)};
    pthread_t tw, te, tx;
    CHECK(pthread_create(&te, NULL, engine_main, &st) == 0, "pthread_create");
    CHECK(pthread_create(&tx, NULL, external_main, &st) == 0, "pthread_create");
    while (__atomic_load_n(&st.ready, __ATOMIC_ACQUIRE) < 2) /* pairs with the readers' release */
        sched_yield();
    CHECK(pthread_create(&tw, NULL, writer_main, &st) == 0, "pthread_create");
    pthread_join(tw, NULL);
    pthread_join(te, NULL);
    pthread_join(tx, NULL);
    tw_exec_header_t *e = exec_of(s.base);
    CHECK(st.engine_read == st.written && st.written > 0, "engine read %" PRIu64 " of %" PRIu64, st.engine_read,
          st.written);
    CHECK(e->overflowed == st.full_returns, "overflowed %" PRIu64 " but the writer saw %" PRIu64 " zero returns",
          e->overflowed, st.full_returns);
    CHECK(e->refused_full == st.refusals, "refused_full %" PRIu64 " but admit said no %" PRIu64 " times",
          e->refused_full, st.refusals);
    CHECK(e->consumed == st.written && e->ring.head == st.written, "consumed %" PRIu64 " head %" PRIu64,
          e->consumed, e->ring.head);
    printf("(b) stress: %" PRIu64 " records, engine consumer got all in order and was never lapped (%" PRIu64
           " pauses); %" PRIu64 " full appends == overflowed; %" PRIu64 " refusals == refused_full; external "
           "reader %" PRIu64 " read, %" PRIu64 " lost in %" PRIu64 " laps, none torn\n",
           st.written, st.engine_pauses, st.full_returns, st.refusals, st.ext_read, st.ext_lost, st.ext_laps);
    printf("exec_journal: geometry, admit/reserve, append never overwrites above consumed; %" PRIu64
           " records lossless for the engine (%" PRIu64 " overflowed, %" PRIu64 " refused), external reader lapped "
           "%" PRIu64 " times, never torn\n",
           st.written, st.full_returns, st.refusals, st.ext_laps);
    tw_shm_detach(&s);
}

int main(int argc, char **argv)
{
    double seconds = cs_arg_double(argc, argv, 1, 1.0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    cs_setup_dir("exec");
    unit_geometry();
    unit_append_admit();
    stress(seconds);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Broadcast ring (md-sized slots): delivery, integrity and laps.
 *
 * Message n has length 8 * (1 + n % 14), type 1 + n % 4, instrument n * 7
 * and payload word j = mix(n * 16 + j), so any mixing of two messages shows.
 *
 * (a) keep-up: the writer never runs more than half a ring ahead of the
 *     reader; the reader must see 1, 2, 3, ... with no gap, no -EPIPE and
 *     every payload intact.
 * (b) lapped: a writer that never waits, a 64-slot ring and a reader that
 *     sleeps; the reader must be lapped (-EPIPE), each jump in the delivered
 *     sequence must equal exactly the growth of c->lost since the previous
 *     delivery (no silent gap), delivered + lost == messages published, and
 *     no delivered message is torn.
 * (b2) racing: the same on a 4-slot ring with a reader that never sleeps, so
 *     slots are overwritten while being copied (exercises the re-check).
 * (c) deterministic: 3 x slot_count messages published before a poll give
 *     -EPIPE once, then resume..head contiguous with lost == resume - 1;
 *     plus the slot_count / slot_count + 1 boundary, from_oldest cursors and
 *     publish's length checks.
 *
 * The keep-up and racing readers read through the writer's own mapping (so
 * ThreadSanitizer, which tracks virtual addresses, sees both sides); the
 * lapped reader uses its own read-only attach, like an external reader.
 *
 * usage: ring_lap [seconds=1.0]   (split between (a) and (b))
 */
#include "cstress.h"

enum { WORDS = TW_MD_PAYLOAD_MAX / 8 };

static uint64_t sum_keepup, sum_published, sum_epipes, sum_lost, sum_racing; /* for the summary line */

static uint32_t msg_len(uint64_t n) { return 8u * (uint32_t)(1 + n % WORDS); }
static uint16_t msg_type(uint64_t n) { return (uint16_t)(1 + n % 4); }
static uint16_t msg_instrument(uint64_t n) { return (uint16_t)(n * 7); }
static uint64_t msg_word(uint64_t n, uint32_t j) { return cs_mix(n * 16 + j); }

static uint64_t publish_msg(tw_ring_writer_t *w, uint64_t n)
{
    uint64_t p[WORDS];
    for (uint32_t j = 0; j < WORDS; j++)
        p[j] = msg_word(n, j);
    uint64_t got = tw_ring_publish(w, msg_type(n), msg_instrument(n), p, msg_len(n));
    if (got != n)
        FAIL("tw_ring_publish returned %" PRIu64 ", expected message number %" PRIu64, got, n);
    return got;
}

/* Checks a delivered message against its number; fails on any mismatch (a torn or mixed message). */
static void check_msg(const char *who, const tw_slot_header_t *h, const uint64_t *p)
{
    uint64_t n = h->seq;
    if (h->length != msg_len(n) || h->type != msg_type(n) || h->instrument != msg_instrument(n))
        FAIL("%s: message %" PRIu64 " has length/type/instrument %u/%u/%u, want %u/%u/%u", who, n, h->length,
             h->type, h->instrument, msg_len(n), msg_type(n), msg_instrument(n));
    for (uint32_t j = 0; j < h->length / 8; j++)
        if (p[j] != msg_word(n, j))
            FAIL("%s: TORN message %" PRIu64 ": word %u is %016" PRIx64 ", want %016" PRIx64, who, n, j, p[j],
                 msg_word(n, j));
}

/* ------------------------------------------------------------ shared run -- */

typedef struct run {
    const char *instance;
    tw_ring_writer_t w;
    double seconds;
    int backpressure;       /* (a): writer stays within half a ring of the reader */
    int sleepy;             /* (b): reader sleeps every 8 messages */
    int same_mapping;       /* reader uses the writer's mapping (TSan sees both sides), else its own */
    const void *wbase;      /* the writer's mapping */
    uint64_t want_delivered; /* writer keeps going (up to 3 s more) until the reader has taken this many */
    uint64_t delivered_live; /* atomic copy of delivered, for the writer */
    uint64_t window;
    int ready;              /* atomic: reader's cursor is positioned */
    int done;               /* atomic: writer finished */
    uint64_t final_head;    /* valid once done (acquire) */
    uint64_t acked;         /* atomic: last message the reader took */
    /* reader results */
    uint64_t delivered, epipes, lost, laps, jumps, sum_jumps, max_jump, sleeps;
} run_t;

static void *writer_main(void *arg)
{
    run_t *r = arg;
    while (!__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE))
        sched_yield();
    int64_t end = cs_now_ns() + (int64_t)(r->seconds * 1e9), hard_end = end + 3000000000LL;
    uint64_t n = 0;
    for (;;) {
        if ((n & 255) == 0) {
            int64_t now = cs_now_ns();
            if (now >= hard_end ||
                (now >= end && __atomic_load_n(&r->delivered_live, __ATOMIC_RELAXED) >= r->want_delivered))
                break;
        }
        n++;
        if (r->backpressure) {
            while (n - __atomic_load_n(&r->acked, __ATOMIC_ACQUIRE) > r->window)
                sched_yield();
        }
        publish_msg(&r->w, n);
    }
    r->final_head = n;
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void *reader_main(void *arg)
{
    run_t *r = arg;
    const char *who = r->backpressure ? "keep-up reader" : r->sleepy ? "lapped reader" : "racing reader";
    tw_shm_t s;
    memset(&s, 0, sizeof(s));
    const void *base = r->wbase;
    if (!r->same_mapping) {
        CHECK_RC(tw_shm_attach(r->instance, TW_SEG_MD, 0, &s), 0);
        base = s.base;
    }
    tw_ring_cursor_t c;
    CHECK_RC(tw_ring_cursor_init(&c, base, 0), 0);
    CHECK(c.next == 1, "%s: cursor on an empty ring starts at %" PRIu64, who, c.next);
    __atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);

    tw_slot_header_t h;
    uint64_t p[WORDS];
    uint64_t last = 0, lost_at_last = 0, idle = 0;
    int lapped_since_last = 0;
    for (;;) {
        int rc = tw_ring_poll(&c, &h, p, sizeof(p));
        if (rc == 1) {
            check_msg(who, &h, p);
            if (h.seq <= last)
                FAIL("%s: message %" PRIu64 " delivered after %" PRIu64, who, h.seq, last);
            uint64_t jump = h.seq - last - 1;
            if (jump != c.lost - lost_at_last)
                FAIL("%s: jumped from %" PRIu64 " to %" PRIu64 " (%" PRIu64 " skipped) but lost grew by %" PRIu64
                     "%s",
                     who, last, h.seq, jump, c.lost - lost_at_last, lapped_since_last ? "" : " with no -EPIPE");
            if (jump) {
                r->jumps++;
                r->sum_jumps += jump;
                if (jump > r->max_jump)
                    r->max_jump = jump;
            }
            last = h.seq;
            lost_at_last = c.lost;
            lapped_since_last = 0;
            r->delivered++;
            __atomic_store_n(&r->delivered_live, r->delivered, __ATOMIC_RELAXED);
            __atomic_store_n(&r->acked, last, __ATOMIC_RELEASE);
            if (r->sleepy && (r->delivered & 7) == 0) {
                cs_sleep_ns(100 * 1000); /* fall behind on purpose */
                r->sleeps++;
            }
        } else if (rc == -EPIPE) {
            if (r->backpressure)
                FAIL("%s: -EPIPE although the writer stayed within %" PRIu64 " of %u slots (next %" PRIu64
                     ", lost %" PRIu64 ")",
                     who, r->window, (unsigned)(c.mask + 1), c.next, c.lost);
            r->epipes++;
            if (c.laps != r->epipes)
                FAIL("%s: %" PRIu64 " -EPIPE but cursor counts %u laps", who, r->epipes, c.laps);
            if (c.lost <= lost_at_last && !lapped_since_last)
                FAIL("%s: -EPIPE without counting a loss (lost %" PRIu64 ")", who, c.lost);
            lapped_since_last = 1;
        } else if (rc == 0) {
            if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) && c.next > r->final_head)
                break;
            if ((++idle & 1023) == 0)
                sched_yield();
            else
                tw_cpu_relax();
        } else {
            FAIL("%s: tw_ring_poll returned %d", who, rc);
        }
    }
    if (c.next != r->final_head + 1)
        FAIL("%s: stopped at %" PRIu64 ", head %" PRIu64, who, c.next, r->final_head);
    r->lost = c.lost;
    r->laps = c.laps;
    tw_shm_detach(&s);
    return NULL;
}

static run_t *start_run(const char *instance, uint32_t slots, double seconds, int backpressure, int sleepy,
                        int same_mapping, uint64_t want_delivered, tw_shm_t *seg, pthread_t *wt, pthread_t *rt)
{
    run_t *r = calloc(1, sizeof(*r));
    CHECK(r != NULL, "calloc");
    r->instance = instance;
    r->seconds = seconds;
    r->backpressure = backpressure;
    r->sleepy = sleepy;
    r->window = slots / 2;
    r->same_mapping = same_mapping;
    r->want_delivered = want_delivered;
    cs_make_ring(instance, TW_SEG_MD, TW_MD_SLOT_SIZE, slots, seg);
    r->wbase = seg->base;
    CHECK_RC(tw_ring_writer_init(&r->w, seg->base), 0);
    CHECK(pthread_create(rt, NULL, reader_main, r) == 0, "pthread_create");
    CHECK(pthread_create(wt, NULL, writer_main, r) == 0, "pthread_create");
    return r;
}

static void keep_up(double seconds)
{
    tw_shm_t seg;
    pthread_t wt, rt;
    run_t *r = start_run("keepup", 1024, seconds, 1, 0, 1, 0, &seg, &wt, &rt);
    pthread_join(wt, NULL);
    pthread_join(rt, NULL);
    CHECK(r->final_head > 0, "writer published nothing");
    CHECK(r->delivered == r->final_head && r->lost == 0 && r->laps == 0 && r->jumps == 0,
          "keep-up: delivered %" PRIu64 " of %" PRIu64 ", lost %" PRIu64 ", laps %" PRIu64, r->delivered,
          r->final_head, r->lost, r->laps);
    CHECK(tw_ring_head(tw_ring_of(seg.base)) == r->final_head, "ring head %" PRIu64 " != %" PRIu64,
          tw_ring_head(tw_ring_of(seg.base)), r->final_head);
    printf("(a) keep-up: %" PRIu64 " messages, all delivered in order, intact, 0 lost\n", r->delivered);
    sum_keepup = r->delivered;
    tw_shm_detach(&seg);
    free(r);
}

static void lapped(double seconds)
{
    tw_shm_t seg;
    pthread_t wt, rt;
    run_t *r = start_run("lapped", 64, seconds, 0, 1, 0, 100, &seg, &wt, &rt);
    pthread_join(wt, NULL);
    pthread_join(rt, NULL);
    CHECK(r->epipes > 0, "lapped: a sleeping reader on 64 slots was never lapped (%" PRIu64 " messages, %" PRIu64
          " delivered)", r->final_head, r->delivered);
    CHECK(r->delivered > 0, "lapped: nothing delivered");
    CHECK(r->lost == r->sum_jumps, "lapped: lost %" PRIu64 " != sum of jumps %" PRIu64, r->lost, r->sum_jumps);
    CHECK(r->delivered + r->lost == r->final_head,
          "lapped: delivered %" PRIu64 " + lost %" PRIu64 " != published %" PRIu64, r->delivered, r->lost,
          r->final_head);
    CHECK(r->laps == r->epipes, "laps %" PRIu64 " != -EPIPE %" PRIu64, r->laps, r->epipes);
    printf("(b) lapped: %" PRIu64 " published, %" PRIu64 " delivered intact, %" PRIu64 " -EPIPE, lost %" PRIu64
           " == sum of %" PRIu64 " jumps (max %" PRIu64 ")\n",
           r->final_head, r->delivered, r->epipes, r->lost, r->jumps, r->max_jump);
    sum_published = r->final_head;
    sum_epipes = r->epipes;
    sum_lost = r->lost;
    tw_shm_detach(&seg);
    free(r);
}

/*
 * (b2) racing: a 4-slot ring and a reader that never sleeps, so the writer
 * keeps overwriting the very slot being copied: only the re-check of the
 * slot's seq after the copy keeps torn messages out.
 */
static void racing(double seconds)
{
    tw_shm_t seg;
    pthread_t wt, rt;
    run_t *r = start_run("racing", 4, seconds, 0, 0, 1, 1000, &seg, &wt, &rt);
    pthread_join(wt, NULL);
    pthread_join(rt, NULL);
    CHECK(r->delivered > 0, "racing: nothing delivered (%" PRIu64 " published)", r->final_head);
    CHECK(r->lost == r->sum_jumps && r->delivered + r->lost == r->final_head,
          "racing: delivered %" PRIu64 " + lost %" PRIu64 " vs published %" PRIu64 ", jumps %" PRIu64, r->delivered,
          r->lost, r->final_head, r->sum_jumps);
    printf("(b2) racing on 4 slots: %" PRIu64 " published, %" PRIu64 " delivered intact, %" PRIu64
           " -EPIPE, lost %" PRIu64 " == sum of jumps\n",
           r->final_head, r->delivered, r->epipes, r->lost);
    sum_racing = r->delivered;
    tw_shm_detach(&seg);
    free(r);
}

/* ---------------------------------------------------------- deterministic -- */

static void expect_run(tw_ring_cursor_t *c, uint64_t from, uint64_t to, const char *who)
{
    tw_slot_header_t h;
    uint64_t p[WORDS];
    for (uint64_t n = from; n <= to; n++) {
        int rc = tw_ring_poll(c, &h, p, sizeof(p));
        if (rc != 1 || h.seq != n)
            FAIL("%s: poll gave rc %d seq %" PRIu64 ", expected message %" PRIu64, who, rc, rc == 1 ? h.seq : 0, n);
        check_msg(who, &h, p);
    }
    CHECK_RC(tw_ring_poll(c, &h, p, sizeof(p)), 0);
}

static void deterministic(void)
{
    enum { SLOTS = 64 };
    tw_shm_t seg, ro;
    cs_make_ring("determ", TW_SEG_MD, TW_MD_SLOT_SIZE, SLOTS, &seg);
    tw_ring_writer_t w;
    CHECK_RC(tw_ring_writer_init(&w, seg.base), 0);
    CHECK_RC(tw_shm_attach("determ", TW_SEG_MD, 0, &ro), 0);

    tw_ring_cursor_t a, b, c, d;
    tw_slot_header_t h;
    uint64_t p[WORDS];
    CHECK_RC(tw_ring_cursor_init(&a, ro.base, 0), 0);
    CHECK_RC(tw_ring_cursor_init(&b, ro.base, 1), 0);
    CHECK(a.next == 1 && b.next == 1, "cursors on an empty ring: %" PRIu64 " %" PRIu64, a.next, b.next);
    CHECK_RC(tw_ring_poll(&a, &h, p, sizeof(p)), 0);

    /* publish 3 x slot_count, then poll: one -EPIPE, resume half a ring behind head */
    uint64_t head = 3 * SLOTS;
    for (uint64_t n = 1; n <= head; n++)
        publish_msg(&w, n);
    CHECK(tw_ring_head(tw_ring_of(ro.base)) == head, "head %" PRIu64, tw_ring_head(tw_ring_of(ro.base)));
    CHECK_RC(tw_ring_poll(&a, &h, p, sizeof(p)), -EPIPE);
    uint64_t resume = head + 1 - SLOTS / 2;
    CHECK(a.next == resume, "after the lap the cursor resumes at %" PRIu64 ", expected %" PRIu64, a.next, resume);
    CHECK(a.lost == resume - 1 && a.laps == 1, "lost %" PRIu64 " (want %" PRIu64 "), laps %u", a.lost, resume - 1,
          a.laps);
    expect_run(&a, resume, head, "after lap");
    CHECK(a.lost == resume - 1 && a.laps == 1, "lost changed while catching up");

    /* a from_oldest cursor made now starts at head - slot_count + 2 and reads to head without a lap */
    CHECK_RC(tw_ring_cursor_init(&c, ro.base, 1), 0);
    CHECK(c.next == head - SLOTS + 2, "from_oldest cursor at %" PRIu64, c.next);
    expect_run(&c, head - SLOTS + 2, head, "from_oldest");
    CHECK(c.lost == 0 && c.laps == 0, "from_oldest cursor lost %" PRIu64, c.lost);

    /* cursor b (made on the empty ring) also laps exactly once */
    CHECK_RC(tw_ring_poll(&b, &h, p, sizeof(p)), -EPIPE);
    CHECK(b.next == resume && b.lost == resume - 1, "cursor b resumed at %" PRIu64, b.next);
    expect_run(&b, resume, head, "cursor b");

    /* boundary: exactly slot_count messages ahead is still readable; one more laps */
    CHECK_RC(tw_ring_cursor_init(&d, ro.base, 0), 0);
    CHECK(d.next == head + 1, "new cursor at %" PRIu64, d.next);
    for (uint64_t n = head + 1; n <= head + SLOTS; n++)
        publish_msg(&w, n);
    expect_run(&d, head + 1, head + SLOTS, "exactly one ring ahead");
    head += SLOTS;
    CHECK_RC(tw_ring_cursor_init(&d, ro.base, 0), 0);
    for (uint64_t n = head + 1; n <= head + SLOTS + 1; n++)
        publish_msg(&w, n);
    CHECK_RC(tw_ring_poll(&d, &h, p, sizeof(p)), -EPIPE);
    CHECK(d.lost == SLOTS / 2 + 1, "one-past-a-ring lap lost %" PRIu64 ", want %d", d.lost, SLOTS / 2 + 1);
    expect_run(&d, head + SLOTS / 2 + 2, head + SLOTS + 1, "one past a ring");
    head += SLOTS + 1;

    /* publish refuses lengths that are not multiples of 8 or do not fit; 0 bytes is a message */
    uint64_t big[WORDS + 2] = {0};
    CHECK(tw_ring_publish(&w, 1, 1, big, TW_MD_PAYLOAD_MAX + 8) == 0, "publish of %d bytes accepted",
          TW_MD_PAYLOAD_MAX + 8);
    CHECK(tw_ring_publish(&w, 1, 1, big, 12) == 0, "publish of 12 bytes accepted");
    CHECK(tw_ring_head(tw_ring_of(ro.base)) == head, "a refused publish moved head");
    CHECK_RC(tw_ring_cursor_init(&d, ro.base, 0), 0);
    CHECK(tw_ring_publish(&w, 9, 77, big, 0) == head + 1, "empty publish");
    CHECK_RC(tw_ring_poll(&d, &h, p, sizeof(p)), 1);
    CHECK(h.seq == head + 1 && h.length == 0 && h.type == 9 && h.instrument == 77, "empty message %" PRIu64
          " len %u type %u instr %u", h.seq, h.length, h.type, h.instrument);
    head++;

    /* a small cap copies only cap bytes */
    publish_msg(&w, head + 1);
    uint64_t small[WORDS];
    memset(small, 0xEE, sizeof(small));
    CHECK_RC(tw_ring_poll(&d, &h, small, 16), 1);
    CHECK(h.seq == head + 1 && small[0] == msg_word(head + 1, 0) && small[1] == msg_word(head + 1, 1) &&
          small[2] == 0xEEEEEEEEEEEEEEEEull, "cap of 16 bytes not honoured");

    /* geometry checks */
    tw_shm_t bad;
    CHECK_RC(tw_shm_create("badgeom", TW_SEG_MD, tw_ring_region_size(128, 64), 1, &bad), 0);
    CHECK_RC(tw_ring_init(&bad, 96, 64), -EINVAL);
    CHECK_RC(tw_ring_init(&bad, 32, 64), -EINVAL);
    CHECK_RC(tw_ring_init(&bad, 128, 48), -EINVAL);
    CHECK_RC(tw_ring_init(&bad, 128, 1u << 20), -EINVAL); /* does not fit the region */
    tw_shm_detach(&bad);

    tw_shm_detach(&ro);
    tw_shm_detach(&seg);
    printf("(c) deterministic: lap of 3x%d -> -EPIPE once, resume %" PRIu64 ", lost %" PRIu64
           "; boundary, from_oldest, length checks ok\n",
           SLOTS, resume, resume - 1);
}

int main(int argc, char **argv)
{
    double seconds = cs_arg_double(argc, argv, 1, 1.0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    cs_setup_dir("ring");
    deterministic();
    keep_up(seconds * 0.4);
    lapped(seconds * 0.3);
    racing(seconds * 0.3);
    printf("ring_lap: keep-up %" PRIu64 " msgs gap-free; lapped: %" PRIu64 " -EPIPE, lost %" PRIu64 " of %" PRIu64
           " == sum of jumps; racing 4 slots: %" PRIu64 " intact; deterministic lap ok\n",
           sum_keepup, sum_epipes, sum_lost, sum_published, sum_racing);
    return 0;
}

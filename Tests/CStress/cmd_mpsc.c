/* SPDX-License-Identifier: MIT */
/*
 * Command lanes (ABI 2.0): many producers, one consumer, one SPSC lane each.
 *
 * Producer p's i-th command has command_id = p << 32 | i and every other
 * field derived from (p, i). The consumer round-robins the lanes and checks
 * each command's fields, that it came out of the lane its producer claimed at
 * that lane's next position, that producer p's commands arrive as i = 0, 1,
 * 2, ... (each exactly once, in order), and that nothing is missing.
 *
 * (a) unit: tw_cmd_init geometry refusals and layout; claim / push / pop on
 *     one process: -EPERM for a wrong token, a full lane gives -ENOBUFS
 *     (counted in rejected_full, nothing written), FIFO over wraps; -ESTALE
 *     (nothing written) when the segment is not LIVE or of another
 *     generation; -EBUSY (counted in rejected_no_lane) when every lane has a
 *     live owner; release; a lane of an exited, reaped producer is reclaimed
 *     (lanes_reclaimed).
 * (b) threads: P producer threads (one lane each) and a consumer thread, so
 *     ThreadSanitizer sees both sides of every lane.
 * (c) processes: forked producers on their own writable attach. Two steady
 *     producers; victim A pushes a few commands, then writes half of the next
 *     slot by hand (no tail store) and raises SIGKILL; victim B loops pushing
 *     until the parent SIGKILLs it. While all four own a lane, a claim gets
 *     -EBUSY. The consumer never stalls: the steady lanes keep flowing after
 *     A dies, A's half slot is never seen, B's commands arrive as a gap-free
 *     prefix; two new producers then reclaim exactly A's and B's lanes
 *     (lanes_reclaimed == 2) and their commands flow after the victims'.
 *
 * Producers stop at k commands or at a deadline, whichever comes first, so a
 * loaded machine bounds the run time; the consumer checks against what each
 * producer reports it pushed.
 *
 * usage: cmd_mpsc [commands_per_producer=200000] [producers=3] [seconds_per_part=1.0]
 */
#include "cstress.h"

#include <sys/mman.h>

enum { MAX_PRODUCERS = 8, LANE_SLOTS = 16, POISON_PRODUCER = 99 };

static uint64_t sum_threads, sum_procs, rejected_threads, rejected_procs; /* for the summary line */

static void make_cmd(uint32_t p, uint32_t i, tw_command_t *c)
{
    memset(c, 0, sizeof(*c));
    uint64_t id = ((uint64_t)p << 32) | i;
    c->command_id = id;
    c->created_ns = (int64_t)cs_mix(id);
    c->price = (int64_t)(id * 3);
    c->quantity = (int64_t)i + 1;
    c->instrument = p;
    c->op = (uint8_t)(1 + i % 3);
    c->side = (uint8_t)(1 + (i & 1));
    c->order_type = (uint8_t)(1 + (i / 3) % 3);
    c->tif = (uint8_t)(1 + (i / 9) % 3);
    c->strategy_id = p * 100 + 7;
    c->flags = i ^ 0xA5A5u;
    snprintf(c->client_order_id, sizeof(c->client_order_id), "p%u-i%u", p, i);
    c->target_id = ~id;
}

/* Fails unless the popped command is exactly producer p's command i. */
static void check_cmd(const char *who, const tw_slot_header_t *h, const tw_command_t *c, uint32_t p, uint32_t i)
{
    tw_command_t want;
    make_cmd(p, i, &want);
    if (memcmp(c, &want, sizeof(want)) != 0)
        FAIL("%s: command %" PRIx64 " (producer %u, #%u) does not match what was pushed (price %" PRId64
             ", qty %" PRId64 ", coid '%.40s')",
             who, c->command_id, p, i, c->price, c->quantity, c->client_order_id);
    if (h->length != sizeof(tw_command_t) || h->type != want.op || h->instrument != (uint16_t)p)
        FAIL("%s: slot header length/type/instrument %u/%u/%u, want %zu/%u/%u", who, h->length, h->type,
             h->instrument, sizeof(tw_command_t), want.op, p);
}

/* Pushes one command, retrying on -ENOBUFS (counted in *rejected) with a backoff; other results returned. */
static int push_retry(void *seg, uint32_t lane, uint64_t token, uint64_t gen, const tw_command_t *c,
                      uint64_t *rejected)
{
    int rc;
    uint32_t spins = 0;
    while ((rc = tw_cmd_lane_push(seg, lane, token, gen, c)) == -ENOBUFS) {
        __atomic_store_n(rejected, *rejected + 1, __ATOMIC_RELAXED); /* read by the parent after a kill */
        /* let the consumer run: 2 cores, more producers than cores */
        if (++spins < 4)
            tw_cpu_relax();
        else if (spins < 64)
            sched_yield();
        else
            cs_sleep_ns(20 * 1000);
    }
    return rc;
}

static uint64_t generation_of(void *seg)
{
    return ((tw_segment_header_t *)seg)->generation;
}

/* --------------------------------------------------------------- unit -- */

static void unit_geometry(void)
{
    tw_shm_t s;
    CHECK(tw_cmd_region_size(3, 4) == sizeof(tw_cmd_header_t) + 3 * (sizeof(tw_cmd_lane_t) + 4 * TW_CMD_SLOT_SIZE),
          "tw_cmd_region_size(3, 4) = %" PRIu64, tw_cmd_region_size(3, 4));
    CHECK_RC(tw_shm_create("geom", TW_SEG_CMD, tw_cmd_region_size(4, 8), 1, &s), 0);
    CHECK_RC(tw_cmd_init(&s, 0, 8), -EINVAL);                   /* no lane */
    CHECK_RC(tw_cmd_init(&s, TW_CMD_MAX_LANES + 1, 2), -EINVAL); /* too many lanes */
    CHECK_RC(tw_cmd_init(&s, 4, 0), -EINVAL);
    CHECK_RC(tw_cmd_init(&s, 4, 1), -EINVAL);   /* one slot: full and empty look alike to nobody, but refused */
    CHECK_RC(tw_cmd_init(&s, 4, 12), -EINVAL);  /* not a power of two */
    CHECK_RC(tw_cmd_init(&s, 4, 1u << 21), -EINVAL);
    CHECK_RC(tw_cmd_init(&s, 64, 8), -EINVAL);  /* does not fit the region */
    CHECK_RC(tw_cmd_init(&s, 4, 16), -EINVAL);  /* does not fit either */
    CHECK_RC(tw_cmd_init(&s, 4, 8), 0);
    tw_cmd_header_t *c = tw_cmd_of(s.base);
    uint64_t region = ((tw_segment_header_t *)s.base)->region_offset;
    CHECK(c->lane_count == 4 && c->lane_slots == 8 && c->slot_size == TW_CMD_SLOT_SIZE, "geometry %u x %u x %u",
          c->lane_count, c->lane_slots, c->slot_size);
    CHECK(c->lane_size == sizeof(tw_cmd_lane_t) + 8 * TW_CMD_SLOT_SIZE, "lane_size %u", c->lane_size);
    CHECK(c->lanes_offset == region + sizeof(tw_cmd_header_t), "lanes_offset %" PRIu64, c->lanes_offset);
    CHECK((uint8_t *)tw_cmd_lane(s.base, 3) + c->lane_size <= (uint8_t *)s.base + s.size, "last lane past the end");
    tw_shm_detach(&s);
    CHECK_RC(tw_shm_create("geom2", TW_SEG_CMD, tw_cmd_region_size(TW_CMD_MAX_LANES, 2), 1, &s), 0);
    CHECK_RC(tw_cmd_init(&s, TW_CMD_MAX_LANES, 2), 0);
    tw_shm_detach(&s);
}

static void unit_claim_push_pop(void)
{
    enum { SLOTS = 8 };
    tw_shm_t s, ro;
    /* Not yet LIVE: committed but STARTING. */
    CHECK_RC(tw_shm_create("unit", TW_SEG_CMD, tw_cmd_region_size(2, SLOTS), 7, &s), 0);
    CHECK_RC(tw_cmd_init(&s, 2, SLOTS), 0);
    CHECK_RC(tw_shm_commit(&s), 0);
    void *b = s.base;
    tw_segment_header_t *sh = b;
    tw_cmd_header_t *c = tw_cmd_of(b);
    uint32_t lane = 99, lane2 = 99, lane3 = 99;
    uint64_t token = 0, token2 = 0, token3 = 0;
    CHECK_RC(tw_cmd_lane_claim(b, &lane, &token), -ESTALE);
    tw_segment_set_state(sh, TW_STATE_LIVE);
    CHECK_RC(tw_shm_attach("unit", TW_SEG_CMD, 0, &ro), 0);

    CHECK_RC(tw_cmd_lane_claim(b, &lane, &token), 0);
    CHECK(lane == 0 && (token >> 32) == (uint64_t)getpid() && (uint32_t)token != 0, "claim: lane %u token %" PRIx64,
          lane, token);
    CHECK(tw_cmd_lane(b, 0)->owner == token && tw_cmd_lane(b, 0)->claimed_ns > 0, "owner word not set");

    tw_command_t cmd, got;
    tw_slot_header_t h;
    uint64_t owner;
    CHECK_RC(tw_cmd_lane_pop(b, 0, &h, &got, &owner), 0); /* empty */
    make_cmd(1, 0, &cmd);
    CHECK_RC(tw_cmd_lane_push(b, 0, token ^ 1, 7, &cmd), -EPERM);
    CHECK_RC(tw_cmd_lane_push(b, 1, token, 7, &cmd), -EPERM); /* a lane we do not own */

    uint32_t pushed = 0, popped = 0;
    for (; pushed < SLOTS; pushed++) {
        make_cmd(1, pushed, &cmd);
        CHECK_RC(tw_cmd_lane_push(b, 0, token, 7, &cmd), 0);
    }
    CHECK(tw_cmd_lane_depth(ro.base, 0) == SLOTS, "depth %" PRIu64 " of a full lane", tw_cmd_lane_depth(ro.base, 0));
    make_cmd(1, pushed, &cmd);
    CHECK_RC(tw_cmd_lane_push(b, 0, token, 7, &cmd), -ENOBUFS);
    CHECK_RC(tw_cmd_lane_push(b, 0, token, 7, &cmd), -ENOBUFS);
    CHECK(c->rejected_full == 2, "rejected_full %" PRIu64, c->rejected_full);
    CHECK(tw_cmd_lane(b, 0)->tail == SLOTS && tw_cmd_lane(b, 0)->submitted == SLOTS,
          "a refused push moved tail to %" PRIu64, tw_cmd_lane(b, 0)->tail);
    CHECK_RC(tw_cmd_lane_pop(b, 0, &h, &got, &owner), 1); /* one pop frees exactly one slot */
    CHECK(h.seq == 0 && owner == token, "position %" PRIu64 " owner %" PRIx64, h.seq, owner);
    check_cmd("unit", &h, &got, 1, popped++);
    CHECK_RC(tw_cmd_lane_push(b, 0, token, 7, &cmd), 0);
    pushed++;
    CHECK_RC(tw_cmd_lane_push(b, 0, token, 7, &cmd), -ENOBUFS);
    CHECK(c->rejected_full == 3, "rejected_full %" PRIu64, c->rejected_full);

    /* FIFO through many wrap-arounds with uneven batches */
    uint64_t rnd = 12345;
    while (pushed < 50 * SLOTS) {
        rnd = cs_mix(rnd);
        uint32_t room = SLOTS - (pushed - popped);
        for (uint32_t j = room ? 1 + (uint32_t)(rnd % room) : 0; j > 0; j--) {
            make_cmd(1, pushed++, &cmd);
            CHECK_RC(tw_cmd_lane_push(b, 0, token, 7, &cmd), 0);
        }
        for (uint32_t j = 1 + (uint32_t)((rnd >> 20) % (pushed - popped)); j > 0; j--) {
            CHECK_RC(tw_cmd_lane_pop(b, 0, &h, &got, &owner), 1);
            CHECK(h.seq == popped, "position %" PRIu64 " popped as %u", h.seq, popped);
            check_cmd("wrap", &h, &got, 1, popped++);
        }
        CHECK(tw_cmd_lane_depth(ro.base, 0) == pushed - popped, "depth %" PRIu64 ", want %u",
              tw_cmd_lane_depth(ro.base, 0), pushed - popped);
    }
    CHECK(c->rejected_full == 3, "rejected_full moved to %" PRIu64 " without a full lane", c->rejected_full);

    /* -ESTALE: stopping, dead, or a generation we did not attach to. Nothing is written. */
    uint64_t tail = tw_cmd_lane(b, 0)->tail, submitted = tw_cmd_lane(b, 0)->submitted;
    make_cmd(1, pushed, &cmd);
    tw_segment_set_state(sh, TW_STATE_STOPPING);
    CHECK_RC(tw_cmd_lane_push(b, 0, token, 7, &cmd), -ESTALE);
    CHECK_RC(tw_cmd_lane_claim(b, &lane2, &token2), -ESTALE);
    tw_segment_set_state(sh, TW_STATE_DEAD);
    CHECK_RC(tw_cmd_lane_push(b, 0, token, 7, &cmd), -ESTALE);
    tw_segment_set_state(sh, TW_STATE_LIVE);
    CHECK_RC(tw_cmd_lane_push(b, 0, token, 8, &cmd), -ESTALE);
    CHECK_RC(tw_cmd_lane_push(b, 0, token, 6, &cmd), -ESTALE);
    CHECK(tw_cmd_lane(b, 0)->tail == tail && tw_cmd_lane(b, 0)->submitted == submitted,
          "-ESTALE but tail %" PRIu64 " -> %" PRIu64, tail, tw_cmd_lane(b, 0)->tail);
    CHECK(c->rejected_full == 3, "-ESTALE counted as full");
    CHECK_RC(tw_cmd_lane_push(b, 0, token, 7, &cmd), 0);
    pushed++;

    /* -EBUSY once every lane has a live owner (two claims by one live process: both live). */
    CHECK_RC(tw_cmd_lane_claim(b, &lane2, &token2), 0);
    CHECK(lane2 == 1 && token2 != token, "second claim: lane %u token %" PRIx64, lane2, token2);
    CHECK_RC(tw_cmd_lane_claim(b, &lane3, &token3), -EBUSY);
    CHECK(c->rejected_no_lane == 1 && c->lanes_reclaimed == 0, "rejected_no_lane %" PRIu64 " reclaimed %" PRIu64,
          c->rejected_no_lane, c->lanes_reclaimed);
    /* release: only by the owner; a released lane is free (not a reclaim), its commands still flow */
    tw_cmd_lane_release(b, 0, token2);
    CHECK(tw_cmd_lane(b, 0)->owner == token, "a release with another token freed the lane");
    tw_cmd_lane_release(b, 0, token);
    CHECK(tw_cmd_lane(b, 0)->owner == 0, "release did not free the lane");
    CHECK_RC(tw_cmd_lane_push(b, 0, token, 7, &cmd), -EPERM);
    CHECK_RC(tw_cmd_lane_claim(b, &lane3, &token3), 0);
    CHECK(lane3 == 0 && c->lanes_reclaimed == 0, "claim after release: lane %u reclaimed %" PRIu64, lane3,
          c->lanes_reclaimed);
    while (popped < pushed) {
        CHECK_RC(tw_cmd_lane_pop(b, 0, &h, &got, &owner), 1);
        CHECK(h.seq == popped, "position %" PRIu64 " popped as %u", h.seq, popped);
        check_cmd("after release", &h, &got, 1, popped++);
    }
    make_cmd(2, 0, &cmd); /* the new owner continues at the lane's tail */
    CHECK_RC(tw_cmd_lane_push(b, 0, token3, 7, &cmd), 0);
    CHECK_RC(tw_cmd_lane_pop(b, 0, &h, &got, &owner), 1);
    CHECK(h.seq == pushed && owner == token3, "new owner's first command at %" PRIu64, h.seq);
    check_cmd("new owner", &h, &got, 2, 0);

    /* A producer that exits without releasing: its lane is reclaimed once it is gone (reaped). */
    tw_cmd_lane_release(b, 0, token3);
    tw_cmd_lane_release(b, 1, token2);
    fflush(stdout);
    pid_t kid = fork();
    CHECK(kid >= 0, "fork: %s", strerror(errno));
    if (kid == 0) {
        uint32_t l1, l2;
        uint64_t t1, t2;
        if (tw_cmd_lane_claim(b, &l1, &t1) != 0 || tw_cmd_lane_claim(b, &l2, &t2) != 0)
            _exit(3);
        _exit(0); /* no release */
    }
    int st;
    CHECK(waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "claiming child failed");
    CHECK((tw_cmd_lane(b, 0)->owner >> 32) == (uint64_t)kid && (tw_cmd_lane(b, 1)->owner >> 32) == (uint64_t)kid,
          "child's claims not visible");
    CHECK_RC(tw_cmd_lane_claim(b, &lane, &token), 0);
    CHECK_RC(tw_cmd_lane_claim(b, &lane2, &token2), 0);
    CHECK(c->lanes_reclaimed == 2 && lane != lane2, "reclaimed %" PRIu64 ", lanes %u %u", c->lanes_reclaimed, lane,
          lane2);
    CHECK_RC(tw_cmd_lane_claim(b, &lane3, &token3), -EBUSY);
    CHECK(c->rejected_no_lane == 2, "rejected_no_lane %" PRIu64, c->rejected_no_lane);
    tw_shm_detach(&ro);
    tw_shm_detach(&s);
    printf("(a) unit: geometry refusals; -EPERM, -ENOBUFS (counted, nothing written), FIFO over %u commands, "
           "-ESTALE (state, generation), -EBUSY (counted), release, reclaim of an exited producer's lanes\n",
           pushed);
}

/* -------------------------------------------------------- consumer core -- */

/* A producer, as the consumer sees it (shared with forked children through a MAP_SHARED mapping). */
typedef struct producer {
    uint64_t token;    /* valid once claimed */
    uint32_t lane;
    uint32_t claimed;  /* atomic: release after token and lane */
    int32_t claim_rc;
    uint32_t done;     /* atomic: release after pushed and rejected are final */
    uint64_t pushed;   /* atomic relaxed while running */
    uint64_t rejected; /* -ENOBUFS seen, atomic relaxed while running */
} producer_t;

typedef struct control {
    uint32_t go, quit; /* atomic: release by the parent */
    producer_t p[MAX_PRODUCERS];
} control_t;

typedef struct consumer {
    const char *who;
    void *seg;
    control_t *ctl;
    uint32_t nprod;
    uint32_t next[MAX_PRODUCERS];    /* next command number expected from each producer */
    uint64_t lane_pos[TW_CMD_MAX_LANES];
    uint64_t consumed, misattributed[MAX_PRODUCERS];
    int64_t last_progress;
} consumer_t;

/* One round: at most one command from each lane. Returns how many were taken. */
static uint32_t consume_round(consumer_t *cs)
{
    tw_cmd_header_t *hdr = tw_cmd_of(cs->seg);
    tw_slot_header_t h;
    tw_command_t c;
    uint64_t owner;
    uint32_t took = 0;
    for (uint32_t lane = 0; lane < hdr->lane_count; lane++) {
        int rc = tw_cmd_lane_pop(cs->seg, lane, &h, &c, &owner);
        if (rc == 0)
            continue;
        if (rc != 1)
            FAIL("%s: tw_cmd_lane_pop returned %d", cs->who, rc);
        uint32_t p = (uint32_t)(c.command_id >> 32), i = (uint32_t)c.command_id;
        if (p >= cs->nprod)
            FAIL("%s: lane %u position %" PRIu64 ": command %" PRIx64 " from unknown producer %u%s", cs->who, lane,
                 h.seq, c.command_id, p, p == POISON_PRODUCER ? " (the HALF-WRITTEN slot of a killed producer)" : "");
        producer_t *pr = &cs->ctl->p[p];
        if (pr->lane != lane)
            FAIL("%s: producer %u's command came out of lane %u, it claimed lane %u", cs->who, p, lane, pr->lane);
        if (h.seq != cs->lane_pos[lane])
            FAIL("%s: lane %u: command at position %" PRIu64 " popped as the %" PRIu64 "th", cs->who, lane, h.seq,
                 cs->lane_pos[lane]);
        if (i != cs->next[p])
            FAIL("%s: producer %u: got #%u, expected #%u (%s)", cs->who, p, i, cs->next[p],
                 i < cs->next[p] ? "DUPLICATE or reordered" : "LOST or reordered");
        check_cmd(cs->who, &h, &c, p, i);
        if (owner != pr->token)
            cs->misattributed[p]++;
        cs->next[p]++;
        cs->lane_pos[lane]++;
        cs->consumed++;
        took++;
    }
    if (took)
        cs->last_progress = cs_now_ns();
    else if (cs_now_ns() - cs->last_progress > 20 * 1000000000LL)
        FAIL("%s: no command for 20 s; consumed %" PRIu64, cs->who, cs->consumed);
    return took;
}

/* Idle backoff of a consumer that found every lane empty. */
static void consumer_idle(uint32_t *idle)
{
    if (++*idle < 64)
        tw_cpu_relax();
    else if (*idle < 4096)
        sched_yield();
    else
        cs_sleep_ns(10 * 1000);
}

/* True once producer p is done and every command it pushed was taken. */
static int drained(const consumer_t *cs, uint32_t p)
{
    const producer_t *pr = &cs->ctl->p[p];
    return __atomic_load_n(&pr->done, __ATOMIC_ACQUIRE) && cs->next[p] == pr->pushed;
}

/* Claims a lane and pushes producer p's commands 0.. up to k, stopping early at the deadline. */
static void produce(void *seg, uint32_t p, uint32_t k, int64_t deadline, control_t *ctl)
{
    producer_t *pr = &ctl->p[p];
    uint64_t gen = generation_of(seg);
    int rc = tw_cmd_lane_claim(seg, &pr->lane, &pr->token);
    pr->claim_rc = rc;
    __atomic_store_n(&pr->claimed, 1, __ATOMIC_RELEASE); /* pairs with the parent's acquire */
    if (rc != 0)
        FAIL("producer %u: tw_cmd_lane_claim returned %d: %s", p, rc, tw_error_message());
    while (!__atomic_load_n(&ctl->go, __ATOMIC_ACQUIRE)) /* pairs with the parent's release */
        sched_yield();
    tw_command_t c;
    uint32_t i = 0;
    for (; i < k; i++) {
        if ((i & 63) == 0 && i > 0 && cs_now_ns() >= deadline)
            break;
        make_cmd(p, i, &c);
        rc = push_retry(seg, pr->lane, pr->token, gen, &c, &pr->rejected);
        if (rc != 0)
            FAIL("producer %u: tw_cmd_lane_push returned %d", p, rc);
        __atomic_store_n(&pr->pushed, i + 1, __ATOMIC_RELAXED); /* progress, read by the parent */
    }
    __atomic_store_n(&pr->done, 1, __ATOMIC_RELEASE); /* pairs with drained()'s acquire */
}

/* ------------------------------------------------------------- threads -- */

typedef struct producer_arg {
    void *seg;
    control_t *ctl;
    uint32_t p, k;
    int64_t deadline;
} producer_arg_t;

static void *producer_main(void *arg)
{
    producer_arg_t *a = arg;
    produce(a->seg, a->p, a->k, a->deadline, a->ctl);
    return NULL;
}

static void *consumer_main(void *arg)
{
    consumer_t *cs = arg;
    uint32_t idle = 0;
    for (;;) {
        if (consume_round(cs)) {
            idle = 0;
            continue;
        }
        uint32_t all = 1;
        for (uint32_t p = 0; p < cs->nprod && all; p++)
            all = drained(cs, p);
        if (all)
            return NULL;
        consumer_idle(&idle);
    }
}

static void threads(uint32_t nprod, uint32_t k, double seconds)
{
    tw_shm_t seg;
    cs_make_cmd("threads", nprod + 1, LANE_SLOTS, 3, &seg);
    static control_t ctl;
    memset(&ctl, 0, sizeof(ctl));
    consumer_t cs = {.who = "threads", .seg = seg.base, .ctl = &ctl, .nprod = nprod, .last_progress = cs_now_ns()};
    producer_arg_t args[MAX_PRODUCERS];
    pthread_t pt[MAX_PRODUCERS], ct;
    int64_t t0 = cs_now_ns();
    for (uint32_t p = 0; p < nprod; p++) {
        args[p] = (producer_arg_t){.seg = seg.base, .ctl = &ctl, .p = p, .k = k,
                                   .deadline = t0 + (int64_t)(seconds * 1e9)};
        CHECK(pthread_create(&pt[p], NULL, producer_main, &args[p]) == 0, "pthread_create");
    }
    for (uint32_t p = 0; p < nprod; p++)
        while (!__atomic_load_n(&ctl.p[p].claimed, __ATOMIC_ACQUIRE)) /* pairs with produce()'s release */
            sched_yield();
    __atomic_store_n(&ctl.go, 1, __ATOMIC_RELEASE); /* pairs with produce()'s acquire */
    CHECK(pthread_create(&ct, NULL, consumer_main, &cs) == 0, "pthread_create");
    for (uint32_t p = 0; p < nprod; p++)
        pthread_join(pt[p], NULL);
    pthread_join(ct, NULL);
    uint64_t pushed = 0, rejected = 0;
    for (uint32_t p = 0; p < nprod; p++) {
        CHECK(ctl.p[p].pushed > 0, "threads: producer %u pushed nothing", p);
        CHECK(cs.misattributed[p] == 0, "threads: %" PRIu64 " of producer %u's commands carried another owner",
              cs.misattributed[p], p);
        pushed += ctl.p[p].pushed;
        rejected += ctl.p[p].rejected;
    }
    tw_cmd_header_t *h = tw_cmd_of(seg.base);
    CHECK(h->rejected_full == rejected, "threads: rejected_full %" PRIu64 " but producers saw %" PRIu64 " -ENOBUFS",
          h->rejected_full, rejected);
    for (uint32_t lane = 0; lane <= nprod; lane++)
        CHECK(tw_cmd_lane_depth(seg.base, lane) == 0, "threads: lane %u not drained", lane);
    printf("(b) threads: %u producers, %" PRIu64 " commands in %.2fs: all exactly once, in order, per lane; %" PRIu64
           " -ENOBUFS == rejected_full\n",
           nprod, pushed, (double)(cs_now_ns() - t0) / 1e9, rejected);
    sum_threads = pushed;
    rejected_threads = rejected;
    tw_shm_detach(&seg);
}

/* ----------------------------------------------------------- processes -- */

enum { STEADY0 = 0, STEADY1 = 1, VICTIM_A = 2, VICTIM_B = 3, RECLAIM_C = 4, RECLAIM_D = 5, NPROC = 6 };
enum { A_PUSHES = 5, B_KILL_AFTER = 300 };

/* Victim A: a few commands, then half of the next slot written by hand, then SIGKILL before any tail store. */
static void victim_half_slot(void *seg, control_t *ctl)
{
    producer_t *pr = &ctl->p[VICTIM_A];
    produce(seg, VICTIM_A, A_PUSHES, INT64_MAX, ctl);
    tw_cmd_header_t *c = tw_cmd_of(seg);
    tw_cmd_lane_t *l = tw_cmd_lane(seg, pr->lane);
    uint64_t tail = __atomic_load_n(&l->tail, __ATOMIC_RELAXED);
    uint8_t *slot = (uint8_t *)(l + 1) + (tail & (c->lane_slots - 1u)) * c->slot_size;
    tw_command_t poison;
    make_cmd(POISON_PRODUCER, 0, &poison);
    uint64_t meta = (uint64_t)sizeof(poison) | ((uint64_t)poison.op << 32) | ((uint64_t)POISON_PRODUCER << 48);
    __atomic_store_n((uint64_t *)slot, tail, __ATOMIC_RELAXED);
    __atomic_store_n((uint64_t *)slot + 1, meta, __ATOMIC_RELAXED);
    tw_copy_to_shared(slot + sizeof(tw_slot_header_t), &poison, (uint32_t)sizeof(poison) / 2);
    raise(SIGKILL); /* between the slot copy and the tail store */
    _exit(4);
}

static pid_t spawn(uint32_t p, uint32_t k, int64_t deadline, control_t *ctl)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid != 0)
        return pid;
    tw_shm_t mine;
    CHECK_RC(tw_shm_attach("procs", TW_SEG_CMD, 1, &mine), 0);
    if (p == VICTIM_A)
        victim_half_slot(mine.base, ctl);
    produce(mine.base, p, p == VICTIM_B ? UINT32_MAX : k, p == VICTIM_B ? INT64_MAX : deadline, ctl);
    while (!__atomic_load_n(&ctl->quit, __ATOMIC_ACQUIRE)) /* stay alive (own the lane) until told */
        cs_sleep_ns(1000 * 1000);
    _exit(0);
}

static void wait_claimed(control_t *ctl, uint32_t p, pid_t pid)
{
    int64_t t0 = cs_now_ns();
    while (!__atomic_load_n(&ctl->p[p].claimed, __ATOMIC_ACQUIRE)) { /* pairs with produce()'s release */
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            FAIL("producer %u (pid %d) ended before claiming a lane", p, (int)pid);
        CHECK(cs_now_ns() - t0 < 20 * 1000000000LL, "producer %u did not claim within 20 s", p);
        cs_sleep_ns(100 * 1000);
    }
    CHECK(ctl->p[p].claim_rc == 0, "producer %u: claim returned %d", p, ctl->p[p].claim_rc);
}

/* Reaps a victim that must have died of SIGKILL. */
static void reap_killed(pid_t pid, const char *what)
{
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "%s ended with %s %d, expected SIGKILL", what,
          WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* Fails if a producer that must stay alive until `quit` has ended. */
static void check_alive(pid_t *kids, const uint32_t *which, uint32_t n)
{
    for (uint32_t j = 0; j < n; j++) {
        int st;
        pid_t pid = kids[which[j]];
        if (pid > 0 && waitpid(pid, &st, WNOHANG) == pid)
            FAIL("producer %u (pid %d) ended early with %s %d", which[j], (int)pid,
                 WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }
}

static void processes(uint32_t k, double seconds)
{
    tw_shm_t created, seg;
    cs_make_cmd("procs", 4, LANE_SLOTS, 11, &created);
    tw_shm_detach(&created); /* everyone works on their own attach, like separate programs */
    CHECK_RC(tw_shm_attach("procs", TW_SEG_CMD, 1, &seg), 0);
    tw_cmd_header_t *hdr = tw_cmd_of(seg.base);
    control_t *ctl = mmap(NULL, sizeof(control_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(ctl != MAP_FAILED, "mmap: %s", strerror(errno));
    memset(ctl, 0, sizeof(*ctl));
    consumer_t cs = {.who = "processes", .seg = seg.base, .ctl = ctl, .nprod = NPROC, .last_progress = cs_now_ns()};

    pid_t kids[NPROC] = {0};
    int64_t t0 = cs_now_ns(), deadline = t0 + (int64_t)(seconds * 1e9);
    for (uint32_t p = STEADY0; p <= VICTIM_B; p++) {
        kids[p] = spawn(p, k, deadline, ctl);
        wait_claimed(ctl, p, kids[p]);
    }
    /* every lane owned by a live producer */
    uint32_t lane;
    uint64_t token;
    CHECK_RC(tw_cmd_lane_claim(seg.base, &lane, &token), -EBUSY);
    CHECK(hdr->rejected_no_lane == 1, "rejected_no_lane %" PRIu64, hdr->rejected_no_lane);
    __atomic_store_n(&ctl->go, 1, __ATOMIC_RELEASE); /* pairs with produce()'s acquire */

    int a_dead = 0, b_dead = 0, reclaimers = 0;
    uint64_t steady_after_a = 0, steady_mark = 0, b_final = 0;
    uint32_t idle = 0;
    const uint32_t live_set[] = {STEADY0, STEADY1, RECLAIM_C, RECLAIM_D};
    for (;;) {
        if (consume_round(&cs))
            idle = 0;
        else
            consumer_idle(&idle);
        if (!a_dead) {
            int st;
            pid_t r = waitpid(kids[VICTIM_A], &st, WNOHANG);
            if (r == kids[VICTIM_A]) {
                CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "victim A did not die of SIGKILL");
                a_dead = 1;
                steady_mark = cs.next[STEADY0] + cs.next[STEADY1];
            }
        }
        if (!b_dead && __atomic_load_n(&ctl->p[VICTIM_B].pushed, __ATOMIC_RELAXED) >= B_KILL_AFTER) {
            kill(kids[VICTIM_B], SIGKILL); /* somewhere in its push loop */
            reap_killed(kids[VICTIM_B], "victim B");
            b_dead = 1;
            b_final = __atomic_load_n(&tw_cmd_lane(seg.base, ctl->p[VICTIM_B].lane)->tail, __ATOMIC_ACQUIRE);
        }
        if (a_dead && b_dead && !reclaimers && cs.next[VICTIM_A] == A_PUSHES && cs.next[VICTIM_B] == b_final) {
            CHECK(tw_cmd_lane(seg.base, ctl->p[VICTIM_A].lane)->tail == A_PUSHES, "victim A's tail moved");
            /* both victims drained; the half slot was never seen. New producers take their lanes. */
            for (uint32_t p = RECLAIM_C; p <= RECLAIM_D; p++) {
                kids[p] = spawn(p, k, cs_now_ns() + (int64_t)(seconds * 1e9), ctl);
                wait_claimed(ctl, p, kids[p]);
            }
            reclaimers = 1;
        }
        if ((idle & 1023) == 1023 || (cs.consumed & 4095) == 0)
            check_alive(kids, live_set, 4);
        if (reclaimers && drained(&cs, STEADY0) && drained(&cs, STEADY1) && drained(&cs, RECLAIM_C) &&
            drained(&cs, RECLAIM_D))
            break;
    }
    check_alive(kids, live_set, 4);
    steady_after_a = cs.next[STEADY0] + cs.next[STEADY1] - steady_mark;
    __atomic_store_n(&ctl->quit, 1, __ATOMIC_RELEASE); /* pairs with the children's acquire */
    for (uint32_t j = 0; j < 4; j++) {
        int st;
        pid_t pid = kids[live_set[j]];
        CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "producer %u ended with %s %d", live_set[j],
              WIFEXITED(st) ? "status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }

    uint32_t la = ctl->p[VICTIM_A].lane, lb = ctl->p[VICTIM_B].lane, lc = ctl->p[RECLAIM_C].lane,
             ld = ctl->p[RECLAIM_D].lane;
    CHECK((lc == la && ld == lb) || (lc == lb && ld == la), "reclaimers took lanes %u and %u, victims had %u and %u",
          lc, ld, la, lb);
    CHECK(hdr->lanes_reclaimed == 2, "lanes_reclaimed %" PRIu64 ", want 2", hdr->lanes_reclaimed);
    CHECK(steady_after_a > 0, "no steady command was consumed after victim A died");
    CHECK(b_final >= B_KILL_AFTER && cs.next[VICTIM_B] == b_final, "victim B: %u consumed, tail %" PRIu64,
          cs.next[VICTIM_B], b_final);
    uint64_t known = 0, pushed = 0;
    for (uint32_t p = 0; p < NPROC; p++) {
        pushed += cs.next[p];
        if (p != VICTIM_B)
            known += ctl->p[p].rejected;
        if (p != VICTIM_A && p != VICTIM_B)
            CHECK(cs.misattributed[p] == 0, "%" PRIu64 " of live producer %u's commands carried another owner",
                  cs.misattributed[p], p);
    }
    /* B may die between the counter's fetch_add and its own count */
    uint64_t b_rej = ctl->p[VICTIM_B].rejected;
    CHECK(hdr->rejected_full >= known + b_rej && hdr->rejected_full <= known + b_rej + 1,
          "rejected_full %" PRIu64 ", producers saw %" PRIu64 " -ENOBUFS", hdr->rejected_full, known + b_rej);
    for (uint32_t l = 0; l < 4; l++)
        CHECK(tw_cmd_lane_depth(seg.base, l) == 0, "lane %u not drained", l);
    printf("(c) processes: 2 steady + 2 killed (half slot; mid-loop after %u) + 2 reclaimers, %" PRIu64
           " commands in %.2fs: exactly once, in order; %" PRIu64 " steady commands flowed after the kill; "
           "-EBUSY counted; lanes_reclaimed 2; rejected_full %" PRIu64 "\n",
           cs.next[VICTIM_B], pushed, (double)(cs_now_ns() - t0) / 1e9, steady_after_a, hdr->rejected_full);
    sum_procs = pushed;
    rejected_procs = hdr->rejected_full;
    munmap(ctl, sizeof(control_t));
    tw_shm_detach(&seg);
}

int main(int argc, char **argv)
{
    uint32_t k = (uint32_t)cs_arg_u64(argc, argv, 1, 200000);
    uint32_t nprod = (uint32_t)cs_arg_u64(argc, argv, 2, 3);
    double seconds = cs_arg_double(argc, argv, 3, 1.0);
    if (nprod > MAX_PRODUCERS)
        nprod = MAX_PRODUCERS;
    setvbuf(stdout, NULL, _IOLBF, 0);
    cs_setup_dir("cmd");
    unit_geometry();
    unit_claim_push_pop();
    threads(nprod, k, seconds);
    processes(k, seconds);
    printf("cmd_mpsc: lanes: %" PRIu64 " commands via %u threads and %" PRIu64 " via 6 processes (2 SIGKILLed, "
           "2 reclaimers): each exactly once, in order; -ENOBUFS == rejected_full (%" PRIu64 ", %" PRIu64
           "); -ESTALE, -EBUSY, -EPERM, geometry ok\n",
           sum_threads, nprod, sum_procs, rejected_threads, rejected_procs);
    return 0;
}

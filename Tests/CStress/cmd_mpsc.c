/* SPDX-License-Identifier: MIT */
/*
 * Command ring: many producers, one consumer (Vyukov bounded queue).
 *
 * Producer p's i-th command has command_id = p << 32 | i and every other
 * field derived from (p, i). The consumer checks each command's fields, that
 * producer p's commands arrive as i = 0, 1, 2, ... (so each exactly once and
 * in order), that nothing is missing at the end, and that the ring's
 * rejected_full equals the number of -ENOBUFS the producers saw.
 *
 * (a) threads: P producer threads and one consumer thread, 16-slot ring.
 * (b) processes: the segment lives in a private TICKWIRE_SHM_DIR; P forked
 *     children attach it writable and push; the parent consumes from its own
 *     writable attach. Children report their counts through a shared
 *     anonymous mapping and must exit 0.
 * (c) full ring, single-threaded: slot_count pushes succeed, the next one is
 *     -ENOBUFS and counted; one pop frees exactly one slot; FIFO over many
 *     wrap-arounds; positions in hdr->seq; geometry checks.
 * (d) smallest rings: a 2-slot ring holds exactly 2 commands, FIFO across
 *     wraps; a 1-slot ring must be refused by tw_cmd_ring_init, or else hold
 *     one command and reject the next push. (With one slot, seq == pos + 1
 *     means both "holds the command at pos" and "free for the producer of
 *     pos + 1", so a second push overwrites the unconsumed command.)
 *
 * Producers stop at k commands or at a deadline, whichever comes first, so
 * a loaded machine bounds the run time; the consumer checks against what
 * each producer reports it pushed.
 *
 * usage: cmd_mpsc [commands_per_producer=300000] [producers=3] [seconds_per_part=2]
 */
#include "cstress.h"

#include <sys/mman.h>

enum { MAX_PRODUCERS = 8, RING_SLOTS = 16 };

static uint64_t rejected_threads, rejected_procs, sum_threads, sum_procs; /* for the summary line */

static void make_cmd(uint32_t p, uint32_t i, tw_command_t *c, uint16_t *op)
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
    *op = c->op;
}

/* Fails unless the popped command is exactly producer p's command i. */
static void check_cmd(const char *who, const tw_slot_header_t *h, const tw_command_t *c, uint32_t p, uint32_t i)
{
    tw_command_t want;
    uint16_t op;
    make_cmd(p, i, &want, &op);
    if (memcmp(c, &want, sizeof(want)) != 0)
        FAIL("%s: command %" PRIx64 " (producer %u, #%u) does not match what was pushed (price %" PRId64
             ", qty %" PRId64 ", coid '%.40s')",
             who, c->command_id, p, i, c->price, c->quantity, c->client_order_id);
    if (h->length != sizeof(tw_command_t) || h->type != op || h->instrument != (uint16_t)p)
        FAIL("%s: slot header length/type/instrument %u/%u/%u, want %zu/%u/%u", who, h->length, h->type,
             h->instrument, sizeof(tw_command_t), op, p);
}

/*
 * A producer's progress, shared with the consumer (in plain memory for
 * threads, in a MAP_SHARED anonymous mapping for forked children).
 */
typedef struct progress {
    uint64_t pushed;   /* final number of commands pushed, valid once done */
    uint64_t rejected; /* final number of -ENOBUFS seen, valid once done */
    uint32_t done;     /* atomic; release after the two above */
    uint32_t pad;
} progress_t;

/*
 * Pushes producer p's commands 0, 1, ... up to k of them, stopping early at
 * the deadline (checked every 64 commands, so a loaded machine bounds the run
 * time, not the count); retries on -ENOBUFS, counting each.
 */
static void produce(void *seg, uint32_t p, uint32_t k, int64_t deadline, progress_t *pr)
{
    uint64_t rejected = 0;
    tw_command_t c;
    uint16_t op;
    uint32_t i = 0;
    for (; i < k; i++) {
        if ((i & 63) == 0 && i > 0 && cs_now_ns() >= deadline)
            break;
        make_cmd(p, i, &c, &op);
        int rc;
        uint32_t spins = 0;
        while ((rc = tw_cmd_push(seg, op, &c)) == -ENOBUFS) {
            rejected++;
            /* let the consumer run: 2 cores, more threads than cores */
            if (++spins < 4)
                tw_cpu_relax();
            else if (spins < 64)
                sched_yield();
            else
                cs_sleep_ns(20 * 1000);
        }
        if (rc != 0)
            FAIL("producer %u: tw_cmd_push returned %d", p, rc);
    }
    pr->pushed = i;
    pr->rejected = rejected;
    __atomic_store_n(&pr->done, 1, __ATOMIC_RELEASE);
}

/* -------------------------------------------------------- consumer core -- */

typedef struct consumer {
    const char *who;
    void *seg;
    uint32_t producers, first_producer;
    progress_t *progress;      /* one per producer */
    uint32_t next[MAX_PRODUCERS];
    uint64_t consumed, empty_polls, pushed, rejected;
    pid_t *children;           /* (b): checked while waiting */
    int *reaped;
} consumer_t;

static void check_children_alive(consumer_t *cs)
{
    for (uint32_t j = 0; j < cs->producers; j++) {
        if (cs->reaped[j])
            continue;
        int st;
        pid_t r = waitpid(cs->children[j], &st, WNOHANG);
        if (r == cs->children[j]) {
            cs->reaped[j] = st + 1; /* remember status (+1 so 0 means not reaped) */
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                for (uint32_t m = 0; m < cs->producers; m++)
                    if (!cs->reaped[m])
                        kill(cs->children[m], SIGKILL);
                FAIL("%s: producer child %u (pid %d) ended with %s %d while %" PRIu64 " commands were consumed",
                     cs->who, j, (int)cs->children[j], WIFEXITED(st) ? "exit status" : "signal",
                     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), cs->consumed);
            }
        }
    }
}

/* When every producer is done: the total they pushed (and sums their rejections), else UINT64_MAX. */
static uint64_t total_if_done(consumer_t *cs)
{
    uint64_t total = 0, rejected = 0;
    for (uint32_t j = 0; j < cs->producers; j++) {
        if (!__atomic_load_n(&cs->progress[j].done, __ATOMIC_ACQUIRE))
            return UINT64_MAX;
        total += cs->progress[j].pushed;
        rejected += cs->progress[j].rejected;
    }
    cs->pushed = total;
    cs->rejected = rejected;
    return total;
}

static void consume_all(consumer_t *cs)
{
    tw_slot_header_t h;
    tw_command_t c;
    int64_t last_progress = 0;
    uint32_t idle = 0;
    for (;;) {
        int rc = tw_cmd_pop(cs->seg, &h, &c);
        if (rc == 1) {
            if (h.seq != cs->consumed)
                FAIL("%s: command at position %" PRIu64 " popped as the %" PRIu64 "th", cs->who, h.seq,
                     cs->consumed);
            uint32_t p = (uint32_t)(c.command_id >> 32), i = (uint32_t)c.command_id;
            if (p < cs->first_producer || p >= cs->first_producer + cs->producers)
                FAIL("%s: command %" PRIx64 " from unknown producer %u", cs->who, c.command_id, p);
            uint32_t *next = &cs->next[p - cs->first_producer];
            if (i != *next)
                FAIL("%s: producer %u: got #%u, expected #%u (%s)", cs->who, p, i, *next,
                     i < *next ? "DUPLICATE or reordered" : "LOST or reordered");
            check_cmd(cs->who, &h, &c, p, i);
            (*next)++;
            cs->consumed++;
            last_progress = 0;
            idle = 0;
            continue;
        }
        if (rc != 0)
            FAIL("%s: tw_cmd_pop returned %d", cs->who, rc);
        /* empty: finished when every producer is done and everything they pushed was taken */
        if (total_if_done(cs) == cs->consumed)
            break;
        cs->empty_polls++;
        if ((++idle & 255) == 0) {
            int64_t now = cs_now_ns();
            if (last_progress == 0)
                last_progress = now;
            else if (now - last_progress > 20 * 1000000000LL)
                FAIL("%s: no command for 20 s; consumed %" PRIu64 ", tail %" PRIu64 " head %" PRIu64, cs->who,
                     cs->consumed, tw_cmd_ring_of(cs->seg)->tail, tw_cmd_ring_of(cs->seg)->head);
            if (cs->children)
                check_children_alive(cs);
            if (idle >= 4096)
                cs_sleep_ns(10 * 1000);
            else
                sched_yield();
        } else {
            tw_cpu_relax();
        }
    }
    for (uint32_t j = 0; j < cs->producers; j++) {
        if (cs->next[j] != cs->progress[j].pushed)
            FAIL("%s: producer %u pushed %" PRIu64 " but %u arrived", cs->who, cs->first_producer + j,
                 cs->progress[j].pushed, cs->next[j]);
        if (cs->progress[j].pushed == 0)
            FAIL("%s: producer %u pushed nothing", cs->who, cs->first_producer + j);
    }
    CHECK_RC(tw_cmd_pop(cs->seg, &h, &c), 0);
}

static void check_ring_end(const char *who, void *seg, uint64_t total, uint64_t rejected)
{
    tw_cmd_ring_header_t *r = tw_cmd_ring_of(seg);
    uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED), head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
    uint64_t rej = __atomic_load_n(&r->rejected_full, __ATOMIC_RELAXED);
    CHECK(tail == total && head == total, "%s: tail %" PRIu64 " head %" PRIu64 ", want %" PRIu64, who, tail, head,
          total);
    CHECK(tw_cmd_depth(seg) == 0, "%s: depth %" PRIu64, who, tw_cmd_depth(seg));
    CHECK(rej == rejected, "%s: rejected_full %" PRIu64 " but producers saw %" PRIu64 " -ENOBUFS", who, rej, rejected);
}

/* ------------------------------------------------------------- threads -- */

typedef struct producer_arg {
    void *seg;
    uint32_t p, k;
    int64_t deadline;
    progress_t *progress;
} producer_arg_t;

static void *producer_main(void *arg)
{
    producer_arg_t *a = arg;
    produce(a->seg, a->p, a->k, a->deadline, a->progress);
    return NULL;
}

static void *consumer_main(void *arg)
{
    consume_all(arg);
    return NULL;
}

static void threads(uint32_t nprod, uint32_t k, double seconds)
{
    tw_shm_t seg;
    cs_make_cmd("threads", RING_SLOTS, &seg);
    progress_t progress[MAX_PRODUCERS];
    memset(progress, 0, sizeof(progress));
    consumer_t cs = {.who = "threads", .seg = seg.base, .producers = nprod, .first_producer = 0,
                     .progress = progress};
    producer_arg_t args[MAX_PRODUCERS];
    pthread_t pt[MAX_PRODUCERS], ct;
    int64_t t0 = cs_now_ns();
    CHECK(pthread_create(&ct, NULL, consumer_main, &cs) == 0, "pthread_create");
    for (uint32_t p = 0; p < nprod; p++) {
        args[p] = (producer_arg_t){.seg = seg.base, .p = p, .k = k, .deadline = t0 + (int64_t)(seconds * 1e9),
                                   .progress = &progress[p]};
        CHECK(pthread_create(&pt[p], NULL, producer_main, &args[p]) == 0, "pthread_create");
    }
    for (uint32_t p = 0; p < nprod; p++)
        pthread_join(pt[p], NULL);
    pthread_join(ct, NULL);
    check_ring_end("threads", seg.base, cs.pushed, cs.rejected);
    printf("(a) threads: %u producers, %" PRIu64 " commands in %.2fs: all exactly once, in order; %" PRIu64
           " -ENOBUFS == rejected_full\n",
           nprod, cs.pushed, (double)(cs_now_ns() - t0) / 1e9, cs.rejected);
    sum_threads = cs.pushed;
    rejected_threads = cs.rejected;
    tw_shm_detach(&seg);
}

/* ----------------------------------------------------------- processes -- */

enum { FIRST_CHILD_PRODUCER = 10 };

static void processes(uint32_t nprod, uint32_t k, double seconds)
{
    tw_shm_t created, seg;
    cs_make_cmd("procs", RING_SLOTS, &created);
    tw_shm_detach(&created); /* everyone works on their own attach, like separate programs */
    CHECK_RC(tw_shm_attach("procs", TW_SEG_CMD, 1, &seg), 0);
    CHECK(seg.writable == 1, "writable attach not writable");
    progress_t *progress = mmap(NULL, sizeof(progress_t) * MAX_PRODUCERS, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(progress != MAP_FAILED, "mmap: %s", strerror(errno));

    pid_t kids[MAX_PRODUCERS];
    int reaped[MAX_PRODUCERS] = {0};
    fflush(stdout);
    fflush(stderr);
    int64_t t0 = cs_now_ns(), deadline = t0 + (int64_t)(seconds * 1e9);
    for (uint32_t j = 0; j < nprod; j++) {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork: %s", strerror(errno));
        if (pid == 0) {
            tw_shm_t mine;
            CHECK_RC(tw_shm_attach("procs", TW_SEG_CMD, 1, &mine), 0);
            produce(mine.base, FIRST_CHILD_PRODUCER + j, k, deadline, &progress[j]);
            tw_shm_detach(&mine);
            _exit(0);
        }
        kids[j] = pid;
    }
    consumer_t cs = {.who = "processes", .seg = seg.base, .producers = nprod,
                     .first_producer = FIRST_CHILD_PRODUCER, .progress = progress, .children = kids,
                     .reaped = reaped};
    consume_all(&cs);

    for (uint32_t j = 0; j < nprod; j++) {
        int st;
        if (reaped[j]) {
            st = reaped[j] - 1;
        } else {
            CHECK(waitpid(kids[j], &st, 0) == kids[j], "waitpid: %s", strerror(errno));
        }
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %u ended with %s %d", j,
              WIFEXITED(st) ? "status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }
    check_ring_end("processes", seg.base, cs.pushed, cs.rejected);
    printf("(b) processes: %u children, %" PRIu64 " commands in %.2fs: all exactly once, in order; %" PRIu64
           " -ENOBUFS == rejected_full; children exited 0\n",
           nprod, cs.pushed, (double)(cs_now_ns() - t0) / 1e9, cs.rejected);
    sum_procs = cs.pushed;
    rejected_procs = cs.rejected;
    munmap(progress, sizeof(progress_t) * MAX_PRODUCERS);
    tw_shm_detach(&seg);
}

/* ----------------------------------------------------------- full ring -- */

static void full_ring(void)
{
    enum { SLOTS = 8 };
    tw_shm_t seg, ro;
    cs_make_cmd("full", SLOTS, &seg);
    CHECK_RC(tw_shm_attach("full", TW_SEG_CMD, 0, &ro), 0);
    void *b = seg.base;
    tw_cmd_ring_header_t *r = tw_cmd_ring_of(b);
    CHECK(r->slot_count == SLOTS && r->slot_size == TW_CMD_SLOT_SIZE, "geometry %u x %u", r->slot_count,
          r->slot_size);
    tw_command_t c;
    tw_slot_header_t h;
    uint16_t op;
    CHECK_RC(tw_cmd_pop(b, &h, &c), 0); /* empty */

    uint32_t pushed = 0, popped = 0;
    for (; pushed < SLOTS; pushed++) {
        make_cmd(0, pushed, &c, &op);
        CHECK_RC(tw_cmd_push(b, op, &c), 0);
    }
    CHECK(tw_cmd_depth(ro.base) == SLOTS, "depth %" PRIu64 " of a full ring", tw_cmd_depth(ro.base));
    make_cmd(0, pushed, &c, &op);
    CHECK_RC(tw_cmd_push(b, op, &c), -ENOBUFS);
    CHECK(r->rejected_full == 1, "rejected_full %" PRIu64, r->rejected_full);
    CHECK_RC(tw_cmd_push(b, op, &c), -ENOBUFS);
    CHECK(r->rejected_full == 2, "rejected_full %" PRIu64, r->rejected_full);
    CHECK(r->tail == SLOTS, "a rejected push moved tail to %" PRIu64, r->tail);

    /* one pop frees exactly one slot */
    CHECK_RC(tw_cmd_pop(b, &h, &c), 1);
    check_cmd("full", &h, &c, 0, popped++);
    make_cmd(0, pushed, &c, &op);
    CHECK_RC(tw_cmd_push(b, op, &c), 0);
    pushed++;
    CHECK_RC(tw_cmd_push(b, op, &c), -ENOBUFS);
    CHECK(r->rejected_full == 3, "rejected_full %" PRIu64, r->rejected_full);
    while (popped < pushed) {
        CHECK_RC(tw_cmd_pop(b, &h, &c), 1);
        CHECK(h.seq == popped, "position %" PRIu64 " popped as %u", h.seq, popped);
        check_cmd("full", &h, &c, 0, popped++);
    }
    CHECK_RC(tw_cmd_pop(b, &h, &c), 0);

    /* FIFO through many wrap-arounds with uneven batches */
    uint64_t rnd = 12345;
    while (pushed < 50 * SLOTS) {
        rnd = cs_mix(rnd);
        uint32_t batch = 1 + (uint32_t)(rnd % (SLOTS - (pushed - popped))); /* fill up to full */
        for (uint32_t j = 0; j < batch; j++) {
            make_cmd(0, pushed, &c, &op);
            CHECK_RC(tw_cmd_push(b, op, &c), 0);
            pushed++;
        }
        uint32_t take = 1 + (uint32_t)((rnd >> 20) % (pushed - popped));
        for (uint32_t j = 0; j < take; j++) {
            CHECK_RC(tw_cmd_pop(b, &h, &c), 1);
            CHECK(h.seq == popped, "position %" PRIu64 " popped as %u", h.seq, popped);
            check_cmd("wrap", &h, &c, 0, popped++);
        }
        CHECK(tw_cmd_depth(ro.base) == pushed - popped, "depth %" PRIu64 ", want %u", tw_cmd_depth(ro.base),
              pushed - popped);
    }
    CHECK(r->rejected_full == 3, "rejected_full changed to %" PRIu64 " without a full ring", r->rejected_full);

    tw_shm_t bad;
    CHECK_RC(tw_shm_create("badcmd", TW_SEG_CMD, tw_cmd_region_size(SLOTS), 1, &bad), 0);
    CHECK_RC(tw_cmd_ring_init(&bad, 12), -EINVAL);
    CHECK_RC(tw_cmd_ring_init(&bad, 1024), -EINVAL); /* does not fit */
    tw_shm_detach(&bad);
    tw_shm_detach(&ro);
    tw_shm_detach(&seg);
    printf("(c) full ring: %d pushes ok, next -ENOBUFS (counted), one pop frees one slot, FIFO over %u commands\n",
           SLOTS, pushed);
}

static void smallest_rings(void)
{
    tw_shm_t s;
    tw_command_t c;
    tw_slot_header_t h;
    uint16_t op;

    cs_make_cmd("two", 2, &s);
    uint32_t pushed = 0, popped = 0;
    for (int round = 0; round < 50; round++) {
        while (pushed - popped < 2) {
            make_cmd(1, pushed++, &c, &op);
            CHECK_RC(tw_cmd_push(s.base, op, &c), 0);
        }
        make_cmd(1, pushed, &c, &op);
        CHECK_RC(tw_cmd_push(s.base, op, &c), -ENOBUFS);
        uint32_t take = 1 + (uint32_t)(round & 1);
        for (uint32_t j = 0; j < take; j++) {
            CHECK_RC(tw_cmd_pop(s.base, &h, &c), 1);
            check_cmd("2-slot ring", &h, &c, 1, popped++);
        }
    }
    tw_shm_detach(&s);

    CHECK_RC(tw_shm_create("one", TW_SEG_CMD, tw_cmd_region_size(2), 1, &s), 0);
    int rc = tw_cmd_ring_init(&s, 1);
    if (rc == -EINVAL) {
        tw_shm_detach(&s);
        printf("(d) smallest rings: 2 slots hold 2 commands, FIFO over %u; 1 slot refused (-EINVAL)\n", pushed);
        return;
    }
    CHECK_RC(rc, 0);
    CHECK_RC(tw_shm_commit(&s), 0);
    make_cmd(2, 0, &c, &op);
    CHECK_RC(tw_cmd_push(s.base, op, &c), 0);
    make_cmd(2, 1, &c, &op);
    rc = tw_cmd_push(s.base, op, &c);
    if (rc != -ENOBUFS) {
        int popped_rc = tw_cmd_pop(s.base, &h, &c);
        FAIL("1-slot command ring: tw_cmd_ring_init(slot_count=1) returned 0, and a second push before any pop "
             "returned %d instead of -ENOBUFS; the consumer then pops %s (tail %" PRIu64 ", head %" PRIu64
             "). With one slot, seq == pos + 1 reads as 'free for pos + 1', so the unconsumed command is "
             "overwritten: tw_cmd_ring_init should refuse slot_count < 2",
             rc, popped_rc == 1 ? "the wrong command" : "nothing, ever (ring wedged)", tw_cmd_ring_of(s.base)->tail,
             tw_cmd_ring_of(s.base)->head);
    }
    CHECK_RC(tw_cmd_pop(s.base, &h, &c), 1);
    check_cmd("1-slot ring", &h, &c, 2, 0);
    tw_shm_detach(&s);
    printf("(d) smallest rings: 2 slots hold 2 commands, FIFO over %u; 1 slot holds one and rejects the next\n",
           pushed);
}

int main(int argc, char **argv)
{
    uint32_t k = (uint32_t)cs_arg_u64(argc, argv, 1, 300000);
    uint32_t nprod = (uint32_t)cs_arg_u64(argc, argv, 2, 3);
    double seconds = cs_arg_double(argc, argv, 3, 2.0);
    if (nprod > MAX_PRODUCERS)
        nprod = MAX_PRODUCERS;
    setvbuf(stdout, NULL, _IOLBF, 0);
    cs_setup_dir("cmd");
    full_ring();
    threads(nprod, k, seconds);
    processes(nprod, k, seconds);
    smallest_rings(); /* pins a geometry problem: a 1-slot ring loses commands (see the header comment) */
    printf("cmd_mpsc: %u producers, %" PRIu64 " commands via threads and %" PRIu64 " via processes: each exactly "
           "once, in order; -ENOBUFS == rejected_full (%" PRIu64 ", %" PRIu64 "); full and 2-slot rings ok\n",
           nprod, sum_threads, sum_procs, rejected_threads, rejected_procs);
    return 0;
}

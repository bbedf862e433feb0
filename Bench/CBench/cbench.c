/* SPDX-License-Identifier: MIT */
/*
 * `bench latency` hot loops: cache-line ping-pong, memcpy, and the md ring
 * and book seqlock between two pinned threads or two processes.
 *
 * Shape of every cross-core round i (1-based message number n = i + 1):
 *   writer: t0 = tw_mono_ns() stamped into the data; publish; spin until ack == n
 *   reader: spin until it sees n; t1 = tw_mono_ns(); record t1 - t0; ack = n
 * The ack lives on its own cache line, so a round never overlaps the next.
 *
 * Wait loops spin with tw_cpu_relax() and, every CHECK_EVERY spins, look at
 * an abort flag, the peer or parent process and a stall timeout: a benchmark
 * never hangs because the other side died.
 */
#define _GNU_SOURCE
#include "tickwire/cbench.h"

#include "tickwire/core.h"
#include "tickwire/shm.h"
#include "tickwire/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum {
    LINE = 64,
    CHECK_EVERY = 1 << 16,     /* spins between liveness checks (power of two) */
    READ_RETRIES = 16,         /* tw_book_read attempts per call */
    MSG_MAX = TW_BENCH_ERROR_MAX,
};

#define NS_PER_S 1000000000LL
#define STALL_NS (5 * NS_PER_S)   /* no progress for this long: the other side is gone */
#define SETUP_NS (15 * NS_PER_S)  /* peer start-up (exec, attach, pin) */
#define EXIT_NS (5 * NS_PER_S)    /* peer exit after its last round */

/* ------------------------------------------------------------- errors -- */

static int set_error(char *buf, size_t len, int err, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, len, fmt, ap);
    if (n >= 0 && (size_t)n < len && err > 0)
        snprintf(buf + n, len - (size_t)n, ": %s", strerror(err));
    return -(err > 0 ? err : EIO);
}

static int run_fail(tw_bench_run_t *r, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = set_error(r->error, sizeof(r->error), err, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---------------------------------------------------------- watching -- */

/* What a wait loop keeps an eye on besides the word it spins on. */
typedef struct watch {
    const uint64_t *abort;     /* nonzero: the other side gave up */
    pid_t peer;                /* > 0: child process to watch (reaped here if it exits) */
    pid_t parent;              /* > 0: we are the peer; stop when the parent is gone */
    int peer_reaped;
    int peer_status;
    uint32_t spins;
    uint64_t last_round;
    int64_t last_change_ns;
    char msg[MSG_MAX];
} watch_t;

static void watch_init(watch_t *w, const uint64_t *abort, pid_t peer, pid_t parent)
{
    memset(w, 0, sizeof(*w));
    w->abort = abort;
    w->peer = peer;
    w->parent = parent;
    w->last_round = UINT64_MAX;
    w->last_change_ns = tw_mono_ns();
}

/* Sets w->msg (the errno's text is not appended: the message says it all); returns -err. */
static int watch_fail(watch_t *w, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(w->msg, sizeof(w->msg), 0, fmt, ap);
    va_end(ap);
    return -err;
}

static void describe_status(char *buf, size_t len, int status)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d, %s", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "wait status %d", status);
}

/* The slow path of watch_spin: abort flag, processes, stall timeout. */
static __attribute__((noinline)) int watch_check(watch_t *w, uint64_t round)
{
    if (w->abort && __atomic_load_n(w->abort, __ATOMIC_RELAXED)) /* a plain flag; no data rides on it */
        return watch_fail(w, ECANCELED, "the other side gave up at round %llu", (unsigned long long)round);
    if (w->peer > 0 && !w->peer_reaped) {
        int status = 0;
        if (waitpid(w->peer, &status, WNOHANG) == w->peer) {
            char how[64];
            w->peer_reaped = 1;
            w->peer_status = status;
            describe_status(how, sizeof(how), status);
            return watch_fail(w, ECHILD, "peer process %d ended (%s) at round %llu", (int)w->peer, how,
                              (unsigned long long)round);
        }
    }
    if (w->parent > 0 && getppid() != w->parent)
        return watch_fail(w, EPIPE, "parent process %d is gone", (int)w->parent);
    int64_t now = tw_mono_ns();
    if (round != w->last_round) {
        w->last_round = round;
        w->last_change_ns = now;
    } else if (now - w->last_change_ns > STALL_NS) {
        return watch_fail(w, ETIMEDOUT, "no progress for %lld s at round %llu", (long long)(STALL_NS / NS_PER_S),
                          (unsigned long long)round);
    }
    return 0;
}

/* One spin of a wait loop: 0 to keep waiting, or -errno with w->msg set. */
static inline int watch_spin(watch_t *w, uint64_t round)
{
    tw_cpu_relax();
    if (++w->spins & (CHECK_EVERY - 1))
        return 0;
    return watch_check(w, round);
}

/* ------------------------------------------------------------ helpers -- */

typedef struct csw {
    int64_t voluntary;
    int64_t involuntary;
} csw_t;

static csw_t thread_csw(void)
{
    struct rusage ru;
    csw_t c = {0, 0};
    if (getrusage(RUSAGE_THREAD, &ru) == 0) {
        c.voluntary = ru.ru_nvcsw;
        c.involuntary = ru.ru_nivcsw;
    }
    return c;
}

static csw_t csw_since(csw_t start)
{
    csw_t now = thread_csw();
    now.voluntary -= start.voluntary;
    now.involuntary -= start.involuntary;
    return now;
}

/* Stores sample i (warmup rounds are dropped); a negative one-way time counts as clamped. */
static inline void record(uint64_t *out, uint64_t i, uint64_t warmup, int64_t ns, uint64_t *clamped)
{
    if (i < warmup)
        return;
    if (ns < 0) {
        ns = 0;
        (*clamped)++;
    }
    out[i - warmup] = (uint64_t)ns;
}

/* Reads one byte a page so the mapping's page tables are populated before timing. */
static void touch_read(const void *base, uint64_t size)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    const volatile uint8_t *p = base;
    uint8_t sink = 0;
    for (uint64_t off = 0; off < size; off += page)
        sink ^= p[off];
    (void)sink;
}

/* Writes zeros over a whole writable range so its pages exist before timing. */
static void touch_write(void *base, uint64_t size)
{
    memset(base, 0, size);
    __asm__ __volatile__("" : : "r"(base) : "memory"); /* keep the stores */
}

/* ------------------------------------------------------ cleanup on signal -- */

enum { CLEANUP_SLOTS = 4 };
static char cleanup_paths[CLEANUP_SLOTS][TW_PATH_MAX];
static volatile sig_atomic_t cleanup_used[CLEANUP_SLOTS];
static volatile sig_atomic_t cleanup_peer;

static int cleanup_add(const char *path)
{
    for (int i = 0; i < CLEANUP_SLOTS; i++) {
        if (!__atomic_load_n(&cleanup_used[i], __ATOMIC_RELAXED)) { /* only this thread adds */
            snprintf(cleanup_paths[i], sizeof(cleanup_paths[i]), "%s", path);
            __atomic_store_n(&cleanup_used[i], 1, __ATOMIC_RELEASE); /* pairs with on_signal's acquire */
            return i;
        }
    }
    return -1;
}

static void cleanup_remove(int slot)
{
    if (slot >= 0)
        __atomic_store_n(&cleanup_used[slot], 0, __ATOMIC_RELEASE); /* pairs with on_signal's acquire */
}

static void set_cleanup_peer(pid_t pid)
{
    __atomic_store_n(&cleanup_peer, (sig_atomic_t)pid, __ATOMIC_RELEASE); /* pairs with on_signal's acquire */
}

static void on_signal(int sig)
{
    for (int i = 0; i < CLEANUP_SLOTS; i++)
        if (__atomic_load_n(&cleanup_used[i], __ATOMIC_ACQUIRE)) /* pairs with cleanup_add's release */
            unlink(cleanup_paths[i]);
    pid_t peer = (pid_t)__atomic_load_n(&cleanup_peer, __ATOMIC_ACQUIRE); /* pairs with set_cleanup_peer */
    if (peer > 0)
        kill(peer, SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

void tw_bench_install_signal_cleanup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* ------------------------------------------------------------ segments -- */

/* A committed data segment of the bench, removed by seg_close. */
typedef struct seg {
    tw_shm_t shm;
    uint32_t kind;
    int committed;
    int cleanup_slot;
} seg_t;

static int seg_open(tw_bench_run_t *r, seg_t *s, uint32_t kind)
{
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->cleanup_slot = -1;
    uint64_t region = kind == TW_SEG_BOOKS ? tw_books_region_size(1, TW_BENCH_DEPTH)
                                           : tw_ring_region_size(TW_MD_SLOT_SIZE, TW_BENCH_MD_SLOTS);
    int rc = tw_shm_create(r->instance, kind, region, (uint64_t)tw_realtime_ns(), &s->shm);
    if (rc < 0)
        return run_fail(r, 0, "%s", tw_error_message());
    /* Fault every page in now (writer side): the first lap of the ring must not pay for it. */
    tw_segment_header_t *h = s->shm.base;
    touch_write((uint8_t *)s->shm.base + h->region_offset, h->region_size);
    rc = kind == TW_SEG_BOOKS ? tw_books_init(&s->shm, 1, TW_BENCH_DEPTH)
                              : tw_ring_init(&s->shm, TW_MD_SLOT_SIZE, TW_BENCH_MD_SLOTS);
    if (rc < 0) {
        tw_shm_detach(&s->shm);
        return run_fail(r, -rc, "cannot lay out the %s segment", tw_segment_kind_name(kind));
    }
    rc = tw_shm_commit(&s->shm);
    if (rc < 0) {
        tw_shm_detach(&s->shm);
        return run_fail(r, 0, "%s", tw_error_message());
    }
    s->committed = 1;
    s->cleanup_slot = cleanup_add(s->shm.path);
    tw_segment_set_state(s->shm.base, TW_STATE_LIVE);
    return 0;
}

static void seg_close(seg_t *s)
{
    if (!s->shm.base)
        return;
    if (s->committed)
        unlink(s->shm.path);
    tw_shm_detach(&s->shm);
    cleanup_remove(s->cleanup_slot);
    s->cleanup_slot = -1;
}

/* ------------------------------------------------- the measured loops -- */

/* Spins until *ack == n; acquire pairs with the reader's release store of the ack. */
static inline int wait_ack(const uint64_t *ack, uint64_t n, watch_t *w)
{
    while (__atomic_load_n(ack, __ATOMIC_ACQUIRE) != n) { /* pairs with the reader's release store */
        int rc = watch_spin(w, n);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void fill_levels(tw_level_t *bids, tw_level_t *asks, uint32_t depth)
{
    for (uint32_t k = 0; k < depth; k++) {
        bids[k].price = 100000000 - (int64_t)k * 100;
        bids[k].quantity = 1000 + (int64_t)k;
        asks[k].price = 100000100 + (int64_t)k * 100;
        asks[k].quantity = 2000 + (int64_t)k;
    }
}

static int book_writer(tw_book_header_t *block, const uint64_t *ack, uint64_t total, watch_t *w)
{
    tw_level_t bids[TW_BENCH_DEPTH], asks[TW_BENCH_DEPTH];
    tw_book_header_t h;
    memset(&h, 0, sizeof(h));
    fill_levels(bids, asks, TW_BENCH_DEPTH);
    for (uint64_t i = 0; i < total; i++) {
        uint64_t n = i + 1;
        h.update_id = n;
        h.first_update_id = n;
        bids[0].quantity = (int64_t)(n & 0xffff) + 1; /* the book does change every round */
        h.publish_ns = tw_mono_ns();
        tw_book_write(block, TW_BENCH_DEPTH, &h, bids, TW_BENCH_DEPTH, asks, TW_BENCH_DEPTH);
        int rc = wait_ack(ack, n, w);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int book_reader(const tw_book_header_t *block, uint64_t *ack, uint64_t warmup, uint64_t total,
                       uint64_t *out, uint64_t *clamped, watch_t *w)
{
    tw_level_t bids[TW_BENCH_DEPTH], asks[TW_BENCH_DEPTH];
    tw_book_header_t h;
    for (uint64_t i = 0; i < total; i++) {
        uint64_t n = i + 1;
        for (;;) {
            int got = tw_book_read(block, TW_BENCH_DEPTH, &h, bids, asks, TW_BENCH_DEPTH, READ_RETRIES);
            if (got > 0 && h.update_id == n)
                break;
            if (got > 0 && h.update_id > n)
                return watch_fail(w, EPROTO, "book update %llu appeared while waiting for %llu",
                                  (unsigned long long)h.update_id, (unsigned long long)n);
            int rc = watch_spin(w, n);
            if (rc < 0)
                return rc;
        }
        int64_t t1 = tw_mono_ns();
        record(out, i, warmup, t1 - h.publish_ns, clamped);
        __atomic_store_n(ack, n, __ATOMIC_RELEASE); /* pairs with wait_ack's acquire load */
    }
    return 0;
}

/* An md payload buffer of a full slot, aligned for tw_ring_poll's 8-byte copies. */
typedef union md_payload {
    tw_md_book_t book;
    uint64_t raw[TW_MD_PAYLOAD_MAX / 8];
} md_payload_t;

static int ring_writer(tw_ring_writer_t *rw, const uint64_t *ack, uint64_t total, watch_t *w)
{
    tw_md_book_t m;
    memset(&m, 0, sizeof(m));
    m.bid_px = 100000000;
    m.bid_qty = 1000;
    m.ask_px = 100000100;
    m.ask_qty = 2000;
    m.levels_changed = 1;
    for (uint64_t i = 0; i < total; i++) {
        uint64_t n = i + 1;
        m.update_id = n;
        m.first_update_id = n;
        m.publish_ns = tw_mono_ns();
        if (tw_ring_publish(rw, TW_MD_BOOK, 0, &m, (uint32_t)sizeof(m)) == 0)
            return watch_fail(w, EMSGSIZE, "tw_ring_publish refused a %zu-byte message", sizeof(m));
        int rc = wait_ack(ack, n, w);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int ring_reader(tw_ring_cursor_t *c, uint64_t *ack, uint64_t warmup, uint64_t total, uint64_t *out,
                       uint64_t *clamped, watch_t *w)
{
    md_payload_t p;
    tw_slot_header_t hdr;
    for (uint64_t i = 0; i < total; i++) {
        uint64_t n = i + 1;
        for (;;) {
            int got = tw_ring_poll(c, &hdr, &p, (uint32_t)sizeof(p));
            if (got == 1)
                break;
            if (got < 0)
                return watch_fail(w, EPIPE, "md ring reader lapped at message %llu", (unsigned long long)n);
            int rc = watch_spin(w, n);
            if (rc < 0)
                return rc;
        }
        int64_t t1 = tw_mono_ns();
        if (hdr.seq != n || p.book.update_id != n)
            return watch_fail(w, EPROTO, "md message %llu (update %llu) while expecting %llu",
                              (unsigned long long)hdr.seq, (unsigned long long)p.book.update_id,
                              (unsigned long long)n);
        record(out, i, warmup, t1 - p.book.publish_ns, clamped);
        __atomic_store_n(ack, n, __ATOMIC_RELEASE); /* pairs with wait_ack's acquire load */
    }
    return 0;
}

/* ------------------------------------------------------ thread harness -- */

typedef struct pair pair_t;
typedef int (*side_fn)(pair_t *p, watch_t *w);

typedef struct side {
    pair_t *pair;
    int cpu;
    side_fn fn;
    int rc;
    csw_t csw;
    watch_t watch;
} side_t;

/* Shared by the two threads of a scenario; each contended word has its own line. */
struct pair {
    _Alignas(LINE) uint64_t counter;   /* pingpong: odd from A, even from B */
    _Alignas(LINE) uint64_t ack;       /* reader -> writer */
    _Alignas(LINE) uint64_t abort;     /* set by the side that fails first */
    uint64_t arrived;                  /* start gate: sides pinned and ready */
    _Alignas(LINE) tw_bench_run_t *r;
    int nsides;
    side_t sides[2];
    tw_book_header_t *block;           /* seqlock */
    tw_ring_writer_t ring_writer;      /* ring */
    tw_ring_cursor_t ring_cursor;
    uint8_t *src, *dst;                /* memcpy */
    uint64_t clamped;
};

/* Waits until every side has arrived; 0 to go, -1 when some side gave up. */
static int start_gate(pair_t *p)
{
    __atomic_add_fetch(&p->arrived, 1, __ATOMIC_ACQ_REL); /* pairs with the other sides' adds and loads */
    while (__atomic_load_n(&p->arrived, __ATOMIC_ACQUIRE) < (uint64_t)p->nsides) { /* pairs with the adds */
        if (__atomic_load_n(&p->abort, __ATOMIC_RELAXED)) /* set by run_sides when a thread did not start */
            return -1;
        tw_cpu_relax();
    }
    return __atomic_load_n(&p->abort, __ATOMIC_RELAXED) ? -1 : 0; /* a failed pin is stored before its add */
}

static void *side_main(void *arg)
{
    side_t *s = arg;
    pair_t *p = s->pair;
    watch_init(&s->watch, &p->abort, 0, 0);
    int pin = tw_cpu_pin_self(s->cpu);
    if (pin < 0) {
        s->rc = watch_fail(&s->watch, -pin, "cannot pin a thread to CPU %d: %s", s->cpu, strerror(-pin));
        __atomic_store_n(&p->abort, 1, __ATOMIC_RELAXED); /* published by start_gate's add */
    }
    if (start_gate(p) < 0)
        return NULL;
    csw_t start = thread_csw();
    s->rc = s->fn(p, &s->watch);
    s->csw = csw_since(start);
    if (s->rc < 0)
        __atomic_store_n(&p->abort, 1, __ATOMIC_RELAXED); /* watch_check of the other side polls it */
    return NULL;
}

/* Runs sides[0..nsides) on their CPUs to completion; sums their context switches. */
static int run_sides(pair_t *p)
{
    tw_bench_run_t *r = p->r;
    pthread_t tid[2];
    int started = 0, rc = 0;
    for (int i = 0; i < p->nsides; i++) {
        p->sides[i].pair = p;
        int err = pthread_create(&tid[i], NULL, side_main, &p->sides[i]);
        if (err != 0) {
            rc = run_fail(r, err, "cannot start a benchmark thread");
            __atomic_store_n(&p->abort, 1, __ATOMIC_RELAXED); /* releases the started side from its gate */
            break;
        }
        started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (rc < 0)
        return rc;
    r->csw_voluntary = r->csw_involuntary = 0;
    for (int i = 0; i < p->nsides; i++) {
        r->csw_voluntary += p->sides[i].csw.voluntary;
        r->csw_involuntary += p->sides[i].csw.involuntary;
    }
    /* Report the first real failure, not the other side's "gave up". */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < p->nsides; i++) {
            side_t *s = &p->sides[i];
            if (s->rc < 0 && (pass == 1 || s->rc != -ECANCELED)) {
                snprintf(r->error, sizeof(r->error), "%s", s->watch.msg);
                return s->rc;
            }
        }
    r->clamped = p->clamped;
    return 0;
}

static int check_run(tw_bench_run_t *r, int two_cpus)
{
    r->error[0] = '\0';
    r->csw_voluntary = r->csw_involuntary = 0;
    r->clamped = 0;
    if (r->iterations == 0 || !r->out)
        return run_fail(r, EINVAL, "no iterations to record");
    if (r->warmup > UINT64_MAX / 4 || r->iterations > UINT64_MAX / 4)
        return run_fail(r, EINVAL, "too many iterations");
    if (!tw_cpu_allowed(r->cpu_a))
        return run_fail(r, EINVAL, "CPU %d is not usable", r->cpu_a);
    if (two_cpus && !tw_cpu_allowed(r->cpu_b))
        return run_fail(r, EINVAL, "CPU %d is not usable", r->cpu_b);
    return 0;
}

static pair_t *pair_new(tw_bench_run_t *r, side_fn a, side_fn b)
{
    pair_t *p = aligned_alloc(LINE, (sizeof(pair_t) + LINE - 1) / LINE * LINE);
    if (!p) {
        run_fail(r, ENOMEM, "cannot allocate the benchmark state");
        return NULL;
    }
    memset(p, 0, sizeof(*p));
    p->r = r;
    p->nsides = b ? 2 : 1;
    p->sides[0].cpu = r->cpu_a;
    p->sides[0].fn = a;
    p->sides[1].cpu = r->cpu_b;
    p->sides[1].fn = b;
    return p;
}

/* ------------------------------------------------------------ pingpong -- */

static int pingpong_a(pair_t *p, watch_t *w)
{
    tw_bench_run_t *r = p->r;
    uint64_t total = r->warmup + r->iterations;
    for (uint64_t i = 0; i < total; i++) {
        int64_t t0 = tw_mono_ns();
        __atomic_store_n(&p->counter, 2 * i + 1, __ATOMIC_RELEASE); /* pairs with pingpong_b's acquire load */
        while (__atomic_load_n(&p->counter, __ATOMIC_ACQUIRE) != 2 * i + 2) { /* pairs with pingpong_b's store */
            int rc = watch_spin(w, i);
            if (rc < 0)
                return rc;
        }
        int64_t t1 = tw_mono_ns();
        record(r->out, i, r->warmup, (t1 - t0 + 1) / 2, &p->clamped);
    }
    return 0;
}

static int pingpong_b(pair_t *p, watch_t *w)
{
    tw_bench_run_t *r = p->r;
    uint64_t total = r->warmup + r->iterations;
    for (uint64_t i = 0; i < total; i++) {
        while (__atomic_load_n(&p->counter, __ATOMIC_ACQUIRE) != 2 * i + 1) { /* pairs with pingpong_a's store */
            int rc = watch_spin(w, i);
            if (rc < 0)
                return rc;
        }
        __atomic_store_n(&p->counter, 2 * i + 2, __ATOMIC_RELEASE); /* pairs with pingpong_a's acquire load */
    }
    return 0;
}

int tw_bench_pingpong(tw_bench_run_t *r)
{
    int rc = check_run(r, 1);
    if (rc < 0)
        return rc;
    pair_t *p = pair_new(r, pingpong_a, pingpong_b);
    if (!p)
        return -ENOMEM;
    rc = run_sides(p);
    free(p);
    return rc;
}

/* -------------------------------------------------------------- memcpy -- */

static int memcpy_loop(pair_t *p, watch_t *w)
{
    (void)w;
    tw_bench_run_t *r = p->r;
    uint64_t total = r->warmup + r->iterations;
    size_t bytes = r->bytes;
    uint32_t batch = r->batch;
    uint8_t *src = p->src, *dst = p->dst;
    for (uint64_t i = 0; i < total; i++) {
        int64_t t0 = tw_mono_ns();
        for (uint32_t k = 0; k < batch; k++) {
            memcpy(dst, src, bytes);
            __asm__ __volatile__("" : : "r"(dst), "r"(src) : "memory"); /* dst is read: the copy must happen */
        }
        int64_t t1 = tw_mono_ns();
        record(r->out, i, r->warmup, (t1 - t0 + batch / 2) / batch, &p->clamped);
    }
    return 0;
}

int tw_bench_memcpy(tw_bench_run_t *r)
{
    int rc = check_run(r, 0);
    if (rc < 0)
        return rc;
    if (r->bytes == 0 || r->bytes > (1u << 20) || r->batch == 0)
        return run_fail(r, EINVAL, "memcpy needs 1 B..1 MiB and a batch of at least 1");
    pair_t *p = pair_new(r, memcpy_loop, NULL);
    if (!p)
        return -ENOMEM;
    size_t size = (r->bytes + LINE - 1) / LINE * LINE;
    p->src = aligned_alloc(LINE, size);
    p->dst = aligned_alloc(LINE, size);
    if (!p->src || !p->dst) {
        rc = run_fail(r, ENOMEM, "cannot allocate copy buffers");
    } else {
        for (size_t k = 0; k < size; k++)
            p->src[k] = (uint8_t)k;
        memset(p->dst, 0, size);
        rc = run_sides(p);
    }
    free(p->src);
    free(p->dst);
    free(p);
    return rc;
}

/* ------------------------------------------------------- thread scenarios -- */

static int seqlock_a(pair_t *p, watch_t *w)
{
    return book_writer(p->block, &p->ack, p->r->warmup + p->r->iterations, w);
}

static int seqlock_b(pair_t *p, watch_t *w)
{
    tw_bench_run_t *r = p->r;
    return book_reader(p->block, &p->ack, r->warmup, r->warmup + r->iterations, r->out, &p->clamped, w);
}

static int ring_a(pair_t *p, watch_t *w)
{
    return ring_writer(&p->ring_writer, &p->ack, p->r->warmup + p->r->iterations, w);
}

static int ring_b(pair_t *p, watch_t *w)
{
    tw_bench_run_t *r = p->r;
    return ring_reader(&p->ring_cursor, &p->ack, r->warmup, r->warmup + r->iterations, r->out, &p->clamped, w);
}

int tw_bench_seqlock_thread(tw_bench_run_t *r)
{
    int rc = check_run(r, 1);
    if (rc < 0)
        return rc;
    seg_t seg;
    if ((rc = seg_open(r, &seg, TW_SEG_BOOKS)) < 0)
        return rc;
    pair_t *p = pair_new(r, seqlock_a, seqlock_b);
    if (!p) {
        seg_close(&seg);
        return -ENOMEM;
    }
    p->block = tw_books_block_mut(seg.shm.base, 0);
    rc = run_sides(p);
    free(p);
    seg_close(&seg);
    return rc;
}

int tw_bench_ring_thread(tw_bench_run_t *r)
{
    int rc = check_run(r, 1);
    if (rc < 0)
        return rc;
    seg_t seg;
    if ((rc = seg_open(r, &seg, TW_SEG_MD)) < 0)
        return rc;
    pair_t *p = pair_new(r, ring_a, ring_b);
    if (!p) {
        seg_close(&seg);
        return -ENOMEM;
    }
    if (tw_ring_writer_init(&p->ring_writer, seg.shm.base) < 0 ||
        tw_ring_cursor_init(&p->ring_cursor, seg.shm.base, 0) < 0)
        rc = run_fail(r, EINVAL, "md ring geometry refused");
    else
        rc = run_sides(p);
    free(p);
    seg_close(&seg);
    return rc;
}

/* ----------------------------------------------------- process scenarios -- */

#define CTL_MAGIC 0x4C544348454E4354ull /* "TCNEHCTL": bench control file */
enum { CTL_VERSION = 1 };
enum { PEER_STARTING = 0, PEER_READY = 1, PEER_DONE = 2, PEER_FAILED = 3 };

/*
 * The control file: written by the parent before the spawn, shared read-write
 * with the peer. The data segment itself is mapped read-only by the peer.
 */
typedef struct ctl {
    uint64_t magic;            /* CTL_MAGIC, stored last by the parent (release) */
    uint32_t version;
    uint32_t kind;             /* tw_bench_peer_kind_t */
    uint64_t warmup;
    uint64_t iterations;
    int32_t parent_pid;
    _Alignas(LINE) uint64_t state;     /* PEER_*: peer stores (release), parent loads (acquire) */
    int64_t csw_voluntary;             /* peer's reader thread, valid once state is DONE */
    int64_t csw_involuntary;
    uint64_t clamped;
    _Alignas(LINE) uint64_t ack;       /* peer -> writer, one line of its own */
    _Alignas(LINE) uint64_t abort;     /* parent -> peer: stop waiting */
    _Alignas(LINE) char error[MSG_MAX];/* peer's message, valid once state is FAILED */
    _Alignas(LINE) uint64_t results[]; /* iterations one-way ns, written by the peer */
} ctl_t;

static int ctl_path(const char *instance, char *buf, size_t len)
{
    if (!tw_instance_name_valid(instance))
        return -EINVAL;
    int n = snprintf(buf, len, "%s/tickwire.%s.bench-ctl", tw_shm_dir(), instance);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static uint64_t ctl_size(uint64_t iterations)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    return (sizeof(ctl_t) + iterations * sizeof(uint64_t) + page - 1) / page * page;
}

static uint32_t seg_kind_of(tw_bench_peer_kind_t kind)
{
    return kind == TW_BENCH_PEER_SEQLOCK ? TW_SEG_BOOKS : TW_SEG_MD;
}

/* Everything tw_bench_process sets up, so one function can undo it. */
typedef struct proc {
    seg_t seg;
    char path[TW_PATH_MAX];
    int path_slot;
    ctl_t *ctl;
    uint64_t ctl_bytes;
    pid_t peer;
    int peer_reaped;
    int peer_status;
    tw_ring_writer_t ring_writer;
    tw_bench_run_t *r;
    tw_bench_peer_kind_t kind;
    int writer_rc;
    csw_t writer_csw;
    watch_t watch;
} proc_t;

static int ctl_create(proc_t *pr)
{
    tw_bench_run_t *r = pr->r;
    int rc = ctl_path(r->instance, pr->path, sizeof(pr->path));
    if (rc < 0) {
        pr->path[0] = '\0';
        return run_fail(r, -rc, "invalid bench instance '%s'", r->instance);
    }
    pr->ctl_bytes = ctl_size(r->iterations);
    unlink(pr->path); /* a leftover of a killed run with the same pid */
    int fd = open(pr->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return run_fail(r, errno, "cannot create %s", pr->path);
    pr->path_slot = cleanup_add(pr->path);
    if (ftruncate(fd, (off_t)pr->ctl_bytes) < 0) {
        int err = errno;
        close(fd);
        return run_fail(r, err, "cannot size %s", pr->path);
    }
    void *base = mmap(NULL, pr->ctl_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int err = errno;
    close(fd);
    if (base == MAP_FAILED)
        return run_fail(r, err, "cannot map %s", pr->path);
    pr->ctl = base;
    pr->ctl->version = CTL_VERSION;
    pr->ctl->kind = (uint32_t)pr->kind;
    pr->ctl->warmup = r->warmup;
    pr->ctl->iterations = r->iterations;
    pr->ctl->parent_pid = (int32_t)getpid();
    __atomic_store_n(&pr->ctl->magic, CTL_MAGIC, __ATOMIC_RELEASE); /* pairs with the peer's acquire load */
    return 0;
}

static void proc_reap(proc_t *pr, int64_t timeout_ns)
{
    if (pr->peer <= 0 || pr->peer_reaped)
        return;
    int64_t deadline = tw_mono_ns() + timeout_ns;
    for (;;) {
        int status = 0;
        pid_t got = waitpid(pr->peer, &status, WNOHANG);
        if (got == pr->peer || (got < 0 && errno != EINTR)) {
            pr->peer_reaped = 1;
            pr->peer_status = got == pr->peer ? status : 0;
            break;
        }
        if (tw_mono_ns() > deadline) {
            kill(pr->peer, SIGKILL);
            timeout_ns = 0;
            deadline = INT64_MAX;
            continue;
        }
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    set_cleanup_peer(0);
}

static void proc_destroy(proc_t *pr)
{
    if (pr->peer > 0 && !pr->peer_reaped) {
        if (pr->ctl)
            __atomic_store_n(&pr->ctl->abort, 1, __ATOMIC_RELAXED); /* the peer's watch_check polls it */
        proc_reap(pr, EXIT_NS);
    }
    if (pr->ctl)
        munmap(pr->ctl, pr->ctl_bytes);
    pr->ctl = NULL;
    if (pr->path[0])
        unlink(pr->path);
    cleanup_remove(pr->path_slot);
    seg_close(&pr->seg);
}

static void *proc_writer_main(void *arg)
{
    proc_t *pr = arg;
    tw_bench_run_t *r = pr->r;
    watch_init(&pr->watch, NULL, pr->peer, 0);
    int pin = tw_cpu_pin_self(r->cpu_a);
    if (pin < 0) {
        pr->writer_rc = watch_fail(&pr->watch, -pin, "cannot pin the writer to CPU %d: %s", r->cpu_a, strerror(-pin));
        return NULL;
    }
    uint64_t total = r->warmup + r->iterations;
    csw_t start = thread_csw();
    if (pr->kind == TW_BENCH_PEER_SEQLOCK)
        pr->writer_rc = book_writer(tw_books_block_mut(pr->seg.shm.base, 0), &pr->ctl->ack, total, &pr->watch);
    else
        pr->writer_rc = ring_writer(&pr->ring_writer, &pr->ctl->ack, total, &pr->watch);
    pr->writer_csw = csw_since(start);
    return NULL;
}

/* The peer's message when it reported one, else how it ended. */
static int peer_failure(proc_t *pr, const char *what)
{
    char how[64] = "still running";
    uint64_t state = __atomic_load_n(&pr->ctl->state, __ATOMIC_ACQUIRE); /* pairs with the peer's release */
    if (state == PEER_FAILED && pr->ctl->error[0])
        return run_fail(pr->r, 0, "peer: %.*s", (int)sizeof(pr->ctl->error), pr->ctl->error);
    if (pr->peer_reaped)
        describe_status(how, sizeof(how), pr->peer_status);
    return run_fail(pr->r, 0, "%s (peer process %s)", what, how);
}

static int proc_wait_ready(proc_t *pr)
{
    int64_t deadline = tw_mono_ns() + SETUP_NS;
    for (;;) {
        uint64_t state = __atomic_load_n(&pr->ctl->state, __ATOMIC_ACQUIRE); /* pairs with the peer's release */
        if (state == PEER_READY)
            return 0;
        if (state == PEER_FAILED)
            return peer_failure(pr, "peer failed to start");
        int status = 0;
        if (waitpid(pr->peer, &status, WNOHANG) == pr->peer) {
            pr->peer_reaped = 1;
            pr->peer_status = status;
            set_cleanup_peer(0);
            return peer_failure(pr, "peer exited before it was ready");
        }
        if (tw_mono_ns() > deadline)
            return peer_failure(pr, "peer not ready after 15 s");
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}

int tw_bench_process(tw_bench_run_t *r, tw_bench_peer_kind_t kind, char *const peer_argv[])
{
    int rc = check_run(r, 1);
    if (rc < 0)
        return rc;
    if (kind != TW_BENCH_PEER_SEQLOCK && kind != TW_BENCH_PEER_RING)
        return run_fail(r, EINVAL, "unknown peer kind %d", (int)kind);
    proc_t *pr = calloc(1, sizeof(*pr));
    if (!pr)
        return run_fail(r, ENOMEM, "cannot allocate");
    pr->r = r;
    pr->kind = kind;
    pr->path_slot = -1;
    pr->seg.cleanup_slot = -1;
    if ((rc = seg_open(r, &pr->seg, seg_kind_of(kind))) < 0)
        goto out;
    if (kind == TW_BENCH_PEER_RING && tw_ring_writer_init(&pr->ring_writer, pr->seg.shm.base) < 0) {
        rc = run_fail(r, EINVAL, "md ring geometry refused");
        goto out;
    }
    if ((rc = ctl_create(pr)) < 0)
        goto out;

    int err = posix_spawn(&pr->peer, "/proc/self/exe", NULL, NULL, peer_argv, environ);
    if (err != 0) {
        pr->peer = 0;
        rc = run_fail(r, err, "cannot spawn the peer process");
        goto out;
    }
    set_cleanup_peer(pr->peer);
    if ((rc = proc_wait_ready(pr)) < 0)
        goto out;

    pthread_t tid;
    if ((err = pthread_create(&tid, NULL, proc_writer_main, pr)) != 0) {
        rc = run_fail(r, err, "cannot start the writer thread");
        goto out;
    }
    pthread_join(tid, NULL);
    if (pr->watch.peer_reaped) {
        pr->peer_reaped = 1;
        pr->peer_status = pr->watch.peer_status;
        set_cleanup_peer(0);
    }
    if (pr->writer_rc < 0) {
        /* The peer ended first: its own message says why. Otherwise proc_destroy stops it. */
        if (pr->writer_rc == -ECHILD &&
            __atomic_load_n(&pr->ctl->state, __ATOMIC_ACQUIRE) == PEER_FAILED) /* pairs with the peer's release */
            rc = peer_failure(pr, "peer failed");
        else
            rc = run_fail(r, 0, "writer: %s", pr->watch.msg);
        goto out;
    }
    proc_reap(pr, EXIT_NS);
    uint64_t state = __atomic_load_n(&pr->ctl->state, __ATOMIC_ACQUIRE); /* pairs with the peer's release */
    if (state != PEER_DONE || !WIFEXITED(pr->peer_status) || WEXITSTATUS(pr->peer_status) != 0) {
        rc = peer_failure(pr, "peer did not finish");
        goto out;
    }
    memcpy(r->out, pr->ctl->results, r->iterations * sizeof(uint64_t));
    r->clamped = pr->ctl->clamped;
    r->csw_voluntary = pr->writer_csw.voluntary + pr->ctl->csw_voluntary;
    r->csw_involuntary = pr->writer_csw.involuntary + pr->ctl->csw_involuntary;
    rc = 0;
out:
    proc_destroy(pr);
    free(pr);
    return rc;
}

/* ---------------------------------------------------------------- peer -- */

static int peer_error(char *err, uint32_t errlen, ctl_t *ctl, int e, const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int rc = set_error(msg, sizeof(msg), e, fmt, ap);
    va_end(ap);
    if (ctl) {
        snprintf(ctl->error, sizeof(ctl->error), "%s", msg);
        __atomic_store_n(&ctl->state, PEER_FAILED, __ATOMIC_RELEASE); /* pairs with the parent's acquire */
    } else if (err && errlen) {
        snprintf(err, errlen, "%s", msg); /* the parent cannot see it: the caller prints it */
    }
    return rc;
}

int tw_bench_peer(tw_bench_peer_kind_t kind, const char *instance, int32_t cpu, char *err, uint32_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the bench */
    if (parent == 1)
        return peer_error(err, errlen, NULL, EPIPE, "the bench process is already gone");
    char path[TW_PATH_MAX];
    int rc = ctl_path(instance, path, sizeof(path));
    if (rc < 0)
        return peer_error(err, errlen, NULL, -rc, "invalid bench instance '%s'", instance);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return peer_error(err, errlen, NULL, errno, "cannot open %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0 || (uint64_t)st.st_size < sizeof(ctl_t)) {
        close(fd);
        return peer_error(err, errlen, NULL, 0, "%s is not a bench control file", path);
    }
    uint64_t bytes = (uint64_t)st.st_size;
    ctl_t *ctl = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (ctl == MAP_FAILED)
        return peer_error(err, errlen, NULL, e, "cannot map %s", path);
    if (__atomic_load_n(&ctl->magic, __ATOMIC_ACQUIRE) != CTL_MAGIC || /* pairs with ctl_create's release */
        ctl->version != CTL_VERSION || ctl->parent_pid != (int32_t)parent) {
        munmap(ctl, bytes);
        return peer_error(err, errlen, NULL, 0, "%s does not belong to our parent", path);
    }
    if (ctl->kind != (uint32_t)kind || ctl_size(ctl->iterations) > bytes) {
        rc = peer_error(err, errlen, ctl, 0, "peer kind or size does not match %s", path);
        munmap(ctl, bytes);
        return rc;
    }
    uint64_t warmup = ctl->warmup, iterations = ctl->iterations, total = warmup + iterations;

    tw_shm_t seg;
    memset(&seg, 0, sizeof(seg));
    if ((rc = tw_cpu_pin_self(cpu)) < 0) {
        rc = peer_error(err, errlen, ctl, -rc, "cannot pin the peer to CPU %d", cpu);
        goto out;
    }
    if (tw_shm_attach(instance, seg_kind_of(kind), 0, &seg) < 0) {
        rc = peer_error(err, errlen, ctl, 0, "%s", tw_error_message());
        goto out;
    }
    touch_read(seg.base, seg.size);
    touch_write(ctl->results, iterations * sizeof(uint64_t));

    watch_t w;
    watch_init(&w, &ctl->abort, 0, parent);
    tw_ring_cursor_t cursor;
    memset(&cursor, 0, sizeof(cursor));
    const tw_book_header_t *block = NULL;
    if (kind == TW_BENCH_PEER_SEQLOCK) {
        const tw_books_header_t *books = tw_books_of(seg.base);
        if (books->instrument_count < 1 || books->depth != TW_BENCH_DEPTH) {
            rc = peer_error(err, errlen, ctl, 0, "books segment is not 1 instrument of depth %d", TW_BENCH_DEPTH);
            goto out;
        }
        block = tw_books_block(seg.base, 0);
    } else if (tw_ring_cursor_init(&cursor, seg.base, 0) < 0) {
        rc = peer_error(err, errlen, ctl, 0, "md ring geometry refused");
        goto out;
    }

    uint64_t clamped = 0;
    csw_t start = thread_csw();
    __atomic_store_n(&ctl->state, PEER_READY, __ATOMIC_RELEASE); /* pairs with proc_wait_ready's acquire */
    if (kind == TW_BENCH_PEER_SEQLOCK)
        rc = book_reader(block, &ctl->ack, warmup, total, ctl->results, &clamped, &w);
    else
        rc = ring_reader(&cursor, &ctl->ack, warmup, total, ctl->results, &clamped, &w);
    csw_t used = csw_since(start);
    if (rc < 0) {
        rc = peer_error(err, errlen, ctl, 0, "%s", w.msg);
        goto out;
    }
    ctl->csw_voluntary = used.voluntary;
    ctl->csw_involuntary = used.involuntary;
    ctl->clamped = clamped;
    __atomic_store_n(&ctl->state, PEER_DONE, __ATOMIC_RELEASE); /* pairs with the parent's acquire load */
    rc = 0;
out:
    if (seg.base)
        tw_shm_detach(&seg);
    munmap(ctl, bytes);
    return rc;
}

/* --------------------------------------------------------------- clock -- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t tw_bench_clock_cost(void)
{
    enum { N = 2001 };
    int64_t d[N];
    for (int i = 0; i < N; i++) {
        int64_t t0 = tw_mono_ns();
        int64_t t1 = tw_mono_ns();
        d[i] = t1 - t0;
    }
    qsort(d, N, sizeof(d[0]), cmp_i64);
    return d[N / 2];
}

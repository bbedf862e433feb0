/* SPDX-License-Identifier: MIT */
/*
 * The feed thread's io_uring: one ring per thread, one buffer ring of
 * receive buffers shared by every connection on it, and the poll that reaps
 * completions and hands them to their connections (conn.c).
 *
 * Receive buffers are provided through a buffer ring (IORING_REGISTER_PBUF_RING,
 * kernel 5.19) rather than registered buffers: the kernel picks a buffer only
 * when bytes arrive, so an idle connection pins no memory and a few buffers
 * serve many connections; registered (fixed) buffers would help only
 * read_fixed/write_fixed, not socket recv. Each connection keeps one
 * multishot recv armed on them (kernel 6.0), so the steady state submits no
 * receive at all; a buffer goes back to the ring as soon as its bytes are
 * handled (they are copied or parsed in place, never kept).
 *
 * How completions reach the thread: a socket's receive completes as task
 * work queued to the ring's task. Set up with flags 0, the kernel runs it by
 * interrupting that task (an IPI and a trip through the kernel while it
 * spins). So the ring is set up SINGLE_ISSUER | DEFER_TASKRUN |
 * TASKRUN_FLAG: the task work waits until the thread asks, and the kernel
 * raises IORING_SQ_TASKRUN in the shared SQ flags when there is some. A
 * spinning poll reads that flag and the CQ (no system call while idle) and
 * enters the kernel once to run the work when it is set; a blocking wait is
 * one io_uring_enter as before. SINGLE_ISSUER ties the ring to one task, so
 * it starts disabled (R_DISABLED) and the first thread that submits on it
 * enables it and becomes that task (the feed or gateway thread, not the one
 * that created it). Kernels without those flags (before 6.1) get
 * COOP_TASKRUN | TASKRUN_FLAG, then flags 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "net_internal.h"
#include "tickwire/core.h"

enum { BATCH = 64 };

static int config_check(const tw_loop_config_t *cfg, tw_loop_config_t *c)
{
    *c = cfg ? *cfg : (tw_loop_config_t){0};
    if (c->entries == 0)
        c->entries = 256;
    if (c->buffers == 0)
        c->buffers = 64;
    if (c->buffer_size == 0)
        c->buffer_size = 65536;
    if ((c->buffers & (c->buffers - 1)) || c->buffers > 32768 || c->buffer_size > (1u << 30))
        return -EINVAL;
    return 0;
}

/* Maps the buffer ring, registers it, and fills it with every buffer. */
static int buffers_setup(tw_loop_t *l)
{
    l->br_bytes = (size_t)l->nbufs * sizeof(struct io_uring_buf);
    void *br = mmap(NULL, l->br_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (br == MAP_FAILED)
        return -ENOMEM;
    l->br = br;
    l->bufs_bytes = (size_t)l->nbufs * l->buf_size;
    void *bufs = mmap(NULL, l->bufs_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (bufs == MAP_FAILED)
        return -ENOMEM;
    l->bufs = bufs;
    struct io_uring_buf_reg reg = {.ring_addr = (uint64_t)(uintptr_t)br, .ring_entries = l->nbufs,
                                   .bgid = TW_NET_BGID};
    int r = io_uring_register_buf_ring(&l->ring, &reg, 0);
    if (r < 0)
        return r;
    io_uring_buf_ring_init(l->br);
    int mask = io_uring_buf_ring_mask(l->nbufs);
    for (uint32_t i = 0; i < l->nbufs; i++)
        io_uring_buf_ring_add(l->br, l->bufs + (size_t)i * l->buf_size, l->buf_size, (unsigned short)i, mask, (int)i);
    io_uring_buf_ring_advance(l->br, (int)l->nbufs);
    return 0;
}

int tw_loop_create(const tw_loop_config_t *cfg, tw_loop_t **out)
{
    tw_loop_config_t c;
    if (config_check(cfg, &c) < 0)
        return -EINVAL;
    tw_loop_t *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return -ENOMEM;
    static const unsigned setups[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_R_DISABLED,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        0,
    };
    int r = -EINVAL;
    for (size_t i = 0; i < sizeof(setups) / sizeof(setups[0]) && r == -EINVAL; i++) {
        r = io_uring_queue_init(c.entries, &l->ring, setups[i]);
        l->setup_flags = r == 0 ? setups[i] : 0;
    }
    if (r < 0) {
        free(l);
        return r;
    }
    l->disabled = (l->setup_flags & IORING_SETUP_R_DISABLED) != 0;
    l->nbufs = c.buffers;
    l->buf_size = c.buffer_size;
    r = buffers_setup(l);
    if (r < 0) {
        tw_loop_destroy(l);
        return r;
    }
    *out = l;
    return 0;
}

void tw_loop_destroy(tw_loop_t *l)
{
    if (l == NULL)
        return;
    for (tw_conn_t *c = l->conns; c; c = c->next)
        tw_conn_detach(c);
    io_uring_queue_exit(&l->ring);
    if (l->br)
        munmap(l->br, l->br_bytes);
    if (l->bufs)
        munmap(l->bufs, l->bufs_bytes);
    free(l);
}

/* The first thread that submits becomes the ring's only issuer (see the top of this file). */
static inline int adopt(tw_loop_t *l)
{
    if (__builtin_expect(l->disabled, 0)) {
        /* io_uring_enable_rings() is liburing 2.4; the register call is the same thing */
        if (syscall(__NR_io_uring_register, l->ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0)
            return -errno;
        l->disabled = 0;
    }
    return 0;
}

unsigned tw_loop_setup_flags(const tw_loop_t *l)
{
    return l->setup_flags;
}

struct io_uring_sqe *tw_loop_sqe(tw_loop_t *l)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);
    if (sqe == NULL && adopt(l) == 0 && io_uring_submit(&l->ring) >= 0)
        sqe = io_uring_get_sqe(&l->ring);
    return sqe;
}

const uint8_t *tw_loop_buffer(const tw_loop_t *l, uint32_t bid)
{
    return l->bufs + (size_t)bid * l->buf_size;
}

void tw_loop_buffer_return(tw_loop_t *l, uint32_t bid)
{
    io_uring_buf_ring_add(l->br, l->bufs + (size_t)bid * l->buf_size, l->buf_size, (unsigned short)bid,
                          io_uring_buf_ring_mask(l->nbufs), 0);
    io_uring_buf_ring_advance(l->br, 1);
}

/* Submits and waits as asked; 0 or -errno (a timeout is not an error). */
static int submit_wait(tw_loop_t *l, int64_t timeout_ns)
{
    int r = adopt(l);
    if (r < 0)
        return r;
    if (timeout_ns < 0) { /* spinning: into the kernel only to submit, or to run completions' task work */
        if (io_uring_sq_ready(&l->ring))
            r = io_uring_submit_and_get_events(&l->ring);
        else if (IO_URING_READ_ONCE(*l->ring.sq.kflags) & IORING_SQ_TASKRUN)
            r = io_uring_get_events(&l->ring);
        else
            r = 0;
    } else if (timeout_ns == 0) {
        r = io_uring_submit_and_wait(&l->ring, 1);
    } else {
        struct io_uring_cqe *cqe;
        struct __kernel_timespec ts = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
        r = io_uring_submit_and_wait_timeout(&l->ring, &cqe, 1, &ts, NULL);
    }
    return r == -ETIME || r == -EINTR || r == -EAGAIN || r == -EBUSY || r > 0 ? 0 : r;
}

typedef struct event {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
} event_t;

/* Copies up to BATCH completions out of the CQ (freeing its slots at once) and reads the clocks if bytes came. */
static unsigned reap(tw_loop_t *l, event_t *ev)
{
    struct io_uring_cqe *cqes[BATCH];
    unsigned n = io_uring_peek_batch_cqe(&l->ring, cqes, BATCH), bytes = 0;
    for (unsigned i = 0; i < n; i++) {
        ev[i] = (event_t){cqes[i]->user_data, cqes[i]->res, cqes[i]->flags};
        bytes |= (ev[i].user_data & TW_OP_MASK) == TW_OP_RECV && ev[i].res > 0;
    }
    io_uring_cq_advance(&l->ring, n);
    if (bytes) {
        l->batch_real_ns = tw_real_ns();
        l->batch_mono_ns = tw_mono_ns();
    }
    return n;
}

int tw_loop_set_wake_fd(tw_loop_t *l, int fd)
{
    if (l == NULL || fd < 0)
        return -EINVAL;
    l->wake_fd = fd;
    l->wake_set = 1;
    return 0;
}

static void arm_wake(tw_loop_t *l)
{
    struct io_uring_sqe *sqe = tw_loop_sqe(l);
    if (sqe == NULL)
        return; /* the next poll tries again */
    io_uring_prep_read(sqe, l->wake_fd, &l->wake_buf, sizeof(l->wake_buf), 0);
    io_uring_sqe_set_data64(sqe, TW_LOOP_WAKE_UD);
    l->wake_armed = 1;
}

int tw_loop_poll(tw_loop_t *l, int64_t timeout_ns)
{
    if (l->wake_set && !l->wake_armed)
        arm_wake(l);
    int r = submit_wait(l, timeout_ns);
    if (r < 0)
        return r;
    event_t ev[BATCH];
    int handled = 0;
    unsigned n;
    do {
        n = reap(l, ev);
        for (unsigned i = 0; i < n; i++) {
            uint64_t ud = ev[i].user_data;
            if (ud == TW_LOOP_WAKE_UD)
                l->wake_armed = 0; /* re-armed by the next poll */
            else if (ud != 0)
                tw_conn_complete((tw_conn_t *)(uintptr_t)(ud & ~(uint64_t)TW_OP_MASK), (unsigned)(ud & TW_OP_MASK),
                                 ev[i].res, ev[i].flags);
        }
        handled += (int)n;
    } while (n == BATCH);
    if (io_uring_sq_ready(&l->ring)) {
        r = io_uring_submit(&l->ring); /* adopted above */
        if (r < 0 && r != -EAGAIN && r != -EBUSY && r != -EINTR)
            return r;
    }
    return handled;
}

int tw_net_resolve(const char *host, uint16_t port, struct sockaddr_storage *addr, socklen_t *len)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL)
        return -EHOSTUNREACH;
    memset(addr, 0, sizeof(*addr));
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    if (addr->ss_family == AF_INET)
        ((struct sockaddr_in *)addr)->sin_port = htons(port);
    else if (addr->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons(port);
    else
        return -EHOSTUNREACH;
    return 0;
}

int tw_net_is_loopback(const struct sockaddr_storage *addr)
{
    if (addr->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr) >> 24) == 127;
    if (addr->ss_family != AF_INET6)
        return 0;
    const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(a))
        return 1;
    return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
}

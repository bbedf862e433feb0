/* SPDX-License-Identifier: MIT */
/*
 * The floor of the loopback scenario: one loopback TCP hop between the same
 * two cores, busy-polled. The writer (cpu_a) stamps tw_real_ns() and send()s
 * 8 bytes; the receiver (cpu_b) spins on a non-blocking recv(), stamps when
 * bytes arrive and stores (round, time) on a cache line the writer spins on
 * before its next round, so nothing ever queues. One sample = t_recv - t_send.
 */
#define _GNU_SOURCE
#include "tickwire/loopback.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tickwire/core.h"
#include "tickwire/reader.h"

#define STALL_NS 5000000000LL

typedef struct hop {
    uint64_t ack;              /* round the receiver saw: receiver's release store, writer's acquire load */
    int64_t t_recv;            /* written before ack (relaxed, published by ack's release) */
    uint8_t pad0[48];
    uint32_t stop;             /* writer → receiver: relaxed store, relaxed load */
    int32_t rx_result;         /* receiver's relaxed store, writer's relaxed load (and after join) */
    int64_t rx_vol, rx_invol;  /* receiver's context switches, read after join */
    uint8_t pad1[40];
    tw_bench_run_t *r;
    int wfd, rfd;
} hop_t;

_Static_assert(sizeof(hop_t) >= 128, "hop lines");

static void csw(int64_t *vol, int64_t *invol)
{
    struct rusage ru;
    *vol = *invol = 0;
    if (getrusage(RUSAGE_THREAD, &ru) == 0) {
        *vol = ru.ru_nvcsw;
        *invol = ru.ru_nivcsw;
    }
}

static void *receiver(void *arg)
{
    hop_t *h = arg;
    int64_t v0, i0;
    uint8_t buf[256];
    uint64_t seen = 0;
    int pin = tw_cpu_pin_self(h->r->cpu_b);
    if (pin < 0) {
        __atomic_store_n(&h->rx_result, pin, __ATOMIC_RELAXED); /* polled by rounds() */
        return NULL;
    }
    csw(&v0, &i0);
    while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED)) { /* writer's relaxed store */
        ssize_t n = recv(h->rfd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            int64_t t = tw_real_ns();
            __atomic_store_n(&h->t_recv, t, __ATOMIC_RELAXED);
            seen += (uint64_t)n / 8; /* one round is 8 bytes; they never coalesce (ack-gated) */
            __atomic_store_n(&h->ack, seen, __ATOMIC_RELEASE); /* pairs with the writer's acquire */
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            __atomic_store_n(&h->rx_result, n == 0 ? -ECONNRESET : -errno, __ATOMIC_RELAXED); /* rounds() */
            break;
        }
    }
    csw(&h->rx_vol, &h->rx_invol);
    h->rx_vol -= v0;
    h->rx_invol -= i0;
    return NULL;
}

static int hop_fail(tw_bench_run_t *r, int err, const char *what)
{
    snprintf(r->error, sizeof(r->error), "tcp hop: %s: %s", what, strerror(err));
    return -err;
}

/* A connected loopback pair with TCP_NODELAY on both ends. */
static int connect_pair(tw_bench_run_t *r, int *wfd, int *rfd)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    *wfd = *rfd = -1;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) < 0)
        goto fail;
    *wfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*wfd < 0 || connect(*wfd, (struct sockaddr *)&a, sizeof(a)) < 0)
        goto fail;
    *rfd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (*rfd < 0)
        goto fail;
    setsockopt(*wfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(*rfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    close(l);
    return 0;
fail:;
    int err = errno;
    if (l >= 0)
        close(l);
    return hop_fail(r, err, "loopback connection");
}

/* The writer's rounds, on the calling (pinned) thread. */
static int rounds(hop_t *h)
{
    tw_bench_run_t *r = h->r;
    uint64_t total = r->warmup + r->iterations;
    for (uint64_t n = 1; n <= total; n++) {
        int64_t t0 = tw_real_ns();
        if (send(h->wfd, &n, sizeof(n), MSG_NOSIGNAL) != (ssize_t)sizeof(n))
            return hop_fail(r, errno ? errno : EIO, "send");
        uint32_t spins = 0;
        while (__atomic_load_n(&h->ack, __ATOMIC_ACQUIRE) < n) { /* pairs with the receiver's release */
            tw_cpu_relax();
            if ((++spins & 0xFFFF) != 0)
                continue;
            int rx = __atomic_load_n(&h->rx_result, __ATOMIC_RELAXED); /* the receiver's store */
            if (rx < 0 || tw_real_ns() - t0 > STALL_NS)
                return hop_fail(r, rx < 0 ? -rx : ETIMEDOUT, "receiver");
        }
        int64_t t1 = __atomic_load_n(&h->t_recv, __ATOMIC_RELAXED);
        if (n > r->warmup) {
            r->clamped += t1 < t0;
            r->out[n - r->warmup - 1] = t1 > t0 ? (uint64_t)(t1 - t0) : 0;
        }
    }
    return 0;
}

typedef struct hop_thread_arg {
    hop_t *h;
    int result;
} hop_thread_arg_t;

static void *writer(void *arg)
{
    hop_thread_arg_t *a = arg;
    hop_t *h = a->h;
    tw_bench_run_t *r = h->r;
    int64_t v0, i0, v1, i1;
    if ((a->result = tw_cpu_pin_self(r->cpu_a)) < 0) {
        hop_fail(r, -a->result, "pinning the writer");
    } else {
        csw(&v0, &i0);
        a->result = rounds(h);
        csw(&v1, &i1);
        r->csw_voluntary = v1 - v0;
        r->csw_involuntary = i1 - i0;
    }
    __atomic_store_n(&h->stop, 1, __ATOMIC_RELAXED); /* read by the receiver's loop */
    return NULL;
}

/* Both threads start from the caller: a thread pinned to cpu_a could not pin a child to cpu_b. */
static int run_threads(hop_t *h)
{
    tw_bench_run_t *r = h->r;
    hop_thread_arg_t a = {h, 0};
    pthread_t rx, tx;
    int rc = pthread_create(&rx, NULL, receiver, h);
    if (rc != 0)
        return hop_fail(r, rc, "receiver thread");
    if ((rc = pthread_create(&tx, NULL, writer, &a)) != 0) {
        __atomic_store_n(&h->stop, 1, __ATOMIC_RELAXED); /* read by the receiver's loop */
        pthread_join(rx, NULL);
        return hop_fail(r, rc, "writer thread");
    }
    pthread_join(tx, NULL);
    pthread_join(rx, NULL);
    if (a.result == 0 && h->rx_result < 0)
        a.result = hop_fail(r, -h->rx_result, "receiver");
    r->csw_voluntary += h->rx_vol;
    r->csw_involuntary += h->rx_invol;
    return a.result;
}

int tw_bench_tcp_hop(tw_bench_run_t *r)
{
    hop_t *h = NULL;
    r->error[0] = 0;
    r->clamped = 0;
    r->csw_voluntary = r->csw_involuntary = 0;
    if (r->cpu_a == r->cpu_b)
        return hop_fail(r, EINVAL, "needs two different cores");
    if (posix_memalign((void **)&h, 64, sizeof(*h)) != 0)
        return hop_fail(r, ENOMEM, "allocation");
    memset(h, 0, sizeof(*h));
    h->r = r;
    int rc = connect_pair(r, &h->wfd, &h->rfd);
    if (rc == 0)
        rc = run_threads(h);
    if (h->wfd >= 0)
        close(h->wfd);
    if (h->rfd >= 0)
        close(h->rfd);
    free(h);
    return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The life of an engine thread (synthetic venue, feed): started once, asked
 * to stop by a flag it polls, reports its end through `running` and its
 * outcome through `result`. Private to CEngineCore.
 */
#ifndef TICKWIRE_WORKER_H
#define TICKWIRE_WORKER_H

#include <errno.h>
#include <pthread.h>

typedef struct tw_worker {
    pthread_t thread;
    int started;
    int running;               /* atomic: 1 from tw_worker_start until the thread finishes */
    int stop;                  /* atomic: set by tw_worker_stop, polled by the thread */
    int result;                /* the thread's outcome, read after join */
} tw_worker_t;

/* Starts fn(arg) on a new thread. 0, -EALREADY, or -errno from pthread_create. */
static inline int tw_worker_start(tw_worker_t *w, void *(*fn)(void *), void *arg)
{
    if (w->started)
        return -EALREADY;
    __atomic_store_n(&w->running, 1, __ATOMIC_RELAXED); /* before the thread exists */
    int rc = pthread_create(&w->thread, NULL, fn, arg);
    if (rc != 0) {
        __atomic_store_n(&w->running, 0, __ATOMIC_RELAXED);
        return -rc;
    }
    w->started = 1;
    return 0;
}

/* Asks the thread to stop; returns at once. */
static inline void tw_worker_stop(tw_worker_t *w)
{
    __atomic_store_n(&w->stop, 1, __ATOMIC_RELAXED);
}

/* Whether a stop was asked (the thread's loop condition). */
static inline int tw_worker_stopping(const tw_worker_t *w)
{
    return __atomic_load_n(&w->stop, __ATOMIC_RELAXED);
}

/* Called by the thread last: its outcome, then not running (release: pairs with tw_worker_running). */
static inline void tw_worker_finish(tw_worker_t *w, int result)
{
    if (result != 0)
        w->result = result;
    __atomic_store_n(&w->running, 0, __ATOMIC_RELEASE);
}

static inline int tw_worker_running(const tw_worker_t *w)
{
    return __atomic_load_n(&w->running, __ATOMIC_ACQUIRE);
}

/* Waits for the thread; its result (0 when never started). */
static inline int tw_worker_join(tw_worker_t *w)
{
    if (!w->started)
        return 0;
    pthread_join(w->thread, NULL);
    w->started = 0;
    return w->result;
}

#endif /* TICKWIRE_WORKER_H */

/* SPDX-License-Identifier: MIT */
/*
 * Tickwire core: clocks, CPU pinning and the synthetic venue thread.
 * (The io_uring/TLS/WebSocket feed joins this library later.)
 *
 * Return convention: 0 or a count on success, -errno on failure; after a
 * failure tw_error_message() (tickwire/shm.h) says why on this thread.
 */
#ifndef TICKWIRE_CORE_H
#define TICKWIRE_CORE_H

#include <stdint.h>
#include <time.h>

#include "tickwire/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- clocks -- */

/* CLOCK_MONOTONIC in ns (vDSO, no system call): for durations. */
static inline int64_t tw_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CLOCK_REALTIME in ns (vDSO): the timestamps stored in shared memory. */
static inline int64_t tw_real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ------------------------------------------------------------------- cpus -- */

/* Number of CPUs configured on the machine. */
int tw_cpu_count(void);

/* Fills out (capacity cap) with the CPUs this process may run on; returns the count or -errno. */
int tw_cpu_allowed_list(int *out, int cap);

/* 1 when cpu exists and is in this process's allowed set, else 0. */
int tw_cpu_allowed(int cpu);

/* Pins the calling thread to one CPU. 0, -EINVAL (not allowed), or -errno. */
int tw_cpu_pin_self(int cpu);

/* The CPU the calling thread runs on now, or -errno. */
int tw_cpu_current(void);

/* NUMA node of a CPU (libnuma), or -ENOSYS when NUMA is not available. */
int tw_cpu_numa_node(int cpu);

/* ------------------------------------------------------- synthetic venue -- */

/*
 * A thread that moves every instrument of a books segment through a seeded
 * random walk: level changes, trades at the touch, and mid moves of one tick,
 * written to the book blocks under their seqlocks and published to the md
 * ring exactly as a venue feed does. Paced at `rate` events per second
 * (sleeping between 1 ms batches), or as fast as it can when rate is 0.
 */
typedef struct tw_synth_config {
    uint64_t seed;
    uint32_t rate;             /* events/s over all instruments; 0: unpaced */
    int32_t cpu;               /* pin the thread here; -1: no pinning */
    int64_t duration_ns;       /* stop by itself after this long; 0: until stopped */
    uint64_t max_events;       /* stop by itself after this many events; 0: unlimited */
    uint32_t levels;           /* levels kept a side (capped at the books depth); 0: depth */
    uint32_t reserved;
} tw_synth_config_t;

typedef struct tw_synth tw_synth_t;

/*
 * Prepares a venue over committed md, books and stats segments (mapped
 * read-write by the caller, which keeps them mapped until tw_synth_destroy).
 * start_prices[i] is the first mid of instrument i as a price mantissa; it
 * must be more than levels ticks above zero. Allocates; call off the hot path.
 */
int tw_synth_create(const tw_synth_config_t *cfg, void *md_segment, void *books_segment, void *stats_segment,
                    const int64_t *start_prices, tw_synth_t **out);

/* Starts the thread. 0 or -errno. */
int tw_synth_start(tw_synth_t *s);

/* Asks the thread to stop (returns at once). */
void tw_synth_stop(tw_synth_t *s);

/* 1 while the thread runs. */
int tw_synth_running(const tw_synth_t *s);

/* Waits for the thread; returns its result: 0, or -errno (e.g. pinning failed). */
int tw_synth_join(tw_synth_t *s);

/* Events published so far. */
uint64_t tw_synth_events(const tw_synth_t *s);

/* Frees a joined (or never started) venue. */
void tw_synth_destroy(tw_synth_t *s);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_CORE_H */

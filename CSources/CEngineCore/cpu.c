/* SPDX-License-Identifier: MIT */
/*
 * CPU sets and pinning. Checked before anything starts, so that a core that
 * does not exist or is not ours is a clear error, not a thread that runs
 * somewhere else.
 */
#define _GNU_SOURCE
#include "tickwire/core.h"
#include "tickwire/shm.h"

#include <errno.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

int tw_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_CONF);
    return n > 0 ? (int)n : 1;
}

int tw_cpu_allowed_list(int *out, int cap)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return -errno;
    int n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && n < cap; cpu++)
        if (CPU_ISSET(cpu, &set))
            out[n++] = cpu;
    return n;
}

int tw_cpu_allowed(int cpu)
{
    if (cpu < 0 || cpu >= CPU_SETSIZE || cpu >= tw_cpu_count())
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return 0;
    return CPU_ISSET(cpu, &set) ? 1 : 0;
}

int tw_cpu_pin_self(int cpu)
{
    if (!tw_cpu_allowed(cpu))
        return -EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    return rc == 0 ? 0 : -rc;
}

int tw_cpu_current(void)
{
    int cpu = sched_getcpu();
    return cpu >= 0 ? cpu : -errno;
}

int tw_cpu_numa_node(int cpu)
{
    if (numa_available() < 0)
        return -ENOSYS;
    int node = numa_node_of_cpu(cpu);
    return node >= 0 ? node : -EINVAL;
}

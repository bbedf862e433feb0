/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers for the C stress tests of the shared-memory ABI: failure
 * macros, clocks, and a private segment directory per test process.
 *
 * Every test is a standalone program: exit 0 on success, 1 with a "FAIL"
 * line on stderr on any violated property. The last line a test prints on
 * stdout is its one-line summary (run.sh shows it next to PASS).
 */
#ifndef TICKWIRE_CSTRESS_H
#define TICKWIRE_CSTRESS_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tickwire/shm.h"
#include "tickwire/writer.h"

static pid_t cs_owner_pid;          /* the process that made the directory */
static char cs_dir[PATH_MAX];        /* this process's TICKWIRE_SHM_DIR */

__attribute__((format(printf, 3, 4), noreturn)) static void cs_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "FAIL %s:%d [pid %d]: ", file, line, (int)getpid());
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    fflush(stdout);
    /* A child must not run the owner's atexit clean-up (it checks the pid anyway). */
    if (getpid() != cs_owner_pid)
        _exit(1);
    exit(1);
}

#define FAIL(...) cs_fail(__FILE__, __LINE__, __VA_ARGS__)

/* CHECK(cond, "what %d", x): fails with the condition text and a message. */
#define CHECK(cond, ...)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "check `%s` failed\n", #cond);                                      \
            FAIL(__VA_ARGS__);                                                                   \
        }                                                                                        \
    } while (0)

/* CHECK_RC(expr, expected): an int-returning call must return exactly `expected`. */
#define CHECK_RC(expr, expected)                                                                 \
    do {                                                                                         \
        int cs_rc_ = (int)(expr);                                                                \
        int cs_exp_ = (int)(expected);                                                           \
        if (cs_rc_ != cs_exp_)                                                                   \
            FAIL("%s returned %d (%s), expected %d (%s); tw_error_message: \"%s\"", #expr, cs_rc_, \
                 cs_rc_ < 0 ? strerror(-cs_rc_) : "ok", cs_exp_, cs_exp_ < 0 ? strerror(-cs_exp_) : "ok", \
                 tw_error_message());                                                            \
    } while (0)

static inline int64_t cs_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void cs_sleep_ns(int64_t ns)
{
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* Parses argv[i] as a positive double, or returns def. */
static inline double cs_arg_double(int argc, char **argv, int i, double def)
{
    if (argc <= i)
        return def;
    char *end = NULL;
    double v = strtod(argv[i], &end);
    if (!end || *end || !(v > 0))
        FAIL("argument %d: '%s' is not a positive number", i, argv[i]);
    return v;
}

/* Parses argv[i] as a positive integer, or returns def. */
static inline uint64_t cs_arg_u64(int argc, char **argv, int i, uint64_t def)
{
    if (argc <= i)
        return def;
    char *end = NULL;
    unsigned long long v = strtoull(argv[i], &end, 10);
    if (!end || *end || v == 0)
        FAIL("argument %d: '%s' is not a positive integer", i, argv[i]);
    return (uint64_t)v;
}

static void cs_remove_dir(void)
{
    if (getpid() != cs_owner_pid || !cs_dir[0])
        return;
    DIR *d = opendir(cs_dir);
    if (d) {
        struct dirent *e;
        char path[PATH_MAX + 256];
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(path, sizeof(path), "%s/%s", cs_dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(cs_dir);
}

/*
 * Makes a private directory for segments (under $TMPDIR or /tmp), points
 * TICKWIRE_SHM_DIR at it before any tw_shm_* call, and removes it at exit.
 */
static inline const char *cs_setup_dir(const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(cs_dir, sizeof(cs_dir), "%s/tw-cstress-%s-XXXXXX", tmp, tag);
    if (!mkdtemp(cs_dir))
        FAIL("mkdtemp(%s): %s", cs_dir, strerror(errno));
    if (setenv("TICKWIRE_SHM_DIR", cs_dir, 1) < 0)
        FAIL("setenv: %s", strerror(errno));
    cs_owner_pid = getpid();
    atexit(cs_remove_dir);
    if (strcmp(tw_shm_dir(), cs_dir) != 0)
        FAIL("tw_shm_dir() is '%s', expected '%s'", tw_shm_dir(), cs_dir);
    return cs_dir;
}

/* Creates, lays out and commits a segment; the writable creating mapping stays in *s. */
static inline void cs_make_ring(const char *instance, uint32_t kind, uint32_t slot_size, uint32_t slot_count,
                                tw_shm_t *s)
{
    CHECK_RC(tw_shm_create(instance, kind, tw_ring_region_size(slot_size, slot_count), 1, s), 0);
    CHECK_RC(tw_ring_init(s, slot_size, slot_count), 0);
    CHECK_RC(tw_shm_commit(s), 0);
}

/* A command segment of lanes x slots, committed and LIVE (producers refuse anything else). */
static inline void cs_make_cmd(const char *instance, uint32_t lanes, uint32_t lane_slots, uint64_t generation,
                               tw_shm_t *s)
{
    CHECK_RC(tw_shm_create(instance, TW_SEG_CMD, tw_cmd_region_size(lanes, lane_slots), generation, s), 0);
    CHECK_RC(tw_cmd_init(s, lanes, lane_slots), 0);
    CHECK_RC(tw_shm_commit(s), 0);
    tw_segment_set_state((tw_segment_header_t *)s->base, TW_STATE_LIVE);
}

/* An exec journal of slot_count slots with `reserve`, committed and LIVE. */
static inline void cs_make_exec(const char *instance, uint32_t slot_count, uint32_t reserve, tw_shm_t *s)
{
    CHECK_RC(tw_shm_create(instance, TW_SEG_EXEC, tw_exec_region_size(slot_count), 1, s), 0);
    CHECK_RC(tw_exec_init(s, slot_count, reserve), 0);
    CHECK_RC(tw_shm_commit(s), 0);
    tw_segment_set_state((tw_segment_header_t *)s->base, TW_STATE_LIVE);
}

static inline void cs_make_books(const char *instance, uint32_t instruments, uint32_t depth, tw_shm_t *s)
{
    CHECK_RC(tw_shm_create(instance, TW_SEG_BOOKS, tw_books_region_size(instruments, depth), 1, s), 0);
    CHECK_RC(tw_books_init(s, instruments, depth), 0);
    CHECK_RC(tw_shm_commit(s), 0);
}

static inline void cs_make_stats(const char *instance, uint32_t instruments, tw_shm_t *s)
{
    CHECK_RC(tw_shm_create(instance, TW_SEG_STATS, tw_stats_region_size(instruments), 1, s), 0);
    CHECK_RC(tw_stats_init(s, instruments), 0);
    CHECK_RC(tw_shm_commit(s), 0);
}

/* splitmix64: payload words derived from a message number. */
static inline uint64_t cs_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

#endif /* TICKWIRE_CSTRESS_H */

/* SPDX-License-Identifier: MIT */
/*
 * Segment files: building them under a temporary name, publishing them with
 * rename(2), attaching and validating them, and the instance lock. Errors are
 * returned as -errno with a message for tw_error_message().
 */
#define _GNU_SOURCE
#include "tickwire/shm.h"
#include "tickwire/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static __thread char errbuf[512];

static int fail(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(errbuf) && err > 0)
        snprintf(errbuf + n, sizeof(errbuf) - (size_t)n, ": %s", strerror(err));
    return -err;
}

const char *tw_error_message(void)
{
    return errbuf;
}

int tw_error_set(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
    va_end(ap);
    return -err;
}

const char *tw_segment_kind_name(uint32_t kind)
{
    static const char *names[] = {"?", "md", "books", "cmd", "exec", "account", "stats"};
    return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

const char *tw_shm_dir(void)
{
    const char *dir = getenv("TICKWIRE_SHM_DIR");
    return dir && *dir ? dir : "/dev/shm";
}

int tw_instance_name_valid(const char *instance)
{
    size_t n = instance ? strlen(instance) : 0;
    if (n == 0 || n >= TW_INSTANCE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = instance[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

static int named_path(const char *instance, const char *suffix, char *buf, size_t len)
{
    if (!tw_instance_name_valid(instance))
        return fail(EINVAL, "invalid instance name '%s' (1-31 of A-Z a-z 0-9 _ -)", instance ? instance : "");
    int n = snprintf(buf, len, "%s/tickwire.%s.%s", tw_shm_dir(), instance, suffix);
    if (n < 0 || (size_t)n >= len)
        return fail(ENAMETOOLONG, "segment path too long");
    return 0;
}

int tw_shm_path(const char *instance, uint32_t kind, char *buf, size_t len)
{
    if (kind < TW_SEG_MD || kind > TW_SEG_STATS)
        return fail(EINVAL, "unknown segment kind %u", kind);
    return named_path(instance, tw_segment_kind_name(kind), buf, len);
}

int64_t tw_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t page_round(uint64_t n)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    return (n + page - 1) / page * page;
}

int tw_shm_create(const char *instance, uint32_t kind, uint64_t region_size, uint64_t generation,
                  tw_shm_t *out)
{
    memset(out, 0, sizeof(*out));
    int rc = tw_shm_path(instance, kind, out->path, sizeof(out->path));
    if (rc < 0)
        return rc;
    static unsigned serial; /* two creations of one kind in one process must not share a name */
    unsigned k = __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED); /* pairs with itself only */
    int n = snprintf(out->tmp_path, sizeof(out->tmp_path), "%s.new-%d-%u", out->path, (int)getpid(), k);
    if (n < 0 || (size_t)n >= sizeof(out->tmp_path))
        return fail(ENAMETOOLONG, "segment path too long");
    uint64_t size = page_round(sizeof(tw_segment_header_t) + region_size);
    int fd = open(out->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return fail(errno, "cannot create %s", out->tmp_path);
    if (fchmod(fd, 0640) < 0 || ftruncate(fd, (off_t)size) < 0) {
        int err = errno;
        close(fd);
        unlink(out->tmp_path);
        return fail(err, "cannot size %s to %llu bytes", out->tmp_path, (unsigned long long)size);
    }
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int err = errno;
    close(fd);
    if (base == MAP_FAILED) {
        unlink(out->tmp_path);
        return fail(err, "cannot map %s", out->tmp_path);
    }
    tw_segment_header_t *h = base;
    h->abi_major = TW_ABI_MAJOR;
    h->abi_minor = TW_ABI_MINOR;
    h->kind = kind;
    h->generation = generation;
    h->state = TW_STATE_STARTING;
    h->writer_pid = (int32_t)getpid();
    h->created_ns = tw_realtime_ns();
    h->heartbeat_ns = h->created_ns;
    h->segment_size = size;
    h->region_offset = sizeof(tw_segment_header_t);
    h->region_size = size - sizeof(tw_segment_header_t);
    snprintf(h->instance, sizeof(h->instance), "%s", instance);
    out->base = base;
    out->size = size;
    out->writable = 1;
    return 0;
}

/* Marks a segment left at path by a previous engine DEAD, so its readers re-attach. */
static void mark_previous_dead(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(tw_segment_header_t)) {
        tw_segment_header_t *h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (h != MAP_FAILED) {
            if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) == TW_ABI_MAGIC)
                tw_segment_set_state(h, TW_STATE_DEAD);
            munmap(h, sizeof(*h));
        }
    }
    close(fd);
}

int tw_shm_commit(tw_shm_t *s)
{
    tw_segment_header_t *h = s->base;
    mark_previous_dead(s->path);
    __atomic_store_n(&h->magic, TW_ABI_MAGIC, __ATOMIC_RELEASE); /* pairs with attach's acquire */
    if (rename(s->tmp_path, s->path) < 0)
        return fail(errno, "cannot publish %s", s->path);
    s->tmp_path[0] = '\0';
    return 0;
}

/*
 * The header and the kind's geometry, by tw_segment_check() (reader.h): every
 * offset and count the inline helpers will use, against the mapped file size.
 */
static int validate(const tw_shm_t *s, uint32_t kind)
{
    const tw_segment_header_t *h = s->base;
    tw_segment_fault_t f = {0};
    int rc = tw_segment_check(s->base, s->size, kind, &f);
    if (rc == -EPROTONOSUPPORT)
        return fail(EPROTONOSUPPORT, "%s has ABI %u.%u; this reader knows major %u", s->path, h->abi_major,
                    h->abi_minor, TW_ABI_MAJOR);
    if (rc == -EMEDIUMTYPE)
        return fail(EMEDIUMTYPE, "%s holds a %s segment, expected %s", s->path, tw_segment_kind_name(h->kind),
                    tw_segment_kind_name(kind));
    if (rc < 0 && strcmp(f.field, "magic") == 0)
        return fail(EPROTO, "%s is not a Tickwire segment (bad magic 0x%016llx)", s->path,
                    (unsigned long long)f.value);
    if (rc < 0 && strcmp(f.field, "segment_size") == 0)
        return fail(EPROTO, "%s is truncated: segment_size %llu, but the file has %llu bytes", s->path,
                    (unsigned long long)f.value, (unsigned long long)s->size);
    if (rc < 0)
        return fail(EPROTO, "%s: invalid %s segment: %s = %llu: %s", s->path, tw_segment_kind_name(kind), f.field,
                    (unsigned long long)f.value, f.problem);
    return 0;
}

int tw_shm_attach(const char *instance, uint32_t kind, int writable, tw_shm_t *out)
{
    memset(out, 0, sizeof(*out));
    int rc = tw_shm_path(instance, kind, out->path, sizeof(out->path));
    if (rc < 0)
        return rc;
    /* O_NONBLOCK: a FIFO planted at the path must not hang the open; it is refused below. */
    int fd = open(out->path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return fail(errno, "cannot open %s", out->path);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        return fail(err, "cannot stat %s", out->path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fail(EPROTO, "%s is not a regular file, so not a Tickwire segment", out->path);
    }
    if ((uint64_t)st.st_size < sizeof(tw_segment_header_t)) {
        close(fd);
        return fail(EPROTO, "%s is too small to be a Tickwire segment (%lld bytes; the header alone is %zu)",
                    out->path, (long long)st.st_size, sizeof(tw_segment_header_t));
    }
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    void *base = mmap(NULL, (size_t)st.st_size, prot, MAP_SHARED, fd, 0);
    int err = errno;
    close(fd);
    if (base == MAP_FAILED)
        return fail(err, "cannot map %s", out->path);
    out->base = base;
    out->size = (uint64_t)st.st_size;
    out->writable = writable;
    rc = validate(out, kind);
    if (rc < 0)
        tw_shm_detach(out);
    return rc;
}

void tw_shm_detach(tw_shm_t *s)
{
    if (s->base)
        munmap(s->base, s->size);
    if (s->tmp_path[0])
        unlink(s->tmp_path);
    s->base = NULL;
    s->size = 0;
    s->tmp_path[0] = '\0';
}

int tw_shm_unlink(const char *instance, uint32_t kind)
{
    char path[TW_PATH_MAX];
    int rc = tw_shm_path(instance, kind, path, sizeof(path));
    if (rc < 0)
        return rc;
    if (unlink(path) < 0 && errno != ENOENT)
        return fail(errno, "cannot remove %s", path);
    return 0;
}

static int read_pid(int fd)
{
    char buf[32] = {0};
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    return n > 0 ? atoi(buf) : 0;
}

int tw_instance_lock(const char *instance, int *holder_pid)
{
    char path[TW_PATH_MAX];
    *holder_pid = 0;
    int rc = named_path(instance, "lock", path, sizeof(path));
    if (rc < 0)
        return rc;
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0)
            return fail(errno, "cannot open %s", path);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            int err = errno;
            *holder_pid = read_pid(fd);
            close(fd);
            if (err == EWOULDBLOCK)
                return fail(EBUSY, "instance '%s' is running (pid %d)", instance, *holder_pid);
            return fail(err, "cannot lock %s", path);
        }
        /* The holder may have unlinked the file between our open and flock. */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            char buf[32];
            int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
            if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
                int err = errno;
                close(fd);
                return fail(err, "cannot write %s", path);
            }
            return fd;
        }
        close(fd);
    }
    return fail(EAGAIN, "lock file %s keeps changing", path);
}

void tw_instance_unlock(const char *instance, int fd, int remove_file)
{
    char path[TW_PATH_MAX];
    if (fd < 0)
        return;
    if (remove_file && named_path(instance, "lock", path, sizeof(path)) == 0)
        unlink(path); /* while still locked: a waiter re-checks the inode */
    close(fd);
}

uint64_t tw_next_generation(const char *instance)
{
    uint64_t gen = (uint64_t)tw_realtime_ns();
    for (uint32_t kind = TW_SEG_MD; kind <= TW_SEG_STATS; kind++) {
        tw_shm_t s;
        if (tw_shm_attach(instance, kind, 0, &s) == 0) {
            const tw_segment_header_t *h = s.base;
            if (h->generation >= gen)
                gen = h->generation + 1;
            tw_shm_detach(&s);
        }
    }
    errbuf[0] = '\0';
    return gen;
}

/* 1 when the process is a zombie: dead, only not yet reaped by its parent. */
static int pid_zombie(int pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    const char *end = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    return end && end[1] == ' ' && end[2] == 'Z';
}

int tw_pid_alive(int pid)
{
    if (pid <= 0)
        return 0;
    if (kill(pid, 0) != 0 && errno != EPERM)
        return 0;
    return !pid_zombie(pid); /* killed but not reaped (e.g. no init reaping in a container) is dead */
}

/* A lane's owner can be taken over when it is free or its process is gone. */
static int lane_takeable(uint64_t owner)
{
    int pid = (int)(owner >> 32);
    return owner == 0 || !tw_pid_alive(pid);
}

int tw_cmd_lane_claim(void *segment, uint32_t *lane, uint64_t *token)
{
    tw_segment_header_t *h = segment;
    if (tw_segment_state(h) != TW_STATE_LIVE)
        return fail(ESTALE, "the engine's command segment is not live");
    tw_cmd_header_t *c = tw_cmd_of(segment);
    static uint32_t nonce; /* two claims in one process get different tokens */
    uint32_t n = __atomic_add_fetch(&nonce, 1, __ATOMIC_RELAXED) ^ (uint32_t)tw_realtime_ns();
    uint64_t mine = ((uint64_t)(uint32_t)getpid() << 32) | (n ? n : 1u);
    for (uint32_t i = 0; i < c->lane_count; i++) {
        tw_cmd_lane_t *l = tw_cmd_lane(segment, i);
        uint64_t owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE); /* pairs with the CAS below */
        if (!lane_takeable(owner))
            continue;
        /* acq_rel: a new owner sees the previous owner's tail before writing after it */
        if (__atomic_compare_exchange_n(&l->owner, &owner, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            if (owner != 0)
                __atomic_fetch_add(&c->lanes_reclaimed, 1, __ATOMIC_RELAXED); /* read by status */
            __atomic_store_n(&l->claimed_ns, tw_realtime_ns(), __ATOMIC_RELAXED);
            *lane = i;
            *token = mine;
            return 0;
        }
    }
    __atomic_fetch_add(&c->rejected_no_lane, 1, __ATOMIC_RELAXED); /* read by status */
    return fail(EBUSY, "all %u command lanes are owned by live producers", c->lane_count);
}

void tw_cmd_lane_release(void *segment, uint32_t lane, uint64_t token)
{
    tw_cmd_header_t *c = tw_cmd_of(segment);
    if (lane >= c->lane_count)
        return;
    uint64_t expected = token;
    /* release: our last tail store is visible to the next owner (pairs with claim's acquire) */
    __atomic_compare_exchange_n(&tw_cmd_lane(segment, lane)->owner, &expected, 0, 0, __ATOMIC_RELEASE,
                                __ATOMIC_RELAXED);
}

/* SPDX-License-Identifier: MIT */
/*
 * Segment files: protection, validation on attach, publication, and the
 * instance lock.
 *
 *  - segments are created mode 0640 whatever the umask;
 *  - a read-only attach really is read-only: a child that stores into the
 *    header or the region dies of SIGSEGV (or SIGBUS); a writable attach's
 *    stores are seen through the read-only mapping;
 *  - attach refuses: bad magic / too small / truncated (-EPROTO), ABI major
 *    + 1 (-EPROTONOSUPPORT; minor + 1 is accepted), wrong kind
 *    (-EMEDIUMTYPE), missing (-ENOENT), invalid instance or kind (-EINVAL);
 *  - commit publishes atomically and marks the previous segment DEAD;
 *  - tw_instance_lock: a second lock from this process on a new open file
 *    description and a lock from another process get -EBUSY naming our pid;
 *    after unlock it can be taken again; remove_file removes the lock file.
 *
 * usage: protread
 */
#include "cstress.h"

#include <fcntl.h>

static void seg_path(const char *instance, uint32_t kind, char *buf)
{
    CHECK_RC(tw_shm_path(instance, kind, buf, TW_PATH_MAX), 0);
}

static mode_t file_mode(const char *path)
{
    struct stat st;
    CHECK(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
    return st.st_mode & 07777;
}

/* Forks a child that stores into p; returns its wait status. */
static int child_store(volatile uint64_t *p)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        *p = 0x4242424242424242ull;
        _exit(0); /* the store went through: the mapping was writable */
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", strerror(errno));
    return st;
}

static void expect_fault(const char *what, volatile uint64_t *p)
{
    int st = child_store(p);
    if (WIFEXITED(st))
        FAIL("storing into %s of a read-only attach did not fault (child exited %d)", what, WEXITSTATUS(st));
    CHECK(WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS),
          "child storing into %s died of signal %d, expected SIGSEGV or SIGBUS", what,
          WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

static void protection(void)
{
    tw_shm_t w, ro, rw;
    mode_t old = umask(0);
    cs_make_ring("prot", TW_SEG_MD, 128, 64, &w);
    CHECK(file_mode(w.path) == 0640, "umask 0: segment mode %04o, want 0640", (unsigned)file_mode(w.path));
    umask(0077);
    tw_shm_t w2;
    cs_make_ring("prot2", TW_SEG_MD, 128, 64, &w2);
    CHECK(file_mode(w2.path) == 0640, "umask 077: segment mode %04o, want 0640", (unsigned)file_mode(w2.path));
    umask(old);
    tw_shm_detach(&w2);

    CHECK_RC(tw_shm_attach("prot", TW_SEG_MD, 0, &ro), 0);
    CHECK(ro.writable == 0 && ro.size == w.size, "read-only attach: writable %d size %" PRIu64, ro.writable, ro.size);
    const tw_segment_header_t *h = ro.base;
    CHECK(h->magic == TW_ABI_MAGIC && h->kind == TW_SEG_MD, "header through the read-only mapping");
    CHECK(strcmp(h->instance, "prot") == 0, "instance '%s'", h->instance);

    uint64_t before = ((const uint64_t *)ro.base)[2];
    expect_fault("the header", (volatile uint64_t *)ro.base + 2);
    tw_ring_header_t *ring = (tw_ring_header_t *)tw_ring_of(ro.base);
    expect_fault("the ring region", (volatile uint64_t *)&ring->head);
    CHECK(((const uint64_t *)ro.base)[2] == before && tw_ring_head(ring) == 0, "a faulting store changed the segment");

    /* writable attach: its stores show through the read-only mapping */
    CHECK_RC(tw_shm_attach("prot", TW_SEG_MD, 1, &rw), 0);
    CHECK(rw.writable == 1, "writable attach");
    tw_ring_writer_t wr;
    CHECK_RC(tw_ring_writer_init(&wr, rw.base), 0);
    uint64_t payload[2] = {7, 8};
    CHECK(tw_ring_publish(&wr, 1, 2, payload, 16) == 1, "publish through the writable attach");
    tw_ring_cursor_t c;
    CHECK_RC(tw_ring_cursor_init(&c, ro.base, 1), 0);
    tw_slot_header_t sh;
    uint64_t got[2] = {0};
    CHECK_RC(tw_ring_poll(&c, &sh, got, sizeof(got)), 1);
    CHECK(sh.seq == 1 && got[0] == 7 && got[1] == 8, "message through the other mapping");
    /* a store through the writable mapping in a child is fine */
    int st = child_store((volatile uint64_t *)rw.base + 3);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child store into a writable attach failed (status %d)", st);
    CHECK(((const uint64_t *)ro.base)[3] == 0x4242424242424242ull, "child's store not visible");
    tw_shm_detach(&rw);
    tw_shm_detach(&ro);
    tw_shm_detach(&w);
    printf("mode 0640 under umask 0 and 077; read-only stores fault (header, region); writable attach shared\n");
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
    CHECK(write(fd, data, len) == (ssize_t)len, "write %s", path);
    close(fd);
}

static void attach_errors(void)
{
    char path[TW_PATH_MAX], other[TW_PATH_MAX];
    tw_shm_t s;

    /* not a Tickwire segment at all */
    static uint8_t zeros[8192];
    seg_path("zeros", TW_SEG_MD, path);
    write_file(path, zeros, sizeof(zeros));
    CHECK_RC(tw_shm_attach("zeros", TW_SEG_MD, 0, &s), -EPROTO);
    CHECK(strstr(tw_error_message(), path) != NULL, "error message '%s' does not name %s", tw_error_message(), path);
    CHECK(s.base == NULL, "failed attach left a mapping");
    seg_path("tiny", TW_SEG_MD, path);
    write_file(path, "TICKWIRE", 8);
    CHECK_RC(tw_shm_attach("tiny", TW_SEG_MD, 0, &s), -EPROTO);

    /* a valid segment whose magic is then damaged */
    tw_shm_t w;
    cs_make_ring("badmagic", TW_SEG_MD, 128, 64, &w);
    CHECK_RC(tw_shm_attach("badmagic", TW_SEG_MD, 0, &s), 0);
    tw_shm_detach(&s);
    ((tw_segment_header_t *)w.base)->magic ^= 1;
    CHECK_RC(tw_shm_attach("badmagic", TW_SEG_MD, 0, &s), -EPROTO);
    tw_shm_detach(&w);

    /* truncated: the header claims more bytes than the file has */
    cs_make_ring("trunc", TW_SEG_MD, 128, 1024, &w);
    CHECK(w.size > 8192, "segment of %" PRIu64 " bytes", w.size);
    tw_shm_detach(&w);
    seg_path("trunc", TW_SEG_MD, path);
    CHECK(truncate(path, 8192) == 0, "truncate: %s", strerror(errno));
    CHECK_RC(tw_shm_attach("trunc", TW_SEG_MD, 0, &s), -EPROTO);

    /* ABI major + 1 is refused, minor + 1 accepted */
    CHECK_RC(tw_shm_create("major", TW_SEG_MD, tw_ring_region_size(128, 64), 1, &w), 0);
    ((tw_segment_header_t *)w.base)->abi_major = TW_ABI_MAJOR + 1;
    CHECK_RC(tw_ring_init(&w, 128, 64), 0);
    CHECK_RC(tw_shm_commit(&w), 0);
    tw_shm_detach(&w);
    CHECK_RC(tw_shm_attach("major", TW_SEG_MD, 0, &s), -EPROTONOSUPPORT);
    CHECK_RC(tw_shm_create("minor", TW_SEG_MD, tw_ring_region_size(128, 64), 1, &w), 0);
    ((tw_segment_header_t *)w.base)->abi_minor = TW_ABI_MINOR + 1;
    CHECK_RC(tw_ring_init(&w, 128, 64), 0);
    CHECK_RC(tw_shm_commit(&w), 0);
    tw_shm_detach(&w);
    CHECK_RC(tw_shm_attach("minor", TW_SEG_MD, 0, &s), 0);
    tw_shm_detach(&s);

    /* wrong kind: an md segment under the books name */
    cs_make_ring("kind", TW_SEG_MD, 128, 64, &w);
    tw_shm_detach(&w);
    seg_path("kind", TW_SEG_MD, path);
    seg_path("kind", TW_SEG_BOOKS, other);
    CHECK(rename(path, other) == 0, "rename: %s", strerror(errno));
    CHECK_RC(tw_shm_attach("kind", TW_SEG_BOOKS, 0, &s), -EMEDIUMTYPE);
    CHECK_RC(tw_shm_attach("kind", TW_SEG_MD, 0, &s), -ENOENT);

    /* missing; invalid names and kinds */
    CHECK_RC(tw_shm_attach("nosuch", TW_SEG_STATS, 0, &s), -ENOENT);
    CHECK_RC(tw_shm_attach("", TW_SEG_MD, 0, &s), -EINVAL);
    CHECK_RC(tw_shm_attach(NULL, TW_SEG_MD, 0, &s), -EINVAL);
    CHECK_RC(tw_shm_attach("bad/name", TW_SEG_MD, 0, &s), -EINVAL);
    CHECK_RC(tw_shm_attach("../escape", TW_SEG_MD, 0, &s), -EINVAL);
    CHECK_RC(tw_shm_attach("a.b", TW_SEG_MD, 0, &s), -EINVAL);
    CHECK_RC(tw_shm_attach("has space", TW_SEG_MD, 0, &s), -EINVAL);
    CHECK_RC(tw_shm_attach("abcdefghijklmnopqrstuvwxyz012345", TW_SEG_MD, 0, &s), -EINVAL); /* 32 chars */
    CHECK(strstr(tw_error_message(), "invalid instance") != NULL, "message '%s'", tw_error_message());
    CHECK_RC(tw_shm_attach("abcdefghijklmnopqrstuvwxyz01234", TW_SEG_MD, 0, &s), -ENOENT); /* 31: valid */
    CHECK_RC(tw_shm_attach("ok", 0, 0, &s), -EINVAL);
    CHECK_RC(tw_shm_attach("ok", TW_SEG_STATS + 1, 0, &s), -EINVAL);
    CHECK_RC(tw_shm_create("bad/name", TW_SEG_MD, 4096, 1, &w), -EINVAL);
    CHECK(tw_instance_name_valid("Abc_1-2") == 1 && tw_instance_name_valid("") == 0 &&
              tw_instance_name_valid(NULL) == 0,
          "tw_instance_name_valid");
    printf("attach: -EPROTO (zeros, tiny, bad magic, truncated), -EPROTONOSUPPORT (major+1), minor+1 ok, "
           "-EMEDIUMTYPE, -ENOENT, -EINVAL\n");
}

static void publication(void)
{
    tw_shm_t a, b, r1, r2;
    CHECK_RC(tw_shm_create("pub", TW_SEG_STATS, tw_stats_region_size(2), 5, &a), 0);
    CHECK_RC(tw_stats_init(&a, 2), 0);
    tw_shm_t s;
    CHECK_RC(tw_shm_attach("pub", TW_SEG_STATS, 0, &s), -ENOENT); /* not visible before commit */
    CHECK_RC(tw_shm_commit(&a), 0);
    CHECK(file_mode(a.path) == 0640, "committed mode %04o", (unsigned)file_mode(a.path));
    CHECK_RC(tw_shm_attach("pub", TW_SEG_STATS, 0, &r1), 0);
    const tw_segment_header_t *h1 = r1.base;
    CHECK(h1->generation == 5 && tw_segment_state(h1) == TW_STATE_STARTING && h1->writer_pid == getpid(),
          "first segment gen %" PRIu64 " state %u pid %d", h1->generation, tw_segment_state(h1), h1->writer_pid);
    tw_segment_set_state(a.base, TW_STATE_LIVE);
    CHECK(tw_segment_state(h1) == TW_STATE_LIVE, "state not shared");

    CHECK_RC(tw_shm_create("pub", TW_SEG_STATS, tw_stats_region_size(2), 6, &b), 0);
    CHECK_RC(tw_stats_init(&b, 2), 0);
    CHECK_RC(tw_shm_commit(&b), 0);
    CHECK(tw_segment_state(h1) == TW_STATE_DEAD, "commit did not mark the previous segment DEAD (state %u)",
          tw_segment_state(h1));
    CHECK_RC(tw_shm_attach("pub", TW_SEG_STATS, 0, &r2), 0);
    CHECK(((const tw_segment_header_t *)r2.base)->generation == 6, "new attach sees generation %" PRIu64,
          ((const tw_segment_header_t *)r2.base)->generation);
    uint64_t next = tw_next_generation("pub");
    CHECK(next > 6, "tw_next_generation %" PRIu64, next);
    tw_shm_detach(&r2);
    tw_shm_detach(&r1);
    tw_shm_detach(&b);
    tw_shm_detach(&a);
    CHECK_RC(tw_shm_unlink("pub", TW_SEG_STATS), 0);
    CHECK_RC(tw_shm_attach("pub", TW_SEG_STATS, 0, &s), -ENOENT);
    CHECK_RC(tw_shm_unlink("pub", TW_SEG_STATS), 0); /* already gone: still 0 */
    CHECK(tw_pid_alive(getpid()) == 1 && tw_pid_alive(0) == 0, "tw_pid_alive");
    printf("commit: invisible before, previous marked DEAD, new generation attached; unlink ok\n");
}

static void locks(void)
{
    int holder = -1;
    char lock_path[TW_PATH_MAX + 16];
    snprintf(lock_path, sizeof(lock_path), "%s/tickwire.lk.lock", tw_shm_dir());

    int fd1 = tw_instance_lock("lk", &holder);
    CHECK(fd1 >= 0, "first lock: %d (%s)", fd1, tw_error_message());
    CHECK(holder == 0, "holder %d after taking the lock", holder);
    char buf[32] = {0};
    int fd = open(lock_path, O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0, "lock file unreadable");
    close(fd);
    CHECK(atoi(buf) == getpid(), "lock file says '%s'", buf);

    /* same process, new open file description: flock conflicts */
    holder = -1;
    int fd2 = tw_instance_lock("lk", &holder);
    CHECK(fd2 == -EBUSY, "second lock from this process returned %d, expected -EBUSY", fd2);
    CHECK(holder == getpid(), "holder pid %d, expected %d", holder, (int)getpid());
    CHECK(strstr(tw_error_message(), "running") != NULL, "message '%s'", tw_error_message());

    /* another process */
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        int hp = -1;
        int rc = tw_instance_lock("lk", &hp);
        _exit(rc == -EBUSY && hp == getppid() ? 0 : 1);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "child did not get -EBUSY with our pid (status %d)", st);

    /* unlock keeps the file; the lock can be taken again */
    tw_instance_unlock("lk", fd1, 0);
    CHECK(access(lock_path, F_OK) == 0, "unlock(remove_file=0) removed the file");
    int fd3 = tw_instance_lock("lk", &holder);
    CHECK(fd3 >= 0, "lock after unlock: %d (%s)", fd3, tw_error_message());
    tw_instance_unlock("lk", fd3, 1);
    CHECK(access(lock_path, F_OK) != 0, "unlock(remove_file=1) left the file");
    int fd4 = tw_instance_lock("lk", &holder);
    CHECK(fd4 >= 0, "lock after removal: %d (%s)", fd4, tw_error_message());
    tw_instance_unlock("lk", fd4, 1);
    CHECK_RC(tw_instance_lock("bad/lk", &holder), -EINVAL);
    printf("lock: -EBUSY with our pid from a second fd and from a child; relock after unlock; remove_file\n");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    cs_setup_dir("prot");
    protection();
    attach_errors();
    publication();
    locks();
    printf("protread: read-only mappings fault on store, attach validation, publication and locks ok\n");
    return 0;
}

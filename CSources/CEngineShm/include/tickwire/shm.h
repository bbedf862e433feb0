/* SPDX-License-Identifier: MIT */
/*
 * Segment lifecycle: create, commit, attach, detach, unlink, and the
 * per-instance lock that keeps a second engine off a live instance.
 * Setup-time code (it makes system calls); never called on the hot path.
 *
 * Segments are files named tickwire.<instance>.<kind> in /dev/shm, or in
 * $TICKWIRE_SHM_DIR when that is set (tests). A new segment is built under a
 * temporary name and renamed into place by tw_shm_commit(), so a reader that
 * opens the path sees either the previous segment or a complete new one.
 *
 * Return convention: 0 on success, -errno on failure; tw_error_message()
 * then says what failed, with the path, on this thread.
 */
#ifndef TICKWIRE_SHM_H
#define TICKWIRE_SHM_H

#include <stddef.h>
#include <stdint.h>
#include "abi.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { TW_PATH_MAX = 256 };

typedef struct tw_shm {
    void *base;
    uint64_t size;
    int writable;
    int reserved;
    char path[TW_PATH_MAX];
    char tmp_path[TW_PATH_MAX];
} tw_shm_t;

/* The last error message of this thread ("" when none). */
const char *tw_error_message(void);

/*
 * Sets this thread's error message (for the setup code of other C targets, e.g.
 * tw_feed_create) and returns -err, so a check reads `return tw_error_set(EINVAL, "...")`.
 */
int tw_error_set(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "md", "books", … or "?" for an unknown kind. */
const char *tw_segment_kind_name(uint32_t kind);

/* Directory holding the segments: $TICKWIRE_SHM_DIR or /dev/shm. */
const char *tw_shm_dir(void);

/* 1 when the name is 1..31 characters of [A-Za-z0-9_-], else 0. */
int tw_instance_name_valid(const char *instance);

/* Writes the segment's path into buf. -EINVAL bad instance or kind, -ENAMETOOLONG. */
int tw_shm_path(const char *instance, uint32_t kind, char *buf, size_t len);

/* Realtime clock in ns. */
int64_t tw_realtime_ns(void);

/*
 * Creates a segment of region_size bytes (after the 128-byte header, rounded
 * to a page) under a temporary name, mode 0640, mapped read-write, header
 * filled in with state STARTING and the given generation. The caller fills the
 * region and calls tw_shm_commit().
 */
int tw_shm_create(const char *instance, uint32_t kind, uint64_t region_size, uint64_t generation,
                  tw_shm_t *out);

/*
 * Publishes a created segment: marks any previous segment at the path DEAD,
 * stores the magic (release) and renames the file into place.
 */
int tw_shm_commit(tw_shm_t *s);

/*
 * Maps an existing segment, PROT_READ unless writable, and validates magic,
 * ABI major, kind and sizes. -ENOENT no such segment, -EPROTO not a Tickwire
 * segment or truncated, -EPROTONOSUPPORT unknown ABI major, -EMEDIUMTYPE
 * wrong kind.
 */
int tw_shm_attach(const char *instance, uint32_t kind, int writable, tw_shm_t *out);

/* Unmaps; never fails. */
void tw_shm_detach(tw_shm_t *s);

/* Removes the segment's file; 0 or -errno. (A created, uncommitted segment's temporary
 * file is removed by tw_shm_detach.) */
int tw_shm_unlink(const char *instance, uint32_t kind);

/*
 * Takes the instance lock (flock on tickwire.<instance>.lock) and writes our
 * pid into it. Returns the open lock fd (>= 0), or -EBUSY when another live
 * process holds it (*holder_pid then says which), or another -errno.
 */
int tw_instance_lock(const char *instance, int *holder_pid);

/* Releases the lock; unlinks the lock file when remove_file. */
void tw_instance_unlock(const char *instance, int fd, int remove_file);

/* Generation for a new start: above every existing segment's and the clock. */
uint64_t tw_next_generation(const char *instance);

/* 1 when a process with this pid exists and is not a zombie (killed, not yet reaped), else 0. */
int tw_pid_alive(int pid);

/*
 * Region layouts. *_region_size() says how many bytes tw_shm_create() needs;
 * *_init() lays the region out in a created (not yet committed) segment.
 * Returns 0 or -EINVAL for a geometry that is not allowed (counts must be
 * powers of two of at least 2, slot sizes powers of two >= 64, depth 1..TW_MAX_DEPTH).
 */
uint64_t tw_ring_region_size(uint32_t slot_size, uint32_t slot_count);
int tw_ring_init(tw_shm_t *s, uint32_t slot_size, uint32_t slot_count);
uint64_t tw_cmd_region_size(uint32_t lane_count, uint32_t lane_slots);
int tw_cmd_init(tw_shm_t *s, uint32_t lane_count, uint32_t lane_slots);
uint64_t tw_exec_region_size(uint32_t slot_count);
int tw_exec_init(tw_shm_t *s, uint32_t slot_count, uint32_t reserve);

/*
 * Producer: claims a lane of a writable cmd segment: a free one, or one whose
 * owner's pid no longer exists (counted in lanes_reclaimed). *lane and *token
 * (pid << 32 | nonce) identify it for tw_cmd_lane_push. -ESTALE when the
 * segment is not LIVE, -EBUSY when every lane has a live owner (counted in
 * rejected_no_lane).
 */
int tw_cmd_lane_claim(void *segment, uint32_t *lane, uint64_t *token);

/* Gives a lane back (only by its owner; commands already in it are still consumed). */
void tw_cmd_lane_release(void *segment, uint32_t lane, uint64_t token);
uint64_t tw_books_region_size(uint32_t instruments, uint32_t depth);
int tw_books_init(tw_shm_t *s, uint32_t instruments, uint32_t depth);
uint64_t tw_stats_region_size(uint32_t instruments);
int tw_stats_init(tw_shm_t *s, uint32_t instruments);

/*
 * The account segment (ABI 2.1): header, then balances, positions and orders
 * at 64-byte aligned offsets, each array `capacity` entries of its struct.
 * -EINVAL for a capacity above TW_ACCOUNT_MAX_CAPACITY. Win rate and drawdown
 * start unknown (-1); version 0 means nothing published yet.
 */
uint64_t tw_account_region_size(uint32_t balances, uint32_t positions, uint32_t orders);
int tw_account_init(tw_shm_t *s, uint32_t balances, uint32_t positions, uint32_t orders);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_SHM_H */

/* SPDX-License-Identifier: MIT */
/*
 * Read side of the Tickwire ABI: static inline helpers for processes that
 * map segments PROT_READ. Nothing here writes to shared memory, allocates or
 * makes a system call; the only dependency is abi.h.
 *
 * Return convention: a count or 0 on success, -errno on failure.
 */
#ifndef TICKWIRE_READER_H
#define TICKWIRE_READER_H

#include <errno.h>
#include "abi.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline void tw_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Relaxed atomic 64-bit load of a shared word (for Swift and readers). */
static inline uint64_t tw_load_u64(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Acquire load; pairs with a writer's release store of the same word. */
static inline uint64_t tw_load_u64_acquire(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline uint32_t tw_load_u32(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Acquire load of a segment's state; pairs with tw_segment_set_state(). */
static inline uint32_t tw_segment_state(const tw_segment_header_t *h)
{
    return __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
}

/*
 * Copies nbytes (a multiple of 8, both pointers 8-byte aligned) out of
 * seqlock-protected memory with relaxed atomic loads, so concurrent writes are
 * not a data race; the caller validates the copy with the sequence word.
 */
static inline void tw_copy_from_shared(void *dst, const void *src, uint32_t nbytes)
{
    uint64_t *d = (uint64_t *)dst;
    const uint64_t *s = (const uint64_t *)src;
    for (uint32_t i = 0; i < nbytes / 8u; i++)
        d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- rings -- */

/* A reader's private position in a broadcast ring. */
typedef struct tw_ring_cursor {
    const uint8_t *slots;
    const tw_ring_header_t *ring;
    uint64_t mask;
    uint64_t next;             /* message number expected next */
    uint64_t lost;             /* messages skipped because the writer lapped us */
    uint32_t slot_size;
    uint32_t laps;             /* times we were lapped */
} tw_ring_cursor_t;

/* The ring header of a md/exec segment. */
static inline const tw_ring_header_t *tw_ring_of(const void *segment)
{
    const tw_segment_header_t *h = (const tw_segment_header_t *)segment;
    return (const tw_ring_header_t *)((const uint8_t *)segment + h->region_offset);
}

/* Last published message number (0: none yet); acquire pairs with tw_ring_publish(). */
static inline uint64_t tw_ring_head(const tw_ring_header_t *ring)
{
    return __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
}

/*
 * Positions a cursor. from_oldest != 0 starts at the oldest message still in
 * the ring, otherwise at the next message to be published.
 * Returns 0, or -EINVAL when the ring geometry is not valid.
 */
static inline int tw_ring_cursor_init(tw_ring_cursor_t *c, const void *segment, int from_oldest)
{
    const tw_ring_header_t *ring = tw_ring_of(segment);
    uint32_t count = ring->slot_count, size = ring->slot_size;
    if (count == 0 || (count & (count - 1)) || size < 64 || (size & (size - 1)))
        return -EINVAL;
    c->ring = ring;
    c->slots = (const uint8_t *)segment + ring->slots_offset;
    c->mask = count - 1u;
    c->slot_size = size;
    c->lost = 0;
    c->laps = 0;
    uint64_t head = tw_ring_head(ring);
    c->next = head + 1;
    if (from_oldest)
        c->next = head >= count ? head - count + 2 : 1;
    return 0;
}

/* After a lap: resume half a ring behind the writer, counting what was skipped. */
static inline void tw_ring_cursor_resync(tw_ring_cursor_t *c)
{
    uint64_t head = tw_ring_head(c->ring), half = (c->mask + 1) / 2;
    uint64_t resume = head + 1 > half ? head + 1 - half : 1;
    if (resume <= c->next)
        resume = c->next + 1;
    c->lost += resume - c->next;
    c->laps++;
    c->next = resume;
}

/*
 * Copies the next message into *hdr and payload (cap bytes, multiple of 8).
 * Returns 1 when a message was copied, 0 when none is ready, -EPIPE when the
 * writer lapped the cursor (the cursor has resynchronised and counted the loss
 * in c->lost; call again). Never returns a torn message.
 */
static inline int tw_ring_poll(tw_ring_cursor_t *c, tw_slot_header_t *hdr, void *payload, uint32_t cap)
{
    const uint8_t *slot = c->slots + (c->next & c->mask) * c->slot_size;
    const uint64_t *seqp = (const uint64_t *)slot;
    uint64_t want = c->next << 1;
    uint64_t s1 = __atomic_load_n(seqp, __ATOMIC_ACQUIRE); /* pairs with publish's release store */
    if (s1 != want) {
        if ((s1 >> 1) > c->next) {
            tw_ring_cursor_resync(c);
            return -EPIPE;
        }
        return 0;
    }
    uint64_t meta = __atomic_load_n(seqp + 1, __ATOMIC_RELAXED);
    uint32_t room = c->slot_size - (uint32_t)sizeof(tw_slot_header_t);
    uint32_t n = (cap < room ? cap : room) & ~7u;
    tw_copy_from_shared(payload, slot + sizeof(tw_slot_header_t), n);
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* orders the copy before the re-check */
    uint64_t s2 = __atomic_load_n(seqp, __ATOMIC_RELAXED);
    if (s2 != s1) {
        tw_ring_cursor_resync(c);
        return -EPIPE;
    }
    hdr->seq = c->next;
    hdr->length = (uint32_t)meta;
    hdr->type = (uint16_t)(meta >> 32);
    hdr->instrument = (uint16_t)(meta >> 48);
    c->next++;
    return 1;
}

/* ---------------------------------------------------------------- books -- */

static inline const tw_books_header_t *tw_books_of(const void *segment)
{
    const tw_segment_header_t *h = (const tw_segment_header_t *)segment;
    return (const tw_books_header_t *)((const uint8_t *)segment + h->region_offset);
}

static inline const tw_instrument_info_t *tw_books_instrument(const void *segment, uint32_t i)
{
    const tw_books_header_t *b = tw_books_of(segment);
    return (const tw_instrument_info_t *)((const uint8_t *)segment + b->instruments_offset) + i;
}

static inline const tw_book_header_t *tw_books_block(const void *segment, uint32_t i)
{
    const tw_books_header_t *b = tw_books_of(segment);
    return (const tw_book_header_t *)((const uint8_t *)segment + b->blocks_offset +
                                      (uint64_t)i * b->block_size);
}

/*
 * Consistent copy of a book block: header into *out, up to max_levels levels a
 * side into bids/asks (out->bid_count/ask_count say how many are valid, capped
 * at max_levels). A writer that never pauses can starve a reader, so retries
 * are bounded: returns the number of attempts used (>= 1), or -EAGAIN after
 * max_retries attempts without a stable copy.
 */
static inline int tw_book_read(const tw_book_header_t *block, uint32_t depth, tw_book_header_t *out,
                               tw_level_t *bids, tw_level_t *asks, uint32_t max_levels, uint32_t max_retries)
{
    const tw_level_t *lv = (const tw_level_t *)(block + 1);
    uint32_t n = max_levels < depth ? max_levels : depth;
    for (uint32_t attempt = 1; attempt <= max_retries; attempt++) {
        uint64_t s1 = __atomic_load_n(&block->seq, __ATOMIC_ACQUIRE); /* pairs with write_end */
        if (s1 & 1u) {
            tw_cpu_relax();
            continue;
        }
        tw_copy_from_shared(out, block, (uint32_t)sizeof(*out));
        uint32_t nb = out->bid_count < n ? out->bid_count : n;
        uint32_t na = out->ask_count < n ? out->ask_count : n;
        if (nb)
            tw_copy_from_shared(bids, lv, nb * (uint32_t)sizeof(tw_level_t));
        if (na)
            tw_copy_from_shared(asks, lv + depth, na * (uint32_t)sizeof(tw_level_t));
        __atomic_thread_fence(__ATOMIC_ACQUIRE); /* orders the copy before the re-check */
        if (__atomic_load_n(&block->seq, __ATOMIC_RELAXED) == s1) {
            out->seq = s1;
            out->bid_count = nb;
            out->ask_count = na;
            return (int)attempt;
        }
        tw_cpu_relax();
    }
    return -EAGAIN;
}

/* ---------------------------------------------------------------- stats -- */

static inline const tw_stats_header_t *tw_stats_of(const void *segment)
{
    const tw_segment_header_t *h = (const tw_segment_header_t *)segment;
    return (const tw_stats_header_t *)((const uint8_t *)segment + h->region_offset);
}

static inline const uint64_t *tw_stats_counters(const void *segment)
{
    return (const uint64_t *)((const uint8_t *)segment + tw_stats_of(segment)->counters_offset);
}

static inline const tw_instrument_stats_t *tw_stats_instrument(const void *segment, uint32_t i)
{
    return (const tw_instrument_stats_t *)((const uint8_t *)segment +
                                           tw_stats_of(segment)->instruments_offset) + i;
}

static inline const tw_histogram_t *tw_stats_histogram(const void *segment, uint32_t id)
{
    return (const tw_histogram_t *)((const uint8_t *)segment +
                                    tw_stats_of(segment)->histograms_offset) + id;
}

/* Value at quantile q (0..1] from a histogram copy: the low edge of its bucket. */
static inline uint64_t tw_hist_quantile(const tw_histogram_t *h, double q)
{
    uint64_t total = 0, seen = 0;
    for (uint32_t b = 0; b < TW_HIST_BUCKETS; b++)
        total += tw_load_u64(&h->buckets[b]);
    if (total == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)total);
    if (rank == 0)
        rank = 1;
    for (uint32_t b = 0; b < TW_HIST_BUCKETS; b++) {
        seen += tw_load_u64(&h->buckets[b]);
        if (seen >= rank)
            return tw_hist_bucket_low(b);
    }
    return tw_load_u64(&h->max);
}

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_READER_H */

/* SPDX-License-Identifier: MIT */
/*
 * Write side of the Tickwire ABI: the engine's hot-path helpers (ring
 * publish, seqlocked book writes, counters, histograms) and the command-ring
 * producer and consumer. All static inline; no allocation, no locks, no
 * system calls. A broadcast ring, a book block, a counter and a histogram
 * each have exactly one writer thread.
 *
 * Return convention: a count or 0 on success, -errno on failure.
 */
#ifndef TICKWIRE_WRITER_H
#define TICKWIRE_WRITER_H

#include "reader.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Copies nbytes (multiple of 8, aligned) into shared memory with relaxed atomic stores. */
static inline void tw_copy_to_shared(void *dst, const void *src, uint32_t nbytes)
{
    uint64_t *d = (uint64_t *)dst;
    const uint64_t *s = (const uint64_t *)src;
    for (uint32_t i = 0; i < nbytes / 8u; i++)
        __atomic_store_n(&d[i], s[i], __ATOMIC_RELAXED);
}

/* Release store of a segment's state; pairs with tw_segment_state(). */
static inline void tw_segment_set_state(tw_segment_header_t *h, uint32_t state)
{
    __atomic_store_n(&h->state, state, __ATOMIC_RELEASE);
}

static inline void tw_segment_heartbeat(tw_segment_header_t *h, int64_t now_ns)
{
    __atomic_store_n(&h->heartbeat_ns, now_ns, __ATOMIC_RELAXED); /* read relaxed by status */
}

/* ------------------------------------------------------- broadcast ring -- */

typedef struct tw_ring_writer {
    uint8_t *slots;
    tw_ring_header_t *ring;
    uint64_t mask;
    uint64_t next;             /* number of the next message */
    uint32_t slot_size;
} tw_ring_writer_t;

/* Returns 0, or -EINVAL when the segment's ring geometry is not valid. */
static inline int tw_ring_writer_init(tw_ring_writer_t *w, void *segment)
{
    tw_segment_header_t *h = (tw_segment_header_t *)segment;
    tw_ring_header_t *ring = (tw_ring_header_t *)((uint8_t *)segment + h->region_offset);
    uint32_t count = ring->slot_count, size = ring->slot_size;
    if (count == 0 || (count & (count - 1)) || size < 64 || (size & (size - 1)))
        return -EINVAL;
    w->ring = ring;
    w->slots = (uint8_t *)segment + ring->slots_offset;
    w->mask = count - 1u;
    w->slot_size = size;
    w->next = __atomic_load_n(&ring->head, __ATOMIC_RELAXED) + 1; /* single writer */
    return 0;
}

/*
 * Publishes one message (len bytes, multiple of 8, at most slot_size - 16).
 * The writer never waits: a slow reader is lapped and notices. Returns the
 * message number, or 0 when len does not fit.
 */
static inline uint64_t tw_ring_publish(tw_ring_writer_t *w, uint16_t type, uint16_t instrument,
                                       const void *payload, uint32_t len)
{
    if (len > w->slot_size - sizeof(tw_slot_header_t) || (len & 7u))
        return 0;
    uint64_t n = w->next;
    uint8_t *slot = w->slots + (n & w->mask) * w->slot_size;
    uint64_t *seqp = (uint64_t *)slot;
    __atomic_store_n(seqp, (n << 1) | 1u, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE); /* odd seq visible before any payload store */
    uint64_t meta = (uint64_t)len | ((uint64_t)type << 32) | ((uint64_t)instrument << 48);
    __atomic_store_n(seqp + 1, meta, __ATOMIC_RELAXED);
    tw_copy_to_shared(slot + sizeof(tw_slot_header_t), payload, len);
    __atomic_store_n(seqp, n << 1, __ATOMIC_RELEASE);      /* pairs with tw_ring_poll's acquire */
    __atomic_store_n(&w->ring->head, n, __ATOMIC_RELEASE); /* pairs with tw_ring_head() */
    w->next = n + 1;
    return n;
}

/* ---------------------------------------------------------------- books -- */

static inline tw_book_header_t *tw_books_block_mut(void *segment, uint32_t i)
{
    return (tw_book_header_t *)tw_books_block(segment, i);
}

static inline tw_instrument_info_t *tw_books_instrument_mut(void *segment, uint32_t i)
{
    return (tw_instrument_info_t *)tw_books_instrument(segment, i);
}

/* Release store of a feed state; readers load it relaxed (informational). */
static inline void tw_instrument_set_feed_state(tw_instrument_info_t *info, uint32_t state)
{
    __atomic_store_n(&info->feed_state, state, __ATOMIC_RELEASE);
}

/*
 * Writes a whole book under the block's seqlock: h (its seq is ignored),
 * nb bid and na ask levels (each at most depth). Levels past the counts are
 * left as they were; readers never look at them.
 */
static inline void tw_book_write(tw_book_header_t *block, uint32_t depth, const tw_book_header_t *h,
                                 const tw_level_t *bids, uint32_t nb, const tw_level_t *asks, uint32_t na)
{
    tw_level_t *lv = (tw_level_t *)(block + 1);
    uint64_t s = __atomic_load_n(&block->seq, __ATOMIC_RELAXED); /* single writer */
    __atomic_store_n(&block->seq, s + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE); /* odd seq visible before the data stores */
    tw_copy_to_shared((uint8_t *)block + 8, (const uint8_t *)h + 8, (uint32_t)sizeof(*h) - 8u);
    __atomic_store_n(&block->bid_count, nb, __ATOMIC_RELAXED);
    __atomic_store_n(&block->ask_count, na, __ATOMIC_RELAXED);
    if (nb)
        tw_copy_to_shared(lv, bids, nb * (uint32_t)sizeof(tw_level_t));
    if (na)
        tw_copy_to_shared(lv + depth, asks, na * (uint32_t)sizeof(tw_level_t));
    __atomic_store_n(&block->seq, s + 2, __ATOMIC_RELEASE); /* pairs with tw_book_read's acquire */
}

/* ---------------------------------------------------------------- stats -- */

static inline uint64_t *tw_stats_counters_mut(void *segment)
{
    return (uint64_t *)tw_stats_counters(segment);
}

static inline tw_instrument_stats_t *tw_stats_instrument_mut(void *segment, uint32_t i)
{
    return (tw_instrument_stats_t *)tw_stats_instrument(segment, i);
}

static inline tw_histogram_t *tw_stats_histogram_mut(void *segment, uint32_t id)
{
    return (tw_histogram_t *)tw_stats_histogram(segment, id);
}

/* Single-writer add: relaxed load and store, no locked instruction. */
static inline void tw_counter_add(uint64_t *c, uint64_t d)
{
    __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
}

static inline void tw_counter_set(uint64_t *c, uint64_t v)
{
    __atomic_store_n(c, v, __ATOMIC_RELAXED);
}

/* Records one value (single writer per histogram). */
static inline void tw_hist_record(tw_histogram_t *h, uint64_t v)
{
    if (v >> (TW_HIST_MAX_EXP + 1))
        tw_counter_add(&h->overflow, 1);
    else
        tw_counter_add(&h->buckets[tw_hist_bucket(v)], 1);
    uint64_t count = __atomic_load_n(&h->count, __ATOMIC_RELAXED);
    if (count == 0 || v < __atomic_load_n(&h->min, __ATOMIC_RELAXED))
        __atomic_store_n(&h->min, v, __ATOMIC_RELAXED);
    if (v > __atomic_load_n(&h->max, __ATOMIC_RELAXED))
        __atomic_store_n(&h->max, v, __ATOMIC_RELAXED);
    tw_counter_add(&h->sum, v);
    __atomic_store_n(&h->count, count + 1, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------- command ring -- */

static inline tw_cmd_ring_header_t *tw_cmd_ring_of(void *segment)
{
    tw_segment_header_t *h = (tw_segment_header_t *)segment;
    return (tw_cmd_ring_header_t *)((uint8_t *)segment + h->region_offset);
}

/*
 * Producer: claims a slot and writes one command. Any number of threads or
 * processes may call this concurrently on a writable mapping. Returns 0, or
 * -ENOBUFS when the ring is full (counted in rejected_full; nothing written).
 */
static inline int tw_cmd_push(void *segment, uint16_t op, const tw_command_t *cmd)
{
    tw_cmd_ring_header_t *r = tw_cmd_ring_of(segment);
    uint8_t *slots = (uint8_t *)segment + r->slots_offset;
    uint64_t mask = r->slot_count - 1u;
    uint64_t pos = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
    for (;;) {
        uint8_t *slot = slots + (pos & mask) * r->slot_size;
        uint64_t seq = __atomic_load_n((uint64_t *)slot, __ATOMIC_ACQUIRE); /* pairs with pop's release */
        int64_t dif = (int64_t)(seq - pos);
        if (dif == 0) {
            /* relaxed CAS: the slot's seq, not tail, publishes the data */
            if (__atomic_compare_exchange_n(&r->tail, &pos, pos + 1, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
                uint64_t meta = (uint64_t)sizeof(*cmd) | ((uint64_t)op << 32) |
                                ((uint64_t)(uint16_t)cmd->instrument << 48);
                __atomic_store_n((uint64_t *)slot + 1, meta, __ATOMIC_RELAXED);
                tw_copy_to_shared(slot + sizeof(tw_slot_header_t), cmd, (uint32_t)sizeof(*cmd));
                __atomic_store_n((uint64_t *)slot, pos + 1, __ATOMIC_RELEASE); /* pairs with pop's acquire */
                return 0;
            }
        } else if (dif < 0) {
            __atomic_fetch_add(&r->rejected_full, 1, __ATOMIC_RELAXED); /* read by status */
            return -ENOBUFS;
        } else {
            pos = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
        }
    }
}

/*
 * Consumer (exactly one): takes the next command. Returns 1 when one was
 * copied into *hdr and *cmd, 0 when the ring is empty.
 */
static inline int tw_cmd_pop(void *segment, tw_slot_header_t *hdr, tw_command_t *cmd)
{
    tw_cmd_ring_header_t *r = tw_cmd_ring_of(segment);
    uint8_t *slots = (uint8_t *)segment + r->slots_offset;
    uint64_t pos = __atomic_load_n(&r->head, __ATOMIC_RELAXED); /* only the consumer stores head */
    uint8_t *slot = slots + (pos & (r->slot_count - 1u)) * r->slot_size;
    uint64_t seq = __atomic_load_n((uint64_t *)slot, __ATOMIC_ACQUIRE); /* pairs with push's release */
    if (seq != pos + 1)
        return 0;
    uint64_t meta = __atomic_load_n((uint64_t *)slot + 1, __ATOMIC_RELAXED);
    tw_copy_from_shared(cmd, slot + sizeof(tw_slot_header_t), (uint32_t)sizeof(*cmd));
    hdr->seq = pos;
    hdr->length = (uint32_t)meta;
    hdr->type = (uint16_t)(meta >> 32);
    hdr->instrument = (uint16_t)(meta >> 48);
    __atomic_store_n((uint64_t *)slot, pos + r->slot_count, __ATOMIC_RELEASE); /* frees it for push */
    __atomic_store_n(&r->head, pos + 1, __ATOMIC_RELAXED); /* observability */
    return 1;
}

/* Commands waiting (approximate while producers run). */
static inline uint64_t tw_cmd_depth(const void *segment)
{
    const tw_cmd_ring_header_t *r = tw_cmd_ring_of((void *)segment);
    uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
    uint64_t head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
    return tail > head ? tail - head : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_WRITER_H */

/* SPDX-License-Identifier: MIT */
/*
 * Write side of the Tickwire ABI: the engine's hot-path helpers (ring
 * publish, seqlocked book writes and account snapshots, counters, histograms)
 * and the command-ring producer and consumer. All static inline; no allocation, no locks, no
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

/* The seqlock's writer side (see tw_seq_read_begin): seq odd, visible before the data stores. */
static inline uint64_t tw_seq_write_begin(uint64_t *seq)
{
    uint64_t s = __atomic_load_n(seq, __ATOMIC_RELAXED) & ~1ull; /* single writer; even after a writer died mid-way */
    __atomic_store_n(seq, s + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    return s;
}

/* The data stores before seq is even again; pairs with tw_seq_read_begin's acquire. */
static inline void tw_seq_write_end(uint64_t *seq, uint64_t begin)
{
    __atomic_store_n(seq, begin + 2, __ATOMIC_RELEASE);
}

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
    uint64_t s = tw_seq_write_begin(&block->seq);
    tw_copy_to_shared((uint8_t *)block + 8, (const uint8_t *)h + 8, (uint32_t)sizeof(*h) - 8u);
    __atomic_store_n(&block->bid_count, nb, __ATOMIC_RELAXED);
    __atomic_store_n(&block->ask_count, na, __ATOMIC_RELAXED);
    if (nb)
        tw_copy_to_shared(lv, bids, nb * (uint32_t)sizeof(tw_level_t));
    if (na)
        tw_copy_to_shared(lv + depth, asks, na * (uint32_t)sizeof(tw_level_t));
    tw_seq_write_end(&block->seq, s);
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

/* ---------------------------------------------------------- command lanes -- */

static inline tw_cmd_header_t *tw_cmd_of(void *segment)
{
    tw_segment_header_t *h = (tw_segment_header_t *)segment;
    return (tw_cmd_header_t *)((uint8_t *)segment + h->region_offset);
}

static inline tw_cmd_lane_t *tw_cmd_lane(void *segment, uint32_t lane)
{
    tw_cmd_header_t *c = tw_cmd_of(segment);
    return (tw_cmd_lane_t *)((uint8_t *)segment + c->lanes_offset + (uint64_t)lane * c->lane_size);
}

/*
 * Producer (the lane's owner only): writes one command into the lane.
 * Returns 0; -ESTALE when the segment is no longer LIVE or no longer of
 * `generation` (the engine stopped or restarted: nothing written); -EPERM when
 * the lane is no longer owned by `token`; -ENOBUFS when the lane is full
 * (counted in rejected_full; nothing written).
 */
static inline int tw_cmd_lane_push(void *segment, uint32_t lane, uint64_t token, uint64_t generation,
                                   const tw_command_t *cmd)
{
    tw_segment_header_t *h = (tw_segment_header_t *)segment;
    if (tw_segment_state(h) != TW_STATE_LIVE || __atomic_load_n(&h->generation, __ATOMIC_RELAXED) != generation)
        return -ESTALE;
    tw_cmd_header_t *c = tw_cmd_of(segment);
    tw_cmd_lane_t *l = tw_cmd_lane(segment, lane);
    if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != token) /* CAS by tw_cmd_lane_claim */
        return -EPERM;
    uint64_t tail = __atomic_load_n(&l->tail, __ATOMIC_RELAXED); /* we are its only writer */
    uint64_t head = __atomic_load_n(&l->head, __ATOMIC_ACQUIRE); /* pairs with pop's release: slot free */
    if (tail - head >= c->lane_slots) {
        __atomic_fetch_add(&c->rejected_full, 1, __ATOMIC_RELAXED); /* read by status */
        return -ENOBUFS;
    }
    uint8_t *slot = (uint8_t *)(l + 1) + (tail & (c->lane_slots - 1u)) * c->slot_size;
    uint64_t meta = (uint64_t)sizeof(*cmd) | ((uint64_t)cmd->op << 32) | ((uint64_t)(uint16_t)cmd->instrument << 48);
    /* The slot's first word names its producer, so the answer goes to whoever wrote it even if the
     * lane changes owner before the consumer reads it. */
    __atomic_store_n((uint64_t *)slot, token, __ATOMIC_RELAXED);
    __atomic_store_n((uint64_t *)slot + 1, meta, __ATOMIC_RELAXED);
    tw_copy_to_shared(slot + sizeof(tw_slot_header_t), cmd, (uint32_t)sizeof(*cmd));
    __atomic_store_n(&l->submitted, __atomic_load_n(&l->submitted, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&l->tail, tail + 1, __ATOMIC_RELEASE); /* pairs with pop's acquire: slot complete */
    return 0;
}

/*
 * Consumer (exactly one): takes the next command of one lane. Returns 1 when
 * one was copied into *hdr and *cmd (*owner: the token of the producer that
 * wrote it), 0 when the lane is empty.
 */
static inline int tw_cmd_lane_pop(void *segment, uint32_t lane, tw_slot_header_t *hdr, tw_command_t *cmd,
                                  uint64_t *owner)
{
    tw_cmd_header_t *c = tw_cmd_of(segment);
    tw_cmd_lane_t *l = tw_cmd_lane(segment, lane);
    uint64_t head = __atomic_load_n(&l->head, __ATOMIC_RELAXED); /* only the consumer stores head */
    uint64_t tail = __atomic_load_n(&l->tail, __ATOMIC_ACQUIRE); /* pairs with push's release */
    if (tail == head)
        return 0;
    uint8_t *slot = (uint8_t *)(l + 1) + (head & (c->lane_slots - 1u)) * c->slot_size;
    uint64_t meta = __atomic_load_n((uint64_t *)slot + 1, __ATOMIC_RELAXED);
    tw_copy_from_shared(cmd, slot + sizeof(tw_slot_header_t), (uint32_t)sizeof(*cmd));
    hdr->seq = head;
    hdr->length = (uint32_t)meta;
    hdr->type = (uint16_t)(meta >> 32);
    hdr->instrument = (uint16_t)(meta >> 48);
    *owner = __atomic_load_n((uint64_t *)slot, __ATOMIC_RELAXED); /* the writer's token, ordered by tail's acquire */
    __atomic_store_n(&l->head, head + 1, __ATOMIC_RELEASE); /* frees the slot for push */
    return 1;
}

/* Commands waiting in a lane. */
static inline uint64_t tw_cmd_lane_depth(void *segment, uint32_t lane)
{
    tw_cmd_lane_t *l = tw_cmd_lane(segment, lane);
    uint64_t tail = __atomic_load_n(&l->tail, __ATOMIC_RELAXED);
    uint64_t head = __atomic_load_n(&l->head, __ATOMIC_RELAXED);
    return tail - head;
}

/* ---------------------------------------------------------- exec journal -- */

typedef struct tw_exec_writer {
    tw_ring_writer_t ring;
    tw_exec_header_t *exec;
} tw_exec_writer_t;

/* Returns 0, or -EINVAL when the segment's ring geometry is not valid. */
static inline int tw_exec_writer_init(tw_exec_writer_t *w, void *segment)
{
    w->exec = (tw_exec_header_t *)((uint8_t *)segment + ((tw_segment_header_t *)segment)->region_offset);
    return tw_ring_writer_init(&w->ring, segment);
}

/* Free slots: those above the engine's consumed mark (acquire pairs with its release store). */
static inline uint64_t tw_exec_free(const tw_exec_writer_t *w)
{
    uint64_t consumed = __atomic_load_n(&w->exec->consumed, __ATOMIC_ACQUIRE);
    uint64_t used = (w->ring.next - 1u) - consumed;
    return used >= w->ring.mask + 1u ? 0 : w->ring.mask + 1u - used;
}

/* Whether a new order may be sent: more than `reserve` free slots. Counts a refusal. */
static inline int tw_exec_admit(tw_exec_writer_t *w)
{
    if (tw_exec_free(w) > __atomic_load_n(&w->exec->reserve, __ATOMIC_RELAXED))
        return 1;
    tw_counter_add(&w->exec->refused_full, 1);
    return 0;
}

/*
 * Appends one record (single writer). Returns its sequence number, or 0 when
 * no slot is free above `consumed` (counted in overflowed: the record is not
 * written, nothing the engine has not consumed is ever overwritten).
 */
static inline uint64_t tw_exec_append(tw_exec_writer_t *w, uint16_t type, uint16_t instrument, const void *payload,
                                      uint32_t len)
{
    if (tw_exec_free(w) == 0) {
        tw_counter_add(&w->exec->overflowed, 1);
        return 0;
    }
    return tw_ring_publish(&w->ring, type, instrument, payload, len);
}

/* The engine's consumers: everything up to n is applied and persisted (release: pairs with tw_exec_free). */
static inline void tw_exec_set_consumed(void *segment, uint64_t n)
{
    tw_exec_header_t *e = (tw_exec_header_t *)((uint8_t *)segment + ((tw_segment_header_t *)segment)->region_offset);
    __atomic_store_n(&e->consumed, n, __ATOMIC_RELEASE);
}

/* -------------------------------------------------------------- account -- */

static inline tw_account_header_t *tw_account_mut(void *segment)
{
    return (tw_account_header_t *)tw_account_of(segment);
}

/* Copies n entries of `size` bytes each into an array of stride `stride` (both multiples of 8). */
static inline void tw_copy_entries_to_shared(void *dst, const void *src, uint32_t n, uint32_t size, uint32_t stride)
{
    if (stride == size) {
        tw_copy_to_shared(dst, src, n * size);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        tw_copy_to_shared((uint8_t *)dst + (uint64_t)i * stride, (const uint8_t *)src + (uint64_t)i * size, size);
}

/*
 * Publishes one account snapshot, whole, under the seqlock (single writer:
 * the account processor): the snapshot fields of *h (its seq, counts,
 * truncated_* and geometry are ignored), then nb balances, np positions and
 * no orders. Counts are clamped to the capacities; what did not fit is
 * counted in truncated_* and flagged TW_ACCOUNT_FLAG_TRUNCATED (the caller's
 * other flags are kept). Returns the number of entries left out (0: the
 * snapshot fit), or -EINVAL when h->version is not above the published
 * version (nothing is written). The segment must have passed tw_segment_check
 * or been laid out by tw_account_init.
 */
static inline int tw_account_publish(void *segment, const tw_account_header_t *h,
                                     const tw_account_balance_t *balances, uint32_t nb,
                                     const tw_account_position_t *positions, uint32_t np,
                                     const tw_account_order_t *orders, uint32_t no)
{
    tw_account_header_t *a = tw_account_mut(segment);
    uint8_t *base = (uint8_t *)segment;
    if (h->version <= __atomic_load_n(&a->version, __ATOMIC_RELAXED)) /* our own last store: single writer */
        return -EINVAL;
    tw_account_header_t snap = *h;
    snap.balance_count = nb < a->balance_capacity ? nb : a->balance_capacity;
    snap.position_count = np < a->position_capacity ? np : a->position_capacity;
    snap.order_count = no < a->order_capacity ? no : a->order_capacity;
    snap.truncated_balances = nb - snap.balance_count;
    snap.truncated_positions = np - snap.position_count;
    snap.truncated_orders = no - snap.order_count;
    uint64_t left = (uint64_t)snap.truncated_balances + snap.truncated_positions + snap.truncated_orders;
    snap.flags = (h->flags & ~(uint32_t)TW_ACCOUNT_FLAG_TRUNCATED) | (left ? TW_ACCOUNT_FLAG_TRUNCATED : 0u);

    uint64_t s = tw_seq_write_begin(&a->seq);
    tw_copy_to_shared((uint8_t *)a + 8, (const uint8_t *)&snap + 8, TW_ACCOUNT_SNAPSHOT_BYTES - 8u);
    if (snap.balance_count)
        tw_copy_entries_to_shared(base + a->balances_offset, balances, snap.balance_count,
                                  (uint32_t)sizeof(*balances), a->balance_size);
    if (snap.position_count)
        tw_copy_entries_to_shared(base + a->positions_offset, positions, snap.position_count,
                                  (uint32_t)sizeof(*positions), a->position_size);
    if (snap.order_count)
        tw_copy_entries_to_shared(base + a->orders_offset, orders, snap.order_count, (uint32_t)sizeof(*orders),
                                  a->order_size);
    tw_seq_write_end(&a->seq, s);
    return left > 0x7fffffffu ? 0x7fffffff : (int)left;
}

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_WRITER_H */

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
 * The seqlock, the one way Tickwire publishes a snapshot that a reader must
 * see whole: the book blocks and the account snapshot in shared memory, and
 * inside the engine the feed's connection info and the gateway's status and
 * listen key. A single writer makes seq odd, writes, and makes it even again
 * (tw_seq_write_begin/_end, writer.h); a reader takes
 *     s = tw_seq_read_begin(&seq)    (odd: a write is under way, try again)
 *     ... copy with relaxed loads ...
 *     tw_seq_read_end(&seq, s)       (1: the copy is whole)
 * and keeps its copy only when both saw the same even value.
 */
static inline uint64_t tw_seq_read_begin(const uint64_t *seq)
{
    return __atomic_load_n(seq, __ATOMIC_ACQUIRE); /* pairs with tw_seq_write_end's release */
}

static inline int tw_seq_read_end(const uint64_t *seq, uint64_t begin)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the copy before the re-check */
    return __atomic_load_n(seq, __ATOMIC_RELAXED) == begin;
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
        uint64_t s1 = tw_seq_read_begin(&block->seq);
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
        if (tw_seq_read_end(&block->seq, s1)) {
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

/* -------------------------------------------------------------- account -- */

static inline const tw_account_header_t *tw_account_of(const void *segment)
{
    const tw_segment_header_t *h = (const tw_segment_header_t *)segment;
    return (const tw_account_header_t *)((const uint8_t *)segment + h->region_offset);
}

/* Copies n entries of `size` bytes each from an array of stride `stride` (both multiples of 8). */
static inline void tw_copy_entries_from_shared(void *dst, const void *src, uint32_t n, uint32_t size,
                                               uint32_t stride)
{
    if (stride == size) {
        tw_copy_from_shared(dst, src, n * size);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        tw_copy_from_shared((uint8_t *)dst + (uint64_t)i * size, (const uint8_t *)src + (uint64_t)i * stride, size);
}

/*
 * Consistent copy of the account snapshot: the header into *out, and up to
 * max_* entries of each array into the caller's buffers (NULL when its max
 * is 0). out->*_count say how many entries were copied: the published count,
 * capped at the array's capacity and at the caller's max, so a count in the
 * file is never trusted beyond the capacity that attach validated. A writer
 * that never pauses can starve a reader, so retries are bounded: returns the
 * attempts used (>= 1), or -EAGAIN after max_retries attempts without a
 * stable copy. The segment must have passed tw_segment_check.
 */
static inline int tw_account_read(const void *segment, tw_account_header_t *out, tw_account_balance_t *balances,
                                  uint32_t max_balances, tw_account_position_t *positions, uint32_t max_positions,
                                  tw_account_order_t *orders, uint32_t max_orders, uint32_t max_retries)
{
    const tw_account_header_t *a = tw_account_of(segment);
    const uint8_t *base = (const uint8_t *)segment;
    for (uint32_t attempt = 1; attempt <= max_retries; attempt++) {
        uint64_t s1 = tw_seq_read_begin(&a->seq);
        if (s1 & 1u) {
            tw_cpu_relax();
            continue;
        }
        tw_copy_from_shared(out, a, (uint32_t)sizeof(*out));
        uint32_t nb = out->balance_count < out->balance_capacity ? out->balance_count : out->balance_capacity;
        uint32_t np = out->position_count < out->position_capacity ? out->position_count : out->position_capacity;
        uint32_t no = out->order_count < out->order_capacity ? out->order_count : out->order_capacity;
        nb = nb < max_balances ? nb : max_balances;
        np = np < max_positions ? np : max_positions;
        no = no < max_orders ? no : max_orders;
        if (nb)
            tw_copy_entries_from_shared(balances, base + out->balances_offset, nb,
                                        (uint32_t)sizeof(*balances), out->balance_size);
        if (np)
            tw_copy_entries_from_shared(positions, base + out->positions_offset, np,
                                        (uint32_t)sizeof(*positions), out->position_size);
        if (no)
            tw_copy_entries_from_shared(orders, base + out->orders_offset, no, (uint32_t)sizeof(*orders),
                                        out->order_size);
        if (tw_seq_read_end(&a->seq, s1)) {
            out->seq = s1;
            out->balance_count = nb;
            out->position_count = np;
            out->order_count = no;
            return (int)attempt;
        }
        tw_cpu_relax();
    }
    return -EAGAIN;
}

/* -------------------------------------------------------- attach checks -- */

/*
 * The inline helpers above trust the segment's header: they index slots,
 * blocks, lanes and histograms with the offsets and counts written there.
 * tw_segment_check() is what makes that safe. Run it once on a fresh mapping
 * of file_size bytes (the size fstat reported) before using any helper: it
 * accepts a segment only when every region the helpers can reach lies inside
 * the header's region, which lies inside the file, all computed without
 * wrap-around. tw_shm_attach() runs it; so do external readers that map the
 * files themselves (Tools/readers/c/tw_reader.c).
 *
 * It does not protect against a process with write access that rewrites a
 * header after the check: the engine's segments are mode 0640, written by
 * the engine (and, in cmd, its lanes by trusted producers).
 */

/* Why a segment was refused: the header field at fault, its value, what is wrong. */
typedef struct tw_segment_fault {
    const char *field;         /* e.g. "ring.slots_offset" */
    const char *problem;       /* e.g. "the slots run past the end of the region" */
    uint64_t value;
} tw_segment_fault_t;

static inline int tw_fault(tw_segment_fault_t *f, int err, const char *field, uint64_t value, const char *problem)
{
    f->field = field;
    f->value = value;
    f->problem = problem;
    return -err;
}

/* 1 when offset is 8-aligned and [offset, offset + count * size) lies inside [lo, hi), with no wrap. */
static inline int tw_span_inside(uint64_t offset, uint64_t count, uint64_t size, uint64_t lo, uint64_t hi)
{
    uint64_t bytes;
    if (offset % 8u || offset < lo || offset > hi || __builtin_mul_overflow(count, size, &bytes))
        return 0;
    return bytes <= hi - offset;
}

static inline int tw_pow2(uint64_t v)
{
    return v != 0 && (v & (v - 1u)) == 0;
}

/* Broadcast ring header at lo (header_bytes long: the ring's, or the exec journal's). */
static inline int tw_check_ring(const void *segment, uint64_t lo, uint64_t hi, uint64_t header_bytes,
                                tw_segment_fault_t *f)
{
    const tw_ring_header_t *r = (const tw_ring_header_t *)((const uint8_t *)segment + lo);
    if (!tw_pow2(r->slot_count) || r->slot_count < 2u)
        return tw_fault(f, EPROTO, "ring.slot_count", r->slot_count, "is not a power of two >= 2");
    if (!tw_pow2(r->slot_size) || r->slot_size < 64u)
        return tw_fault(f, EPROTO, "ring.slot_size", r->slot_size, "is not a power of two >= 64");
    if (!tw_span_inside(r->slots_offset, r->slot_count, r->slot_size, lo + header_bytes, hi))
        return tw_fault(f, EPROTO, "ring.slots_offset", r->slots_offset,
                        "slot_count x slot_size bytes from here do not fit in the region after its header");
    return 0;
}

static inline int tw_check_exec(const void *segment, uint64_t lo, uint64_t hi, tw_segment_fault_t *f)
{
    if (hi - lo < sizeof(tw_exec_header_t))
        return tw_fault(f, EPROTO, "region_size", hi - lo, "cannot hold the exec journal header");
    const tw_exec_header_t *e = (const tw_exec_header_t *)((const uint8_t *)segment + lo);
    if (e->ring.slot_size != TW_EXEC_SLOT_SIZE)
        return tw_fault(f, EPROTO, "exec.ring.slot_size", e->ring.slot_size, "is not TW_EXEC_SLOT_SIZE (256)");
    return tw_check_ring(segment, lo, hi, sizeof(tw_exec_header_t), f);
}

static inline int tw_check_cmd(const void *segment, uint64_t lo, uint64_t hi, tw_segment_fault_t *f)
{
    if (hi - lo < sizeof(tw_cmd_header_t))
        return tw_fault(f, EPROTO, "region_size", hi - lo, "cannot hold the command header");
    const tw_cmd_header_t *c = (const tw_cmd_header_t *)((const uint8_t *)segment + lo);
    if (c->lane_count == 0 || c->lane_count > TW_CMD_MAX_LANES)
        return tw_fault(f, EPROTO, "cmd.lane_count", c->lane_count, "is not 1..TW_CMD_MAX_LANES (256)");
    if (!tw_pow2(c->lane_slots) || c->lane_slots < 2u)
        return tw_fault(f, EPROTO, "cmd.lane_slots", c->lane_slots, "is not a power of two >= 2");
    if (c->slot_size != TW_CMD_SLOT_SIZE)
        return tw_fault(f, EPROTO, "cmd.slot_size", c->slot_size, "is not TW_CMD_SLOT_SIZE (128)");
    if (c->lane_size != sizeof(tw_cmd_lane_t) + (uint64_t)c->lane_slots * TW_CMD_SLOT_SIZE)
        return tw_fault(f, EPROTO, "cmd.lane_size", c->lane_size, "is not 192 + lane_slots x slot_size");
    if (!tw_span_inside(c->lanes_offset, c->lane_count, c->lane_size, lo + sizeof(*c), hi))
        return tw_fault(f, EPROTO, "cmd.lanes_offset", c->lanes_offset,
                        "lane_count x lane_size bytes from here do not fit in the region after its header");
    return 0;
}

static inline int tw_check_books(const void *segment, uint64_t lo, uint64_t hi, tw_segment_fault_t *f)
{
    if (hi - lo < sizeof(tw_books_header_t))
        return tw_fault(f, EPROTO, "region_size", hi - lo, "cannot hold the books header");
    const tw_books_header_t *b = (const tw_books_header_t *)((const uint8_t *)segment + lo);
    uint64_t n = b->instrument_count, table = n * sizeof(tw_instrument_info_t);
    if (n == 0 || n > TW_MAX_INSTRUMENTS)
        return tw_fault(f, EPROTO, "books.instrument_count", n, "is not 1..TW_MAX_INSTRUMENTS (4096)");
    if (b->depth == 0 || b->depth > TW_MAX_DEPTH)
        return tw_fault(f, EPROTO, "books.depth", b->depth, "is not 1..TW_MAX_DEPTH (1000)");
    if (b->block_size % 8u || b->block_size < sizeof(tw_book_header_t) + 2ull * b->depth * sizeof(tw_level_t))
        return tw_fault(f, EPROTO, "books.block_size", b->block_size,
                        "is not a multiple of 8 that holds the header and depth levels a side");
    if (!tw_span_inside(b->instruments_offset, n, sizeof(tw_instrument_info_t), lo + sizeof(*b), hi))
        return tw_fault(f, EPROTO, "books.instruments_offset", b->instruments_offset,
                        "the instrument table does not fit in the region after its header");
    if (!tw_span_inside(b->blocks_offset, n, b->block_size, lo + sizeof(*b), hi))
        return tw_fault(f, EPROTO, "books.blocks_offset", b->blocks_offset,
                        "instrument_count x block_size bytes from here do not fit in the region after its header");
    if (b->blocks_offset < b->instruments_offset + table &&
        b->instruments_offset < b->blocks_offset + n * b->block_size)
        return tw_fault(f, EPROTO, "books.blocks_offset", b->blocks_offset, "the blocks overlap the instrument table");
    return 0;
}

static inline int tw_check_stats(const void *segment, uint64_t lo, uint64_t hi, tw_segment_fault_t *f)
{
    if (hi - lo < sizeof(tw_stats_header_t))
        return tw_fault(f, EPROTO, "region_size", hi - lo, "cannot hold the stats header");
    const tw_stats_header_t *s = (const tw_stats_header_t *)((const uint8_t *)segment + lo);
    uint64_t start = lo + sizeof(*s);
    if (s->instrument_count > TW_MAX_INSTRUMENTS)
        return tw_fault(f, EPROTO, "stats.instrument_count", s->instrument_count, "is more than TW_MAX_INSTRUMENTS");
    if (s->counter_count < TW_CTR_COUNT)
        return tw_fault(f, EPROTO, "stats.counter_count", s->counter_count, "is less than TW_CTR_COUNT (32)");
    if (s->histogram_count < TW_HIST_COUNT)
        return tw_fault(f, EPROTO, "stats.histogram_count", s->histogram_count, "is less than TW_HIST_COUNT (8)");
    if (s->histogram_buckets != TW_HIST_BUCKETS)
        return tw_fault(f, EPROTO, "stats.histogram_buckets", s->histogram_buckets, "is not TW_HIST_BUCKETS (608)");
    if (!tw_span_inside(s->counters_offset, s->counter_count, sizeof(uint64_t), start, hi))
        return tw_fault(f, EPROTO, "stats.counters_offset", s->counters_offset,
                        "counter_count counters from here do not fit in the region after its header");
    if (!tw_span_inside(s->instruments_offset, s->instrument_count, sizeof(tw_instrument_stats_t), start, hi))
        return tw_fault(f, EPROTO, "stats.instruments_offset", s->instruments_offset,
                        "instrument_count entries from here do not fit in the region after its header");
    if (!tw_span_inside(s->histograms_offset, s->histogram_count, sizeof(tw_histogram_t), start, hi))
        return tw_fault(f, EPROTO, "stats.histograms_offset", s->histograms_offset,
                        "histogram_count histograms from here do not fit in the region after its header");
    return 0;
}

/* The header fields of one account array, for the fault message. */
typedef struct tw_account_array_names {
    const char *capacity, *size, *offset;
} tw_account_array_names_t;

/* One account array: capacity, stride and offset, inside [lo + 256, hi). */
static inline int tw_check_account_array(uint64_t lo, uint64_t hi, uint32_t capacity, uint32_t size, uint64_t offset,
                                         uint64_t entry, tw_account_array_names_t names, tw_segment_fault_t *f)
{
    if (capacity > TW_ACCOUNT_MAX_CAPACITY)
        return tw_fault(f, EPROTO, names.capacity, capacity, "is more than TW_ACCOUNT_MAX_CAPACITY (1048576)");
    if (size % 8u || size < entry || size > TW_ACCOUNT_MAX_ENTRY_SIZE)
        return tw_fault(f, EPROTO, names.size, size,
                        "is not a multiple of 8 between the entry's size and TW_ACCOUNT_MAX_ENTRY_SIZE (4096)");
    if (!tw_span_inside(offset, capacity, size, lo + sizeof(tw_account_header_t), hi))
        return tw_fault(f, EPROTO, names.offset, offset,
                        "capacity x size bytes from here do not fit in the region after its header");
    return 0;
}

/* 1 when [a, a + an) and [b, b + bn) overlap (both already known to lie inside the region). */
static inline int tw_spans_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
    return an && bn && a < b + bn && b < a + an;
}

static inline int tw_check_account(const void *segment, uint64_t lo, uint64_t hi, tw_segment_fault_t *f)
{
    if (hi - lo < sizeof(tw_account_header_t))
        return tw_fault(f, EPROTO, "region_size", hi - lo, "cannot hold the account header");
    const tw_account_header_t *a = (const tw_account_header_t *)((const uint8_t *)segment + lo);
    tw_account_array_names_t bal = {"account.balance_capacity", "account.balance_size", "account.balances_offset"};
    tw_account_array_names_t pos = {"account.position_capacity", "account.position_size", "account.positions_offset"};
    tw_account_array_names_t ord = {"account.order_capacity", "account.order_size", "account.orders_offset"};
    int rc = tw_check_account_array(lo, hi, a->balance_capacity, a->balance_size, a->balances_offset,
                                    sizeof(tw_account_balance_t), bal, f);
    if (rc == 0)
        rc = tw_check_account_array(lo, hi, a->position_capacity, a->position_size, a->positions_offset,
                                    sizeof(tw_account_position_t), pos, f);
    if (rc == 0)
        rc = tw_check_account_array(lo, hi, a->order_capacity, a->order_size, a->orders_offset,
                                    sizeof(tw_account_order_t), ord, f);
    if (rc < 0)
        return rc;
    uint64_t nb = (uint64_t)a->balance_capacity * a->balance_size;
    uint64_t np = (uint64_t)a->position_capacity * a->position_size;
    uint64_t no = (uint64_t)a->order_capacity * a->order_size;
    if (tw_spans_overlap(a->positions_offset, np, a->balances_offset, nb))
        return tw_fault(f, EPROTO, "account.positions_offset", a->positions_offset, "the positions overlap the balances");
    if (tw_spans_overlap(a->orders_offset, no, a->balances_offset, nb))
        return tw_fault(f, EPROTO, "account.orders_offset", a->orders_offset, "the orders overlap the balances");
    if (tw_spans_overlap(a->orders_offset, no, a->positions_offset, np))
        return tw_fault(f, EPROTO, "account.orders_offset", a->orders_offset, "the orders overlap the positions");
    return 0;
}

/*
 * Checks a mapping of file_size bytes as a segment of `kind`: the header
 * (magic, ABI major, kind, segment_size against the file, region_offset and
 * region_size against segment_size), then the kind's own geometry. Returns 0;
 * -EPROTO not a Tickwire segment, truncated or a bad geometry; -EPROTONOSUPPORT
 * another ABI major; -EMEDIUMTYPE another kind. *f names the field at fault.
 */
static inline int tw_segment_check(const void *segment, uint64_t file_size, uint32_t kind, tw_segment_fault_t *f)
{
    const tw_segment_header_t *h = (const tw_segment_header_t *)segment;
    if (file_size < sizeof(*h))
        return tw_fault(f, EPROTO, "file size", file_size, "is smaller than a segment header (128 bytes)");
    uint64_t magic = __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE); /* pairs with tw_shm_commit's release */
    if (magic != TW_ABI_MAGIC)
        return tw_fault(f, EPROTO, "magic", magic, "is not TICKWIRE: not a Tickwire segment");
    if (h->abi_major != TW_ABI_MAJOR)
        return tw_fault(f, EPROTONOSUPPORT, "abi_major", h->abi_major, "is not the major this reader knows");
    if (h->kind != kind)
        return tw_fault(f, EMEDIUMTYPE, "kind", h->kind, "is not the kind asked for");
    if (h->segment_size > file_size)
        return tw_fault(f, EPROTO, "segment_size", h->segment_size, "is more than the file holds: truncated");
    if (h->region_offset < sizeof(*h) || h->region_offset % 8u || h->region_offset > h->segment_size)
        return tw_fault(f, EPROTO, "region_offset", h->region_offset,
                        "is not an 8-aligned offset between the header and segment_size");
    if (h->region_size > h->segment_size - h->region_offset)
        return tw_fault(f, EPROTO, "region_size", h->region_size, "runs past segment_size");
    uint64_t lo = h->region_offset, hi = lo + h->region_size;
    switch (kind) {
    case TW_SEG_MD:
        if (hi - lo < sizeof(tw_ring_header_t))
            return tw_fault(f, EPROTO, "region_size", hi - lo, "cannot hold the ring header");
        return tw_check_ring(segment, lo, hi, sizeof(tw_ring_header_t), f);
    case TW_SEG_EXEC:
        return tw_check_exec(segment, lo, hi, f);
    case TW_SEG_CMD:
        return tw_check_cmd(segment, lo, hi, f);
    case TW_SEG_BOOKS:
        return tw_check_books(segment, lo, hi, f);
    case TW_SEG_STATS:
        return tw_check_stats(segment, lo, hi, f);
    case TW_SEG_ACCOUNT:
        return tw_check_account(segment, lo, hi, f);
    default:
        return 0;
    }
}

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_READER_H */

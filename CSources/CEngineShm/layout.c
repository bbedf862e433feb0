/* SPDX-License-Identifier: MIT */
/*
 * Region layouts of each segment kind: sizes for tw_shm_create() and the
 * initial contents written before tw_shm_commit() publishes the segment.
 */
#include "tickwire/shm.h"
#include "tickwire/writer.h"

#include <errno.h>
#include <string.h>

static int pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

static uint64_t region_start(const tw_shm_t *s)
{
    return ((const tw_segment_header_t *)s->base)->region_offset;
}

static int fits(const tw_shm_t *s, uint64_t need)
{
    const tw_segment_header_t *h = s->base;
    return need <= h->region_size;
}

uint64_t tw_ring_region_size(uint32_t slot_size, uint32_t slot_count)
{
    return sizeof(tw_ring_header_t) + (uint64_t)slot_size * slot_count;
}

int tw_ring_init(tw_shm_t *s, uint32_t slot_size, uint32_t slot_count)
{
    if (!pow2(slot_size) || slot_size < 64 || !pow2(slot_count) || slot_count < 2 ||
        !fits(s, tw_ring_region_size(slot_size, slot_count)))
        return -EINVAL;
    tw_ring_header_t *r = (tw_ring_header_t *)((uint8_t *)s->base + region_start(s));
    r->slot_size = slot_size;
    r->slot_count = slot_count;
    r->slots_offset = region_start(s) + sizeof(*r);
    r->head = 0;
    return 0;
}

uint64_t tw_cmd_region_size(uint32_t lane_count, uint32_t lane_slots)
{
    uint64_t lane = sizeof(tw_cmd_lane_t) + (uint64_t)lane_slots * TW_CMD_SLOT_SIZE;
    return sizeof(tw_cmd_header_t) + (uint64_t)lane_count * lane;
}

int tw_cmd_init(tw_shm_t *s, uint32_t lane_count, uint32_t lane_slots)
{
    if (lane_count == 0 || lane_count > TW_CMD_MAX_LANES || !pow2(lane_slots) || lane_slots < 2 ||
        lane_slots > (1u << 20) || !fits(s, tw_cmd_region_size(lane_count, lane_slots)))
        return -EINVAL;
    tw_cmd_header_t *c = (tw_cmd_header_t *)((uint8_t *)s->base + region_start(s));
    c->lane_count = lane_count;
    c->lane_slots = lane_slots;
    c->slot_size = TW_CMD_SLOT_SIZE;
    c->lane_size = (uint32_t)(sizeof(tw_cmd_lane_t) + (uint64_t)lane_slots * TW_CMD_SLOT_SIZE);
    c->lanes_offset = region_start(s) + sizeof(*c);
    return 0; /* lanes start zeroed: free, empty */
}

uint64_t tw_exec_region_size(uint32_t slot_count)
{
    return sizeof(tw_exec_header_t) + (uint64_t)TW_EXEC_SLOT_SIZE * slot_count;
}

int tw_exec_init(tw_shm_t *s, uint32_t slot_count, uint32_t reserve)
{
    if (!pow2(slot_count) || slot_count < 16 || reserve >= slot_count || !fits(s, tw_exec_region_size(slot_count)))
        return -EINVAL;
    tw_exec_header_t *e = (tw_exec_header_t *)((uint8_t *)s->base + region_start(s));
    e->ring.slot_size = TW_EXEC_SLOT_SIZE;
    e->ring.slot_count = slot_count;
    e->ring.slots_offset = region_start(s) + sizeof(*e);
    e->reserve = reserve;
    return 0;
}

uint64_t tw_books_region_size(uint32_t instruments, uint32_t depth)
{
    return sizeof(tw_books_header_t) + (uint64_t)instruments * sizeof(tw_instrument_info_t) +
           (uint64_t)instruments * tw_book_block_size(depth);
}

int tw_books_init(tw_shm_t *s, uint32_t instruments, uint32_t depth)
{
    if (instruments == 0 || instruments > TW_MAX_INSTRUMENTS || depth == 0 || depth > TW_MAX_DEPTH ||
        !fits(s, tw_books_region_size(instruments, depth)))
        return -EINVAL;
    uint64_t start = region_start(s);
    tw_books_header_t *b = (tw_books_header_t *)((uint8_t *)s->base + start);
    b->instrument_count = instruments;
    b->depth = depth;
    b->block_size = tw_book_block_size(depth);
    b->instruments_offset = start + sizeof(*b);
    b->blocks_offset = b->instruments_offset + (uint64_t)instruments * sizeof(tw_instrument_info_t);
    for (uint32_t i = 0; i < instruments; i++) {
        tw_instrument_info_t *info = tw_books_instrument_mut(s->base, i);
        info->index = (uint16_t)i;
        tw_books_block_mut(s->base, i)->flags = TW_BOOK_FLAG_STALE; /* no data yet */
    }
    return 0;
}

uint64_t tw_stats_region_size(uint32_t instruments)
{
    return sizeof(tw_stats_header_t) + TW_CTR_COUNT * sizeof(uint64_t) +
           (uint64_t)instruments * sizeof(tw_instrument_stats_t) + TW_HIST_COUNT * sizeof(tw_histogram_t);
}

int tw_stats_init(tw_shm_t *s, uint32_t instruments)
{
    if (instruments > TW_MAX_INSTRUMENTS || !fits(s, tw_stats_region_size(instruments)))
        return -EINVAL;
    uint64_t start = region_start(s);
    tw_stats_header_t *h = (tw_stats_header_t *)((uint8_t *)s->base + start);
    h->instrument_count = instruments;
    h->counter_count = TW_CTR_COUNT;
    h->histogram_count = TW_HIST_COUNT;
    h->histogram_buckets = TW_HIST_BUCKETS;
    h->counters_offset = start + sizeof(*h);
    h->instruments_offset = h->counters_offset + TW_CTR_COUNT * sizeof(uint64_t);
    h->histograms_offset = h->instruments_offset + (uint64_t)instruments * sizeof(tw_instrument_stats_t);
    return 0;
}

static uint64_t line_round(uint64_t n)
{
    return (n + TW_CACHE_LINE - 1u) & ~(uint64_t)(TW_CACHE_LINE - 1u);
}

uint64_t tw_account_region_size(uint32_t balances, uint32_t positions, uint32_t orders)
{
    return sizeof(tw_account_header_t) + line_round((uint64_t)balances * sizeof(tw_account_balance_t)) +
           line_round((uint64_t)positions * sizeof(tw_account_position_t)) +
           line_round((uint64_t)orders * sizeof(tw_account_order_t));
}

int tw_account_init(tw_shm_t *s, uint32_t balances, uint32_t positions, uint32_t orders)
{
    if (balances > TW_ACCOUNT_MAX_CAPACITY || positions > TW_ACCOUNT_MAX_CAPACITY ||
        orders > TW_ACCOUNT_MAX_CAPACITY || !fits(s, tw_account_region_size(balances, positions, orders)))
        return -EINVAL;
    uint64_t start = region_start(s);
    tw_account_header_t *a = (tw_account_header_t *)((uint8_t *)s->base + start);
    a->balance_capacity = balances;
    a->position_capacity = positions;
    a->order_capacity = orders;
    a->balance_size = sizeof(tw_account_balance_t);
    a->position_size = sizeof(tw_account_position_t);
    a->order_size = sizeof(tw_account_order_t);
    a->balances_offset = line_round(start + sizeof(*a));
    a->positions_offset = line_round(a->balances_offset + (uint64_t)balances * sizeof(tw_account_balance_t));
    a->orders_offset = line_round(a->positions_offset + (uint64_t)positions * sizeof(tw_account_position_t));
    a->win_rate_bps = -1;
    a->max_drawdown_bps = -1;
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The C half of the Python command producer (tickwire_reader.py,
 * CommandProducer). Built by `make readers` into libtw_producer.so together
 * with the engine's own CSources/CEngineShm/shm.c and layout.c, so a Python
 * producer claims and releases lanes with the engine's tw_cmd_lane_claim /
 * tw_cmd_lane_release - the same compare-and-swap on the lane's owner word,
 * the same token and dead-owner rule - rather than a second implementation.
 *
 * Why C at all: claiming a lane is a compare-and-swap on a shared word, and
 * pure Python has no atomic read-modify-write on an mmap. A lock file would
 * only exclude other Python producers, not the engine's C and Swift ones.
 * Everything else (the slot copy, the tail store) the Python side does itself;
 * these helpers cover the two remaining atomic operations it cannot express:
 * the rejected_full increment and, off x86-64, a release store of tail.
 */
#include "tickwire/shm.h"
#include "tickwire/writer.h"

/* The ABI major this library was built for; Python refuses a library built for another. */
int tw_producer_abi_major(void)
{
    return TW_ABI_MAJOR;
}

/* Release store of a lane's tail: pairs with tw_cmd_lane_pop's acquire load. */
void tw_producer_store_release(uint64_t *word, uint64_t value)
{
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
}

/* Atomic add to a shared counter (rejected_full), as tw_cmd_lane_push does; returns the old value. */
uint64_t tw_producer_fetch_add(uint64_t *word, uint64_t delta)
{
    return __atomic_fetch_add(word, delta, __ATOMIC_RELAXED); /* read by status, no ordering */
}

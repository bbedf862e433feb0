/* SPDX-License-Identifier: MIT */
/*
 * A feed without its thread or sockets, for the C tests and the in-memory
 * bench: tw_feed_test_create() builds what tw_feed_create builds minus
 * resolve, TLS, io_uring and connections, and the tw_feed_test_* calls stand
 * in for the handlers the net layer would call. The per-message path they
 * reach is the feed thread's own (feed.c), not a copy.
 *
 * Not in the CEngineCore module map: Swift never sees these.
 */
#ifndef TICKWIRE_FEED_TEST_H
#define TICKWIRE_FEED_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "tickwire/feed.h"
#include "tickwire/feedbook.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A feed with no network: what tw_feed_create builds, minus resolve, TLS, io_uring and connections. */
int tw_feed_test_create(const tw_feed_config_t *cfg, const tw_feed_symbol_t *symbols, uint32_t count,
                        void *md_segment, void *books_segment, void *stats_segment, tw_feed_t **out);

/* What the net layer would call: the connection opened, a message arrived, the connection ended. */
void tw_feed_test_open(tw_feed_t *f, uint32_t conn);
void tw_feed_test_message(tw_feed_t *f, uint32_t conn, const char *data, size_t len, int64_t recv_ns);
void tw_feed_test_close(tw_feed_t *f, uint32_t conn, int err, uint16_t code);

/* One pass of the thread's housekeeping at monotonic time now: mailboxes (posted snapshots), then timers. */
void tw_feed_test_service(tw_feed_t *f, int64_t now_ns);

/* The symbol's sync state (its book and counters: applied, stale, gaps, bookTicker checks), or NULL. */
const tw_sync_t *tw_feed_test_sync(const tw_feed_t *f, uint32_t symbol);

/* The connection's combined-stream request target ("/stream?streams=…"). */
const char *tw_feed_test_path(const tw_feed_t *f, uint32_t conn);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_FEED_TEST_H */

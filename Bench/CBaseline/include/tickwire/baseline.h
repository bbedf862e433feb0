/* SPDX-License-Identifier: MIT */
/*
 * The in-memory feed's library baseline (baseline.cpp): the textbook way to
 * keep a Binance book in C++, run beside `bench latency --scenario inmem-*`
 * on the same frames. simdjson's ondemand API parses each message (the
 * combined-stream envelope, then the payload), prices and quantities become
 * doubles (std::from_chars) and each side is a std::map<double, double>.
 * It follows the same venue procedure as the feed (buffer until the
 * snapshot, drop diffs older than it, then each U == previous u + 1) and
 * makes the same bookTicker checks (a bookTicker is compared with the book
 * once the book's u equals its u). It does no shared-memory publishing:
 * unframe + parse + book + checks only, which is less work than the feed.
 * A pass fails on a gap, a malformed message, or a diff neither applied nor
 * older than the snapshot.
 */
#ifndef TW_BASELINE_H
#define TW_BASELINE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tw_bench_baseline {
    const char *text;           /* the recorded file's bytes (read only) */
    uint64_t len;
    int32_t depth_only;         /* 1: time the depth diffs after the snapshot only */
    int32_t cpu;                /* pin the measuring thread here; -1: do not pin */
    uint32_t reps;              /* passes timed as a whole */
    uint32_t reserved;
    /* filled in */
    uint64_t messages;          /* timed messages per pass */
    uint64_t diffs;             /* depth diffs among them */
    int64_t elapsed_ns;         /* reps passes */
    uint64_t applied, stale;    /* over the timed passes */
    uint64_t bbo_checks, bbo_mismatches, gaps, malformed;
    char error[256];
} tw_bench_baseline_t;

/* Runs the baseline on its own (pinned) thread; 0, or -errno with b->error set. */
int tw_bench_baseline(tw_bench_baseline_t *b);

#ifdef __cplusplus
}
#endif

#endif /* TW_BASELINE_H */

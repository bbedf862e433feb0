/* SPDX-License-Identifier: MIT */
/*
 * The feed thread's message, snapshot-mailbox, state and connection-policy
 * paths, driven without sockets through feed_internal.h's test entries,
 * writing into real md, books and stats segments:
 *
 *   unit_feed <hft lines.txt> <spot http> <spot ws> <usdm http> <usdm ws>
 *
 * - recorded traffic (hftbacktest BTCUSDT spot, cryptofeed spot and USD-M):
 *   every bookTicker check matches, no gap, the shm block always equals the
 *   feed book's top, md events of the right types and counts, stats right;
 * - a dropped diff: gap counted, block stale and empty, SYNCING, a snapshot
 *   wanted; a fresh snapshot (printed from a feed that saw everything) makes
 *   it live again and equal to that feed;
 * - a dropped connection: STALE, stale tickets refused, reconnect scheduled,
 *   then CONNECTING → SYNCING → LIVE again;
 * - malformed and unroutable frames counted; serverShutdown reconnects at once;
 * - buffer overflow while waiting; configuration checks; stream paths;
 *   the backoff schedule.
 * Segments go to $TICKWIRE_SHM_DIR (the runner points it at a temp dir).
 */
#include <ctype.h>
#include <unistd.h>

#include "feedtest.h"

static int64_t now_ns(void)
{
    return tw_real_ns();
}

static tw_feed_config_t base_config(uint32_t rule)
{
    tw_feed_config_t c;
    tw_feed_config_defaults(&c);
    c.rule = rule;
    c.host = "127.0.0.1";
    c.port = 9;
    c.tls = 0;
    c.snapshot_capacity = 1u << 20;
    return c;
}

static tw_feed_t *make_feed(const tw_feed_config_t *c, const tw_feed_symbol_t *sy, uint32_t n, ft_segs_t *s)
{
    tw_feed_t *f = NULL;
    int r = tw_feed_test_create(c, sy, n, s->md.base, s->books.base, s->stats.base, &f);
    if (r != 0) {
        fprintf(stderr, "tw_feed_test_create: %d\n", r);
        exit(2);
    }
    return f;
}

/* Posts body under the symbol's ticket and lets the thread's housekeeping load it. */
static int post_and_load(tw_feed_t *f, uint32_t sym, const char *body, size_t len)
{
    uint64_t t = 0;
    if (tw_feed_snapshot_wanted(f, sym, &t) != 1)
        return -ENOENT;
    int r = tw_feed_snapshot_post(f, sym, t, body, len);
    if (r == 0)
        tw_feed_test_service(f, tw_mono_ns());
    return r;
}

/* ------------------------------------------------------------ hftbacktest -- */

typedef struct hft {
    char *buf;
    size_t len;
    char **line;               /* JSON of each line */
    size_t *line_len;
    size_t n;
} hft_t;

static void hft_load(hft_t *h, const char *path)
{
    size_t pos = 0, ll;
    char *l;
    h->buf = cfeed_read_file(path, &h->len);
    if (h->buf == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    h->line = calloc(20000, sizeof(char *));
    h->line_len = calloc(20000, sizeof(size_t));
    while ((l = cfeed_next_line(h->buf, h->len, &pos, &ll)) != NULL && h->n < 20000) {
        char *sp = memchr(l, ' ', ll);
        if (sp == NULL)
            continue;
        h->line[h->n] = sp + 1;
        h->line_len[h->n++] = ll - (size_t)(sp + 1 - l);
    }
}

static int is_snapshot(const char *json)
{
    return strncmp(json, "{\"stream\"", 9) != 0;
}

static int is_kind(const char *json, const char *suffix)
{
    const char *end = strchr(json + 11, '"');
    size_t n = strlen(suffix);
    return end && (size_t)(end - json) > n && memcmp(end - n, suffix, n) == 0;
}

/* Feeds line i to f; the inline REST snapshot goes through the mailbox. Returns -1 if it could not. */
static int hft_step(tw_feed_t *f, const hft_t *h, size_t i)
{
    if (is_snapshot(h->line[i]))
        return post_and_load(f, 0, h->line[i], h->line_len[i]) == 0 ? 0 : -1;
    tw_feed_test_message(f, 0, h->line[i], h->line_len[i], now_ns());
    return 0;
}

static void test_hft_replay(const hft_t *h)
{
    static const ft_inst_def_t defs[] = {{"BTCUSDT", -2, -8}};
    tw_feed_symbol_t sy[] = {{"btcusdt", 0, 0}};
    tw_feed_config_t c = base_config(TW_SYNC_SPOT);
    ft_segs_t s;
    ft_make(&s, "ufhft", defs, 1);
    tw_feed_t *f = make_feed(&c, sy, 1, &s);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_IDLE);
    tw_feed_test_open(f, 0);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_SYNCING);
    uint64_t trades = 0, tickers = 0, depths = 0, book_mismatch = 0, posted = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (is_snapshot(h->line[i])) {
            CHECK_EQ(hft_step(f, h, i), 0);
            CHECK_EQ(ft_state(&s, 0), TW_FEED_LIVE);
            posted++;
        } else {
            tw_feed_test_message(f, 0, h->line[i], h->line_len[i], now_ns());
            trades += is_kind(h->line[i], "@trade");
            tickers += is_kind(h->line[i], "@bookTicker");
            depths += is_kind(h->line[i], "@depth@100ms");
        }
        ft_drain(&s);
        if (ft_state(&s, 0) == TW_FEED_LIVE && !ft_book_matches(&s, 0, &f->sym[0].sync))
            book_mismatch++;
    }
    const tw_instrument_stats_t *st = ft_stats(&s, 0);
    const tw_sync_t *sync = &f->sym[0].sync;
    printf("  hft: lines=%zu depth=%" PRIu64 " tickers=%" PRIu64 " trades=%" PRIu64 " checks=%" PRIu64
           " applied=%" PRIu64 " events book=%" PRIu64 " bbo=%" PRIu64 " trade=%" PRIu64 " status=%" PRIu64 "\n",
           h->n, depths, tickers, trades, st->bookticker_checks, sync->applied, s.events[TW_MD_BOOK],
           s.events[TW_MD_BBO], s.events[TW_MD_TRADE], s.events[TW_MD_STATUS]);
    CHECK_EQ(posted, 1);
    CHECK_EQ(book_mismatch, 0);
    CHECK_EQ(s.bad_events, 0);
    CHECK_EQ(st->bookticker_checks, 229); /* golden.c's count for this file */
    CHECK_EQ(st->bookticker_mismatches, 0);
    CHECK_EQ(st->gaps, 0);
    CHECK_EQ(st->resyncs, 0);
    CHECK_EQ(st->malformed, 0);
    CHECK_EQ(st->messages, depths + tickers + trades);
    CHECK_EQ(st->trades, trades);
    CHECK(st->book_updates > 1300 && st->book_updates <= sync->applied + 1); /* live diffs + the snapshot */
    CHECK_EQ(st->last_update_id, sync->update_id);
    CHECK_EQ(s.events[TW_MD_BOOK], st->book_updates);
    CHECK_EQ(s.events[TW_MD_BBO], tickers);
    CHECK_EQ(s.events[TW_MD_TRADE], trades);
    CHECK_EQ(s.events[TW_MD_STATUS], 2); /* SYNCING at open, LIVE at the snapshot */
    CHECK_EQ(s.status_last[0], TW_FEED_LIVE + 1);
    CHECK_EQ(s.status_reason[0], TW_REASON_SNAPSHOT);
    uint64_t published = s.events[1] + s.events[2] + s.events[3] + s.events[4];
    CHECK_EQ(ft_counter(&s, TW_CTR_MD_EVENTS), published);
    CHECK_EQ(ft_counter(&s, TW_CTR_TRADES), trades);
    CHECK_EQ(ft_counter(&s, TW_CTR_BOOK_WRITES), st->book_updates);
    CHECK_EQ(ft_counter(&s, TW_CTR_FEED_UNROUTED), 0);
    const tw_histogram_t *hw = tw_stats_histogram(s.stats.base, TW_HIST_FEED_WIRE);
    CHECK_EQ(hw->count, published - s.events[TW_MD_STATUS]);
    CHECK(hw->max < 1000000000ull); /* recv → publish well under a second */
    CHECK(ft_book_matches(&s, 0, sync));
    uint64_t t;
    CHECK_EQ(tw_feed_snapshot_wanted(f, 0, &t), 0);
    tw_feed_destroy(f);
    ft_free(&s, "ufhft");
}

/* A diff lost on the wire: gap, stale, snapshot wanted; a fresh snapshot makes it live and right again. */
static void test_gap_and_recovery(const hft_t *h)
{
    static const ft_inst_def_t defs[] = {{"BTCUSDT", -2, -8}};
    tw_feed_symbol_t sy[] = {{"btcusdt", 0, 0}};
    tw_feed_config_t c = base_config(TW_SYNC_SPOT);
    ft_segs_t ra, rb;
    ft_make(&ra, "ufgapa", defs, 1);
    ft_make(&rb, "ufgapb", defs, 1);
    tw_feed_t *a = make_feed(&c, sy, 1, &ra), *b = make_feed(&c, sy, 1, &rb);
    tw_feed_test_open(a, 0);
    tw_feed_test_open(b, 0);
    size_t i = 0, drop = 0;
    int live_seen = 0, gap_seen = 0, recovered = 0;
    uint64_t ticket_gap = 0, t;
    for (; i < h->n; i++) {
        hft_step(a, h, i);
        ft_drain(&ra);
        if (ft_state(&rb, 0) == TW_FEED_LIVE)
            live_seen++;
        /* b loses the 20th depth diff after it went live */
        if (!drop && live_seen > 100 && is_kind(h->line[i], "@depth@100ms")) {
            drop = i;
            continue;
        }
        hft_step(b, h, i);
        ft_drain(&rb);
        if (drop && !gap_seen && ft_stats(&rb, 0)->gaps == 1) {
            gap_seen = 1;
            CHECK_EQ(ft_state(&rb, 0), TW_FEED_SYNCING);
            CHECK_EQ(rb.status_last[0], TW_FEED_SYNCING + 1);
            CHECK_EQ(rb.status_reason[0], TW_REASON_GAP);
            CHECK(ft_book_stale_empty(&rb, 0));
            CHECK_EQ(ft_stats(&rb, 0)->resyncs, 1);
            CHECK_EQ(tw_feed_snapshot_wanted(b, 0, &ticket_gap), 1);
        }
        /* ten lines later, a snapshot of where a is now */
        if (gap_seen && !recovered && i >= drop + 10 && is_kind(h->line[i], "@depth@100ms")) {
            size_t len;
            char *snap = ft_snapshot_json(&a->sym[0].sync, a->sym[0].scale, &len);
            CHECK_EQ(tw_feed_snapshot_wanted(b, 0, &t), 1);
            CHECK_EQ(t, ticket_gap);
            CHECK_EQ(post_and_load(b, 0, snap, len), 0);
            ft_drain(&rb);
            free(snap);
            recovered = 1;
            CHECK_EQ(ft_state(&rb, 0), TW_FEED_LIVE);
            CHECK_EQ(rb.status_reason[0], TW_REASON_SNAPSHOT);
            CHECK(ft_book_matches(&rb, 0, &b->sym[0].sync));
            CHECK_EQ(b->sym[0].sync.update_id, a->sym[0].sync.update_id);
        }
        if (recovered && i > drop + 2000)
            break;
    }
    CHECK(drop > 0);
    CHECK(gap_seen);
    CHECK(recovered);
    CHECK_EQ(ft_stats(&rb, 0)->gaps, 1);
    CHECK_EQ(ft_stats(&rb, 0)->bookticker_mismatches, 0);
    CHECK(ft_stats(&rb, 0)->bookticker_checks > 0);
    CHECK_EQ(rb.bad_events, 0);
    CHECK_EQ(b->sym[0].sync.update_id, a->sym[0].sync.update_id);
    CHECK(ft_book_matches(&rb, 0, &a->sym[0].sync)); /* b's block equals a's book */
    CHECK_EQ(tw_feed_snapshot_wanted(b, 0, &t), 0);
    tw_feed_destroy(a);
    tw_feed_destroy(b);
    ft_free(&ra, "ufgapa");
    ft_free(&rb, "ufgapb");
}

/* The connection drops while live, then comes back. */
static void test_drop_and_reconnect(const hft_t *h)
{
    static const ft_inst_def_t defs[] = {{"BTCUSDT", -2, -8}};
    tw_feed_symbol_t sy[] = {{"btcusdt", 0, 0}};
    tw_feed_config_t c = base_config(TW_SYNC_SPOT);
    c.reconnect_base_ms = 100;
    c.reconnect_max_ms = 800;
    ft_segs_t ra, rb;
    ft_make(&ra, "ufdropa", defs, 1);
    ft_make(&rb, "ufdropb", defs, 1);
    tw_feed_t *a = make_feed(&c, sy, 1, &ra), *b = make_feed(&c, sy, 1, &rb);
    tw_feed_test_open(a, 0);
    tw_feed_test_open(b, 0);
    size_t i = 0;
    for (; i < h->n && ft_stats(&rb, 0)->book_updates < 50; i++) {
        hft_step(a, h, i);
        hft_step(b, h, i);
        ft_drain(&rb);
    }
    ft_drain(&rb);
    CHECK_EQ(ft_state(&rb, 0), TW_FEED_LIVE);

    /* a snapshot is wanted at the moment of the drop: its ticket must be refused afterwards */
    tw_feed_test_close(b, 0, -ECONNRESET, 1006);
    ft_drain(&rb);
    CHECK_EQ(ft_state(&rb, 0), TW_FEED_STALE);
    CHECK_EQ(rb.status_reason[0], TW_REASON_DISCONNECTED);
    CHECK(ft_book_stale_empty(&rb, 0));
    CHECK_EQ(ft_stats(&rb, 0)->reconnects, 1);
    tw_feed_conn_info_t info;
    CHECK_EQ(tw_feed_conn_info(b, 0, &info), 0);
    CHECK_EQ(info.state, TW_CONN_CLOSED);
    CHECK_EQ(info.last_error, -ECONNRESET);
    CHECK_EQ(info.last_close_code, 1006);
    CHECK_EQ(info.reconnects, 1);
    CHECK_EQ(info.connects, 1);
    CHECK_EQ(info.attempts, 0); /* it had delivered data: not a failure */
    int64_t now = tw_mono_ns();
    CHECK(info.next_attempt_ns >= now + 50 * 1000000LL && info.next_attempt_ns <= now + 100 * 1000000LL);

    /* not due yet: nothing happens; due: CONNECTING */
    tw_feed_test_service(b, info.next_attempt_ns - 1);
    CHECK_EQ(ft_state(&rb, 0), TW_FEED_STALE);
    tw_feed_test_service(b, info.next_attempt_ns);
    ft_drain(&rb);
    CHECK_EQ(ft_state(&rb, 0), TW_FEED_CONNECTING);
    CHECK_EQ(rb.status_reason[0], TW_REASON_RECONNECTING);
    CHECK_EQ(tw_feed_conn_info(b, 0, &info), 0);
    CHECK_EQ(info.next_attempt_ns, 0);
    CHECK_EQ(info.state, TW_CONN_CONNECTING);

    /* that attempt fails twice: attempts count up, the delay grows within [base, max] */
    tw_feed_test_close(b, 0, -ECONNREFUSED, 0);
    CHECK_EQ(tw_feed_conn_info(b, 0, &info), 0);
    CHECK_EQ(info.attempts, 1);
    CHECK_EQ(info.reconnects, 1); /* it never opened: no new reconnect */
    CHECK_EQ(ft_state(&rb, 0), TW_FEED_CONNECTING);
    CHECK_EQ(ft_stats(&rb, 0)->reconnects, 1);
    tw_feed_test_service(b, info.next_attempt_ns);
    tw_feed_test_close(b, 0, -ECONNREFUSED, 0);
    CHECK_EQ(tw_feed_conn_info(b, 0, &info), 0);
    CHECK_EQ(info.attempts, 2);
    now = tw_mono_ns();
    CHECK(info.next_attempt_ns >= now + 150 * 1000000LL && info.next_attempt_ns <= now + 400 * 1000000LL);
    tw_feed_test_service(b, info.next_attempt_ns);

    /* open again: SYNCING, the stream resumes where a is; a fresh snapshot makes it live */
    tw_feed_test_open(b, 0);
    ft_drain(&rb);
    CHECK_EQ(ft_state(&rb, 0), TW_FEED_SYNCING);
    uint64_t t;
    CHECK_EQ(tw_feed_snapshot_wanted(b, 0, &t), 0); /* nothing asked until the first diff */
    int live = 0;
    for (size_t k = 0; k < 5; k++, i++) /* what b missed while it was away */
        hft_step(a, h, i);
    for (; i < h->n && !live; i++) {
        hft_step(a, h, i);
        hft_step(b, h, i);
        ft_drain(&rb);
        if (ft_state(&rb, 0) == TW_FEED_SYNCING && tw_feed_snapshot_wanted(b, 0, &t) == 1 &&
            is_kind(h->line[i], "@depth@100ms")) {
            size_t len;
            char *snap = ft_snapshot_json(&a->sym[0].sync, a->sym[0].scale, &len);
            CHECK_EQ(post_and_load(b, 0, snap, len), 0);
            ft_drain(&rb);
            free(snap);
            live = ft_state(&rb, 0) == TW_FEED_LIVE;
        }
    }
    CHECK(live);
    for (size_t k = 0; k < 500 && i < h->n; k++, i++) {
        hft_step(a, h, i);
        hft_step(b, h, i);
        ft_drain(&rb);
    }
    ft_drain(&rb);
    CHECK(ft_book_matches(&rb, 0, &a->sym[0].sync));
    CHECK_EQ(tw_feed_conn_info(b, 0, &info), 0);
    CHECK_EQ(info.connects, 2);
    CHECK_EQ(info.attempts, 0); /* data arrived after the open */
    CHECK_EQ(ft_stats(&rb, 0)->gaps, 0);
    CHECK_EQ(ft_stats(&rb, 0)->bookticker_mismatches, 0);
    CHECK_EQ(rb.bad_events, 0);
    tw_feed_destroy(a);
    tw_feed_destroy(b);
    ft_free(&ra, "ufdropa");
    ft_free(&rb, "ufdropb");
}

/* ------------------------------------------------------------- cryptofeed -- */

typedef struct cf_snap {
    char symbol[24];
    double ts;
    const char *json;
    size_t len;
    int posted;
} cf_snap_t;

/* "<url>?symbol=XYZ&… -> <ts>: <json>" lines. */
static uint32_t cf_load_http(char *buf, size_t len, cf_snap_t *out, uint32_t cap)
{
    size_t pos = 0, ll;
    uint32_t n = 0;
    char *line;
    while ((line = cfeed_next_line(buf, len, &pos, &ll)) != NULL && n < cap) {
        char *sym = strstr(line, "symbol="), *arrow = strstr(line, " -> ");
        if (sym == NULL || arrow == NULL)
            continue;
        sym += 7;
        cf_snap_t *s = &out[n++];
        snprintf(s->symbol, sizeof(s->symbol), "%.*s", (int)strcspn(sym, "&"), sym);
        char *colon = strstr(arrow, ": ");
        s->ts = strtod(arrow + 4, NULL);
        s->json = colon + 2;
        s->len = ll - (size_t)(colon + 2 - line);
    }
    return n;
}

static void test_cryptofeed(const char *name, uint32_t rule, const char *http, const char *ws, uint64_t expect_checks)
{
    enum { N = 4 };
    size_t hl, wl, pos = 0, ll;
    char *hb = cfeed_read_file(http, &hl), *wb = cfeed_read_file(ws, &wl), *line;
    if (hb == NULL || wb == NULL) {
        fprintf(stderr, "cannot read %s or %s\n", http, ws);
        exit(2);
    }
    cf_snap_t snaps[N];
    memset(snaps, 0, sizeof(snaps));
    CHECK_EQ(cf_load_http(hb, hl, snaps, N), N);
    ft_inst_def_t defs[N];
    tw_feed_symbol_t sy[N];
    for (uint32_t i = 0; i < N; i++) {
        defs[i] = (ft_inst_def_t){snaps[i].symbol, -8, -8};
        memset(&sy[i], 0, sizeof(sy[i]));
        for (size_t k = 0; snaps[i].symbol[k]; k++)
            sy[i].stream_name[k] = (char)tolower((unsigned char)snaps[i].symbol[k]);
        sy[i].instrument = i;
    }
    tw_feed_config_t c = base_config(rule);
    c.streams |= TW_FEED_STREAM_AGGTRADE;
    c.symbols_per_conn = 2; /* two connections, two symbols each */
    ft_segs_t s;
    ft_make(&s, name, defs, N);
    tw_feed_t *f = make_feed(&c, sy, N, &s);
    CHECK_EQ(tw_feed_conn_count(f), 2);
    tw_feed_test_open(f, 0);
    tw_feed_test_open(f, 1);
    uint64_t klines[N] = {0}, aggs[N] = {0}, frames[N] = {0}, mism = 0;
    while ((line = cfeed_next_line(wb, wl, &pos, &ll)) != NULL) {
        if (!isdigit((unsigned char)line[0]))
            continue;
        char *colon = strstr(line, ": ");
        if (colon == NULL)
            continue;
        double ts = strtod(line, NULL);
        for (uint32_t i = 0; i < N; i++) {
            uint64_t t;
            if (!snaps[i].posted && snaps[i].ts <= ts && tw_feed_snapshot_wanted(f, i, &t) == 1) {
                CHECK_EQ(post_and_load(f, i, snaps[i].json, snaps[i].len), 0);
                snaps[i].posted = 1;
                ft_drain(&s);
            }
        }
        const char *json = colon + 2, *st = strstr(json, "\"stream\":\"");
        uint32_t who = N;
        for (uint32_t i = 0; st && i < N; i++)
            if (strncmp(st + 10, sy[i].stream_name, strlen(sy[i].stream_name)) == 0 &&
                st[10 + strlen(sy[i].stream_name)] == '@')
                who = i;
        if (who == N)
            continue;
        frames[who]++;
        klines[who] += strstr(json, "@kline_") != NULL;
        aggs[who] += strstr(json, "@aggTrade\"") != NULL;
        tw_feed_test_message(f, who / 2, json, ll - (size_t)(json - line), now_ns());
        ft_drain(&s);
        for (uint32_t i = 0; i < N; i++)
            if (ft_state(&s, i) == TW_FEED_LIVE && !ft_book_matches(&s, i, &f->sym[i].sync))
                mism++;
    }
    uint64_t checks = 0;
    for (uint32_t i = 0; i < N; i++) {
        const tw_instrument_stats_t *st = ft_stats(&s, i);
        printf("  %s %-9s frames=%" PRIu64 " checks=%" PRIu64 " malformed=%" PRIu64 " resyncs=%" PRIu64 " state=%u\n", name,
               snaps[i].symbol, frames[i], st->bookticker_checks, st->malformed, st->resyncs, ft_state(&s, i));
        checks += st->bookticker_checks;
        CHECK(snaps[i].posted);
        CHECK_EQ(ft_state(&s, i), TW_FEED_LIVE);
        CHECK_EQ(st->bookticker_mismatches, 0);
        CHECK_EQ(st->gaps, 0);
        CHECK_EQ(st->malformed, klines[i]); /* kline streams are not ours: counted, dropped */
        CHECK_EQ(st->messages, frames[i]);
        CHECK_EQ(st->trades, aggs[i]);
        CHECK(ft_book_matches(&s, i, &f->sym[i].sync));
    }
    CHECK_EQ(checks, expect_checks);
    CHECK_EQ(mism, 0);
    CHECK_EQ(s.bad_events, 0);
    CHECK_EQ(ft_counter(&s, TW_CTR_FEED_UNROUTED), 0);
    tw_feed_destroy(f);
    ft_free(&s, name);
    free(hb);
    free(wb);
}

/* ------------------------------------------------------------- synthetic -- */

#define D(u0, u1, body) "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\"," \
                        "\"U\":" #u0 ",\"u\":" #u1 "," body "}}"

static void msg(tw_feed_t *f, const char *s)
{
    tw_feed_test_message(f, 0, s, strlen(s), now_ns());
}

static void test_malformed_and_mailbox(void)
{
    static const ft_inst_def_t defs[] = {{"BTCUSDT", -2, -5}, {"ETHUSDT", -2, -4}};
    tw_feed_symbol_t sy[] = {{"btcusdt", 0, 0}, {"ethusdt", 1, 0}};
    tw_feed_config_t c = base_config(TW_SYNC_SPOT);
    c.buffer_events = 4;
    ft_segs_t s;
    ft_make(&s, "ufmal", defs, 2);
    tw_feed_t *f = make_feed(&c, sy, 2, &s);
    CHECK_EQ(tw_feed_conn_count(f), 1);
    tw_feed_test_open(f, 0);

    msg(f, "not json");
    msg(f, "{\"stream\":\"xrpusdt@trade\",\"data\":{}}");    /* no such symbol here */
    msg(f, "{\"result\":null,\"id\":1}");                    /* nobody's */
    CHECK_EQ(ft_counter(&s, TW_CTR_FEED_UNROUTED), 3);
    msg(f, "{\"stream\":\"btcusdt@kline_1m\",\"data\":{}}"); /* ours, but not a stream we handle */
    msg(f, "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"U\":1}}"); /* no u */
    msg(f, "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"U\":1,\"u\":"); /* cut */
    msg(f, "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"t\":1,\"p\":\"1.234\",\"q\":\"1\","
           "\"T\":1,\"m\":true}}");                          /* more decimals than the exponent */
    msg(f, "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":5}}");
    CHECK_EQ(ft_stats(&s, 0)->malformed, 4);
    CHECK_EQ(ft_stats(&s, 0)->messages, 4);
    CHECK_EQ(ft_stats(&s, 1)->malformed, 0);
    uint64_t t = 0, t2 = 0;
    CHECK_EQ(tw_feed_snapshot_wanted(f, 0, &t), 0);

    /* a good trade is published with its aggressor */
    msg(f, "{\"stream\":\"ethusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":2,\"s\":\"ETHUSDT\",\"t\":7,"
           "\"p\":\"2500.01\",\"q\":\"0.5\",\"T\":3,\"m\":true,\"M\":true}}");
    ft_drain(&s);
    CHECK_EQ(s.events[TW_MD_TRADE], 1);
    CHECK_EQ(ft_stats(&s, 1)->trades, 1);

    /* first diff: a snapshot is wanted, the eventfd says so */
    msg(f, D(100, 105, "\"b\":[[\"10.00\",\"1\"]],\"a\":[[\"11.00\",\"2\"]]"));
    CHECK_EQ(tw_feed_snapshot_wanted(f, 0, &t), 1);
    CHECK(t > 0);
    uint64_t ev = 0;
    CHECK_EQ(read(tw_feed_request_fd(f), &ev, sizeof(ev)), (long)sizeof(ev));
    CHECK_EQ(ev, 1);
    CHECK_EQ(tw_feed_snapshot_wanted(f, 1, &t2), 0);
    CHECK_EQ(tw_feed_snapshot_wanted(f, 9, &t2), -EINVAL);

    /* overflow of the pre-snapshot buffer (4 events): a resync, the same ticket stays wanted */
    msg(f, D(106, 106, "\"b\":[],\"a\":[]"));
    msg(f, D(107, 107, "\"b\":[],\"a\":[]"));
    msg(f, D(108, 108, "\"b\":[],\"a\":[]"));
    CHECK_EQ(ft_stats(&s, 0)->resyncs, 0);
    msg(f, D(109, 109, "\"b\":[],\"a\":[]"));
    CHECK_EQ(ft_stats(&s, 0)->resyncs, 1);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_SYNCING);
    CHECK_EQ(tw_feed_snapshot_wanted(f, 0, &t2), 1);
    CHECK_EQ(t2, t);

    /* posts: too big, wrong ticket, bad arguments */
    char *big = calloc(1, c.snapshot_capacity + 1);
    CHECK_EQ(tw_feed_snapshot_post(f, 0, t, big, c.snapshot_capacity + 1), -EMSGSIZE);
    free(big);
    CHECK_EQ(tw_feed_snapshot_post(f, 0, t + 1, "{}", 2), -ESTALE);
    CHECK_EQ(tw_feed_snapshot_post(f, 5, t, "{}", 2), -EINVAL);
    CHECK_EQ(tw_feed_snapshot_post(f, 0, 0, "{}", 2), -EINVAL);

    /* a snapshot older than the buffer (the buffer restarted at 109): asked again, new ticket */
    const char *old = "{\"lastUpdateId\":104,\"bids\":[[\"10.00\",\"3\"]],\"asks\":[[\"11.00\",\"4\"]]}";
    CHECK_EQ(tw_feed_snapshot_post(f, 0, t, old, strlen(old)), 0);
    CHECK_EQ(tw_feed_snapshot_post(f, 0, t, old, strlen(old)), -ESTALE); /* one post per ticket */
    tw_feed_test_service(f, tw_mono_ns());
    CHECK_EQ(ft_state(&s, 0), TW_FEED_SYNCING);
    CHECK_EQ(ft_stats(&s, 0)->resyncs, 2);
    CHECK_EQ(tw_feed_snapshot_wanted(f, 0, &t2), 1);
    CHECK(t2 > t);

    /* garbage as a snapshot: malformed, asked again */
    t = t2;
    CHECK_EQ(tw_feed_snapshot_post(f, 0, t, "{\"lastUpdateId\":", 16), 0);
    tw_feed_test_service(f, tw_mono_ns());
    CHECK_EQ(ft_stats(&s, 0)->malformed, 5);
    CHECK_EQ(tw_feed_snapshot_wanted(f, 0, &t2), 1);
    CHECK(t2 > t);

    /* the right one: live, the buffered 109 applied on top */
    const char *good = "{\"lastUpdateId\":108,\"bids\":[[\"10.00\",\"3\"],[\"9.99\",\"1\"]],"
                       "\"asks\":[[\"11.00\",\"4\"]]}";
    CHECK_EQ(post_and_load(f, 0, good, strlen(good)), 0);
    ft_drain(&s);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_LIVE);
    tw_book_header_t h = {0};
    tw_level_t b[FT_DEPTH], a[FT_DEPTH];
    CHECK(ft_read_book(&s, 0, &h, b, a) >= 1);
    CHECK_EQ(h.update_id, 109);
    CHECK_EQ(h.flags, 0);
    CHECK_EQ(h.bid_count, 2);
    CHECK_EQ(b[0].price, 1000);
    CHECK_EQ(b[0].quantity, 300000);
    CHECK_EQ(b[1].price, 999);
    CHECK_EQ(h.ask_count, 1);
    CHECK_EQ(a[0].price, 1100);

    /* live diffs; a bookTicker that agrees and one that does not */
    msg(f, "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":110,\"s\":\"BTCUSDT\",\"b\":\"10.01\","
           "\"B\":\"1\",\"a\":\"11.00\",\"A\":\"4\"}}");
    msg(f, D(110, 110, "\"b\":[[\"10.01\",\"1\"]],\"a\":[]"));
    msg(f, "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":110,\"s\":\"BTCUSDT\",\"b\":\"10.01\","
           "\"B\":\"2\",\"a\":\"11.00\",\"A\":\"4\"}}");
    CHECK_EQ(ft_stats(&s, 0)->bookticker_checks, 2);
    CHECK_EQ(ft_stats(&s, 0)->bookticker_mismatches, 1);
    ft_drain(&s);
    CHECK_EQ(s.bad_events, 0);
    CHECK(ft_book_matches(&s, 0, &f->sym[0].sync));

    /* a gap while live */
    msg(f, D(112, 113, "\"b\":[],\"a\":[]"));
    ft_drain(&s);
    CHECK_EQ(ft_stats(&s, 0)->gaps, 1);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_SYNCING);
    CHECK(ft_book_stale_empty(&s, 0));
    CHECK_EQ(tw_feed_snapshot_wanted(f, 0, &t), 1);

    /* the fetcher takes the ticket, the connection drops while it copies: its post is dropped */
    tw_feed_test_close(f, 0, -ECONNRESET, 0);
    CHECK_EQ(tw_feed_snapshot_post(f, 0, t, good, strlen(good)), -ESTALE);
    CHECK_EQ(tw_feed_snapshot_wanted(f, 0, &t2), 0);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_STALE);
    CHECK_EQ(ft_state(&s, 1), TW_FEED_STALE);
    CHECK_EQ(ft_stats(&s, 1)->reconnects, 1);

    /* serverShutdown on a healthy connection: closed by us, reopened at once */
    tw_feed_test_service(f, INT64_MAX / 2);
    tw_feed_test_open(f, 0);
    msg(f, D(200, 201, "\"b\":[],\"a\":[]"));
    msg(f, "{\"e\":\"serverShutdown\",\"E\":1}");
    tw_feed_conn_info_t info;
    CHECK_EQ(tw_feed_conn_info(f, 0, &info), 0);
    CHECK_EQ(info.state, TW_CONN_CLOSING);
    int64_t before = tw_mono_ns();
    tw_feed_test_close(f, 0, 0, 1000);
    CHECK_EQ(tw_feed_conn_info(f, 0, &info), 0);
    CHECK(info.next_attempt_ns >= before && info.next_attempt_ns <= tw_mono_ns());
    CHECK_EQ(info.attempts, 0);
    CHECK_EQ(ft_counter(&s, TW_CTR_FEED_UNROUTED), 4);
    CHECK_EQ(tw_feed_conn_info(f, 1, &info), -EINVAL);
    tw_feed_destroy(f);
    ft_free(&s, "ufmal");
}

/* ---------------------------------------------------------------- config -- */

static int try_create(const tw_feed_config_t *c, const tw_feed_symbol_t *sy, uint32_t n, ft_segs_t *s)
{
    tw_feed_t *f = NULL;
    int r = tw_feed_test_create(c, sy, n, s->md.base, s->books.base, s->stats.base, &f);
    tw_feed_destroy(f);
    return r;
}

/* The health word of symbol i: reason and detail. */
static uint32_t health_reason(const ft_segs_t *s, uint32_t i)
{
    return (uint32_t)(ft_stats(s, i)->health >> 32);
}

static uint32_t health_detail(const ft_segs_t *s, uint32_t i)
{
    return (uint32_t)ft_stats(s, i)->health;
}

/*
 * Honest health, with the clock injected through tw_feed_test_service: a
 * live book with no valid update for 50 intervals goes stale and says so,
 * the next diff of the same chain makes it live again; a syncing symbol
 * says it has no diffs, that its snapshot request failed (HTTP status),
 * or that snapshots never bridged the chain; a connection whose messages
 * are mostly malformed is closed, backs off and its symbols say why.
 */
#define MS_NS 1000000LL

static void test_health(const hft_t *h)
{
    static const ft_inst_def_t defs[] = {{"BTCUSDT", -2, -8}};
    tw_feed_symbol_t sy[] = {{"btcusdt", 0, 0}};
    tw_feed_config_t c = base_config(TW_SYNC_SPOT);
    ft_segs_t s;
    ft_make(&s, "ufhealth", defs, 1);
    tw_feed_t *f = make_feed(&c, sy, 1, &s);
    CHECK_EQ(c.stale_intervals, 50);
    tw_feed_test_open(f, 0);
    int64_t opened = tw_mono_ns();
    CHECK_EQ(health_reason(&s, 0), TW_REASON_CONNECTED);

    /* syncing, and nothing arrives: after 50 x 100 ms it says so (and stays syncing) */
    tw_feed_test_service(f, opened + 4000 * MS_NS);
    CHECK_EQ(health_reason(&s, 0), TW_REASON_CONNECTED);
    tw_feed_test_service(f, opened + 6000 * MS_NS);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_SYNCING);
    CHECK_EQ(health_reason(&s, 0), TW_REASON_NO_DIFFS);
    CHECK(health_detail(&s, 0) >= 5000);
    CHECK(ft_stats(&s, 0)->health_ns > 0);

    /* the snapshot request fails: the HTTP status is kept */
    CHECK_EQ(tw_feed_snapshot_failed(f, 0, 503), 0);
    CHECK_EQ(tw_feed_snapshot_failed(f, 3, 503), -EINVAL);
    tw_feed_test_service(f, opened + 6100 * MS_NS);
    CHECK_EQ(health_reason(&s, 0), TW_REASON_SNAPSHOT_FAILED);
    CHECK_EQ(health_detail(&s, 0), 503);
    tw_feed_test_service(f, opened + 9000 * MS_NS); /* still no diff: the failure stays the reason */
    CHECK_EQ(health_reason(&s, 0), TW_REASON_SNAPSHOT_FAILED);

    /* recorded data up to live, a snapshot that predates the buffer first */
    size_t i = 0, first_snapshot = 0;
    for (; i < h->n && !is_snapshot(h->line[i]); i++)
        hft_step(f, h, i);
    first_snapshot = i;
    const char *old = "{\"lastUpdateId\":1,\"bids\":[[\"10.00\",\"3\"]],\"asks\":[[\"11.00\",\"4\"]]}";
    CHECK_EQ(post_and_load(f, 0, old, strlen(old)), 0);
    CHECK_EQ(health_reason(&s, 0), TW_REASON_NOT_BRIDGED);
    CHECK_EQ(health_detail(&s, 0), 1);
    CHECK_EQ(post_and_load(f, 0, old, strlen(old)), 0);
    CHECK_EQ(health_detail(&s, 0), 2);
    CHECK_EQ(hft_step(f, h, first_snapshot), 0);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_LIVE);
    CHECK_EQ(health_reason(&s, 0), TW_REASON_SNAPSHOT);
    for (i = first_snapshot + 1; i < h->n && ft_stats(&s, 0)->book_updates < 20; i++)
        hft_step(f, h, i);
    ft_drain(&s);

    /* live, then silence: stale after 50 intervals with the reason, the block flagged and empty */
    int64_t last = tw_mono_ns();
    tw_feed_test_service(f, last + 4900 * MS_NS);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_LIVE);
    tw_feed_test_service(f, last + 5200 * MS_NS);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_STALE);
    CHECK_EQ(health_reason(&s, 0), TW_REASON_NO_UPDATES);
    CHECK(health_detail(&s, 0) >= 5000);
    CHECK(ft_book_stale_empty(&s, 0));
    ft_drain(&s);
    CHECK_EQ(s.status_reason[0], TW_REASON_NO_UPDATES);
    /* the chain goes on: live again without a snapshot, the block equal to the book */
    uint64_t snapshots = f->sym[0].sync.snapshots;
    for (; i < h->n && ft_state(&s, 0) != TW_FEED_LIVE; i++)
        hft_step(f, h, i);
    ft_drain(&s);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_LIVE);
    CHECK_EQ(health_reason(&s, 0), TW_REASON_RESUMED);
    CHECK_EQ(s.status_reason[0], TW_REASON_RESUMED);
    CHECK_EQ(f->sym[0].sync.snapshots, snapshots);
    CHECK(ft_book_matches(&s, 0, &f->sym[0].sync));
    CHECK_EQ(ft_stats(&s, 0)->bookticker_mismatches, 0);

    /* a connection of mostly garbage: 40% bad stays open, 70% bad is closed and backs off */
    static const char trade[] = "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":2,\"s\":\"BTCUSDT\","
                                "\"t\":7,\"p\":\"2500.01\",\"q\":\"0.5\",\"T\":3,\"m\":true,\"M\":true}}";
    tw_feed_conn_info_t ci;
    for (int k = 0; k < 200; k++) /* 2 in 5 bad: no window of 64 is more than half bad */
        msg(f, k % 5 < 2 ? "not json" : trade);
    CHECK_EQ(tw_feed_conn_info(f, 0, &ci), 0);
    CHECK_EQ(ci.state, TW_CONN_OPEN);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_LIVE);
    for (int k = 0; k < 130; k++) /* 7 in 10 bad: at least one whole window of 64 */
        msg(f, k % 10 < 7 ? (k % 2 ? "not json" : "{\"stream\":\"btcusdt@kline_1m\",\"data\":{}}") : trade);
    CHECK_EQ(tw_feed_conn_info(f, 0, &ci), 0);
    CHECK_EQ(ci.state, TW_CONN_CLOSING);
    tw_feed_test_close(f, 0, 0, 1000); /* what the net layer reports once it closed */
    CHECK_EQ(ft_state(&s, 0), TW_FEED_STALE);
    CHECK_EQ(health_reason(&s, 0), TW_REASON_MALFORMED);
    CHECK(health_detail(&s, 0) > 50 && health_detail(&s, 0) <= 75);
    CHECK_EQ(tw_feed_conn_info(f, 0, &ci), 0);
    CHECK_EQ(ci.last_error, -EBADMSG);
    CHECK_EQ(ci.attempts, 1); /* backs off like a failed attempt, not straight back */
    CHECK(ci.next_attempt_ns >= tw_mono_ns() + 400 * MS_NS);
    /* the next attempt connects and waits: the symbol still says why the last one was closed */
    tw_feed_test_service(f, ci.next_attempt_ns + 1);
    tw_feed_test_open(f, 0);
    CHECK_EQ(ft_state(&s, 0), TW_FEED_SYNCING);
    CHECK_EQ(health_reason(&s, 0), TW_REASON_MALFORMED);
    tw_feed_destroy(f);
    ft_free(&s, "ufhealth");
}

static void test_config_and_paths(void)
{
    static const ft_inst_def_t defs[] = {{"BTCUSDT", -2, -5}, {"ETHUSDT", -2, -4}, {"", -2, -2}};
    tw_feed_symbol_t sy[] = {{"btcusdt", 0, 0}, {"ethusdt", 1, 0}, {"solusdt", 2, 0}};
    ft_segs_t s;
    ft_make(&s, "ufcfg", defs, 3);
    tw_feed_config_t c = base_config(TW_SYNC_SPOT);
    tw_feed_t *f = NULL;
    CHECK_EQ(try_create(&c, sy, 3, &s), 0);

    c.symbols_per_conn = 2;
    CHECK_EQ(tw_feed_test_create(&c, sy, 3, s.md.base, s.books.base, s.stats.base, &f), 0);
    CHECK_EQ(tw_feed_conn_count(f), 2);
    CHECK(strcmp(tw_feed_test_path(f, 0), "/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade/"
                                          "ethusdt@depth@100ms/ethusdt@bookTicker/ethusdt@trade") == 0);
    CHECK(strcmp(tw_feed_test_path(f, 1), "/stream?streams=solusdt@depth@100ms/solusdt@bookTicker/solusdt@trade") ==
          0);
    tw_feed_conn_info_t info;
    CHECK_EQ(tw_feed_conn_info(f, 1, &info), 0);
    CHECK_EQ(info.symbols, 1);
    CHECK_EQ(tw_feed_start(f), -ENOTCONN);
    tw_feed_destroy(f);

    c = base_config(TW_SYNC_SPOT);
    c.depth_ms = 1000;
    c.streams = TW_FEED_STREAM_DEPTH | TW_FEED_STREAM_AGGTRADE;
    c.path = "/stream?timeUnit=MICROSECOND";
    CHECK_EQ(tw_feed_test_create(&c, sy, 1, s.md.base, s.books.base, s.stats.base, &f), 0);
    CHECK(strcmp(tw_feed_test_path(f, 0), "/stream?timeUnit=MICROSECOND&streams=btcusdt@depth/btcusdt@aggTrade") == 0);
    tw_feed_destroy(f);

    c = base_config(TW_SYNC_FUTURES);
    c.depth_ms = 250;
    c.streams = TW_FEED_STREAM_DEPTH;
    CHECK_EQ(tw_feed_test_create(&c, sy, 1, s.md.base, s.books.base, s.stats.base, &f), 0);
    CHECK(strcmp(tw_feed_test_path(f, 0), "/stream?streams=btcusdt@depth") == 0);
    tw_feed_destroy(f);
    c.depth_ms = 500;
    CHECK_EQ(tw_feed_test_create(&c, sy, 1, s.md.base, s.books.base, s.stats.base, &f), 0);
    CHECK(strcmp(tw_feed_test_path(f, 0), "/stream?streams=btcusdt@depth@500ms") == 0);
    tw_feed_destroy(f);

    /* refusals */
    c = base_config(TW_SYNC_SPOT);
    c.depth_ms = 250; /* not a spot interval */
    CHECK_EQ(try_create(&c, sy, 1, &s), -EINVAL);
    c = base_config(TW_SYNC_FUTURES);
    c.depth_ms = 1000;
    CHECK_EQ(try_create(&c, sy, 1, &s), -EINVAL);
    c = base_config(3);
    CHECK_EQ(try_create(&c, sy, 1, &s), -EINVAL);
    c = base_config(TW_SYNC_SPOT);
    c.streams = 0;
    CHECK_EQ(try_create(&c, sy, 1, &s), -EINVAL);
    c = base_config(TW_SYNC_SPOT);
    c.reconnect_max_ms = c.reconnect_base_ms - 1;
    CHECK_EQ(try_create(&c, sy, 1, &s), -EINVAL);
    c = base_config(TW_SYNC_SPOT);
    c.host = NULL;
    CHECK_EQ(try_create(&c, sy, 1, &s), -EINVAL);
    c = base_config(TW_SYNC_SPOT);
    c.path = "stream";
    CHECK_EQ(try_create(&c, sy, 1, &s), -EINVAL);
    c = base_config(TW_SYNC_SPOT);
    CHECK_EQ(try_create(&c, sy, 0, &s), -EINVAL);
    tw_feed_symbol_t bad[] = {{"BTCUSDT", 0, 0}};
    CHECK_EQ(try_create(&c, bad, 1, &s), -EINVAL); /* upper case */
    tw_feed_symbol_t slash[] = {{"btc/usdt", 0, 0}};
    CHECK_EQ(try_create(&c, slash, 1, &s), -EINVAL);
    tw_feed_symbol_t far[] = {{"btcusdt", 3, 0}};
    CHECK_EQ(try_create(&c, far, 1, &s), -EINVAL); /* no such instrument */
    tw_feed_symbol_t twice[] = {{"btcusdt", 0, 0}, {"ethusdt", 0, 0}};
    CHECK_EQ(try_create(&c, twice, 2, &s), -EINVAL); /* two writers of one block */
    tw_feed_symbol_t wrong[] = {{"ethusdt", 0, 0}};
    CHECK_EQ(try_create(&c, wrong, 1, &s), -EINVAL); /* the table says BTCUSDT */
    tw_feed_symbol_t unnamed[] = {{"anything", 2, 0}};
    CHECK_EQ(try_create(&c, unnamed, 1, &s), 0); /* no symbol in the table: not checked */
    c.symbols_per_conn = 400;
    c.streams = 0xF; /* 4 × 3 symbols: fine */
    CHECK_EQ(try_create(&c, sy, 3, &s), 0);
    ft_free(&s, "ufcfg");
}

/* ---------------------------------------------------------------- backoff -- */

static void test_backoff(void)
{
    uint64_t rng = 42;
    const uint32_t base = 1000, max = 60000;
    int64_t prev_mean = 0;
    for (uint32_t n = 0; n < 40; n++) {
        uint64_t cap = base;
        for (uint32_t k = 0; k < n && cap < max; k++)
            cap *= 2;
        if (cap > max)
            cap = max;
        int64_t lo = INT64_MAX, hi = 0, sum = 0;
        for (int k = 0; k < 2000; k++) {
            int64_t d = tw_feed_backoff_ns(base, max, n, &rng);
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
            sum += d / 2000;
        }
        int64_t lo_expect = (int64_t)(cap / 2 > base ? cap / 2 : base) * 1000000LL;
        CHECK(lo >= lo_expect);
        CHECK(hi <= (int64_t)cap * 1000000LL);
        CHECK(lo >= (int64_t)base * 1000000LL && hi <= (int64_t)max * 1000000LL);
        if (n >= 1)
            CHECK(hi > lo); /* jittered */
        if (cap < max && n >= 1)
            CHECK(sum > prev_mean); /* grows until the cap */
        prev_mean = sum;
    }
    CHECK_EQ(tw_feed_backoff_ns(base, max, 0, &rng), (int64_t)base * 1000000LL);
    CHECK(tw_feed_backoff_ns(base, max, 0xFFFFFFFFu, &rng) <= (int64_t)max * 1000000LL);
    CHECK(tw_feed_backoff_ns(1, 1, 5, &rng) == 1000000LL);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: unit_feed HFT SPOT_HTTP SPOT_WS USDM_HTTP USDM_WS\n");
        return 2;
    }
    test_backoff();
    test_config_and_paths();
    test_malformed_and_mailbox();
    hft_t h = {0};
    hft_load(&h, argv[1]);
    test_hft_replay(&h);
    test_gap_and_recovery(&h);
    test_drop_and_reconnect(&h);
    test_health(&h);
    test_cryptofeed("ufspot", TW_SYNC_SPOT, argv[2], argv[3], 26);
    test_cryptofeed("ufusdm", TW_SYNC_FUTURES, argv[4], argv[5], 50);
    free(h.line);
    free(h.line_len);
    free(h.buf);
    return cfeed_summary("unit_feed");
}

/* SPDX-License-Identifier: MIT */
/*
 * The feed's set-up (tickwire/feed.h): everything that validates, allocates
 * or blocks, before the thread starts — the configuration and symbol
 * checks, each with its own message; the combined-stream request paths;
 * symbols, connections, buffers and the request eventfd (prepare, shared
 * with the test feed); then host resolution, the TLS context, the io_uring
 * loop and one tw_conn_t per group of symbols. The thread itself is feed.c.
 */
#define _GNU_SOURCE
#include "feed_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tickwire/binance.h"
#include "tickwire/core.h"
#include "tickwire/shm.h"

/* ------------------------------------------------------------ config -- */

void tw_feed_config_defaults(tw_feed_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->rule = TW_SYNC_SPOT;
    cfg->streams = TW_FEED_STREAM_DEPTH | TW_FEED_STREAM_BOOKTICKER | TW_FEED_STREAM_TRADE;
    cfg->depth_ms = 100;
    cfg->symbols_per_conn = 16;
    cfg->port = 443;
    cfg->tls = 1;
    cfg->verify = 1;
    cfg->path = "/stream";
    cfg->cpu = -1;
    cfg->wait = TW_FEED_WAIT_BLOCK;
    cfg->reconnect_base_ms = 1000;
    cfg->reconnect_max_ms = 60000;
    cfg->heartbeat_ms = 30000;
    cfg->lifetime_s = 23 * 3600 + 50 * 60;
    cfg->book_capacity = 5000;
    cfg->buffer_events = 1024;
    cfg->buffer_levels = 65536;
    cfg->max_frame = 1u << 20;
    cfg->max_message = 4u << 20;
    cfg->snapshot_capacity = 4u << 20;
    cfg->seed = 0x9E3779B97F4A7C15ULL;
    cfg->stale_intervals = 50;
}

static int depth_ms_valid(uint32_t rule, uint32_t ms)
{
    if (rule == TW_SYNC_SPOT)
        return ms == 100 || ms == 1000;
    return ms == 0 || ms == 100 || ms == 250 || ms == 500;
}

/* Stream names as Binance spells them: lower-case letters, digits, '_', '-' and '.'. */
static int name_valid(const char *s)
{
    size_t n = strnlen(s, TW_SYMBOL_MAX);
    if (n == 0 || n == TW_SYMBOL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static int streams_per_symbol(uint32_t streams)
{
    return __builtin_popcount(streams);
}

/* 0, or -EINVAL with tw_error_message() naming the first field that is not allowed. */
static int config_check(const tw_feed_config_t *c, uint32_t count)
{
    uint32_t per = c->symbols_per_conn && c->symbols_per_conn < count ? c->symbols_per_conn : count;
    if (c->rule != TW_SYNC_SPOT && c->rule != TW_SYNC_FUTURES)
        return tw_error_set(EINVAL, "feed: rule %u is neither spot nor futures", c->rule);
    if (c->streams == 0 || (c->streams & ~0xFu))
        return tw_error_set(EINVAL, "feed: streams 0x%x is not a non-empty set of TW_FEED_STREAM_* bits", c->streams);
    if (!depth_ms_valid(c->rule, c->depth_ms))
        return tw_error_set(EINVAL, "feed: depth interval %u ms is not one the venue offers (%s)", c->depth_ms,
                            c->rule == TW_SYNC_SPOT ? "spot: 100 or 1000" : "futures: 0, 100, 250 or 500");
    if (!c->host || !*c->host)
        return tw_error_set(EINVAL, "feed: no host");
    if (c->port == 0)
        return tw_error_set(EINVAL, "feed: port 0");
    if (!c->path || c->path[0] != '/')
        return tw_error_set(EINVAL, "feed: path '%s' does not start with '/'", c->path ? c->path : "");
    if (c->cpu < -1)
        return tw_error_set(EINVAL, "feed: cpu %d (use -1 for no pinning)", c->cpu);
    if (c->wait != TW_FEED_WAIT_BLOCK && c->wait != TW_FEED_WAIT_SPIN)
        return tw_error_set(EINVAL, "feed: wait strategy %u is neither block nor spin", (unsigned)c->wait);
    if (c->reconnect_base_ms <= 0 || c->reconnect_max_ms < c->reconnect_base_ms)
        return tw_error_set(EINVAL, "feed: reconnect backoff %d..%d ms is not 0 < base <= max",
                            (int)c->reconnect_base_ms, (int)c->reconnect_max_ms);
    if (c->heartbeat_ms <= 0 || c->lifetime_s <= 0)
        return tw_error_set(EINVAL, "feed: heartbeat %d ms and connection lifetime %d s must be positive",
                            (int)c->heartbeat_ms, (int)c->lifetime_s);
    if (c->book_capacity == 0 || c->buffer_events == 0 || c->buffer_levels == 0 || c->snapshot_capacity == 0)
        return tw_error_set(EINVAL, "feed: book capacity, buffered events, buffered levels and snapshot capacity "
                                    "must all be positive");
    if (c->max_frame == 0 || c->max_message < c->max_frame)
        return tw_error_set(EINVAL, "feed: max frame %u and max message %u are not 0 < frame <= message",
                            (unsigned)c->max_frame, (unsigned)c->max_message);
    if (count == 0)
        return tw_error_set(EINVAL, "feed: no symbols");
    if ((uint64_t)per * (uint32_t)streams_per_symbol(c->streams) > 1024) /* Binance: 1024 streams a connection */
        return tw_error_set(EINVAL, "feed: %u symbols x %d streams on one connection is more than the venue's "
                                    "1024 (lower symbols_per_conn)", per, streams_per_symbol(c->streams));
    return 0;
}

/* Same symbol, ignoring case ("BTCUSDT" in the instrument table, "btcusdt" in streams). */
static int same_symbol(const char *info, const char *stream)
{
    return strncasecmp(info, stream, TW_SYMBOL_MAX) == 0;
}

/* 0, or -EINVAL with tw_error_message() naming the symbol at fault. */
static int symbols_check(const tw_feed_symbol_t *sy, uint32_t count, const void *books, const void *stats)
{
    const tw_books_header_t *bh = tw_books_of(books);
    const tw_stats_header_t *sh = tw_stats_of(stats);
    for (uint32_t i = 0; i < count; i++) {
        if (!name_valid(sy[i].stream_name))
            return tw_error_set(EINVAL, "feed: symbol %u: stream name '%.*s' is not 1..23 of a-z 0-9 _ - .", i,
                                TW_SYMBOL_MAX, sy[i].stream_name);
        if (sy[i].instrument >= bh->instrument_count || sy[i].instrument >= sh->instrument_count)
            return tw_error_set(EINVAL, "feed: %s: instrument %u is past the segments' %u books / %u stats entries",
                                sy[i].stream_name, sy[i].instrument, bh->instrument_count, sh->instrument_count);
        const tw_instrument_info_t *info = tw_books_instrument(books, sy[i].instrument);
        if (info->symbol[0] && !same_symbol(info->symbol, sy[i].stream_name))
            return tw_error_set(EINVAL, "feed: %s: instrument %u is %.*s in the books segment", sy[i].stream_name,
                                sy[i].instrument, TW_SYMBOL_MAX, info->symbol);
        for (uint32_t j = 0; j < i; j++)
            if (sy[j].instrument == sy[i].instrument || strcmp(sy[j].stream_name, sy[i].stream_name) == 0)
                return tw_error_set(EINVAL, "feed: %s and %s share instrument %u or a name: two writers for one "
                                            "book block", sy[j].stream_name, sy[i].stream_name, sy[i].instrument);
    }
    return 0;
}

/* "<s>@depth@100ms" etc. for one symbol, '/'-separated, appended at *pos. */
static void append_streams(char *out, size_t cap, size_t *pos, const tw_feed_config_t *c, const char *s)
{
    static const char *suffix[] = {NULL, "@bookTicker", "@trade", "@aggTrade"};
    for (int k = 0; k < 4; k++) {
        if (!(c->streams & (1u << k)))
            continue;
        const char *sep = *pos && out[*pos - 1] != '=' ? "/" : "";
        int n;
        if (k > 0)
            n = snprintf(out + *pos, cap - *pos, "%s%s%s", sep, s, suffix[k]);
        else if ((c->rule == TW_SYNC_SPOT && c->depth_ms == 1000) ||
                 (c->rule == TW_SYNC_FUTURES && c->depth_ms == 250))
            n = snprintf(out + *pos, cap - *pos, "%s%s@depth", sep, s); /* the venue's default interval */
        else
            n = snprintf(out + *pos, cap - *pos, "%s%s@depth@%ums", sep, s, c->depth_ms);
        *pos += n > 0 ? (size_t)n : 0;
    }
}

static char *build_path(const tw_feed_config_t *c, const tw_feed_symbol_t *sy, uint32_t first, uint32_t n)
{
    size_t cap = strlen(c->path) + 16 + (size_t)n * 4 * (TW_SYMBOL_MAX + 16);
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t pos = (size_t)snprintf(out, cap, "%s%cstreams=", c->path, strchr(c->path, '?') ? '&' : '?');
    for (uint32_t i = first; i < first + n; i++)
        append_streams(out, cap, &pos, c, sy[i].stream_name);
    return out;
}

/* ------------------------------------------------------------- setup -- */

void tw_feed_destroy(tw_feed_t *f)
{
    if (!f)
        return;
    if (f->worker.started) {
        tw_feed_stop(f);
        tw_feed_join(f);
    }
    for (uint32_t i = 0; f->conn && i < f->nconn; i++) {
        if (f->conn[i].conn)
            tw_conn_destroy(f->conn[i].conn);
        free(f->conn[i].path);
    }
    if (f->loop)
        tw_loop_destroy(f->loop);
    if (f->tls)
        tw_tls_destroy(f->tls);
    for (uint32_t i = 0; f->sym && i < f->nsym; i++) {
        tw_sync_free(&f->sym[i].sync);
        free(f->sym[i].mb.bids);
        free(f->sym[i].mb.asks);
    }
    if (f->event_fd >= 0)
        close(f->event_fd);
    free(f->conn);
    free(f->sym);
    free(f->bids);
    free(f->asks);
    free(f->top_b);
    free(f->top_a);
    free(f->pending);
    free(f->host);
    free(f);
}

static int init_symbol(struct tw_feed *f, struct feed_sym *sy, const tw_feed_symbol_t *in)
{
    const tw_instrument_info_t *info = tw_books_instrument(f->books_seg, in->instrument);
    tw_sync_config_t sc = {f->cfg.rule, f->cfg.book_capacity, f->cfg.buffer_events, f->cfg.buffer_levels};
    sy->instrument = in->instrument;
    sy->scale = (tw_bn_scale_t){info->price_exponent, info->qty_exponent};
    sy->name_len = (uint32_t)strlen(in->stream_name);
    memcpy(sy->name, in->stream_name, sy->name_len + 1);
    sy->block = tw_books_block_mut(f->books_seg, in->instrument);
    sy->info = tw_books_instrument_mut(f->books_seg, in->instrument);
    sy->stats = tw_stats_instrument_mut(f->stats_seg, in->instrument);
    sy->state = __atomic_load_n(&sy->info->feed_state, __ATOMIC_RELAXED); /* nobody else writes it */
    sy->mb.bids = calloc(f->scratch_cap, sizeof(tw_level_t));
    sy->mb.asks = calloc(f->scratch_cap, sizeof(tw_level_t));
    if (sy->mb.bids == NULL || sy->mb.asks == NULL)
        return -ENOMEM;
    return tw_sync_init(&sy->sync, &sc);
}

/* Symbols, connections' shapes and buffers: everything but the network. */
static int prepare(const tw_feed_config_t *cfg, const tw_feed_symbol_t *symbols, uint32_t count, void *md,
                   void *books, void *stats, struct tw_feed **out)
{
    if (!cfg || !symbols || !md || !books || !stats || !out)
        return tw_error_set(EINVAL, "feed: a NULL config, symbol list, segment or out pointer");
    int r = config_check(cfg, count);
    if (r == 0)
        r = symbols_check(symbols, count, books, stats);
    if (r < 0)
        return r;
    struct tw_feed *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -ENOMEM;
    f->event_fd = -1;
    f->cfg = *cfg;
    f->host = strdup(cfg->host);
    f->cfg.host = f->host;
    f->cfg.path = NULL;     /* the caller's strings are gone after create: only the copies stay */
    f->cfg.ca_file = NULL;
    f->md_seg = md, f->books_seg = books, f->stats_seg = stats;
    f->depth = tw_books_of(books)->depth;
    f->ctr = tw_stats_counters_mut(stats);
    f->h_wire = tw_stats_histogram_mut(stats, TW_HIST_FEED_WIRE);
    f->h_book = tw_stats_histogram_mut(stats, TW_HIST_BOOK_WRITE);
    f->rng = cfg->seed ? cfg->seed : 0x9E3779B97F4A7C15ULL;
    f->nsym = count;
    uint32_t per = cfg->symbols_per_conn && cfg->symbols_per_conn < count ? cfg->symbols_per_conn : count;
    f->nconn = (count + per - 1) / per;
    f->scratch_cap = cfg->book_capacity > SNAPSHOT_LEVELS_MIN ? cfg->book_capacity : SNAPSHOT_LEVELS_MIN;
    f->sym = calloc(count, sizeof(*f->sym));
    f->conn = calloc(f->nconn, sizeof(*f->conn));
    f->bids = calloc(f->scratch_cap, sizeof(tw_level_t));
    f->asks = calloc(f->scratch_cap, sizeof(tw_level_t));
    f->top_b = calloc(f->depth, sizeof(tw_level_t));
    f->top_a = calloc(f->depth, sizeof(tw_level_t));
    f->pending = calloc(count, sizeof(uint32_t));
    r = tw_ring_writer_init(&f->ring, md);
    if (r < 0)
        tw_error_set(EINVAL, "feed: the md segment's ring geometry is not valid");
    if (r == 0 && (!f->host || !f->sym || !f->conn || !f->bids || !f->asks || !f->top_b || !f->top_a ||
                   !f->pending))
        r = -ENOMEM;
    for (uint32_t i = 0; r == 0 && i < count; i++) {
        r = init_symbol(f, &f->sym[i], &symbols[i]);
        f->sym[i].conn = i / per;
    }
    for (uint32_t c = 0; r == 0 && c < f->nconn; c++) {
        struct feed_conn *fc = &f->conn[c];
        fc->feed = f;
        fc->index = c;
        fc->first_sym = c * per;
        fc->nsym = count - fc->first_sym < per ? count - fc->first_sym : per;
        fc->local.symbols = fc->nsym;
        fc->path = build_path(cfg, symbols, fc->first_sym, fc->nsym);
        if (fc->path == NULL)
            r = -ENOMEM;
        else
            tw_feed_publish_info(fc);
    }
    if (r == 0 && (f->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
        r = -errno;
    if (r == -ENOMEM)
        tw_error_set(ENOMEM, "feed: out of memory for %u symbols (book capacity %u, snapshot capacity %u)", count,
                     (unsigned)cfg->book_capacity, (unsigned)cfg->snapshot_capacity);
    if (r < 0) {
        tw_feed_destroy(f);
        return r;
    }
    *out = f;
    return 0;
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int net_setup(struct tw_feed *f, const tw_feed_config_t *cfg)
{
    if (tw_net_resolve(cfg->host, cfg->port, &f->addr, &f->addr_len) < 0)
        return tw_error_set(EHOSTUNREACH, "feed: cannot resolve %s", cfg->host);
    if (!cfg->verify && !tw_net_is_loopback(&f->addr))
        return tw_error_set(EPERM, "feed: TLS verification may be off only for a loopback host, not %s", cfg->host);
    int r;
    if (cfg->tls) {
        tw_tls_config_t tc = {.ca_file = cfg->ca_file, .verify = cfg->verify};
        if ((r = tw_tls_create(&tc, &f->tls)) < 0)
            return tw_error_set(-r, "feed: TLS setup failed (CA file %s): %s", cfg->ca_file ? cfg->ca_file : "system",
                                strerror(-r));
    }
    tw_loop_config_t lc = {.entries = 256, .buffers = 64, .buffer_size = 65536};
    if ((r = tw_loop_create(&lc, &f->loop)) < 0)
        return tw_error_set(-r, "feed: io_uring setup failed: %s", strerror(-r));
    uint64_t seed = f->rng;
    for (uint32_t c = 0; c < f->nconn; c++) {
        struct feed_conn *fc = &f->conn[c];
        tw_conn_config_t cc = {
            .addr = f->addr, .addr_len = f->addr_len, .host = f->host, .path = fc->path, .tls = f->tls,
            .max_frame = cfg->max_frame, .max_message = cfg->max_message, .seed = splitmix(&seed) | 1,
            .open_timeout_ms = cfg->heartbeat_ms < 10000 ? cfg->heartbeat_ms : 10000,
        };
        tw_conn_handlers_t h = {.user = fc, .on_open = tw_feed_on_open, .on_message = tw_feed_on_message,
                              .on_close = tw_feed_on_close};
        if ((r = tw_conn_create(f->loop, &cc, &h, &fc->conn)) < 0)
            return tw_error_set(-r, "feed: connection %u to %s: %s", c, cfg->host,
                                r == -EMSGSIZE ? "its upgrade request is too long" : strerror(-r));
    }
    return 0;
}

int tw_feed_create(const tw_feed_config_t *cfg, const tw_feed_symbol_t *symbols, uint32_t count, void *md_segment,
                   void *books_segment, void *stats_segment, tw_feed_t **out)
{
    struct tw_feed *f = NULL;
    tw_error_set(0, "%s", ""); /* every refusal below leaves its own message */
    int r = prepare(cfg, symbols, count, md_segment, books_segment, stats_segment, &f);
    if (r == 0 && cfg->cpu >= 0 && !tw_cpu_allowed(cfg->cpu))
        r = tw_error_set(EINVAL, "feed: cpu %d does not exist or is not in this process's allowed set", cfg->cpu);
    if (r == 0)
        r = net_setup(f, cfg);
    if (r < 0) {
        if (tw_error_message()[0] == '\0')
            tw_error_set(-r, "feed: setup failed: %s", strerror(-r));
        tw_feed_destroy(f);
        return r;
    }
    *out = f;
    return 0;
}

/* -------------------------------------------------------------- tests -- */

int tw_feed_test_create(const tw_feed_config_t *cfg, const tw_feed_symbol_t *symbols, uint32_t count,
                        void *md_segment, void *books_segment, void *stats_segment, tw_feed_t **out)
{
    return prepare(cfg, symbols, count, md_segment, books_segment, stats_segment, out);
}

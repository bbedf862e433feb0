/* SPDX-License-Identifier: MIT */
/*
 * Golden replay: recorded Binance traffic through the real decoders and the
 * sync state machine, judged by the exchange's own oracle — after the diff
 * whose u equals a bookTicker's u, the book's best bid and ask (price and
 * quantity) must equal that bookTicker.
 *
 *   golden hft <lines.txt> [expected_checks]
 *       hftbacktest format "<ns> <json>", one BTCUSDT spot stream with the
 *       REST snapshot inline (price exponent -2, quantity -5).
 *   golden spot|futures <http.txt> <ws.txt> [expected_checks]
 *       cryptofeed format: snapshots "<url> -> <ts>: <json>" and frames
 *       "<ts>: <json>"; each snapshot is applied when the stream's clock
 *       passes its receive time, so diffs before it go through the buffer.
 *
 * Passes when nothing is malformed, there is no gap or mismatch, at least
 * one check ran, and the check count is the expected one when given.
 */
#include <ctype.h>
#include <errno.h>

#include "cfeed.h"
#include "tickwire/binance.h"
#include "tickwire/feedbook.h"

enum { MAX_INST = 8, SNAP_LEVELS = 5000, DIFF_LEVELS = 1000 };

typedef struct inst {
    char symbol[24];
    tw_sync_t sync;
    tw_bn_scale_t scale;
    double snap_ts;            /* receive time of its snapshot (cryptofeed) */
    const char *snap_json;
    size_t snap_len;
    int snapped;
} inst_t;

static inst_t insts[MAX_INST];
static int ninst;
static tw_level_t sbids[SNAP_LEVELS], sasks[SNAP_LEVELS], dbids[DIFF_LEVELS], dasks[DIFF_LEVELS];
static unsigned long long malformed, trades, other, gap_events, frames;

static inst_t *add_inst(const char *sym, size_t n, uint32_t rule, tw_bn_scale_t sc)
{
    inst_t *in = &insts[ninst++];
    tw_sync_config_t cfg = {rule, 5000, 1024, 65536};
    snprintf(in->symbol, sizeof(in->symbol), "%.*s", (int)n, sym);
    in->scale = sc;
    if (tw_sync_init(&in->sync, &cfg) != 0) {
        fprintf(stderr, "tw_sync_init failed\n");
        exit(2);
    }
    return in;
}

/* The instrument of a stream name "nknusdt@…" (case-insensitive prefix). */
static inst_t *find_inst(const char *stream, size_t n)
{
    for (int i = 0; i < ninst; i++) {
        size_t sl = strlen(insts[i].symbol);
        if (n > sl && stream[sl] == '@' && strncasecmp(stream, insts[i].symbol, sl) == 0)
            return &insts[i];
    }
    return NULL;
}

static void apply_snapshot(inst_t *in, const char *json, size_t n)
{
    tw_bn_snapshot_t s = {.bids = sbids, .asks = sasks, .bids_cap = SNAP_LEVELS, .asks_cap = SNAP_LEVELS};
    int r = tw_bn_snapshot_decode(json, n, &in->scale, &s);
    if (r < 0) {
        fprintf(stderr, "%s: snapshot does not decode: %d\n", in->symbol, r);
        malformed++;
        return;
    }
    r = tw_sync_snapshot(&in->sync, &s);
    if (r < 0)
        fprintf(stderr, "%s: tw_sync_snapshot = %d\n", in->symbol, r);
    in->snapped = 1;
}

static void on_depth(inst_t *in, const char *data, size_t n)
{
    tw_bn_depth_t d = {.bids = dbids, .asks = dasks, .bids_cap = DIFF_LEVELS, .asks_cap = DIFF_LEVELS};
    int r = tw_bn_depth_decode(data, n, &in->scale, &d);
    if (r < 0) {
        malformed++;
        fprintf(stderr, "%s: depth does not decode: %d\n", in->symbol, r);
        return;
    }
    r = tw_sync_diff(&in->sync, &d);
    if (r == -EPIPE) {
        gap_events++;
        fprintf(stderr, "%s: gap at U=%llu u=%llu\n", in->symbol, (unsigned long long)d.first_id,
                (unsigned long long)d.last_id);
    }
}

static void on_frame(inst_t *in, tw_bn_kind_t kind, const char *data, size_t n)
{
    tw_bn_bookticker_t t;
    tw_bn_trade_t tr;
    switch (kind) {
    case TW_BN_DEPTH: on_depth(in, data, n); break;
    case TW_BN_BOOKTICKER:
        if (tw_bn_bookticker_decode(data, n, &in->scale, &t) < 0)
            malformed++;
        else
            tw_sync_bookticker(&in->sync, &t);
        break;
    case TW_BN_TRADE: malformed += tw_bn_trade_decode(data, n, &in->scale, &tr) < 0; trades++; break;
    case TW_BN_AGGTRADE: malformed += tw_bn_aggtrade_decode(data, n, &in->scale, &tr) < 0; trades++; break;
    default: other++; break;
    }
}

static void on_json(const char *json, size_t n, inst_t *only)
{
    tw_bn_envelope_t env;
    frames++;
    if (tw_bn_envelope(json, n, &env) < 0) {
        malformed++;
        return;
    }
    if (env.stream_len == 0) { /* hftbacktest keeps the REST snapshot inline */
        apply_snapshot(only, env.data, env.data_len);
        return;
    }
    inst_t *in = only ? only : find_inst(env.stream, env.stream_len);
    if (in == NULL) {
        other++;
        return;
    }
    on_frame(in, tw_bn_stream_kind(env.stream, env.stream_len), env.data, env.data_len);
}

static int run_hft(const char *path)
{
    size_t len, pos = 0, ll;
    char *buf = cfeed_read_file(path, &len), *line;
    if (buf == NULL)
        return fprintf(stderr, "cannot read %s\n", path), 2;
    /* -8, not the lot size's -5: one resting level holds 25.426189 BTC (see README). */
    inst_t *in = add_inst("BTCUSDT", 7, TW_SYNC_SPOT, (tw_bn_scale_t){-2, -8});
    while ((line = cfeed_next_line(buf, len, &pos, &ll)) != NULL) {
        char *sp = memchr(line, ' ', ll);
        if (sp)
            on_json(sp + 1, ll - (size_t)(sp + 1 - line), in);
    }
    return 0;
}

/* "<url>?symbol=XYZ&… -> <ts>: <json>" */
static void load_http(char *buf, size_t len, uint32_t rule)
{
    size_t pos = 0, ll;
    char *line;
    while ((line = cfeed_next_line(buf, len, &pos, &ll)) != NULL) {
        char *sym = strstr(line, "symbol="), *arrow = strstr(line, " -> ");
        if (sym == NULL || arrow == NULL)
            continue;
        sym += 7;
        inst_t *in = add_inst(sym, strcspn(sym, "&"), rule, (tw_bn_scale_t){-8, -8});
        char *colon = strstr(arrow, ": ");
        in->snap_ts = strtod(arrow + 4, NULL);
        in->snap_json = colon + 2;
        in->snap_len = ll - (size_t)(colon + 2 - line);
    }
}

static int run_cryptofeed(const char *http, const char *ws, uint32_t rule)
{
    size_t hl, wl, pos = 0, ll;
    char *hb = cfeed_read_file(http, &hl), *wb = cfeed_read_file(ws, &wl), *line;
    if (hb == NULL || wb == NULL)
        return fprintf(stderr, "cannot read %s or %s\n", http, ws), 2;
    load_http(hb, hl, rule);
    while ((line = cfeed_next_line(wb, wl, &pos, &ll)) != NULL) {
        if (!isdigit((unsigned char)line[0]))
            continue; /* the subscription URL, frames we sent */
        char *colon = strstr(line, ": ");
        if (colon == NULL)
            continue;
        double ts = strtod(line, NULL);
        for (int i = 0; i < ninst; i++)
            if (!insts[i].snapped && insts[i].snap_ts <= ts)
                apply_snapshot(&insts[i], insts[i].snap_json, insts[i].snap_len);
        on_json(colon + 2, ll - (size_t)(colon + 2 - line), NULL);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return fprintf(stderr, "usage: golden hft FILE [N] | spot|futures HTTP WS [N]\n"), 2;
    int hft = strcmp(argv[1], "hft") == 0, expect_at = hft ? 3 : 4;
    int rc = hft ? run_hft(argv[2])
                 : run_cryptofeed(argv[2], argc > 3 ? argv[3] : "",
                                  strcmp(argv[1], "futures") == 0 ? TW_SYNC_FUTURES : TW_SYNC_SPOT);
    if (rc)
        return rc;
    unsigned long long checks = 0, mism = 0, gaps = 0, applied = 0, stale = 0;
    for (int i = 0; i < ninst; i++) {
        tw_sync_t *s = &insts[i].sync;
        printf("  %-10s checks=%llu mismatches=%llu gaps=%llu applied=%llu stale=%llu state=%s\n",
               insts[i].symbol, (unsigned long long)s->bbo_checks, (unsigned long long)s->bbo_mismatches,
               (unsigned long long)s->gaps, (unsigned long long)s->applied, (unsigned long long)s->stale,
               s->state == TW_SYNC_LIVE ? "live" : "buffering");
        checks += s->bbo_checks, mism += s->bbo_mismatches, gaps += s->gaps;
        applied += s->applied, stale += s->stale;
    }
    long expect = argc > expect_at ? atol(argv[expect_at]) : -1;
    int ok = malformed == 0 && mism == 0 && gaps == 0 && checks > 0 && (expect < 0 || (long)checks == expect);
    printf("frames=%llu checks=%llu mismatches=%llu gaps=%llu applied=%llu stale=%llu trades=%llu "
           "malformed=%llu other=%llu%s\n",
           frames, checks, mism, gaps, applied, stale, trades, malformed, other, ok ? "" : " FAIL");
    return ok ? 0 : 1;
}

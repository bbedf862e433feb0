/* SPDX-License-Identifier: MIT */
/*
 * Setup-time refusals of the feed and its building blocks, each with a clear cause:
 *  - tw_feed_create's -EINVAL causes each leave a tw_error_message() naming the cause
 *    (rule, streams, depth interval, path, symbols x streams over 1024, a bad stream
 *    name, an instrument past the segments, two symbols on one book block, a NULL);
 *  - a connection of 500 symbols x 2 streams (a ~15 KB upgrade path, past the old
 *    fixed 2 KB request buffer) is created (SKIP note without io_uring), and a path
 *    past 64 KiB is refused with -EMSGSIZE and a message;
 *  - the feed book refuses INT64_MIN prices (no negation: price x sign would overflow)
 *    in set, apply and load, and keeps working with +-INT64_MAX.
 * usage: unit_setup
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include "feedtest.h"
#include "tickwire/feedbook.h"

static int failures;

#define EXPECT(cond, ...)                                                                  \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                           \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

enum { NSYM = 500 };

static ft_segs_t segs;
static ft_inst_def_t defs[NSYM];
static char names[NSYM][16];
static tw_feed_symbol_t syms[NSYM];

static tw_feed_config_t base_config(void)
{
    tw_feed_config_t c;
    tw_feed_config_defaults(&c);
    c.rule = TW_SYNC_SPOT;
    c.host = "127.0.0.1";
    c.port = 9;
    c.tls = 0;
    c.verify = 1;
    c.symbols_per_conn = 1;
    return c;
}

/* tw_feed_create must fail with rc, and the message must contain want. */
static void refused(const char *what, const tw_feed_config_t *c, const tw_feed_symbol_t *sy, uint32_t n, int rc,
                    const char *want)
{
    tw_feed_t *f = NULL;
    tw_error_set(0, "%s", "");
    int r = tw_feed_create(c, sy, n, segs.md.base, segs.books.base, segs.stats.base, &f);
    EXPECT(r == rc, "%s: rc %d, want %d", what, r, rc);
    EXPECT(strstr(tw_error_message(), want) != NULL, "%s: message '%s' does not say '%s'", what, tw_error_message(),
           want);
    if (r == 0)
        tw_feed_destroy(f);
}

static void feed_causes(void)
{
    tw_feed_config_t c = base_config();
    c.rule = 7;
    refused("rule", &c, syms, 2, -EINVAL, "rule 7");
    c = base_config();
    c.streams = 0x30;
    refused("streams", &c, syms, 2, -EINVAL, "streams 0x30");
    c = base_config();
    c.depth_ms = 250;
    refused("depth", &c, syms, 2, -EINVAL, "depth interval 250 ms");
    c = base_config();
    c.path = "stream";
    refused("path", &c, syms, 2, -EINVAL, "path 'stream'");
    c = base_config();
    c.symbols_per_conn = 0;
    c.streams = TW_FEED_STREAM_DEPTH | TW_FEED_STREAM_BOOKTICKER | TW_FEED_STREAM_TRADE;
    refused("1024 streams", &c, syms, NSYM, -EINVAL, "1024");
    c = base_config();
    tw_feed_symbol_t bad[2] = {syms[0], syms[1]};
    snprintf(bad[1].stream_name, sizeof(bad[1].stream_name), "BTC USDT");
    refused("name", &c, bad, 2, -EINVAL, "stream name 'BTC USDT'");
    bad[1] = syms[1];
    bad[1].instrument = NSYM + 3;
    refused("instrument", &c, bad, 2, -EINVAL, "instrument 503");
    bad[1] = syms[0];
    refused("twice", &c, bad, 2, -EINVAL, "two writers for one book block");
    bad[1] = syms[1];
    bad[1].instrument = 0;
    refused("info symbol", &c, bad, 2, -EINVAL, "is S000 in the books segment");
    refused("null", NULL, syms, 2, -EINVAL, "NULL");
    c = base_config();
    c.host = "10.1.2.3";
    c.tls = 1;
    c.verify = 0;
    refused("verify off", &c, syms, 2, -EPERM, "loopback");
}

static void long_paths(void)
{
    tw_feed_config_t c = base_config();
    c.symbols_per_conn = NSYM;
    c.streams = TW_FEED_STREAM_DEPTH | TW_FEED_STREAM_TRADE;
    tw_feed_t *f = NULL;
    int r = tw_feed_create(&c, syms, NSYM, segs.md.base, segs.books.base, segs.stats.base, &f);
    if (r == -ENOSYS || r == -EPERM) {
        printf("long path: SKIP (no io_uring here: %s)\n", tw_error_message());
    } else {
        EXPECT(r == 0, "500 symbols x 2 streams on one connection: %d %s", r, tw_error_message());
        if (r == 0) {
            size_t n = strlen(tw_feed_test_path(f, 0));
            EXPECT(n > 2048, "path of %zu bytes", n);
            printf("long path: a %zu-byte upgrade path is accepted\n", n);
            tw_feed_destroy(f);
        }
    }
    /* A path past 64 KiB: refused with a message (through the conn layer). */
    char *path = malloc(70000);
    memset(path, 'a', 69999);
    path[0] = '/';
    path[69999] = 0;
    c = base_config();
    c.path = path;
    r = tw_feed_create(&c, syms, 1, segs.md.base, segs.books.base, segs.stats.base, &f);
    if (r != -ENOSYS && r != -EPERM) {
        EXPECT(r == -EMSGSIZE, "70 KB path: %d", r);
        EXPECT(strstr(tw_error_message(), "upgrade request is too long") != NULL, "message '%s'",
               tw_error_message());
    }
    free(path);
}

static void int64_min_prices(void)
{
    tw_feedbook_t b;
    EXPECT(tw_feedbook_init(&b, 64) == 0, "feedbook init");
    EXPECT(tw_feedbook_set(&b, TW_FB_BID, INT64_MIN, 1) == -EINVAL, "bid at INT64_MIN accepted");
    EXPECT(tw_feedbook_set(&b, TW_FB_ASK, INT64_MIN, 1) == -EINVAL, "ask at INT64_MIN accepted");
    tw_level_t lv[2] = {{INT64_MAX, 1}, {INT64_MIN, 2}};
    EXPECT(tw_feedbook_apply(&b, lv, 2, NULL, 0) == -EINVAL, "apply with INT64_MIN accepted");
    EXPECT(tw_feedbook_load(&b, lv, 2, NULL, 0) == -EINVAL, "load with INT64_MIN accepted");
    tw_level_t ok_b[2] = {{INT64_MAX, 1}, {-INT64_MAX, 2}}, ok_a[1] = {{-INT64_MAX, 3}};
    EXPECT(tw_feedbook_load(&b, ok_b, 2, ok_a, 1) == 3, "load at +-INT64_MAX");
    tw_level_t top[2];
    EXPECT(tw_feedbook_top(&b, TW_FB_BID, top, 2) == 2 && top[0].price == INT64_MAX && top[1].price == -INT64_MAX,
           "bids at +-INT64_MAX read back");
    /* a best at either end of the keys pins the window there: changes must not rebuild the side each time */
    uint64_t moves = b.recenters;
    for (int64_t i = 1; i <= 50; i++) { /* within the capacity of 64 a side */
        tw_level_t bid = {INT64_MAX - i, i}, ask = {-INT64_MAX + i, i};
        EXPECT(tw_feedbook_apply(&b, &bid, 1, &ask, 1) == 2, "a level next to +-INT64_MAX applied");
    }
    EXPECT(b.recenters == moves, "a window pinned at an end of the keys was moved at every change");
    EXPECT(tw_feedbook_top(&b, TW_FB_BID, top, 2) == 2 && top[0].price == INT64_MAX && top[1].price == INT64_MAX - 1,
           "bids next to INT64_MAX read back");
    tw_feedbook_free(&b);
}

int main(void)
{
    char dir[] = "/tmp/tw-unit-setup-XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    setenv("TICKWIRE_SHM_DIR", dir, 1);
    for (uint32_t i = 0; i < NSYM; i++) {
        snprintf(names[i], sizeof(names[i]), "S%03u", i);
        defs[i] = (ft_inst_def_t){names[i], -2, -8};
        snprintf(syms[i].stream_name, sizeof(syms[i].stream_name), "s%03u", i);
        syms[i].instrument = i;
    }
    ft_make(&segs, "setup", defs, NSYM);
    feed_causes();
    long_paths();
    int64_min_prices();
    ft_free(&segs, "setup");
    rmdir(dir);
    if (failures)
        return 1;
    printf("unit_setup: feed setup causes named, long upgrade paths sized, INT64_MIN prices refused\n");
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Writes seed corpora for the fuzz targets from the recorded data, so the
 * fuzzers start from real messages instead of rediscovering JSON:
 *   OUT/binance/  single lines and runs of 12 consecutive lines (to drive the
 *                 sync state machine), from each data file given
 *   OUT/ws/       the same JSON framed as server frames, some fragmented with
 *                 a ping between fragments, a close frame, an upgrade response
 *   OUT/decimal/  exponent byte + every price/quantity token of a few lines
 *   OUT/feed/     multi-message inputs of fuzz_feed.c: the first 40, 120 and
 *                 300 frames of an hftbacktest file with its snapshot as an
 *                 'S' line where it arrived, and the cryptofeed streams of
 *                 nknusdt (spot, 'E' lines) and sushiusdt (USD-M, 'F') with
 *                 their REST snapshots ('T', 'G') merged in by receive time
 *   seeds OUT FILE...   (hftbacktest or cryptofeed line files, REST files too)
 */
#include <ctype.h>
#include <stdint.h>

#include "cfeed.h"
#include "tickwire/ws.h"

enum { PER_FILE = 120, MAX_SEED = 4000 };

static int seq;

static void put(const char *out, const char *kind, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/seed-%05d", out, kind, seq++);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(p, 1, n, f);
        fclose(f);
    }
}

/* The JSON of a data line: after "<ns> " (hftbacktest) or "<ts>: " (cryptofeed). */
static const char *json_of(const char *line, size_t *n)
{
    const char *j = strchr(line, '{');
    if (j == NULL || strstr(line, "://") != NULL)
        return NULL;
    *n = strlen(j);
    return j;
}

static void ws_seeds(const char *out, const char *j, size_t n, int k)
{
    static uint8_t buf[3 * MAX_SEED];
    size_t w = 0;
    if (k % 3 != 0) {
        w = (size_t)tw_ws_frame_encode(buf, sizeof(buf), TW_WS_TEXT, 1, (const uint8_t *)j, n, 0, 0);
    } else { /* three fragments with a ping in the middle */
        size_t a = n / 3;
        w += (size_t)tw_ws_frame_encode(buf + w, sizeof(buf) - w, TW_WS_TEXT, 0, (const uint8_t *)j, a, 0, 0);
        w += (size_t)tw_ws_frame_encode(buf + w, sizeof(buf) - w, TW_WS_PING, 1, (const uint8_t *)"hb", 2, 0, 0);
        w += (size_t)tw_ws_frame_encode(buf + w, sizeof(buf) - w, TW_WS_CONT, 0, (const uint8_t *)j + a, a, 0, 0);
        w += (size_t)tw_ws_frame_encode(buf + w, sizeof(buf) - w, TW_WS_CONT, 1, (const uint8_t *)j + 2 * a,
                                        n - 2 * a, 0, 0);
    }
    put(out, "ws", buf, w);
}

/* Each quoted number token, prefixed with the byte that selects exponent -8 or -2. */
static void decimal_seeds(const char *out, const char *j)
{
    for (const char *p = strchr(j, '"'); p; p = strchr(p + 1, '"')) {
        const char *q = strchr(p + 1, '"');
        if (q == NULL || q - p < 2 || q - p > 40 || p[1] < '0' || p[1] > '9')
            continue;
        char tok[48];
        tok[0] = (char)(seq & 1 ? 12 : 18);
        memcpy(tok + 1, p + 1, (size_t)(q - p - 1));
        put(out, "decimal", tok, (size_t)(q - p));
        p = q;
    }
}

static void file_seeds(const char *out, const char *path)
{
    size_t len, pos = 0, ll, n;
    char *buf = cfeed_read_file(path, &len), *line, run[MAX_SEED];
    size_t rn = 0;
    int k = 0;
    while (buf && k < PER_FILE && (line = cfeed_next_line(buf, len, &pos, &ll)) != NULL) {
        const char *j = json_of(line, &n);
        if (j == NULL || n > MAX_SEED)
            continue;
        put(out, "binance", j, n);
        ws_seeds(out, j, n, k);
        if (k < 6)
            decimal_seeds(out, j);
        if (rn + n + 1 > sizeof(run) || k % 12 == 11) {
            put(out, "binance", run, rn);
            rn = 0;
        }
        if (rn + n + 1 <= sizeof(run)) {
            memcpy(run + rn, j, n);
            rn += n;
            run[rn++] = '\n';
        }
        k++;
    }
    free(buf);
}

/* ------------------------------------------------------- fuzz_feed.c -- */

enum { FEED_FRAMES = 300, FEED_SEED_MAX = 1 << 20 };

/* The cryptofeed symbols fuzz_feed.c routes, and the line kinds that carry them. */
static const struct {
    const char *stream, *rest;
    char msg, snap;
} feed_syms[] = {{"nknusdt@", "symbol=NKNUSDT&", 'E', 'T'}, {"sushiusdt@", "symbol=SUSHIUSDT&", 'F', 'G'}};

enum { FEED_SYMS = sizeof(feed_syms) / sizeof(feed_syms[0]) };

static struct {
    double ts;                 /* receive time of the REST answer */
    const char *json;
    size_t len;
} feed_snaps[FEED_SYMS];

typedef struct seed_buf {
    char *p;
    size_t n;
} seed_buf_t;

static void seed_line(seed_buf_t *b, char kind, const char *j, size_t n)
{
    if (b->n + n + 2 > FEED_SEED_MAX)
        return;
    if (kind)
        b->p[b->n++] = kind;
    memcpy(b->p + b->n, j, n);
    b->n += n;
    b->p[b->n++] = '\n';
}

/* "<ns> {…}": an hftbacktest line (cryptofeed writes "<seconds>: {…}"). */
static int hft_line(const char *line, const char *j)
{
    return isdigit((unsigned char)line[0]) && j - line >= 2 && j[-1] == ' ' && j[-2] != ':';
}

/* The first frames of an hftbacktest file, its REST snapshot as an 'S' line. */
static void feed_seeds_hft(const char *out, char *buf, size_t len)
{
    seed_buf_t b = {malloc(FEED_SEED_MAX), 0};
    size_t pos = 0, ll, n;
    char *line;
    int frames = 0;
    while (b.p && frames < FEED_FRAMES && (line = cfeed_next_line(buf, len, &pos, &ll)) != NULL) {
        const char *j = json_of(line, &n);
        if (j == NULL || !hft_line(line, j))
            break;
        seed_line(&b, strncmp(j, "{\"lastUpdateId\"", 15) == 0 ? 'S' : 0, j, n);
        frames++;
        if (frames == 40 || frames == 120 || frames == FEED_FRAMES)
            put(out, "feed", b.p, b.n);
    }
    free(b.p);
}

/* "https://…?symbol=X&limit=… -> <seconds>: {…}": remembered for the symbols fuzz_feed.c knows. */
static void feed_note_snapshots(char *buf, size_t len)
{
    size_t pos = 0, ll;
    char *line;
    while ((line = cfeed_next_line(buf, len, &pos, &ll)) != NULL) {
        const char *arrow = strstr(line, " -> "), *j = strchr(line, '{');
        for (size_t k = 0; arrow && j && k < FEED_SYMS; k++)
            if (strstr(line, feed_syms[k].rest) != NULL && feed_snaps[k].json == NULL) {
                feed_snaps[k].ts = strtod(arrow + 4, NULL);
                feed_snaps[k].json = j;
                feed_snaps[k].len = strlen(j);
            }
    }
}

/* A cryptofeed stream file whose streams include a known symbol: its frames, that symbol's snapshot merged in. */
static void feed_seeds_cryptofeed(const char *out, char *buf, size_t len)
{
    size_t pos = 0, ll, n, k;
    char *line = cfeed_next_line(buf, len, &pos, &ll);
    for (k = 0; line && k < FEED_SYMS && strstr(line, feed_syms[k].stream) == NULL; k++)
        ;
    if (line == NULL || k == FEED_SYMS || strncmp(line, "wss://", 6) != 0)
        return;
    seed_buf_t b = {malloc(FEED_SEED_MAX), 0};
    int frames = 0, snapped = feed_snaps[k].json == NULL;
    while (b.p && frames < FEED_FRAMES && (line = cfeed_next_line(buf, len, &pos, &ll)) != NULL) {
        const char *j = json_of(line, &n);
        if (j == NULL)
            continue;
        if (!snapped && strtod(line, NULL) >= feed_snaps[k].ts) {
            seed_line(&b, feed_syms[k].snap, feed_snaps[k].json, feed_snaps[k].len);
            snapped = 1;
        }
        seed_line(&b, feed_syms[k].msg, j, n);
        frames++;
        if (frames == 60 || frames == FEED_FRAMES)
            put(out, "feed", b.p, b.n);
    }
    free(b.p);
}

static void feed_seeds(const char *out, int nfiles, char **paths)
{
    char *bufs[16];
    size_t lens[16];
    int n = nfiles < 16 ? nfiles : 16;
    for (int i = 0; i < n; i++) {
        bufs[i] = cfeed_read_file(paths[i], &lens[i]);
        if (bufs[i] && strncmp(bufs[i], "https://", 8) == 0)
            feed_note_snapshots(bufs[i], lens[i]);
    }
    for (int i = 0; i < n; i++) {
        if (bufs[i] && isdigit((unsigned char)bufs[i][0]))
            feed_seeds_hft(out, bufs[i], lens[i]);
        else if (bufs[i] && strncmp(bufs[i], "wss://", 6) == 0)
            feed_seeds_cryptofeed(out, bufs[i], lens[i]);
    }
    for (int i = 0; i < n; i++)
        free(bufs[i]);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return fprintf(stderr, "usage: seeds OUT FILE...\n"), 2;
    static const char snap[] = "{\"lastUpdateId\":600859605926,\"E\":1626992741264,\"T\":1626992741261,"
                               "\"bids\":[[\"7.6110\",\"6\"],[\"7.6080\",\"161\"]],\"asks\":[[\"7.6120\",\"297\"]]}";
    static const char resp[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    static const uint8_t close[] = {0x88, 0x05, 0x03, 0xE8, 'b', 'y', 'e'};
    put(argv[1], "binance", snap, sizeof(snap) - 1);
    put(argv[1], "ws", resp, sizeof(resp) - 1);
    put(argv[1], "ws", close, sizeof(close));
    for (int i = 2; i < argc; i++)
        file_seeds(argv[1], argv[i]);
    feed_seeds(argv[1], argc - 2, argv + 2);
    printf("seeds: %d files\n", seq);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Writes seed corpora for the fuzz targets from the recorded data, so the
 * fuzzers start from real messages instead of rediscovering JSON:
 *   OUT/binance/  single lines and runs of 12 consecutive lines (to drive the
 *                 sync state machine), from each data file given
 *   OUT/ws/       the same JSON framed as server frames, some fragmented with
 *                 a ping between fragments, a close frame, an upgrade response
 *   OUT/decimal/  exponent byte + every price/quantity token of a few lines
 *   seeds OUT FILE...   (hftbacktest or cryptofeed line files)
 */
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
    printf("seeds: %d files\n", seq);
    return 0;
}

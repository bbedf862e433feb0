/* SPDX-License-Identifier: MIT */
/*
 * `bench latency --scenario order-encode`: what the gateway thread does
 * between taking a command off its queue and handing the signed bytes to
 * the socket, timed on the product's own encoder, beside OpenSSL's one-shot
 * HMAC of the same payload (the floor DESIGN.md §7 judges it by: p50 within
 * 2× of it). The gateway is made by tw_gateway_create against a loopback
 * address and never started: nothing is sent.
 *
 * Each round: a command copied out of a small ring of prepared ones (as the
 * queue's pop copies it), the request encoded and signed (timed); then the
 * payload rebuilt from the request's params, its one-shot HMAC (timed), and
 * the request's signature compared with it (untimed). A mismatch ends the
 * run with an error: a benchmark of work not done is no benchmark.
 */
#define _GNU_SOURCE
#include "tickwire/cbench.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tickwire/core.h"
#include "tickwire/gateway.h"
#include "tickwire/shm.h"

enum { CMDS = 64, REQ_MAX = 2048 };

static const char *KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
static const char *SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

typedef struct ctx {
    tw_bench_order_encode_t *b;
    tw_gateway_t *gw;
    tw_command_t cmds[CMDS];
    char req[REQ_MAX];
    char payload[REQ_MAX];
    int rc;
} ctx_t;

static int fail(tw_bench_order_encode_t *b, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->error, sizeof(b->error), fmt, ap);
    va_end(ap);
    return err;
}

/*
 * The signed payload of a request: its params other than signature, as
 * name=value joined with '&', in the order the request lists them (which
 * must already be sorted); the signature into sig[64]. The length, or -1.
 */
static int payload_of(const char *req, char *out, size_t cap, char sig[64])
{
    const char *p = strstr(req, "\"params\":{");
    size_t n = 0, prev_len = 0;
    const char *prev = "";
    if (!p)
        return -1;
    for (p += 10; *p == '"';) {
        const char *name = p + 1, *ne = strchr(name, '"');
        if (!ne || ne[1] != ':')
            return -1;
        const char *v = ne + 2;
        int quoted = *v == '"';
        const char *ve = quoted ? strchr(v + 1, '"') : v + strcspn(v, ",}");
        if (!ve)
            return -1;
        size_t nl = (size_t)(ne - name), vl = (size_t)(ve - v) - (size_t)quoted;
        p = ve + quoted;
        p += *p == ',';
        if (nl == 9 && memcmp(name, "signature", 9) == 0) {
            if (vl != 64)
                return -1;
            memcpy(sig, v + 1, 64);
            continue;
        }
        int cmp = memcmp(prev, name, nl < prev_len ? nl : prev_len);
        if (n && (cmp > 0 || (cmp == 0 && prev_len >= nl)))
            return -1; /* not sorted: the venue would compute another signature */
        if (n + nl + vl + 2 > cap)
            return -1;
        if (n)
            out[n++] = '&';
        memcpy(out + n, name, nl);
        out[n + nl] = '=';
        memcpy(out + n + nl + 1, v + quoted, vl);
        n += nl + 1 + vl;
        prev = name, prev_len = nl;
    }
    return (int)n;
}

static void prepare(ctx_t *c)
{
    for (int i = 0; i < CMDS; i++) {
        tw_command_t *k = &c->cmds[i];
        memset(k, 0, sizeof(*k));
        k->command_id = (uint64_t)i + 1;
        k->instrument = 0;
        k->side = i & 1 ? TW_SIDE_SELL : TW_SIDE_BUY;
        k->order_type = TW_ORDER_LIMIT;
        k->tif = TW_TIF_GTC;
        k->price = 6400000 + i * 7;
        k->quantity = 150 + i;
        k->strategy_id = 1;
        snprintf(k->client_order_id, sizeof(k->client_order_id), "bench-%08d-%d", 4242 + i, i);
    }
}

/* One round: encode (timed), then the floor on the same payload (timed), then the check. */
static int round_once(ctx_t *c, uint64_t i, uint64_t *enc_ns, uint64_t *floor_ns)
{
    char sig[64], hex[65];
    unsigned char md[32];
    unsigned int mdl = 0;
    int64_t t0 = tw_mono_ns();
    tw_command_t k = c->cmds[i & (CMDS - 1)];
    int n = tw_gateway_encode_place(c->gw, &k, i + 1, tw_real_ns() / 1000000, c->req, sizeof(c->req) - 1);
    int64_t t1 = tw_mono_ns();
    if (n < 0)
        return fail(c->b, n, "tw_gateway_encode_place: %d", n);
    c->req[n] = 0;
    int pl = payload_of(c->req, c->payload, sizeof(c->payload), sig);
    if (pl < 0)
        return fail(c->b, -EPROTO, "request %llu: params missing or not sorted: %s", (unsigned long long)i, c->req);
    int64_t t2 = tw_mono_ns();
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)c->payload, (size_t)pl, md, &mdl);
    int64_t t3 = tw_mono_ns();
    for (int j = 0; j < 32; j++)
        snprintf(hex + 2 * j, 3, "%02x", md[j]);
    if (mdl != 32 || memcmp(hex, sig, 64) != 0)
        return fail(c->b, -EBADMSG, "request %llu does not verify: signature %.64s, HMAC %s",
                    (unsigned long long)i, sig, hex);
    c->b->verified++;
    c->b->request_bytes = (uint32_t)n;
    c->b->payload_bytes = (uint32_t)pl;
    *enc_ns = (uint64_t)(t1 - t0);
    *floor_ns = (uint64_t)(t3 - t2);
    return 0;
}

static void *run(void *arg)
{
    ctx_t *c = arg;
    tw_bench_order_encode_t *b = c->b;
    if (b->cpu >= 0 && tw_cpu_pin_self(b->cpu) < 0) {
        c->rc = fail(b, -EINVAL, "cannot pin to core %d", b->cpu);
        return NULL;
    }
    uint64_t e, f;
    for (uint64_t i = 0; i < b->warmup && c->rc == 0; i++)
        c->rc = round_once(c, i, &e, &f);
    for (uint64_t i = 0; i < b->iterations && c->rc == 0; i++)
        c->rc = round_once(c, b->warmup + i, &b->out[i], &b->floor_out[i]);
    return NULL;
}

static int segments(tw_bench_order_encode_t *b, tw_shm_t *exec, tw_shm_t *stats)
{
    int r = tw_shm_create(b->instance, TW_SEG_EXEC, tw_exec_region_size(1024), 1, exec);
    r = r ? r : tw_exec_init(exec, 1024, 16);
    r = r ? r : tw_shm_commit(exec);
    r = r ? r : tw_shm_create(b->instance, TW_SEG_STATS, tw_stats_region_size(1), 1, stats);
    r = r ? r : tw_stats_init(stats, 1);
    r = r ? r : tw_shm_commit(stats);
    tw_shm_unlink(b->instance, TW_SEG_EXEC);
    tw_shm_unlink(b->instance, TW_SEG_STATS);
    return r ? fail(b, r, "segments: %s", tw_error_message()) : 0;
}

int tw_bench_order_encode(tw_bench_order_encode_t *b)
{
    static const tw_gateway_instrument_t inst[1] = {{.symbol = "BTCUSDT", .price_exponent = -2, .qty_exponent = -5}};
    b->error[0] = 0;
    b->verified = 0;
    if (!b->instance || !b->out || !b->floor_out || b->iterations == 0)
        return fail(b, -EINVAL, "bad arguments");
    tw_shm_t exec = {0}, stats = {0};
    int r = segments(b, &exec, &stats);
    if (r < 0)
        return r;
    static ctx_t c; /* ~5 KiB of buffers: off the Swift caller's stack */
    memset(&c, 0, sizeof(c));
    c.b = b;
    prepare(&c);
    tw_gateway_config_t cfg = tw_gateway_config_defaults();
    cfg.host = "127.0.0.1", cfg.port = 9, cfg.tls = 0, cfg.api_key = KEY, cfg.api_secret = SECRET;
    cfg.instruments = inst, cfg.instrument_count = 1;
    r = tw_gateway_create(&cfg, exec.base, stats.base, &c.gw);
    if (r < 0) {
        fail(b, r, "tw_gateway_create: %d", r);
    } else {
        pthread_t t;
        r = -pthread_create(&t, NULL, run, &c);
        if (r == 0) {
            pthread_join(t, NULL);
            r = c.rc;
        }
        tw_gateway_destroy(c.gw);
    }
    tw_shm_detach(&exec);
    tw_shm_detach(&stats);
    return r;
}

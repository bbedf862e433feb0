/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the order gateway's message path (gateway*.c through
 * gateway_internal.h's test entries), writing into real exec and stats
 * segments. One test gateway is made once (three instruments, 8 request
 * slots); each input starts on a fresh subscribed connection with no halt
 * (requests left from the last input become UNKNOWN). It runs line by line; the first
 * byte of a line picks what it is:
 *   'R' + body     an answer to the last request sent: {"id":"<its id>",body
 *   'P' 'X' 'A' 'S' + client id   submit a place / cancel / cancel-all / status
 *   'T'            the timers one request timeout later (UNKNOWN, order.status)
 *   'C' / 'O'      the connection drops / reopens (and is subscribed again)
 *   'F' + body     a message on a second, USD-M gateway's user-data stream
 *                  (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE, listenKeyExpired)
 *   'G' + body     a message on the USD-M gateway's WebSocket API connection
 *   'Q' 'Y' + client id   place / cancel-all on the USD-M gateway
 *   anything else  the whole line is a message from the venue
 * Every line also goes through each decoder on its own. After every line:
 * slot accounting adds up, every journal record read back is a known type
 * with NUL-terminated strings, and decoded reports name a known instrument.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway_internal.h"
#include "tickwire/core.h"
#include "tickwire/reader.h"
#include "tickwire/shm.h"

#define REQUIRE(cond, what)                                                          \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz_gateway: %s (%s:%d)\n", what, __FILE__, __LINE__);  \
            abort();                                                                 \
        }                                                                            \
    } while (0)

static const tw_gateway_instrument_t INST[3] = {
    {.symbol = "BTCUSDT", .price_exponent = -2, .qty_exponent = -5},
    {.symbol = "LTCBTC", .price_exponent = -6, .qty_exponent = -3},
    {.symbol = "SHIBUSDT", .price_exponent = -8, .qty_exponent = 0},
};

static tw_shm_t exec_seg, stats_seg, fexec_seg, fstats_seg;
static tw_ring_cursor_t cur, fcur;
static tw_gateway_t *gw, *fgw; /* spot, USD-M: each its own journal */
static int64_t clock_ns;

static int str_ok(const char *s, size_t cap)
{
    return memchr(s, 0, cap) != NULL;
}

/* Reads back what the line journaled, then lets the writer reuse the space. */
static void check_one_journal(tw_ring_cursor_t *c, tw_shm_t *seg)
{
    tw_slot_header_t h;
    uint64_t payload[TW_EXEC_PAYLOAD_MAX / 8];
    int r;
    while ((r = tw_ring_poll(c, &h, payload, sizeof(payload))) != 0) {
        REQUIRE(r > 0, "journal reader lapped");
        REQUIRE(h.type >= TW_EXEC_ACCEPTED && h.type <= TW_EXEC_POSITION, "record type");
        if (h.type == TW_EXEC_POSITION) {
            REQUIRE(seg == &fexec_seg && h.instrument < 3, "position instrument");
            continue;
        }
        if (h.type == TW_EXEC_BALANCE) {
            const tw_exec_balance_t *b = (const void *)payload;
            REQUIRE(str_ok(b->asset, sizeof(b->asset)) && h.instrument == TW_GW_NO_INSTRUMENT, "balance");
            continue;
        }
        const tw_exec_report_t *rep = (const void *)payload;
        REQUIRE(str_ok(rep->client_order_id, sizeof(rep->client_order_id)) && str_ok(rep->text, sizeof(rep->text)) &&
                    str_ok(rep->fee_asset, sizeof(rep->fee_asset)),
                "report strings");
        REQUIRE(h.instrument < 3 || h.instrument == TW_GW_NO_INSTRUMENT, "report instrument");
        REQUIRE(rep->order_state <= TW_OS_UNKNOWN, "order state");
    }
    tw_exec_set_consumed(seg->base, tw_ring_head(tw_ring_of(seg->base)));
}

static void check_journal(void)
{
    check_one_journal(&cur, &exec_seg);
    check_one_journal(&fcur, &fexec_seg);
}

static void check_slots_of(const tw_gateway_t *gw)
{
    uint32_t used = 0, need = 0;
    for (uint32_t i = 0; i < gw->nslots; i++) {
        used += gw->slots[i].state != SLOT_FREE;
        need += gw->slots[i].state == SLOT_NEED_STATUS;
    }
    REQUIRE(used == gw->inflight && gw->inflight + gw->nfree == gw->nslots, "slot accounting");
    REQUIRE(need == gw->need_status, "need_status accounting");
}

static void check_slots(void)
{
    check_slots_of(gw);
    check_slots_of(fgw);
}

static uint64_t last_id(void)
{
    uint64_t id = 0;
    for (uint32_t i = 0;; i++) {
        const char *t = tw_gateway_test_sent(gw, i);
        if (!t)
            break;
        const char *p = strstr(t, "\"id\":\"");
        if (p)
            id = strtoull(p + 6, NULL, 10);
    }
    return id;
}

static void open_subscribed(void)
{
    char b[128];
    tw_gateway_test_reset_sent(gw);
    tw_gw_on_open(gw);
    int n = snprintf(b, sizeof(b), "{\"id\":\"%llu\",\"status\":200,\"result\":{}}", (unsigned long long)last_id());
    tw_gw_on_message(gw, b, (size_t)n, 1);
}

static int segments(const char *name, tw_shm_t *ex, tw_shm_t *st, tw_ring_cursor_t *c)
{
    int r = tw_shm_create(name, TW_SEG_EXEC, tw_exec_region_size(1024), 1, ex);
    r = r ? r : tw_exec_init(ex, 1024, 16);
    r = r ? r : tw_shm_commit(ex);
    r = r ? r : tw_shm_create(name, TW_SEG_STATS, tw_stats_region_size(3), 1, st);
    r = r ? r : tw_stats_init(st, 3);
    r = r ? r : tw_shm_commit(st);
    r = r ? r : tw_ring_cursor_init(c, ex->base, 1);
    tw_shm_unlink(name, TW_SEG_EXEC);
    tw_shm_unlink(name, TW_SEG_STATS);
    return r;
}

/* The USD-M gateway: its own journal, WebSocket API and user-data stream open, a listenKey taken. */
static int setup_usdm(void)
{
    char name[32];
    snprintf(name, sizeof(name), "fzgf%ld", (long)getpid());
    int r = segments(name, &fexec_seg, &fstats_seg, &fcur);
    tw_gateway_config_t c = tw_gateway_config_defaults_for(TW_GW_VENUE_USDM);
    c.host = "127.0.0.1", c.tls = 0, c.user_tls = 0, c.api_key = "KEY", c.api_secret = "secret";
    c.instruments = INST, c.instrument_count = 3, c.inflight_slots = 8, c.queue_slots = 16;
    r = r ? r : tw_gateway_test_create(&c, fexec_seg.base, fstats_seg.base, &fgw);
    r = r ? r : tw_gateway_set_listen_key(fgw, "fuzzkey");
    if (r == 0) {
        tw_gw_timers(fgw, tw_mono_ns());
        tw_gw_on_open(fgw);
        tw_gw_user_on_open(fgw);
    }
    return r;
}

static void setup(void)
{
    char name[32];
    snprintf(name, sizeof(name), "fzgw%ld", (long)getpid());
    int r = segments(name, &exec_seg, &stats_seg, &cur);
    tw_gateway_config_t c = tw_gateway_config_defaults();
    c.host = "127.0.0.1", c.tls = 0, c.api_key = "KEY", c.api_secret = "secret";
    c.instruments = INST, c.instrument_count = 3, c.inflight_slots = 8, c.queue_slots = 16;
    r = r ? r : tw_gateway_test_create(&c, exec_seg.base, stats_seg.base, &gw);
    r = r ? r : setup_usdm();
    if (r != 0) {
        fprintf(stderr, "fuzz_gateway setup: %d\n", r);
        exit(2);
    }
    clock_ns = tw_mono_ns();
}

static void submit(tw_gateway_t *g, uint32_t kind, const char *s, size_t n)
{
    tw_gw_request_t req;
    memset(&req, 0, sizeof(req));
    req.kind = kind;
    req.cmd = (tw_command_t){.command_id = 1, .instrument = n ? (uint8_t)s[0] % 4u : 0, .side = TW_SIDE_BUY,
                             .order_type = TW_ORDER_LIMIT, .tif = TW_TIF_GTC, .price = 100, .quantity = 1};
    memcpy(req.cmd.client_order_id, s + (n > 0), n > 1 ? (n - 1 < 39 ? n - 1 : 39) : 0);
    tw_gateway_test_reset_sent(g);
    if (tw_gateway_submit(g, &req) == 0)
        tw_gateway_test_drain(g);
}

static void fut_balance(void *u, tw_exec_balance_t *b)
{
    (void)u;
    REQUIRE(str_ok(b->asset, sizeof(b->asset)) && b->asset[0], "futures balance asset");
}

static void fut_position(void *u, uint32_t instrument, tw_exec_position_t *p)
{
    (void)u, (void)p;
    REQUIRE(instrument < 3, "futures position instrument");
}

static void decoders(const char *s, size_t n)
{
    tw_gw_msg_t m;
    tw_gw_order_t o;
    tw_exec_report_t rep;
    tw_exec_balance_t b[4];
    uint16_t type;
    uint32_t inst = 0;
    tw_gw_envelope(s, n, &m);
    tw_gw_order_decode(s, n, -2, -5, &o);
    if (tw_gw_exec_decode(s, n, INST, 3, &rep, &type, &inst) == 1)
        REQUIRE(inst < 3 && type >= TW_EXEC_ACK && type <= TW_EXEC_EXPIRED, "exec decode");
    int k = tw_gw_account_decode(s, n, b, 4);
    REQUIRE(k <= 4, "account count");
    tw_gw_balance_decode(s, n, b);
    tw_gw_event_kind(s, n);
    if (tw_gw_fut_order_decode(s, n, INST, 3, &rep, &type, &inst) == 1)
        REQUIRE(inst < 3 && type >= TW_EXEC_REJECTED && type <= TW_EXEC_STATUS, "futures order decode");
    tw_gw_account_sink_t sink = {.balance = fut_balance, .position = fut_position, .user = NULL};
    int a = tw_gw_fut_account_decode(s, n, INST, 3, NULL), a2 = tw_gw_fut_account_decode(s, n, INST, 3, &sink);
    REQUIRE(a == a2, "futures account: validation and hand-over agree");
}

static void line(const char *s, size_t n)
{
    char b[4096];
    decoders(s, n);
    if (n && s[0] == 'R' && n < sizeof(b) - 32) {
        int k = snprintf(b, sizeof(b), "{\"id\":\"%llu\",", (unsigned long long)last_id());
        memcpy(b + k, s + 1, n - 1);
        tw_gw_on_message(gw, b, (size_t)k + n - 1, 1);
    } else if (n && (s[0] == 'P' || s[0] == 'X' || s[0] == 'A' || s[0] == 'S')) {
        uint32_t kind = s[0] == 'P' ? TW_GW_PLACE : s[0] == 'X' ? TW_GW_CANCEL : s[0] == 'A' ? TW_GW_CANCEL_ALL
                                                                                            : TW_GW_STATUS;
        submit(gw, kind, s + 1, n - 1);
    } else if (n && (s[0] == 'Q' || s[0] == 'Y')) {
        submit(fgw, s[0] == 'Q' ? TW_GW_PLACE : TW_GW_CANCEL_ALL, s + 1, n - 1);
    } else if (n && s[0] == 'F') {
        tw_gw_on_user_message(fgw, s + 1, n - 1, 1);
    } else if (n && s[0] == 'G') {
        tw_gw_on_message(fgw, s + 1, n - 1, 1);
    } else if (n == 1 && s[0] == 'T') {
        clock_ns += 6000 * 1000000LL;
        tw_gw_timers(gw, clock_ns);
        tw_gw_timers(fgw, clock_ns);
    } else if (n == 1 && s[0] == 'C') {
        tw_gw_on_close(gw, -ECONNRESET);
    } else if (n == 1 && s[0] == 'O') {
        if (!gw->open)
            open_subscribed();
    } else {
        tw_gw_on_message(gw, s, n, 1);
    }
    check_slots();
    check_journal();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (gw == NULL)
        setup();
    if (gw->open) /* every input starts from a fresh, subscribed connection and no halt */
        tw_gw_on_close(gw, -ECONNRESET);
    gw->halted = 0;
    open_subscribed();
    fgw->halted = 0;
    if (!fgw->user.open) { /* listenKeyExpired closed it: a fresh stream */
        fgw->user.expired = 0;
        tw_gw_user_on_open(fgw);
    }
    check_journal();
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line(p, n);
        p += n + 1;
    }
    return 0;
}

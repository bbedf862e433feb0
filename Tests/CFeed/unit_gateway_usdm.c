/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the order gateway's USD-M futures side, no network: the
 * order.place encoding byte for byte with a known signature (and checked
 * against OpenSSL's one-shot HMAC), the ORDER_TRADE_UPDATE and
 * ACCOUNT_UPDATE decoders on realistic samples (Binance's documented shapes,
 * rounding of averages, refusals), and the thread's handling through the
 * test gateway into real exec and stats segments: no subscribe on the WebSocket
 * API, the listenKey taken from another thread's set, orders waiting for the
 * user-data stream, a place answered the futures way, cancel-all refused
 * locally, events into ACK / FILL / BALANCE / POSITION records, and
 * listenKeyExpired in the status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cfeed.h"
#include "gateway_internal.h"
#include "tickwire/core.h"
#include "tickwire/reader.h"
#include "tickwire/shm.h"

static const char *SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

static const tw_gateway_instrument_t INST[2] = {
    {.symbol = "BTCUSDT", .price_exponent = -1, .qty_exponent = -3}, /* USD-M: tick 0.1, step 0.001 */
    {.symbol = "ETHUSDT", .price_exponent = -2, .qty_exponent = -3},
};

static void hmac_ref(const char *msg, char hex[65])
{
    unsigned char d[32];
    unsigned int dl = 0;
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)msg, strlen(msg), d, &dl);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
}

static tw_command_t cmd(uint32_t inst, uint8_t side, uint8_t type, uint8_t tif, int64_t px, int64_t qty,
                        const char *cid)
{
    tw_command_t c;
    memset(&c, 0, sizeof(c));
    c.command_id = 42;
    c.instrument = inst;
    c.side = side;
    c.order_type = type;
    c.tif = tif;
    c.price = px;
    c.quantity = qty;
    c.strategy_id = 7;
    snprintf(c.client_order_id, sizeof(c.client_order_id), "%s", cid);
    return c;
}

/* ------------------------------------------------------------ encode -- */

static void test_encode(void)
{
    tw_gw_encoder_t e;
    memset(&e, 0, sizeof(e));
    tw_gw_hmac_init(&e.hmac, SECRET, strlen(SECRET));
    e.inst = INST, e.ninst = 2, e.recv_window_ms = 5000, e.venue = TW_GW_VENUE_USDM, e.key_len = 3;
    memcpy(e.key, "KEY", 3);
    char out[2048];
    tw_command_t c = cmd(0, TW_SIDE_BUY, TW_ORDER_LIMIT, TW_TIF_GTC, 643215, 2, "fut-1");
    c.flags = TW_CMD_FLAG_REDUCE_ONLY;
    int n = tw_gw_encode_place(&e, &c, 65537, 1700000000000, out, sizeof(out));
    out[n > 0 ? n : 0] = 0;
    const char *payload = "apiKey=KEY&newClientOrderId=fut-1&newOrderRespType=RESULT&positionSide=BOTH"
                          "&price=64321.5&quantity=0.002&recvWindow=5000&reduceOnly=true&side=BUY&symbol=BTCUSDT"
                          "&timeInForce=GTC&timestamp=1700000000000&type=LIMIT";
    CHECK(e.query_len == strlen(payload) && memcmp(e.query, payload, e.query_len) == 0);
    const char *sig = "c1e67c1b59c1b85c9765e176eb606fd9e9ab246858dd198a9409381ff7a4b6f8"; /* openssl dgst -hmac */
    char ref[65];
    hmac_ref(payload, ref);
    CHECK(strcmp(ref, sig) == 0);
    char want[2048];
    snprintf(want, sizeof(want),
             "{\"id\":\"65537\",\"method\":\"order.place\",\"params\":{\"apiKey\":\"KEY\",\"newClientOrderId\":"
             "\"fut-1\",\"newOrderRespType\":\"RESULT\",\"positionSide\":\"BOTH\",\"price\":\"64321.5\","
             "\"quantity\":\"0.002\",\"recvWindow\":5000,\"reduceOnly\":\"true\",\"side\":\"BUY\",\"symbol\":"
             "\"BTCUSDT\",\"timeInForce\":\"GTC\",\"timestamp\":1700000000000,\"type\":\"LIMIT\",\"signature\":"
             "\"%s\"}}",
             sig);
    CHECK(strcmp(out, want) == 0);

    /* LIMIT_MAKER → LIMIT + GTX; no reduceOnly without the flag */
    c = cmd(1, TW_SIDE_SELL, TW_ORDER_LIMIT_MAKER, 0, 350012, 1500, "pm");
    n = tw_gw_encode_place(&e, &c, 2, 1700000000000, out, sizeof(out));
    out[n > 0 ? n : 0] = 0;
    CHECK(strstr(out, "\"timeInForce\":\"GTX\"") && strstr(out, "\"type\":\"LIMIT\"") &&
          strstr(out, "\"price\":\"3500.12\"") && strstr(out, "\"quantity\":\"1.500\"") && !strstr(out, "reduceOnly"));
    CHECK(strstr(e.query, "&side=SELL&symbol=ETHUSDT&timeInForce=GTX&timestamp=") != NULL);
    /* MARKET: no price, no timeInForce */
    c = cmd(0, TW_SIDE_SELL, TW_ORDER_MARKET, 0, 0, 10, "mk");
    n = tw_gw_encode_place(&e, &c, 3, 1700000000000, out, sizeof(out));
    out[n > 0 ? n : 0] = 0;
    CHECK(n > 0 && !strstr(out, "price") && !strstr(out, "timeInForce") && strstr(out, "\"type\":\"MARKET\""));
    /* IOC and FOK pass through; a LIMIT without tif or price does not */
    c = cmd(0, TW_SIDE_BUY, TW_ORDER_LIMIT, TW_TIF_FOK, 10, 1, "f");
    n = tw_gw_encode_place(&e, &c, 4, 1, out, sizeof(out));
    out[n > 0 ? n : 0] = 0;
    CHECK(strstr(out, "\"timeInForce\":\"FOK\"") != NULL);
    c = cmd(0, TW_SIDE_BUY, TW_ORDER_LIMIT, 0, 10, 1, "f");
    CHECK_EQ(tw_gw_encode_place(&e, &c, 4, 1, out, sizeof(out)), -EINVAL);
    c = cmd(0, TW_SIDE_BUY, TW_ORDER_LIMIT, TW_TIF_GTC, 0, 1, "f");
    CHECK_EQ(tw_gw_encode_place(&e, &c, 4, 1, out, sizeof(out)), -EINVAL);
    /* cancel and status: the spot params */
    c = cmd(0, 0, 0, 0, 0, 0, "fut-1");
    n = tw_gw_encode_cancel(&e, &c, 5, 1700000000000, out, sizeof(out));
    CHECK(n > 0 && strncmp(e.query, "apiKey=KEY&origClientOrderId=fut-1&recvWindow=5000&symbol=BTCUSDT"
                                    "&timestamp=1700000000000", e.query_len) == 0);
}

/* ------------------------------------------------------------ decode -- */

static const char *OTU_TRADE =
    "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1568879465651,\"T\":1568879465650,\"o\":{\"s\":\"BTCUSDT\",\"c\":"
    "\"fut-1\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTX\",\"q\":\"0.002\",\"p\":\"64321.5\",\"ap\":\"64321.50000\","
    "\"sp\":\"0\",\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\",\"i\":8886774,\"l\":\"0.001\",\"z\":\"0.001\",\"L\":"
    "\"64321.5\",\"N\":\"USDT\",\"n\":\"0.01286430\",\"T\":1568879465649,\"t\":1234,\"b\":\"0\",\"a\":\"0\",\"m\":"
    "true,\"R\":false,\"wt\":\"CONTRACT_PRICE\",\"ot\":\"LIMIT\",\"ps\":\"BOTH\",\"cp\":false,\"rp\":\"0\",\"pP\":"
    "false,\"si\":0,\"ss\":0,\"V\":\"NONE\",\"pm\":\"NONE\",\"gtd\":0}}";

static const char *ACCOUNT =
    "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1564745798939,\"T\":1564745798938,\"a\":{\"m\":\"ORDER\",\"B\":[{\"a\":"
    "\"USDT\",\"wb\":\"122624.12345678\",\"cw\":\"100.12345678\",\"bc\":\"50.12345678\"},{\"a\":\"BUSD\",\"wb\":"
    "\"1.00000000\",\"cw\":\"1.00000000\",\"bc\":\"-49.12345678\"}],\"P\":[{\"s\":\"BTCUSDT\",\"pa\":\"-0.002\","
    "\"ep\":\"64321.46666667\",\"bep\":\"0\",\"cr\":\"200\",\"up\":\"-0.123456785\",\"mt\":\"cross\",\"iw\":"
    "\"0.00000000\",\"ps\":\"BOTH\"},{\"s\":\"XRPUSDT\",\"pa\":\"20\",\"ep\":\"0.6\",\"up\":\"1\",\"ps\":\"BOTH\"},"
    "{\"s\":\"ETHUSDT\",\"pa\":\"1.000\",\"ep\":\"3000\",\"up\":\"0\",\"ps\":\"LONG\"}]}}";

typedef struct got {
    tw_exec_balance_t b[4];
    tw_exec_position_t p[4];
    uint32_t pi[4];
    int nb, np;
} got_t;

static void got_balance(void *u, tw_exec_balance_t *b)
{
    got_t *g = u;
    if (g->nb < 4)
        g->b[g->nb++] = *b;
}

static void got_position(void *u, uint32_t instrument, tw_exec_position_t *p)
{
    got_t *g = u;
    if (g->np < 4) {
        g->pi[g->np] = instrument;
        g->p[g->np++] = *p;
    }
}

static void test_decode(void)
{
    CHECK_EQ(tw_gw_event_kind(OTU_TRADE, strlen(OTU_TRADE)), TW_GW_EV_FUT_ORDER);
    CHECK_EQ(tw_gw_event_kind(ACCOUNT, strlen(ACCOUNT)), TW_GW_EV_FUT_ACCOUNT);
    const char *exp = "{\"e\":\"listenKeyExpired\",\"E\":1576653824250,\"listenKey\":\"abc\"}";
    CHECK_EQ(tw_gw_event_kind(exp, strlen(exp)), TW_GW_EV_KEY_EXPIRED);

    tw_exec_report_t rep;
    uint16_t type = 0;
    uint32_t inst = 9;
    CHECK_EQ(tw_gw_fut_order_decode(OTU_TRADE, strlen(OTU_TRADE), INST, 2, &rep, &type, &inst), 1);
    CHECK(type == TW_EXEC_PARTIAL_FILL && inst == 0 && rep.price == 643215 && rep.quantity == 1 &&
          rep.cum_quantity == 1 && rep.fee == 1286430 && rep.fee_exponent == -8 && rep.trade_id == 1234 &&
          rep.venue_order_id == 8886774 && rep.venue_ns == 1568879465649LL * 1000000 &&
          strcmp(rep.client_order_id, "fut-1") == 0 && strcmp(rep.fee_asset, "USDT") == 0 &&
          rep.flags == (TW_EXEC_FLAG_STREAM | TW_EXEC_FLAG_MAKER) && rep.order_type == TW_ORDER_LIMIT_MAKER &&
          rep.side == TW_SIDE_BUY && rep.order_state == TW_OS_PARTIALLY_FILLED);

    char b[2048];
    /* x → record type: NEW, CANCELED, EXPIRED, CALCULATED (liquidation), AMENDMENT; unknown x: not journaled */
    static const struct { const char *x, *st; uint16_t type; } map[] = {
        {"NEW", "NEW", TW_EXEC_ACK}, {"CANCELED", "CANCELED", TW_EXEC_CANCELED},
        {"EXPIRED", "EXPIRED", TW_EXEC_EXPIRED}, {"CALCULATED", "FILLED", TW_EXEC_FILL},
        {"AMENDMENT", "NEW", TW_EXEC_STATUS}, {"TRADE", "FILLED", TW_EXEC_FILL},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        snprintf(b, sizeof(b),
                 "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":2,\"T\":1,\"o\":{\"s\":\"ETHUSDT\",\"c\":\"c%zu\",\"S\":"
                 "\"SELL\",\"o\":\"MARKET\",\"f\":\"GTC\",\"q\":\"1.000\",\"p\":\"0\",\"x\":\"%s\",\"X\":\"%s\","
                 "\"i\":77,\"l\":\"1.000\",\"z\":\"1.000\",\"L\":\"3000.01\",\"T\":5,\"t\":9,\"m\":false}}",
                 i, map[i].x, map[i].st);
        CHECK(tw_gw_fut_order_decode(b, strlen(b), INST, 2, &rep, &type, &inst) == 1 && type == map[i].type &&
              inst == 1);
        if (type == TW_EXEC_FILL)
            CHECK(rep.price == 300001 && rep.quantity == 1000 && rep.order_type == TW_ORDER_MARKET &&
                  (strcmp(map[i].x, "CALCULATED") != 0 || strcmp(rep.text, "liquidation") == 0));
        else
            CHECK(rep.price == 0 && rep.quantity == 1000 && rep.order_state);
    }
    snprintf(b, sizeof(b), "{\"e\":\"ORDER_TRADE_UPDATE\",\"o\":{\"s\":\"ETHUSDT\",\"c\":\"x\",\"x\":\"NEWER\","
                           "\"X\":\"NEW\",\"i\":1}}");
    CHECK_EQ(tw_gw_fut_order_decode(b, strlen(b), INST, 2, &rep, &type, &inst), 0);
    snprintf(b, sizeof(b), "{\"e\":\"ORDER_TRADE_UPDATE\",\"o\":{\"s\":\"DOGEUSDT\",\"c\":\"x\",\"x\":\"NEW\","
                           "\"X\":\"NEW\",\"i\":1}}");
    CHECK_EQ(tw_gw_fut_order_decode(b, strlen(b), INST, 2, &rep, &type, &inst), 0);
    snprintf(b, sizeof(b), "{\"e\":\"ORDER_TRADE_UPDATE\",\"o\":{\"s\":\"ETHUSDT\",\"x\":\"NEW\",\"X\":\"NEW\","
                           "\"i\":1}}"); /* no client id */
    CHECK_EQ(tw_gw_fut_order_decode(b, strlen(b), INST, 2, &rep, &type, &inst), -ENODATA);
    snprintf(b, sizeof(b), "{\"e\":\"ORDER_TRADE_UPDATE\",\"o\":{\"s\":\"ETHUSDT\",\"c\":\"x\",\"x\":\"TRADE\","
                           "\"X\":\"FILLED\",\"i\":1,\"l\":\"1.000\"}}"); /* a fill without its price */
    CHECK_EQ(tw_gw_fut_order_decode(b, strlen(b), INST, 2, &rep, &type, &inst), -ENODATA);
    snprintf(b, sizeof(b), "{\"e\":\"ORDER_TRADE_UPDATE\",\"o\":{\"s\":\"ETHUSDT\",\"c\":\"x\",\"x\":\"TRADE\","
                           "\"X\":\"FILLED\",\"i\":1,\"l\":\"1.0005\",\"L\":\"1\"}}"); /* off the step */
    CHECK(tw_gw_fut_order_decode(b, strlen(b), INST, 2, &rep, &type, &inst) < 0);
    CHECK_EQ(tw_gw_fut_order_decode("{\"e\":\"ORDER_TRADE_UPDATE\"}", 27, INST, 2, &rep, &type, &inst), -ENODATA);

    got_t g;
    memset(&g, 0, sizeof(g));
    tw_gw_account_sink_t sink = {.balance = got_balance, .position = got_position, .user = &g};
    CHECK_EQ(tw_gw_fut_account_decode(ACCOUNT, strlen(ACCOUNT), INST, 2, &sink), 3);
    CHECK(g.nb == 2 && g.np == 1);
    CHECK(strcmp(g.b[0].asset, "USDT") == 0 && g.b[0].free == 12262412345678LL &&
          g.b[0].locked == 12262412345678LL - 10012345678LL && g.b[0].delta == 5012345678LL &&
          g.b[0].exponent == -8 && g.b[0].venue_ns == 1564745798938LL * 1000000);
    CHECK(strcmp(g.b[1].asset, "BUSD") == 0 && g.b[1].locked == 0 && g.b[1].delta == -4912345678LL);
    CHECK(g.pi[0] == 0 && g.p[0].amount == -2 && g.p[0].entry_price == 643215 && g.p[0].unrealized == -12345679 &&
          g.p[0].exponent == -8);
    /* validation only (NULL sink), then refusals that journal nothing */
    CHECK_EQ(tw_gw_fut_account_decode(ACCOUNT, strlen(ACCOUNT), INST, 2, NULL), 3);
    memset(&g, 0, sizeof(g));
    snprintf(b, sizeof(b), "{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[{\"a\":\"USDT\",\"wb\":\"1\"}],\"P\":[{\"s\":"
                           "\"BTCUSDT\",\"pa\":\"0.0001\",\"ep\":\"1\",\"up\":\"0\"}]}}"); /* pa off the step */
    CHECK(tw_gw_fut_account_decode(b, strlen(b), INST, 2, &sink) < 0 && g.nb == 0 && g.np == 0);
    snprintf(b, sizeof(b), "{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[{\"a\":\"USDT\"}]}}"); /* no wb */
    CHECK_EQ(tw_gw_fut_account_decode(b, strlen(b), INST, 2, &sink), -ENODATA);
    snprintf(b, sizeof(b), "{\"e\":\"ACCOUNT_UPDATE\",\"a\":{\"B\":[],\"P\":[{\"s\":\"BTCUSDT\",\"pa\":\"0\","
                           "\"ep\":\"0.05\",\"up\":\"0.000000005\"}]}}"); /* averages round half away from zero */
    CHECK(tw_gw_fut_account_decode(b, strlen(b), INST, 2, &sink) == 1 && g.np == 1 && g.p[0].entry_price == 1 &&
          g.p[0].unrealized == 1 && g.p[0].amount == 0);
    CHECK_EQ(tw_gw_fut_account_decode("{\"e\":\"ACCOUNT_UPDATE\"}", 23, INST, 2, &sink), -ENODATA);
}

/* -------------------------------------------------------------- flow -- */

typedef struct segs {
    tw_shm_t exec, stats;
    tw_ring_cursor_t cur;
    char name[32];
} segs_t;

static void segs_make(segs_t *s, uint32_t slots, uint32_t reserve)
{
    snprintf(s->name, sizeof(s->name), "gwusdm%ld", (long)getpid());
    int r = tw_shm_create(s->name, TW_SEG_EXEC, tw_exec_region_size(slots), 1, &s->exec);
    r = r ? r : tw_exec_init(&s->exec, slots, reserve);
    r = r ? r : tw_shm_commit(&s->exec);
    r = r ? r : tw_shm_create(s->name, TW_SEG_STATS, tw_stats_region_size(2), 1, &s->stats);
    r = r ? r : tw_stats_init(&s->stats, 2);
    r = r ? r : tw_shm_commit(&s->stats);
    r = r ? r : tw_ring_cursor_init(&s->cur, s->exec.base, 1);
    if (r != 0) {
        fprintf(stderr, "segments: %d %s\n", r, tw_error_message());
        exit(2);
    }
    tw_shm_unlink(s->name, TW_SEG_EXEC);
    tw_shm_unlink(s->name, TW_SEG_STATS);
}

typedef struct rec {
    uint16_t type, instrument;
    uint64_t payload[TW_EXEC_PAYLOAD_MAX / 8];
} rec_t;

static int next_rec(segs_t *s, rec_t *out)
{
    tw_slot_header_t h;
    if (tw_ring_poll(&s->cur, &h, out->payload, sizeof(out->payload)) <= 0)
        return 0;
    out->type = h.type;
    out->instrument = h.instrument;
    return 1;
}

#define REP(r) ((const tw_exec_report_t *)(r).payload)

static void feed(tw_gateway_t *gw, int user, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void feed(tw_gateway_t *gw, int user, const char *fmt, ...)
{
    char b[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    if (user)
        tw_gw_on_user_message(gw, b, (size_t)n, tw_real_ns());
    else
        tw_gw_on_message(gw, b, (size_t)n, tw_real_ns());
}

static void submit(tw_gateway_t *gw, uint32_t kind, uint64_t id, const char *cid)
{
    tw_gw_request_t req;
    memset(&req, 0, sizeof(req));
    req.kind = kind;
    req.producer = 0xF0;
    req.cmd = cmd(0, TW_SIDE_BUY, TW_ORDER_LIMIT, TW_TIF_GTC, 643215, 2, cid);
    req.cmd.command_id = id;
    CHECK_EQ(tw_gateway_submit(gw, &req), 0);
    CHECK_EQ(tw_gateway_test_drain(gw), 1);
}

static void test_flow(void)
{
    segs_t s;
    segs_make(&s, 64, 8);
    tw_gateway_config_t c = tw_gateway_config_defaults_for(TW_GW_VENUE_USDM);
    CHECK(strcmp(c.path, "/ws-fapi/v1") == 0 && c.heartbeat_ms == 200000 && strcmp(c.user_path, "/ws/") == 0);
    c.host = "127.0.0.1", c.tls = 0, c.user_tls = 0, c.api_key = "KEY", c.api_secret = SECRET;
    c.instruments = INST, c.instrument_count = 2, c.queue_slots = 8, c.inflight_slots = 4;
    c.user_path = "/fstream/ws/";
    tw_gateway_t *gw = NULL;
    CHECK_EQ(tw_gateway_test_create(&c, s.exec.base, s.stats.base, &gw), 0);
    if (!gw)
        return;
    rec_t r;
    tw_gateway_status_t st;
    CHECK_EQ(tw_gateway_set_listen_key(gw, "bad key"), -EINVAL);
    /* open: no subscription request; orders wait for the user-data stream */
    tw_gw_on_open(gw);
    CHECK(tw_gateway_test_sent(gw, 0) == NULL);
    submit(gw, TW_GW_PLACE, 1, "f1");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_REJECTED && REP(r)->code == TW_REJ_GATEWAY);
    /* a key from "another thread", taken on the next timer pass; the stream opens */
    CHECK_EQ(tw_gateway_set_listen_key(gw, "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"), 0);
    tw_gw_timers(gw, tw_mono_ns());
    CHECK(strncmp(gw->user.key, "pqia91ma", 8) == 0);
    CHECK(tw_gateway_get_status(gw, &st) == 0 && st.has_listen_key && !st.subscribed);
    tw_gw_user_on_open(gw);
    CHECK(tw_gateway_get_status(gw, &st) == 0 && st.subscribed && st.connected && st.user_connects == 1);
    /* place → SENT → the futures answer → ACK */
    tw_gateway_test_reset_sent(gw);
    submit(gw, TW_GW_PLACE, 2, "f2");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_SENT);
    const char *req = tw_gateway_test_sent(gw, 0);
    CHECK(req && strstr(req, "\"positionSide\":\"BOTH\"") && strstr(req, "\"price\":\"64321.5\""));
    char id[32] = "";
    if (req)
        sscanf(req, "{\"id\":\"%31[0-9]\"", id);
    feed(gw, 0, "{\"id\":\"%s\",\"status\":200,\"result\":{\"orderId\":325078477,\"symbol\":\"BTCUSDT\","
                "\"status\":\"NEW\",\"clientOrderId\":\"f2\",\"price\":\"64321.5\",\"avgPrice\":\"0.00\","
                "\"origQty\":\"0.002\",\"executedQty\":\"0.000\",\"cumQty\":\"0.000\",\"cumQuote\":\"0.0000\","
                "\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"reduceOnly\":false,\"closePosition\":false,\"side\":"
                "\"BUY\",\"positionSide\":\"BOTH\",\"stopPrice\":\"0.0\",\"workingType\":\"CONTRACT_PRICE\","
                "\"priceProtect\":false,\"origType\":\"LIMIT\",\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":"
                "\"NONE\",\"goodTillDate\":0,\"updateTime\":1700000000123},\"rateLimits\":[]}",
         id);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_ACK && REP(r)->venue_order_id == 325078477 &&
          REP(r)->order_state == TW_OS_NEW && REP(r)->venue_ns == 1700000000123LL * 1000000 &&
          REP(r)->quantity == 2 && REP(r)->command_id == 2);
    /* cancel-all: refused here, nothing sent */
    tw_gateway_test_reset_sent(gw);
    submit(gw, TW_GW_CANCEL_ALL, 3, "");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_CANCEL_REJECT && REP(r)->flags == TW_EXEC_FLAG_LOCAL &&
          REP(r)->code == TW_REJ_MALFORMED && strstr(REP(r)->text, "cancel-all") != NULL);
    CHECK(tw_gateway_test_sent(gw, 0) == NULL);
    /* user data: a fill, an account update, listenKeyExpired */
    feed(gw, 1, "%s", OTU_TRADE);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_PARTIAL_FILL && REP(r)->recv_ns > 0 && r.instrument == 0);
    feed(gw, 1, "%s", ACCOUNT);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_BALANCE && r.instrument == TW_GW_NO_INSTRUMENT);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_BALANCE);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_POSITION && r.instrument == 0);
    const tw_exec_position_t *p = (const tw_exec_position_t *)r.payload;
    CHECK(p->amount == -2 && p->entry_price == 643215 && p->recv_ns > 0 && p->publish_ns > 0);
    CHECK(!next_rec(&s, &r));
    feed(gw, 1, "{\"e\":\"ORDER_TRADE_UPDATE\",\"o\":7}"); /* malformed: counted, nothing journaled */
    CHECK(!next_rec(&s, &r) && tw_load_u64(&tw_stats_counters(s.stats.base)[TW_CTR_GW_MALFORMED]) == 1);
    feed(gw, 1, "{\"e\":\"listenKeyExpired\",\"E\":1576653824250,\"listenKey\":\"x\"}");
    CHECK(tw_gateway_get_status(gw, &st) == 0 && st.listen_key_expired);
    tw_gw_user_on_close(gw, 0);
    CHECK(tw_gateway_get_status(gw, &st) == 0 && !st.subscribed && st.user_reconnects == 1 && !gw->user.scheduled);
    /* a new key clears the flag */
    CHECK_EQ(tw_gateway_set_listen_key(gw, "newkey2"), 0);
    tw_gw_timers(gw, tw_mono_ns());
    CHECK(tw_gateway_get_status(gw, &st) == 0 && !st.listen_key_expired && strcmp(gw->user.key, "newkey2") == 0);
    tw_gateway_destroy(gw);
    tw_shm_detach(&s.exec);
    tw_shm_detach(&s.stats);

    /* a spot gateway takes no key and ignores futures events */
    c = tw_gateway_config_defaults();
    c.host = "127.0.0.1", c.tls = 0, c.api_key = "KEY", c.api_secret = SECRET, c.instruments = INST;
    c.instrument_count = 2;
    segs_make(&s, 64, 8);
    CHECK_EQ(tw_gateway_test_create(&c, s.exec.base, s.stats.base, &gw), 0);
    if (!gw)
        return;
    CHECK_EQ(tw_gateway_set_listen_key(gw, "abc"), -EINVAL);
    feed(gw, 0, "{\"subscriptionId\":0,\"event\":%s}", OTU_TRADE);
    CHECK(!next_rec(&s, &r) && tw_gateway_get_status(gw, &st) == 0 && st.unknown_events == 1);
    c.venue = 7;
    tw_gateway_t *bad = NULL;
    CHECK_EQ(tw_gateway_test_create(&c, s.exec.base, s.stats.base, &bad), -EINVAL);
    tw_gateway_destroy(gw);
    tw_shm_detach(&s.exec);
    tw_shm_detach(&s.stats);
}

int main(void)
{
    test_encode();
    test_decode();
    test_flow();
    printf("unit_gateway_usdm: %d checks, %d failed\n", cfeed_checks, cfeed_failures);
    return cfeed_failures ? 1 : 0;
}

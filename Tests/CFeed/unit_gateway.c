/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the order gateway (CSources/CEngineCore/gateway*.c), no
 * network: the HMAC against Binance's documented vector, decimal rendering
 * and every request the encoder writes (checked byte for byte and against
 * OpenSSL's one-shot HMAC of the sorted params), the decoders on realistic
 * answers and user-data events, the private SPSC queue (alone and across two
 * threads), and the thread's request/answer/event handling through the test
 * gateway into real exec and stats segments: SENT, ACK, REJECTED, HALT on
 * an authentication error, UNKNOWN after a timeout or a drop and the
 * order.status that follows, journal-full refusals, malformed input.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
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

static const tw_gateway_instrument_t INST[3] = {
    {.symbol = "BTCUSDT", .price_exponent = -2, .qty_exponent = -5},
    {.symbol = "LTCBTC", .price_exponent = -6, .qty_exponent = -3},
    {.symbol = "SHIBUSDT", .price_exponent = -8, .qty_exponent = 0},
};

/* ------------------------------------------------------------ helpers -- */

static void hmac_ref(const char *msg, size_t n, char hex[65])
{
    unsigned char d[32];
    unsigned int dl = 0;
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)msg, n, d, &dl);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
}

/* The value of "name":"…" or "name":123 in text (copied into out). */
static int json_field(const char *text, const char *name, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":", name);
    const char *p = strstr(text, pat);
    if (!p)
        return 0;
    p += strlen(pat);
    int quoted = *p == '"';
    p += quoted;
    size_t n = 0;
    while (p[n] && (quoted ? p[n] != '"' : (p[n] != ',' && p[n] != '}')) && n + 1 < cap)
        n++;
    memcpy(out, p, n);
    out[n] = 0;
    return 1;
}

/* Checks a request: its params (other than signature) sorted by name, and the signature theirs. */
static void check_signed(const char *req)
{
    const char *params = strstr(req, "\"params\":{");
    CHECK(params != NULL);
    if (!params)
        return;
    char payload[2048] = "", prev[64] = "", sig[256] = "";
    const char *p = params + 10;
    while (*p == '"') {
        const char *ke = strchr(p + 1, '"');
        char name[64], val[256];
        snprintf(name, sizeof(name), "%.*s", (int)(ke - p - 1), p + 1);
        const char *v = ke + 2;
        int q = *v == '"';
        const char *ve = q ? strchr(v + 1, '"') : v + strcspn(v, ",}");
        snprintf(val, sizeof(val), "%.*s", (int)(ve - v - q), v + q);
        p = ve + q;
        p += *p == ',';
        if (strcmp(name, "signature") == 0) {
            snprintf(sig, sizeof(sig), "%s", val);
            continue;
        }
        CHECK(strcmp(prev, name) < 0);
        snprintf(prev, sizeof(prev), "%s", name);
        size_t l = strlen(payload);
        snprintf(payload + l, sizeof(payload) - l, "%s%s=%s", l ? "&" : "", name, val);
    }
    char want[65];
    hmac_ref(payload, strlen(payload), want);
    CHECK(strcmp(sig, want) == 0);
}

static tw_command_t place_cmd(uint32_t inst, uint8_t side, uint8_t type, uint8_t tif, int64_t px, int64_t qty,
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

static void encoder(tw_gw_encoder_t *e)
{
    memset(e, 0, sizeof(*e));
    tw_gw_hmac_init(&e->hmac, SECRET, strlen(SECRET));
    e->inst = INST;
    e->ninst = 3;
    e->recv_window_ms = 5000;
    e->key_len = 3;
    memcpy(e->key, "KEY", 3);
}

/* ------------------------------------------------------ sign / encode -- */

static void test_hmac(void)
{
    const char *msg = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                      "&timestamp=1499827319559";
    tw_gw_hmac_t h;
    char hex[65] = {0};
    tw_gw_hmac_init(&h, SECRET, strlen(SECRET));
    tw_gw_hmac_hex(&h, msg, strlen(msg), hex);
    CHECK(strcmp(hex, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71") == 0);
    tw_gw_hmac_hex(&h, msg, strlen(msg), hex); /* the states are reused, not consumed */
    CHECK(strcmp(hex, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71") == 0);
    char longkey[100];
    memset(longkey, 'k', sizeof(longkey)); /* > 64 bytes: hashed first (RFC 2104) */
    tw_gw_hmac_init(&h, longkey, sizeof(longkey));
    tw_gw_hmac_hex(&h, "abc", 3, hex);
    unsigned char d[32];
    unsigned int dl;
    char want[65];
    HMAC(EVP_sha256(), longkey, sizeof(longkey), (const unsigned char *)"abc", 3, d, &dl);
    for (int i = 0; i < 32; i++)
        sprintf(want + 2 * i, "%02x", d[i]);
    CHECK(strcmp(hex, want) == 0);
}

static void test_decimal(void)
{
    static const struct { int64_t m; int e; const char *want; } cases[] = {
        {6400000, -2, "64000.00"}, {150, -5, "0.00150"}, {12, 0, "12"}, {5, 2, "500"}, {1, -8, "0.00000001"},
        {0, -2, "0.00"}, {INT64_MAX, -18, "9.223372036854775807"}, {123456789, -3, "123456.789"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char b[64];
        int n = tw_gw_decimal(b, sizeof(b), cases[i].m, cases[i].e);
        CHECK(n > 0 && (size_t)n == strlen(cases[i].want) && memcmp(b, cases[i].want, (size_t)n) == 0);
    }
    char b[4];
    CHECK_EQ(tw_gw_decimal(b, sizeof(b), 6400000, -2), -ENOBUFS);
    CHECK_EQ(tw_gw_decimal(b, sizeof(b), -1, 0), -EINVAL);
}

static void test_encode(void)
{
    tw_gw_encoder_t e;
    encoder(&e);
    char out[2048];
    tw_command_t c = place_cmd(0, TW_SIDE_BUY, TW_ORDER_LIMIT, TW_TIF_GTC, 6400000, 150, "abc-123");
    int n = tw_gw_encode_place(&e, &c, 65537, 1499827319559, out, sizeof(out));
    CHECK(n > 0);
    out[n > 0 ? n : 0] = 0;
    const char *want_payload = "apiKey=KEY&newClientOrderId=abc-123&newOrderRespType=RESULT&price=64000.00"
                               "&quantity=0.00150&recvWindow=5000&side=BUY&symbol=BTCUSDT&timeInForce=GTC"
                               "&timestamp=1499827319559&type=LIMIT";
    CHECK(e.query_len == strlen(want_payload) && memcmp(e.query, want_payload, e.query_len) == 0);
    char sig[65];
    hmac_ref(want_payload, strlen(want_payload), sig);
    char want[2048];
    snprintf(want, sizeof(want),
             "{\"id\":\"65537\",\"method\":\"order.place\",\"params\":{\"apiKey\":\"KEY\",\"newClientOrderId\":"
             "\"abc-123\",\"newOrderRespType\":\"RESULT\",\"price\":\"64000.00\",\"quantity\":\"0.00150\","
             "\"recvWindow\":5000,\"side\":\"BUY\",\"symbol\":\"BTCUSDT\",\"timeInForce\":\"GTC\","
             "\"timestamp\":1499827319559,\"type\":\"LIMIT\",\"signature\":\"%s\"}}",
             sig);
    CHECK(strcmp(out, want) == 0);
    check_signed(out);

    c = place_cmd(2, TW_SIDE_SELL, TW_ORDER_MARKET, 0, 0, 2500000, "m1"); /* exponent 0 quantity, no price */
    n = tw_gw_encode_place(&e, &c, 1, 1700000000000, out, sizeof(out));
    CHECK(n > 0);
    out[n > 0 ? n : 0] = 0;
    CHECK(strstr(out, "\"quantity\":\"2500000\"") && !strstr(out, "price") && !strstr(out, "timeInForce"));
    CHECK(strstr(out, "\"type\":\"MARKET\"") && strstr(out, "\"side\":\"SELL\""));
    check_signed(out);

    c = place_cmd(1, TW_SIDE_BUY, TW_ORDER_LIMIT_MAKER, TW_TIF_GTC, 1234, 1000, "lm");
    n = tw_gw_encode_place(&e, &c, 2, 1700000000000, out, sizeof(out));
    out[n > 0 ? n : 0] = 0;
    CHECK(strstr(out, "\"price\":\"0.001234\"") && strstr(out, "\"quantity\":\"1.000\"") &&
          !strstr(out, "timeInForce") && strstr(out, "LIMIT_MAKER"));
    check_signed(out);

    tw_command_t bad = place_cmd(0, 3, TW_ORDER_LIMIT, TW_TIF_GTC, 1, 1, "x");
    CHECK_EQ(tw_gw_encode_place(&e, &bad, 1, 1, out, sizeof(out)), -EINVAL);
    bad = place_cmd(0, TW_SIDE_BUY, TW_ORDER_LIMIT, TW_TIF_GTC, 1, 0, "x");
    CHECK_EQ(tw_gw_encode_place(&e, &bad, 1, 1, out, sizeof(out)), -EINVAL);
    bad = place_cmd(0, TW_SIDE_BUY, TW_ORDER_LIMIT, TW_TIF_GTC, 1, 1, "no spaces");
    CHECK_EQ(tw_gw_encode_place(&e, &bad, 1, 1, out, sizeof(out)), -EINVAL);
    bad = place_cmd(9, TW_SIDE_BUY, TW_ORDER_LIMIT, TW_TIF_GTC, 1, 1, "x");
    CHECK_EQ(tw_gw_encode_place(&e, &bad, 1, 1, out, sizeof(out)), -EINVAL);
    c = place_cmd(0, TW_SIDE_BUY, TW_ORDER_LIMIT, TW_TIF_GTC, 6400000, 150, "abc-123");
    CHECK_EQ(tw_gw_encode_place(&e, &c, 1, 1, out, 100), -ENOBUFS);

    c = place_cmd(0, 0, 0, 0, 0, 0, "abc-123");
    n = tw_gw_encode_cancel(&e, &c, 9, 1700000000000, out, sizeof(out));
    out[n > 0 ? n : 0] = 0;
    CHECK(strstr(out, "\"method\":\"order.cancel\"") && strstr(out, "\"origClientOrderId\":\"abc-123\""));
    CHECK(strcmp(e.query, "") != 0 && strncmp(e.query, "apiKey=KEY&origClientOrderId=abc-123&recvWindow=5000"
                                                       "&symbol=BTCUSDT&timestamp=1700000000000", e.query_len) == 0);
    check_signed(out);
    c.target_id = 12569099453ull;
    n = tw_gw_encode_status(&e, &c, 10, 1700000000000, out, sizeof(out));
    out[n > 0 ? n : 0] = 0;
    CHECK(strstr(out, "\"method\":\"order.status\"") && strstr(out, "\"orderId\":12569099453,") &&
          !strstr(out, "origClientOrderId"));
    check_signed(out);
    n = tw_gw_encode_cancel_all(&e, 1, 11, 1700000000000, out, sizeof(out));
    out[n > 0 ? n : 0] = 0;
    CHECK(strstr(out, "\"method\":\"openOrders.cancelAll\"") && strstr(out, "\"symbol\":\"LTCBTC\""));
    check_signed(out);
    n = tw_gw_encode_subscribe(&e, 12, 1700000000000, out, sizeof(out));
    out[n > 0 ? n : 0] = 0;
    CHECK(strstr(out, "\"method\":\"userDataStream.subscribe.signature\"") && strstr(out, "\"apiKey\":\"KEY\""));
    check_signed(out);
}

/* ------------------------------------------------------------ decode -- */

static const char *EXEC_TRADE =
    "{\"e\":\"executionReport\",\"E\":1499405658658,\"s\":\"BTCUSDT\",\"c\":\"mUvoqJxFIILMdfAW5iGSOW\","
    "\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"1.00000000\",\"p\":\"64000.00000000\",\"P\":\"0.00000000\","
    "\"F\":\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\",\"r\":\"NONE\","
    "\"i\":4293153,\"l\":\"0.25000000\",\"z\":\"0.40000000\",\"L\":\"63999.50000000\",\"n\":\"0.00012500\","
    "\"N\":\"BNB\",\"T\":1499405658657,\"t\":27,\"I\":8641984,\"w\":false,\"m\":true,\"M\":false,"
    "\"O\":1499405658657,\"Z\":\"25599.80000000\",\"Y\":\"15999.87500000\",\"Q\":\"0.00000000\","
    "\"W\":1499405658657,\"V\":\"NONE\"}";

static void test_decode(void)
{
    tw_gw_msg_t m;
    const char *ok = "{\"id\":\"65537\",\"status\":200,\"result\":{\"symbol\":\"BTCUSDT\",\"orderId\":12569099453,"
                     "\"orderListId\":-1,\"clientOrderId\":\"abc-123\",\"transactTime\":1660801715793,"
                     "\"price\":\"64000.00000000\",\"origQty\":\"0.00150000\",\"executedQty\":\"0.00050000\","
                     "\"cummulativeQuoteQty\":\"32.00000000\",\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\","
                     "\"type\":\"LIMIT\",\"side\":\"BUY\",\"workingTime\":1660801715793,"
                     "\"selfTradePreventionMode\":\"NONE\"},\"rateLimits\":[{\"rateLimitType\":\"ORDERS\","
                     "\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":50,\"count\":1}]}";
    CHECK_EQ(tw_gw_envelope(ok, strlen(ok), &m), 0);
    CHECK(m.has_id && m.id == 65537 && m.status == 200 && m.result && m.result[0] == '{' && !m.event);
    tw_gw_order_t o;
    CHECK_EQ(tw_gw_order_decode(m.result, m.result_len, -2, -5, &o), 0);
    CHECK(o.order_id == 12569099453ull && o.price == 6400000 && o.orig_qty == 150 && o.executed_qty == 50);
    CHECK(o.state == TW_OS_PARTIALLY_FILLED && o.side == TW_SIDE_BUY && o.type == TW_ORDER_LIMIT);
    CHECK(o.cum_quote == 320000000 && o.time_ms == 1660801715793 && o.client_id_len == 7);
    CHECK_EQ(tw_gw_order_decode(m.result, m.result_len, -2, -3, &o), -ERANGE); /* 0.0015 at -3: never rounded */

    const char *err = "{\"id\":\"3\",\"status\":400,\"error\":{\"code\":-2010,\"msg\":\"Account has insufficient "
                      "balance for requested action.\"},\"rateLimits\":[]}";
    CHECK_EQ(tw_gw_envelope(err, strlen(err), &m), 0);
    CHECK(m.id == 3 && m.status == 400 && m.code == -2010 && m.msg_len == strlen("Account has insufficient balance for requested action.") && !m.result);

    const char *ev = "{\"subscriptionId\":0,\"event\":{\"e\":\"balanceUpdate\",\"E\":1573200697110,\"a\":\"BTC\","
                     "\"d\":\"100.00001000\",\"T\":1573200697068}}";
    CHECK_EQ(tw_gw_envelope(ev, strlen(ev), &m), 0);
    CHECK(m.event && !m.has_id);
    CHECK_EQ(tw_gw_event_kind(m.event, m.event_len), TW_GW_EV_BALANCE);
    tw_exec_balance_t b[4];
    CHECK_EQ(tw_gw_balance_decode(m.event, m.event_len, b), 0);
    CHECK(strcmp(b[0].asset, "BTC") == 0 && b[0].delta == 10000001000LL && b[0].exponent == -8);
    CHECK(b[0].venue_ns == 1573200697068LL * 1000000 && b[0].free == 0);

    const char *acct = "{\"e\":\"outboundAccountPosition\",\"E\":1564034571105,\"u\":1564034571073,\"B\":[{\"a\":"
                       "\"ETH\",\"f\":\"10000.000000\",\"l\":\"0.000000\"},{\"a\":\"USDT\",\"f\":\"12.5\",\"l\":"
                       "\"3.25000000\"}]}";
    CHECK_EQ(tw_gw_event_kind(acct, strlen(acct)), TW_GW_EV_ACCOUNT);
    CHECK_EQ(tw_gw_account_decode(acct, strlen(acct), b, 4), 2);
    CHECK(strcmp(b[0].asset, "ETH") == 0 && b[0].free == 1000000000000LL && b[0].locked == 0);
    CHECK(strcmp(b[1].asset, "USDT") == 0 && b[1].free == 1250000000 && b[1].locked == 325000000);
    CHECK(b[1].venue_ns == 1564034571105LL * 1000000);
    CHECK_EQ(tw_gw_account_decode(acct, strlen(acct), b, 1), -ENOBUFS);

    tw_exec_report_t r;
    uint16_t type = 0;
    uint32_t inst = 99;
    CHECK_EQ(tw_gw_event_kind(EXEC_TRADE, strlen(EXEC_TRADE)), TW_GW_EV_EXECUTION);
    CHECK_EQ(tw_gw_exec_decode(EXEC_TRADE, strlen(EXEC_TRADE), INST, 3, &r, &type, &inst), 1);
    CHECK(type == TW_EXEC_PARTIAL_FILL && inst == 0 && r.venue_order_id == 4293153 && r.trade_id == 27);
    CHECK(r.price == 6399950 && r.quantity == 25000 && r.cum_quantity == 40000 && r.cum_quote == 255998000000LL);
    CHECK(r.fee == 12500 && r.fee_exponent == -8 && strcmp(r.fee_asset, "BNB") == 0);
    CHECK(r.flags == (TW_EXEC_FLAG_STREAM | TW_EXEC_FLAG_MAKER) && r.order_state == TW_OS_PARTIALLY_FILLED);
    CHECK(r.venue_ns == 1499405658657LL * 1000000 && strcmp(r.client_order_id, "mUvoqJxFIILMdfAW5iGSOW") == 0);
    CHECK(r.side == TW_SIDE_BUY && r.order_type == TW_ORDER_LIMIT && r.tif == TW_TIF_GTC);

    char buf[2048];
    const char *filled = "{\"e\":\"executionReport\",\"s\":\"BTCUSDT\",\"c\":\"a\",\"S\":\"SELL\",\"o\":\"MARKET\","
                         "\"f\":\"GTC\",\"q\":\"0.00100000\",\"p\":\"0.00000000\",\"x\":\"TRADE\",\"X\":\"FILLED\","
                         "\"i\":5,\"l\":\"0.00100000\",\"z\":\"0.00100000\",\"L\":\"64000.01000000\",\"n\":\"0\","
                         "\"N\":null,\"T\":1,\"t\":9,\"m\":false,\"Z\":\"64.00001000\",\"C\":\"\"}";
    CHECK_EQ(tw_gw_exec_decode(filled, strlen(filled), INST, 3, &r, &type, &inst), 1);
    CHECK(type == TW_EXEC_FILL && r.flags == TW_EXEC_FLAG_STREAM && r.price == 6400001 && r.quantity == 100);
    CHECK(r.order_type == TW_ORDER_MARKET && r.side == TW_SIDE_SELL && r.fee_asset[0] == 0);
    const char *canceled = "{\"e\":\"executionReport\",\"s\":\"LTCBTC\",\"c\":\"cancelreq1\",\"C\":\"orig-7\","
                           "\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"1.000\",\"p\":\"0.001234\",\"x\":"
                           "\"CANCELED\",\"X\":\"CANCELED\",\"i\":77,\"l\":\"0\",\"z\":\"0.5\",\"L\":\"0\",\"t\":-1,"
                           "\"E\":1700000000001}";
    CHECK_EQ(tw_gw_exec_decode(canceled, strlen(canceled), INST, 3, &r, &type, &inst), 1);
    CHECK(type == TW_EXEC_CANCELED && inst == 1 && strcmp(r.client_order_id, "orig-7") == 0 && r.trade_id == 0);
    CHECK(r.price == 1234 && r.quantity == 1000 && r.cum_quantity == 500 && r.order_state == TW_OS_CANCELED);
    snprintf(buf, sizeof(buf), "%s", canceled);
    memcpy(strstr(buf, "\"CANCELED\",\"X\":\"CANCELED\""), "\"EXPIRED\" ,\"X\":\"EXPIRED\" ", 25);
    CHECK_EQ(tw_gw_exec_decode(buf, strlen(buf), INST, 3, &r, &type, &inst), 1);
    CHECK(type == TW_EXEC_EXPIRED && r.order_state == TW_OS_EXPIRED);
    const char *rej = "{\"e\":\"executionReport\",\"s\":\"BTCUSDT\",\"c\":\"r1\",\"x\":\"REJECTED\",\"X\":\"REJECTED\","
                      "\"r\":\"INSUFFICIENT_BALANCE\",\"i\":1,\"q\":\"1\",\"p\":\"1\"}";
    CHECK_EQ(tw_gw_exec_decode(rej, strlen(rej), INST, 3, &r, &type, &inst), 1);
    CHECK(type == TW_EXEC_REJECTED && strcmp(r.text, "INSUFFICIENT_BALANCE") == 0);
    const char *newr = "{\"e\":\"executionReport\",\"s\":\"BTCUSDT\",\"c\":\"n1\",\"x\":\"NEW\",\"X\":\"NEW\",\"i\":1,"
                       "\"q\":\"0.001\",\"p\":\"1.5\"}";
    CHECK_EQ(tw_gw_exec_decode(newr, strlen(newr), INST, 3, &r, &type, &inst), 1);
    CHECK(type == TW_EXEC_ACK && r.order_state == TW_OS_NEW && r.price == 150 && r.quantity == 100);
    const char *other = "{\"e\":\"executionReport\",\"s\":\"ETHUSDT\",\"c\":\"n1\",\"x\":\"NEW\",\"X\":\"NEW\",\"i\":1}";
    CHECK_EQ(tw_gw_exec_decode(other, strlen(other), INST, 3, &r, &type, &inst), 0); /* not our symbol */
    const char *missing = "{\"e\":\"executionReport\",\"s\":\"BTCUSDT\",\"x\":\"NEW\",\"X\":\"NEW\",\"i\":1}";
    CHECK_EQ(tw_gw_exec_decode(missing, strlen(missing), INST, 3, &r, &type, &inst), -ENODATA);
    const char *toofine = "{\"e\":\"executionReport\",\"s\":\"BTCUSDT\",\"c\":\"n\",\"x\":\"NEW\",\"X\":\"NEW\",\"i\":1,"
                          "\"p\":\"1.001\"}";
    CHECK_EQ(tw_gw_exec_decode(toofine, strlen(toofine), INST, 3, &r, &type, &inst), -ERANGE);
    CHECK(tw_gw_envelope("{\"id\":", 6, &m) < 0);
    CHECK(tw_gw_envelope("{\"foo\":1}", 9, &m) < 0);
    CHECK_EQ(tw_gw_event_kind("{\"e\":\"listStatus\"}", 18), TW_GW_EV_UNKNOWN);
}

/* ------------------------------------------------------------- queue -- */

enum { QUEUE_N = 1 << 20 };

static void *producer(void *arg)
{
    tw_gateway_t *gw = arg;
    tw_gw_request_t req;
    memset(&req, 0, sizeof(req));
    req.kind = TW_GW_PLACE;
    for (uint64_t i = 1; i <= QUEUE_N;) {
        req.cmd.command_id = i;
        req.producer = ~i;
        if (tw_gateway_submit(gw, &req) == 0)
            i++;
    }
    return NULL;
}

static tw_gateway_config_t test_config(void)
{
    tw_gateway_config_t c = tw_gateway_config_defaults();
    c.host = "127.0.0.1";
    c.tls = 0;
    c.api_key = "KEY";
    c.api_secret = SECRET;
    c.instruments = INST;
    c.instrument_count = 3;
    c.queue_slots = 8;
    c.inflight_slots = 4;
    return c;
}

typedef struct segs {
    tw_shm_t exec, stats;
    tw_ring_cursor_t cur;
    char name[32];
} segs_t;

static void segs_make(segs_t *s, uint32_t slots, uint32_t reserve)
{
    snprintf(s->name, sizeof(s->name), "gwtest%ld", (long)getpid());
    int r = tw_shm_create(s->name, TW_SEG_EXEC, tw_exec_region_size(slots), 1, &s->exec);
    r = r ? r : tw_exec_init(&s->exec, slots, reserve);
    r = r ? r : tw_shm_commit(&s->exec);
    r = r ? r : tw_shm_create(s->name, TW_SEG_STATS, tw_stats_region_size(3), 1, &s->stats);
    r = r ? r : tw_stats_init(&s->stats, 3);
    r = r ? r : tw_shm_commit(&s->stats);
    r = r ? r : tw_ring_cursor_init(&s->cur, s->exec.base, 1);
    if (r != 0) {
        fprintf(stderr, "segments: %d %s\n", r, tw_error_message());
        exit(2);
    }
    tw_shm_unlink(s->name, TW_SEG_EXEC);
    tw_shm_unlink(s->name, TW_SEG_STATS);
}

static void segs_free(segs_t *s)
{
    tw_shm_detach(&s->exec);
    tw_shm_detach(&s->stats);
}

static void test_queue(void)
{
    segs_t s;
    segs_make(&s, 64, 4);
    tw_gateway_config_t c = test_config();
    tw_gateway_t *gw = NULL;
    CHECK_EQ(tw_gateway_test_create(&c, s.exec.base, s.stats.base, &gw), 0);
    if (!gw)
        return;
    tw_gw_request_t req, got;
    memset(&req, 0, sizeof(req));
    req.kind = TW_GW_PLACE;
    for (int i = 0; i < 8; i++) {
        req.cmd.command_id = (uint64_t)i;
        CHECK_EQ(tw_gateway_submit(gw, &req), 0);
    }
    CHECK_EQ(tw_gateway_submit(gw, &req), -ENOBUFS);
    req.kind = 99;
    CHECK_EQ(tw_gateway_submit(gw, &req), -EINVAL);
    for (int i = 0; i < 8; i++)
        CHECK(tw_gw_queue_pop(gw, &got) == 1 && got.cmd.command_id == (uint64_t)i);
    CHECK_EQ(tw_gw_queue_pop(gw, &got), 0);
    pthread_t t;
    pthread_create(&t, NULL, producer, gw);
    uint64_t next = 1, bad = 0;
    while (next <= QUEUE_N)
        if (tw_gw_queue_pop(gw, &got)) {
            bad += got.cmd.command_id != next || got.producer != ~next;
            next++;
        }
    pthread_join(t, NULL);
    CHECK_EQ(bad, 0);
    CHECK_EQ(tw_gw_queue_pop(gw, &got), 0);
    tw_gateway_destroy(gw);
    segs_free(&s);
}

/* -------------------------------------------------------------- flow -- */

typedef struct rec {
    uint16_t type, instrument;
    tw_exec_report_t rep;
    tw_exec_balance_t bal;
} rec_t;

/* The next journal record, or 0 when none. */
static int next_rec(segs_t *s, rec_t *out)
{
    tw_slot_header_t h;
    uint64_t payload[TW_EXEC_PAYLOAD_MAX / 8];
    int r = tw_ring_poll(&s->cur, &h, payload, sizeof(payload));
    if (r <= 0)
        return 0;
    out->type = h.type;
    out->instrument = h.instrument;
    memcpy(&out->rep, payload, sizeof(out->rep));
    memcpy(&out->bal, payload, sizeof(out->bal));
    return 1;
}

static uint64_t sent_id(const tw_gateway_t *gw, uint32_t i)
{
    char v[32] = "";
    const char *t = tw_gateway_test_sent(gw, i);
    return t && json_field(t, "id", v, sizeof(v)) ? strtoull(v, NULL, 10) : 0;
}

static void feed(tw_gateway_t *gw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void feed(tw_gateway_t *gw, const char *fmt, ...)
{
    char b[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    tw_gw_on_message(gw, b, (size_t)n, tw_real_ns());
}

static uint64_t counter(const segs_t *s, uint32_t id)
{
    return tw_load_u64(&tw_stats_counters(s->stats.base)[id]);
}

static void submit_place(tw_gateway_t *gw, uint64_t command_id, const char *cid)
{
    tw_gw_request_t req;
    memset(&req, 0, sizeof(req));
    req.kind = TW_GW_PLACE;
    req.producer = 0xABC;
    req.cmd = place_cmd(0, TW_SIDE_BUY, TW_ORDER_LIMIT, TW_TIF_GTC, 6400000, 150, cid);
    req.cmd.command_id = command_id;
    CHECK_EQ(tw_gateway_submit(gw, &req), 0);
    CHECK_EQ(tw_gateway_test_drain(gw), 1);
}

static const char *ORDER_RESULT = "{\"symbol\":\"BTCUSDT\",\"orderId\":%d,\"clientOrderId\":\"%s\",\"transactTime\":"
                                  "1660801715793,\"price\":\"64000.00\",\"origQty\":\"0.00150\",\"executedQty\":"
                                  "\"0.00000\",\"cummulativeQuoteQty\":\"0.0\",\"status\":\"%s\",\"side\":\"BUY\"}";

static void flow_connect(tw_gateway_t *gw, segs_t *s)
{
    tw_gateway_status_t st;
    tw_gateway_test_reset_sent(gw);
    tw_gw_on_open(gw);
    const char *sub = tw_gateway_test_sent(gw, 0);
    CHECK(sub && strstr(sub, "userDataStream.subscribe.signature"));
    if (sub)
        check_signed(sub);
    CHECK(tw_gateway_get_status(gw, &st) == 0 && st.connected && !st.subscribed);
    feed(gw, "{\"id\":\"%" PRIu64 "\",\"status\":200,\"result\":{\"subscriptionId\":0}}", sent_id(gw, 0));
    CHECK(tw_gateway_get_status(gw, &st) == 0 && st.subscribed);
    (void)s;
}

static void test_flow(void)
{
    segs_t s;
    segs_make(&s, 64, 8);
    tw_gateway_config_t c = test_config();
    tw_gateway_t *gw = NULL;
    CHECK_EQ(tw_gateway_test_create(&c, s.exec.base, s.stats.base, &gw), 0);
    if (!gw)
        return;
    rec_t r;
    tw_gateway_status_t st;
    /* not connected yet: refused locally */
    submit_place(gw, 1, "o1");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_REJECTED && r.rep.code == TW_REJ_GATEWAY &&
          r.rep.flags == TW_EXEC_FLAG_LOCAL && r.rep.command_id == 1 && r.rep.producer == 0xABC);
    flow_connect(gw, &s);
    /* place → SENT → answer ACK */
    tw_gateway_test_reset_sent(gw);
    submit_place(gw, 2, "o2");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_SENT && r.rep.order_state == TW_OS_SUBMITTED &&
          strcmp(r.rep.client_order_id, "o2") == 0 && r.instrument == 0 && r.rep.strategy_id == 7);
    const char *req = tw_gateway_test_sent(gw, 0);
    CHECK(req && strstr(req, "\"method\":\"order.place\"") && strstr(req, "\"price\":\"64000.00\""));
    if (req)
        check_signed(req);
    CHECK_EQ(counter(&s, TW_CTR_GW_SENT), 1);
    char res[1024];
    snprintf(res, sizeof(res), ORDER_RESULT, 555, "o2", "NEW");
    feed(gw, "{\"id\":\"%" PRIu64 "\",\"status\":200,\"result\":%s,\"rateLimits\":[]}", sent_id(gw, 0), res);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_ACK && r.rep.venue_order_id == 555 &&
          r.rep.order_state == TW_OS_NEW && r.rep.command_id == 2 && r.rep.flags == 0 && r.rep.recv_ns > 0);
    CHECK(tw_gateway_get_status(gw, &st) == 0 && st.in_flight == 0);
    /* the same answer again: stale */
    feed(gw, "{\"id\":\"%" PRIu64 "\",\"status\":200,\"result\":%s}", sent_id(gw, 0), res);
    CHECK(!next_rec(&s, &r) && tw_gateway_get_status(gw, &st) == 0 && st.stale_answers == 1);
    /* venue rejection */
    tw_gateway_test_reset_sent(gw);
    submit_place(gw, 3, "o3");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_SENT);
    feed(gw, "{\"id\":\"%" PRIu64 "\",\"status\":400,\"error\":{\"code\":-2010,\"msg\":\"Account has insufficient "
             "balance for requested action.\"}}", sent_id(gw, 0));
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_REJECTED && r.rep.code == -2010 && r.rep.command_id == 3 &&
          strncmp(r.rep.text, "Account has insufficient", 24) == 0 && !(r.rep.flags & TW_EXEC_FLAG_LOCAL));
    /* cancel → CANCELED (answer) */
    tw_gateway_test_reset_sent(gw);
    tw_gw_request_t cx;
    memset(&cx, 0, sizeof(cx));
    cx.kind = TW_GW_CANCEL;
    cx.cmd.command_id = 4;
    snprintf(cx.cmd.client_order_id, sizeof(cx.cmd.client_order_id), "o2");
    CHECK_EQ(tw_gateway_submit(gw, &cx), 0);
    tw_gateway_test_drain(gw);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_SENT && r.rep.order_state == TW_OS_CANCEL_PENDING);
    feed(gw, "{\"id\":\"%" PRIu64 "\",\"status\":200,\"result\":{\"symbol\":\"BTCUSDT\",\"origClientOrderId\":"
             "\"o2\",\"orderId\":555,\"clientOrderId\":\"xyz\",\"executedQty\":\"0.00010\",\"status\":\"CANCELED\"}}",
         sent_id(gw, 0));
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_CANCELED && strcmp(r.rep.client_order_id, "o2") == 0 &&
          r.rep.cum_quantity == 10 && r.rep.venue_order_id == 555);
    /* cancel-all → one CANCELED per order; an unknown order → CANCEL_REJECT */
    tw_gateway_test_reset_sent(gw);
    cx.kind = TW_GW_CANCEL_ALL;
    cx.cmd.command_id = 5;
    CHECK_EQ(tw_gateway_submit(gw, &cx), 0);
    tw_gateway_test_drain(gw);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_SENT);
    feed(gw, "{\"id\":\"%" PRIu64 "\",\"status\":200,\"result\":[{\"symbol\":\"BTCUSDT\",\"origClientOrderId\":"
             "\"a1\",\"orderId\":1,\"status\":\"CANCELED\"},{\"orderListId\":3,\"orderReports\":[]},{\"symbol\":"
             "\"BTCUSDT\",\"origClientOrderId\":\"a2\",\"orderId\":2,\"status\":\"CANCELED\"}]}", sent_id(gw, 0));
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_CANCELED && strcmp(r.rep.client_order_id, "a1") == 0);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_CANCELED && r.rep.venue_order_id == 2 && r.rep.command_id == 5);
    CHECK(!next_rec(&s, &r));
    /* user data: a fill, a balance snapshot, an unknown event, garbage */
    feed(gw, "{\"subscriptionId\":0,\"event\":%s}", EXEC_TRADE);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_PARTIAL_FILL && r.rep.trade_id == 27 && r.rep.recv_ns > 0);
    feed(gw, "{\"subscriptionId\":0,\"event\":{\"e\":\"outboundAccountPosition\",\"E\":1,\"u\":1,\"B\":[{\"a\":"
             "\"BTC\",\"f\":\"1.5\",\"l\":\"0\"}]}}");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_BALANCE && r.instrument == TW_GW_NO_INSTRUMENT &&
          r.bal.free == 150000000 && strcmp(r.bal.asset, "BTC") == 0 && r.bal.publish_ns > 0);
    feed(gw, "{\"subscriptionId\":0,\"event\":{\"e\":\"listStatus\",\"E\":1}}");
    CHECK(tw_gateway_get_status(gw, &st) == 0 && st.unknown_events == 1);
    uint64_t mal = counter(&s, TW_CTR_GW_MALFORMED);
    feed(gw, "{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"s\":");
    feed(gw, "not json at all");
    CHECK_EQ(counter(&s, TW_CTR_GW_MALFORMED), mal + 2);
    CHECK_EQ(counter(&s, TW_CTR_GW_EVENTS), 2);
    /* timeout → UNKNOWN → order.status → STATUS */
    tw_gateway_test_reset_sent(gw);
    submit_place(gw, 6, "o6");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_SENT);
    tw_gw_timers(gw, tw_mono_ns() + 6000 * 1000000LL);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_STATUS && r.rep.order_state == TW_OS_UNKNOWN &&
          r.rep.flags == TW_EXEC_FLAG_LOCAL && r.rep.command_id == 6);
    const char *q = tw_gateway_test_sent(gw, 1);
    CHECK(q && strstr(q, "\"method\":\"order.status\"") && strstr(q, "\"origClientOrderId\":\"o6\""));
    snprintf(res, sizeof(res), ORDER_RESULT, 666, "o6", "FILLED");
    feed(gw, "{\"id\":\"%" PRIu64 "\",\"status\":200,\"result\":%s}", sent_id(gw, 1), res);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_STATUS && r.rep.order_state == TW_OS_FILLED &&
          r.rep.command_id == 6 && r.rep.venue_order_id == 666);
    /* a drop with a request in flight → UNKNOWN; after reconnect + subscribe → order.status */
    tw_gateway_test_reset_sent(gw);
    submit_place(gw, 7, "o7");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_SENT);
    tw_gw_on_close(gw, -ECONNRESET);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_STATUS && r.rep.order_state == TW_OS_UNKNOWN && r.rep.command_id == 7);
    CHECK(tw_gateway_get_status(gw, &st) == 0 && !st.connected && st.reconnects == 1 && st.in_flight == 1);
    flow_connect(gw, &s);
    q = tw_gateway_test_sent(gw, 1);
    CHECK(q && strstr(q, "\"method\":\"order.status\"") && strstr(q, "\"origClientOrderId\":\"o7\""));
    feed(gw, "{\"id\":\"%" PRIu64 "\",\"status\":400,\"error\":{\"code\":-2013,\"msg\":\"Order does not exist.\"}}",
         sent_id(gw, 1));
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_STATUS && r.rep.order_state == TW_OS_REJECTED &&
          r.rep.code == -2013 && r.rep.command_id == 7);
    /* the journal from outside (risk answers) */
    tw_gw_request_t jr;
    memset(&jr, 0, sizeof(jr));
    jr.kind = TW_GW_JOURNAL;
    jr.exec_type = TW_EXEC_ACCEPTED;
    jr.cmd.instrument = 2;
    jr.report.command_id = 99;
    CHECK_EQ(tw_gateway_submit(gw, &jr), 0);
    tw_gateway_test_drain(gw);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_ACCEPTED && r.instrument == 2 && r.rep.command_id == 99);
    /* an authentication error: REJECTED, HALT, then new orders refused */
    tw_gateway_test_reset_sent(gw);
    submit_place(gw, 8, "o8");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_SENT);
    feed(gw, "{\"id\":\"%" PRIu64 "\",\"status\":401,\"error\":{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or "
             "permissions for action.\"}}", sent_id(gw, 0));
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_REJECTED && r.rep.code == -2015);
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_HALT && r.rep.code == -2015 && r.rep.flags == TW_EXEC_FLAG_LOCAL);
    CHECK(tw_gateway_get_status(gw, &st) == 0 && st.halted && strncmp(st.halt_reason, "Invalid API-key", 15) == 0);
    submit_place(gw, 9, "o9");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_REJECTED && r.rep.code == TW_REJ_HALTED &&
          r.rep.flags == TW_EXEC_FLAG_LOCAL && r.rep.command_id == 9);
    feed(gw, "{\"id\":\"1\",\"status\":401,\"error\":{\"code\":-1022,\"msg\":\"x\"}}"); /* stale: no second HALT */
    CHECK(!next_rec(&s, &r));
    tw_gateway_destroy(gw);
    segs_free(&s);

    /* a journal near full refuses new orders (TW_REJ_JOURNAL_FULL), with a generated client id */
    segs_make(&s, 16, 15);
    CHECK_EQ(tw_gateway_test_create(&c, s.exec.base, s.stats.base, &gw), 0);
    if (!gw)
        return;
    flow_connect(gw, &s);
    submit_place(gw, 10, "");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_SENT && strcmp(r.rep.client_order_id, "twabcxa") == 0);
    submit_place(gw, 11, "o11");
    CHECK(next_rec(&s, &r) && r.type == TW_EXEC_REJECTED && r.rep.code == TW_REJ_JOURNAL_FULL);
    tw_gateway_destroy(gw);
    segs_free(&s);
}

int main(void)
{
    test_hmac();
    test_decimal();
    test_encode();
    test_decode();
    test_queue();
    test_flow();
    printf("unit_gateway: %d checks, %d failed\n", cfeed_checks, cfeed_failures);
    return cfeed_failures ? 1 : 0;
}

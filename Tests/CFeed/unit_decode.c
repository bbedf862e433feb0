/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of decimal parsing and the Binance decoders, on lines copied
 * verbatim from the recorded data (hftbacktest spot BTCUSDT 2024-08-08 and
 * cryptofeed USD-M futures 2021-07-22, see ../shared/data/README.md) plus
 * hand-made edge cases: any field order, unknown nested fields, missing
 * fields, too many levels, and every truncation of a real message.
 */
#include <errno.h>
#include <stdint.h>

#include "cfeed.h"
#include "tickwire/binance.h"
#include "tickwire/json.h"

#define S(lit) lit, sizeof(lit) - 1

static int64_t dec(const char *s, int e, int *r)
{
    int64_t v = -777;
    *r = tw_decimal_parse(s, strlen(s), e, &v);
    return v;
}

static void test_decimal(void)
{
    int r;
    CHECK_EQ(dec("61737.63000000", -2, &r), 6173763); CHECK_EQ(r, 0);
    CHECK_EQ(dec("0.00000000", -5, &r), 0); CHECK_EQ(r, 0);
    CHECK_EQ(dec("1", -2, &r), 100); CHECK_EQ(r, 0);
    CHECK_EQ(dec("-0.5", -1, &r), -5); CHECK_EQ(r, 0);
    CHECK_EQ(dec("0001.10", -2, &r), 110); CHECK_EQ(r, 0);
    CHECK_EQ(dec("0.00000100", -8, &r), 100); CHECK_EQ(r, 0);
    CHECK_EQ(dec("1200", 2, &r), 12); CHECK_EQ(r, 0);
    CHECK_EQ(dec("1200.000", 2, &r), 12); CHECK_EQ(r, 0);
    CHECK_EQ(dec("92233720368547758.07", -2, &r), INT64_MAX); CHECK_EQ(r, 0);
    CHECK_EQ(dec("-92233720368547758.07", -2, &r), -INT64_MAX); CHECK_EQ(r, 0);
    dec("61737.63100000", -2, &r); CHECK_EQ(r, -ERANGE); /* precision beyond the tick: never rounded */
    dec("25.42618900", -5, &r); CHECK_EQ(r, -ERANGE);    /* a real BTCUSDT level, see golden.c */
    dec("92233720368547758.08", -2, &r); CHECK_EQ(r, -ERANGE);
    dec("99999999999999999999", 0, &r); CHECK_EQ(r, -ERANGE);
    dec("1", -19, &r); CHECK_EQ(r, -EINVAL);
    dec("1250", 2, &r); CHECK_EQ(r, -ERANGE);
    dec("12.5", 0, &r); CHECK_EQ(r, -ERANGE);
    static const char *bad[] = {"", "-", ".", "1.", ".5", "1e5", "+1", " 1", "1 ", "1.2.3", "0x10", "1,5", "--1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        dec(bad[i], -2, &r);
        CHECK_EQ(r, -EINVAL);
    }
    int64_t v = 0;
    CHECK_EQ(tw_decimal_parse("12345", 3, 0, &v), 0); /* the length is respected, no NUL needed */
    CHECK_EQ(v, 123);
}

static const char hft_depth[] =
    "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1723161255208,\"s\":\"BTCUSDT\","
    "\"U\":50093239189,\"u\":50093239202,\"b\":[[\"61737.63000000\",\"0.00000000\"],[\"61730.17000000\","
    "\"0.00000000\"],[\"56854.58000000\",\"0.00000000\"]],\"a\":[[\"61837.64000000\",\"1.54698000\"],"
    "[\"61839.85000000\",\"0.00000000\"],[\"61839.86000000\",\"0.00000000\"],[\"61845.11000000\",\"0.32329000\"],"
    "[\"61848.49000000\",\"0.00000000\"],[\"61855.45000000\",\"0.32323000\"],[\"61862.51000000\",\"0.05041000\"],"
    "[\"61862.52000000\",\"0.00000000\"],[\"61937.64000000\",\"0.02000000\"]]}}";
static const char hft_ticker[] = "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":50093239212,\"s\":\"BTCUSDT\","
                                 "\"b\":\"61837.63000000\",\"B\":\"3.78826000\",\"a\":\"61837.64000000\",\"A\":\"1.54698000\"}}";
static const char hft_trade[] = "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1723161255343,"
                                "\"s\":\"BTCUSDT\",\"t\":3735683259,\"p\":\"61837.63000000\",\"q\":\"0.02000000\","
                                "\"T\":1723161255342,\"m\":true,\"M\":true}}";
static const char fut_depth[] =
    "{\"e\":\"depthUpdate\",\"E\":1626992741037,\"T\":1626992741024,\"s\":\"SUSHIUSDT\",\"U\":600859599090,"
    "\"u\":600859600917,\"pu\":600859598061,\"b\":[[\"7.5040\",\"813\"],[\"7.6090\",\"0\"],[\"7.6110\",\"2\"]],"
    "\"a\":[[\"7.6150\",\"1563\"],[\"7.6220\",\"3284\"]]}";
static const char fut_ticker[] = "{\"e\":\"bookTicker\",\"u\":600859600576,\"s\":\"SUSHIUSDT\",\"b\":\"7.6110\","
                                 "\"B\":\"2\",\"a\":\"7.6120\",\"A\":\"297\",\"T\":1626992741012,\"E\":1626992741017}";
static const char fut_agg[] = "{\"e\":\"aggTrade\",\"E\":1626992741100,\"a\":123456789,\"s\":\"SUSHIUSDT\","
                              "\"p\":\"7.6110\",\"q\":\"12\",\"f\":200,\"l\":205,\"T\":1626992741099,\"m\":false}";
static const char fut_snapshot[] = "{\"lastUpdateId\":600859605926,\"E\":1626992741264,\"T\":1626992741261,"
                                   "\"bids\":[[\"7.6110\",\"6\"],[\"7.6080\",\"161\"]],\"asks\":[[\"7.6120\",\"297\"]]}";

static tw_level_t bids[64], asks[64];

static tw_bn_depth_t depth_out(uint32_t cap)
{
    return (tw_bn_depth_t){.bids = bids, .asks = asks, .bids_cap = cap, .asks_cap = cap};
}

static void test_envelope_and_depth(void)
{
    tw_bn_envelope_t env;
    tw_bn_scale_t sc = {-2, -5};
    CHECK_EQ(tw_bn_envelope(S(hft_depth), &env), 0);
    CHECK(env.stream_len == 19 && memcmp(env.stream, "btcusdt@depth@100ms", 19) == 0);
    CHECK_EQ(tw_bn_stream_kind(env.stream, env.stream_len), TW_BN_DEPTH);
    tw_bn_depth_t d = depth_out(64);
    CHECK_EQ(tw_bn_depth_decode(env.data, env.data_len, &sc, &d), 0);
    CHECK(d.first_id == 50093239189ull && d.last_id == 50093239202ull && d.event_ms == 1723161255208ull);
    CHECK(d.bid_count == 3 && d.ask_count == 9 && !d.has_prev && d.symbol_len == 7);
    CHECK(bids[0].price == 6173763 && bids[0].quantity == 0 && asks[0].price == 6183764 && asks[0].quantity == 154698);
    CHECK(asks[8].price == 6193764 && asks[8].quantity == 2000);
    d = depth_out(8);
    CHECK_EQ(tw_bn_depth_decode(env.data, env.data_len, &sc, &d), -ENOBUFS);
    d = depth_out(64);
    CHECK_EQ(tw_bn_trade_decode(env.data, env.data_len, &sc, &(tw_bn_trade_t){0}), -EPROTO);
    tw_bn_scale_t fs = {-4, 0};
    CHECK_EQ(tw_bn_depth_decode(S(fut_depth), &fs, &d), 0);
    CHECK(d.has_prev && d.prev_last_id == 600859598061ull && d.transact_ms == 1626992741024ull);
    CHECK(d.bid_count == 3 && bids[2].price == 76110 && bids[2].quantity == 2 && asks[1].quantity == 3284);
    CHECK_EQ(tw_bn_envelope(S(fut_depth), &env), 0); /* a raw stream: the whole text is the payload */
    CHECK(env.stream_len == 0 && env.data_len == sizeof(fut_depth) - 1);
}

static void test_any_order_and_unknown(void)
{
    const char odd[] = " { \"x\" : {\"a\":[1,2,{\"b\":null,\"c\":\"}]\"}]}, \"a\" : [ [ \"1.5\" , \"2\" ] ] ,"
                       "\"u\":5 ,\"pu\":4, \"U\":3,\"y\":[true,false,-1.5e10,\"s\\\"q\"],\"b\":[],\"e\":\"depthUpdate\" }\n";
    tw_bn_scale_t sc = {-1, 0};
    tw_bn_depth_t d = depth_out(4);
    CHECK_EQ(tw_bn_depth_decode(S(odd), &sc, &d), 0);
    CHECK(d.first_id == 3 && d.last_id == 5 && d.prev_last_id == 4 && d.bid_count == 0 && d.ask_count == 1);
    CHECK(asks[0].price == 15 && asks[0].quantity == 2);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":1,\"b\":[],\"a\":[]}"), &sc, &d), -ENODATA);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":1,\"u\":2,\"b\":[],\"a\":[]} x"), &sc, &d), -EBADMSG);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":1,\"u\":2,\"b\":[[\"1.55\",\"1\"]],\"a\":[]}"), &sc, &d), -ERANGE);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":1,\"u\":2,\"b\":[[\"abc\",\"1\"]],\"a\":[]}"), &sc, &d), -EINVAL);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":-1,\"u\":2,\"b\":[],\"a\":[]}"), &sc, &d), -EBADMSG);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":99999999999999999999,\"u\":2,\"b\":[],\"a\":[]}"), &sc, &d), -ERANGE);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":1,\"u\":2,\"b\":[[\"1\"]],\"a\":[]}"), &sc, &d), -EBADMSG);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":1,\"u\":2,\"b\":[[\"1\",\"2\",[]]],\"a\":[]}"), &sc, &d), 0);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":1,,\"u\":2,\"b\":[],\"a\":[]}"), &sc, &d), -EBADMSG);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":1 \"u\":2,\"b\":[],\"a\":[]}"), &sc, &d), -EBADMSG);
    CHECK_EQ(tw_bn_depth_decode(S("{\"U\":1,\"u\":2,\"b\":[[] [\"1\",\"1\"]],\"a\":[]}"), &sc, &d), -EBADMSG);
}

static void test_other_decoders(void)
{
    tw_bn_envelope_t env;
    tw_bn_scale_t sc = {-2, -5}, fs = {-4, 0};
    tw_bn_bookticker_t t;
    tw_bn_trade_t tr;
    CHECK_EQ(tw_bn_envelope(S(hft_ticker), &env), 0);
    CHECK_EQ(tw_bn_stream_kind(env.stream, env.stream_len), TW_BN_BOOKTICKER);
    CHECK_EQ(tw_bn_bookticker_decode(env.data, env.data_len, &sc, &t), 0);
    CHECK(t.update_id == 50093239212ull && t.bid_px == 6183763 && t.bid_qty == 378826 && t.ask_px == 6183764);
    CHECK(t.ask_qty == 154698 && t.event_ms == 0);
    CHECK_EQ(tw_bn_bookticker_decode(S(fut_ticker), &fs, &t), 0);
    CHECK(t.update_id == 600859600576ull && t.bid_qty == 2 && t.ask_qty == 297 && t.event_ms == 1626992741017ull);
    CHECK_EQ(tw_bn_envelope(S(hft_trade), &env), 0);
    CHECK_EQ(tw_bn_stream_kind(env.stream, env.stream_len), TW_BN_TRADE);
    CHECK_EQ(tw_bn_trade_decode(env.data, env.data_len, &sc, &tr), 0);
    CHECK(tr.trade_id == 3735683259ull && tr.price == 6183763 && tr.quantity == 2000 && tr.buyer_is_maker);
    CHECK(tr.trade_ms == 1723161255342ull && tr.first_trade_id == tr.trade_id);
    CHECK_EQ(tw_bn_aggtrade_decode(S(fut_agg), &fs, &tr), 0);
    CHECK(tr.trade_id == 123456789 && tr.first_trade_id == 200 && tr.last_trade_id == 205 && !tr.buyer_is_maker);
    CHECK_EQ(tw_bn_trade_decode(S(fut_agg), &fs, &tr), -EPROTO);
    tw_bn_snapshot_t s = {.bids = bids, .asks = asks, .bids_cap = 64, .asks_cap = 64};
    CHECK_EQ(tw_bn_snapshot_decode(S(fut_snapshot), &fs, &s), 0);
    CHECK(s.last_update_id == 600859605926ull && s.transact_ms == 1626992741261ull && s.bid_count == 2);
    CHECK(s.ask_count == 1 && asks[0].price == 76120 && asks[0].quantity == 297);
    CHECK_EQ(tw_bn_stream_kind(S("x@aggTrade")), TW_BN_AGGTRADE);
    CHECK_EQ(tw_bn_stream_kind(S("x@depth")), TW_BN_DEPTH);
    CHECK_EQ(tw_bn_stream_kind(S("x@depth20@100ms")), TW_BN_UNKNOWN);
    CHECK_EQ(tw_bn_stream_kind(S("x@kline_1m")), TW_BN_UNKNOWN);
    CHECK_EQ(tw_bn_stream_kind("", 0), TW_BN_UNKNOWN);
}

/* Every prefix of a real message is refused, and none is read past (ASan builds check that). */
static void test_truncation(void)
{
    tw_bn_scale_t sc = {-2, -5};
    size_t n = sizeof(hft_depth) - 1;
    int refused = 0;
    for (size_t k = 0; k < n; k++) {
        char *copy = malloc(k ? k : 1);
        memcpy(copy, hft_depth, k);
        tw_bn_envelope_t env;
        tw_bn_depth_t d = depth_out(64);
        int r = tw_bn_envelope(copy, k, &env);
        if (r == 0)
            r = tw_bn_depth_decode(env.data, env.data_len, &sc, &d);
        refused += r < 0;
        free(copy);
    }
    CHECK_EQ(refused, (int)n);
}

static void test_nesting(void)
{
    char deep[300];
    tw_json_t j;
    for (int depth = 60; depth <= 70; depth += 10) {
        int k = 0;
        for (int i = 0; i < depth; i++)
            deep[k++] = '[';
        for (int i = 0; i < depth; i++)
            deep[k++] = ']';
        tw_json_init(&j, deep, (size_t)k);
        CHECK_EQ(tw_json_skip(&j), depth <= TW_JSON_MAX_DEPTH ? 0 : -EBADMSG);
    }
    tw_json_init(&j, S("{\"a\":[1,{\"b\":2}],\"c\":{}}"));
    CHECK_EQ(tw_json_skip(&j), 0);
    tw_json_init(&j, S("{\"a\":[1,{\"b\":2]],\"c\":{}}"));
    CHECK_EQ(tw_json_skip(&j), -EBADMSG);
    tw_json_init(&j, S("\"unterminated\\\""));
    CHECK_EQ(tw_json_skip(&j), -EBADMSG);
}

/* A spot diff of n bid and n ask levels in Binance's shape, with sep between levels and between the arrays. */
static size_t make_diff(char *out, size_t cap, int n, const char *sep, int trailing_comma)
{
    size_t k = (size_t)snprintf(out, cap, "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":5,\"u\":9,\"b\":[");
    for (int side = 0; side < 2; side++) {
        for (int i = 0; i < n; i++)
            k += (size_t)snprintf(out + k, cap - k, "%s[\"%d.%02d000000\",\"0.%08d\"]", i ? sep : "",
                                  side ? 61838 + i : 61837 - i, i % 100, 1000 + i);
        k += (size_t)snprintf(out + k, cap - k, "%s]%s", trailing_comma && side == 0 ? "," : "",
                              side ? "}" : ",\"a\":[");
    }
    return k;
}

/*
 * The indexed fast walk over levels hands over to the general path mid-array
 * without changing what is valid JSON: blanks around separators are read,
 * a trailing comma is refused, an unusual decimal stops the walk and the
 * general path decides; values equal the compact form's.
 */
static void test_level_walk_edges(void)
{
    static char a[16384], b[16384];
    static tw_level_t ab[64], aa[64], bb[64], ba[64];
    tw_bn_scale_t sc = {-2, -8};
    size_t na = make_diff(a, sizeof(a), 40, ",", 0), nb = make_diff(b, sizeof(b), 40, " ,\n ", 0);
    tw_bn_depth_t da = {.bids = ab, .asks = aa, .bids_cap = 64, .asks_cap = 64};
    tw_bn_depth_t db = {.bids = bb, .asks = ba, .bids_cap = 64, .asks_cap = 64};
    CHECK_EQ(tw_bn_depth_decode(a, na, &sc, &da), 0);
    CHECK_EQ(tw_bn_depth_decode(b, nb, &sc, &db), 0);
    CHECK(da.bid_count == 40 && da.ask_count == 40 && db.bid_count == 40 && db.ask_count == 40);
    CHECK(memcmp(ab, bb, sizeof(ab)) == 0 && memcmp(aa, ba, sizeof(aa)) == 0);
    CHECK(ab[0].price == 6183700 && ab[39].price == 6179839 && ab[39].quantity == 1039 && aa[0].price == 6183800);
    size_t nc = make_diff(b, sizeof(b), 40, ",", 1);
    CHECK_EQ(tw_bn_depth_decode(b, nc, &sc, &db), -EBADMSG); /* [[..],[..],] */
    memcpy(b, a, na);
    char *mid = strstr(b, "61817.20000000"); /* the 21st bid: an exponent is not a Binance decimal */
    CHECK(mid != NULL);
    memcpy(mid, "6.181720e+04  ", 14);
    CHECK(tw_bn_depth_decode(b, na, &sc, &db) < 0);
    da.bids_cap = 39; /* one level short: the walk stops at capacity, the general path says so */
    CHECK_EQ(tw_bn_depth_decode(a, na, &sc, &da), -ENOBUFS);
}

/*
 * Integers: ids and times are read a word at a time when 16 bytes follow,
 * else byte by byte; both readers must agree on every length, on what ends
 * a number and on overflow.
 */
static void test_uint(void)
{
    static const struct {
        const char *text;
        int r;
        uint64_t v;
    } cases[] = {
        {"0", 0, 0},
        {"7,", 0, 7},
        {"1723161255208,", 0, 1723161255208ull},
        {"50093239189}", 0, 50093239189ull},
        {"12345678", 0, 12345678ull},
        {"123456789", 0, 123456789ull},
        {"1234567890123456", 0, 1234567890123456ull},
        {"12345678901234567", 0, 12345678901234567ull},
        {"18446744073709551615", 0, UINT64_MAX},
        {"18446744073709551616", -ERANGE, 0},
        {"99999999999999999999", -ERANGE, 0},
        {"00042,", 0, 42},
        {"12.5", -EBADMSG, 0},
        {"1723161255208.0", -EBADMSG, 0},
        {"1e5", -EBADMSG, 0},
        {"12345678901E3", -EBADMSG, 0},
        {"-1", -EBADMSG, 0},
        {"x", -EBADMSG, 0},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (int padded = 0; padded < 2; padded++) { /* alone, then with 20 more bytes after it */
            char buf[64];
            size_t n = strlen(cases[c].text);
            memcpy(buf, cases[c].text, n);
            if (padded) {
                memcpy(buf + n, "                    ", 20);
                n += 20;
            }
            tw_json_t j;
            tw_json_init(&j, buf, n);
            uint64_t v = 0;
            int r = tw_json_uint(&j, &v);
            CHECK_EQ(r, cases[c].r);
            if (r == 0 && cases[c].r == 0)
                CHECK(v == cases[c].v && j.p == buf + strcspn(cases[c].text, ",}"));
        }
    }
}

/* One-letter keys are read at once, anything else as before: blanks, escapes, "" and a bad separator. */
static void test_keys(void)
{
    static const struct {
        const char *text;
        int r;
        const char *key;
    } cases[] = {
        {"{\"e\":1,\"E\":2}", 2, "eE"},
        {"{ \"e\" : 1 , \"pu\":2}", 2, "e?"},
        {"{\"\\n\":1}", 1, "?"},
        {"{\"\":1}", 1, "?"},
        {"{\"a\":1;\"b\":2}", -EBADMSG, "a"},
        {"{\"\x01\":1}", -EBADMSG, ""},
        {"{\"a\"1}", -EBADMSG, ""},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        tw_json_t j;
        const char *k;
        size_t kl;
        int r, keys = 0;
        tw_json_init(&j, cases[c].text, strlen(cases[c].text));
        r = tw_json_object_begin(&j);
        while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1) {
            if (cases[c].key[keys] != '?')
                CHECK(kl == 1 && k[0] == cases[c].key[keys]);
            keys++;
            uint64_t v;
            r = tw_json_uint(&j, &v);
        }
        CHECK_EQ(r < 0 ? r : keys, cases[c].r);
    }
}

/*
 * The last levels of the asks are walked in a padded copy: the same values
 * as the general path for every number of levels, and every cut of the
 * text refused, as is a trailing comma or a level that is not closed.
 */
static void test_tail_walk(void)
{
    static char a[4096], b[4096];
    static tw_level_t ab[16], aa[16], bb[16], ba[16];
    tw_bn_scale_t sc = {-2, -8};
    for (int n = 1; n <= 8; n++) {
        size_t na = make_diff(a, sizeof(a), n, ",", 0), nb = make_diff(b, sizeof(b), n, " , ", 0);
        tw_bn_depth_t da = {.bids = ab, .asks = aa, .bids_cap = 16, .asks_cap = 16};
        tw_bn_depth_t db = {.bids = bb, .asks = ba, .bids_cap = 16, .asks_cap = 16};
        CHECK_EQ(tw_bn_depth_decode(a, na, &sc, &da), 0);
        CHECK_EQ(tw_bn_depth_decode(b, nb, &sc, &db), 0);
        CHECK(da.ask_count == (uint32_t)n && db.ask_count == (uint32_t)n && da.bid_count == (uint32_t)n);
        CHECK(memcmp(aa, ba, (size_t)n * sizeof(aa[0])) == 0 && memcmp(ab, bb, (size_t)n * sizeof(ab[0])) == 0);
        CHECK(aa[n - 1].price == (61838 + n - 1) * 100 + (n - 1) % 100 && aa[n - 1].quantity == 1000 + n - 1);
        int refused = 0, cuts = 0;
        for (size_t k = na > 220 ? na - 220 : 0; k < na; k++, cuts++)
            refused += tw_bn_depth_decode(a, k, &sc, &da) < 0;
        CHECK_EQ(refused, cuts);
        memcpy(b, a, na - 2);
        memcpy(b + na - 2, ",]}", 3); /* [..,["P","Q"],] */
        CHECK_EQ(tw_bn_depth_decode(b, na + 1, &sc, &db), -EBADMSG);
        memcpy(b + na - 2, "}", 1); /* the array never closed */
        CHECK_EQ(tw_bn_depth_decode(b, na - 1, &sc, &db), -EBADMSG);
        da.asks_cap = (uint32_t)n - 1; /* capacity reached inside the tail */
        CHECK_EQ(tw_bn_depth_decode(a, na, &sc, &da), -ENOBUFS);
    }
}

/* Levels lv[0..n) as a diff's bids and asks; sep between levels, open after each array's '['. */
static size_t join_levels(char *out, size_t cap, char lv[][48], int n, const char *open, const char *sep)
{
    size_t k = (size_t)snprintf(out, cap, "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":5,\"u\":9,\"b\":[%s", open);
    for (int side = 0; side < 2; side++) {
        for (int i = 0; i < n; i++)
            k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? sep : "", lv[i]);
        k += (size_t)snprintf(out + k, cap - k, side ? "]}" : "],\"a\":[%s", open);
    }
    return k;
}

typedef struct decoded {
    int r;
    tw_bn_depth_t d;
    tw_level_t b[64], a[64];
} decoded_t;

static void decode_into(const char *text, size_t n, const tw_bn_scale_t *sc, decoded_t *o)
{
    memset(o, 0, sizeof(*o));
    o->d = (tw_bn_depth_t){.bids = o->b, .asks = o->a, .bids_cap = 64, .asks_cap = 64};
    o->r = tw_bn_depth_decode(text, n, sc, &o->d);
}

/* Both refuse, or both accept with the same levels. */
static int same_outcome(const decoded_t *x, const decoded_t *y)
{
    if (x->r < 0 || y->r < 0)
        return (x->r < 0) == (y->r < 0);
    return x->d.bid_count == y->d.bid_count && x->d.ask_count == y->d.ask_count &&
           memcmp(x->b, y->b, x->d.bid_count * sizeof(x->b[0])) == 0 &&
           memcmp(x->a, y->a, x->d.ask_count * sizeof(x->a[0])) == 0;
}

/*
 * The shaped walk (a level matched byte for byte against the layout of the
 * one before) against the general cursor, which a blank after each '[' and
 * around each separator forces: levels of changing layouts decode alike,
 * and so does every one-byte change at every place of several levels (a
 * digit where the exponent wants a zero, a letter among the digits, a
 * moved quote or point): both refuse, or both take the same values.
 */
static void test_shape_walk(void)
{
    static char lv[40][48], a[8192], b[8192];
    static decoded_t x, y;
    tw_bn_scale_t sc = {-2, -8};
    for (int i = 0; i < 40; i++) {
        char px[24], qx[24];
        if (i % 7 == 3)
            snprintf(px, sizeof(px), "%d.%d", 61837 - i, i % 10); /* fewer fraction digits than the exponent */
        else if (i % 13 == 5)
            snprintf(px, sizeof(px), "%d", 9000 + i); /* no point */
        else
            snprintf(px, sizeof(px), "%d.%02d000000", 61837 - i, i % 100);
        if (i % 5 == 0)
            snprintf(qx, sizeof(qx), "12.%08d", 100 + i);
        else if (i % 11 == 0)
            snprintf(qx, sizeof(qx), "3");
        else
            snprintf(qx, sizeof(qx), "0.%08d", 1000 + i);
        snprintf(lv[i], sizeof(lv[i]), "[\"%s\",\"%s\"]", px, qx);
    }
    size_t na = join_levels(a, sizeof(a), lv, 40, "", ","), nb = join_levels(b, sizeof(b), lv, 40, " ", " , ");
    decode_into(a, na, &sc, &x);
    decode_into(b, nb, &sc, &y);
    CHECK(x.r == 0 && x.d.bid_count == 40 && x.d.ask_count == 40 && same_outcome(&x, &y));
    CHECK(x.b[1].price == 6183601 && x.b[1].quantity == 1001 && x.b[3].price == 6183430 &&
          x.b[5].price == 900500 && x.b[5].quantity == 1200000105 && x.b[11].quantity == 300000000);
    static const int at[] = {0, 1, 2, 4, 17, 36, 38, 39};
    static const char with[] = "x09.\",]- 5";
    int cases = 0, refused = 0, mismatched = 0;
    for (size_t t = 0; t < sizeof(at) / sizeof(at[0]); t++) {
        char *l = lv[at[t]], keep[48];
        memcpy(keep, l, sizeof(keep));
        for (size_t pos = 0; l[pos]; pos++)
            for (const char *c = with; *c; c++) {
                if (*c == keep[pos])
                    continue;
                l[pos] = *c;
                na = join_levels(a, sizeof(a), lv, 40, "", ",");
                nb = join_levels(b, sizeof(b), lv, 40, " ", " , ");
                decode_into(a, na, &sc, &x);
                decode_into(b, nb, &sc, &y);
                cases++;
                refused += x.r < 0;
                mismatched += !same_outcome(&x, &y);
                l[pos] = keep[pos];
            }
    }
    CHECK_EQ(mismatched, 0);
    CHECK(cases > 1000 && refused > cases / 2 && refused < cases); /* most changes break a level; some are values */
}

int main(void)
{
    test_decimal();
    test_envelope_and_depth();
    test_any_order_and_unknown();
    test_other_decoders();
    test_truncation();
    test_nesting();
    test_level_walk_edges();
    test_uint();
    test_keys();
    test_tail_walk();
    test_shape_walk();
    return cfeed_summary("unit_decode");
}

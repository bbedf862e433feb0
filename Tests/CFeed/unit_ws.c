/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the WebSocket codec (tickwire/ws.h) against RFC 6455: the
 * RFC's own example frames and handshake, every length encoding, partial
 * buffers byte by byte, fragmentation with control frames in between, and
 * each protocol error with the close code it maps to.
 */
#include <errno.h>

#include "cfeed.h"
#include "tickwire/ws.h"

static uint8_t big[70000], out[70100];

static void test_rfc_examples(void)
{
    /* §5.7: a single-frame unmasked text message, and a masked one. */
    const uint8_t unmasked[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};
    const uint8_t masked[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    tw_ws_frame_t f;
    CHECK_EQ(tw_ws_frame_parse(unmasked, sizeof(unmasked), 1 << 20, &f), 7);
    CHECK(f.fin && f.opcode == TW_WS_TEXT && f.len == 5 && memcmp(f.payload, "Hello", 5) == 0);
    CHECK_EQ(tw_ws_frame_encode(out, sizeof(out), TW_WS_TEXT, 1, (const uint8_t *)"Hello", 5, 1, 0x37fa213d), 11);
    CHECK(memcmp(out, masked, sizeof(masked)) == 0);
    /* A server never masks: the client must fail the connection with 1002. */
    CHECK_EQ(tw_ws_frame_parse(masked, sizeof(masked), 1 << 20, &f), -EPROTO);
    CHECK_EQ(tw_ws_close_code(-EPROTO), 1002);
}

/* 7-bit, 16-bit and 64-bit lengths at their boundaries, unmasked as a server sends them. */
static void test_lengths(void)
{
    static const size_t lens[] = {0, 1, 125, 126, 127, 65535, 65536, 69999};
    static const uint32_t hdr[] = {2, 2, 2, 4, 4, 4, 10, 10};
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        int n = tw_ws_frame_encode(out, sizeof(out), TW_WS_BINARY, 1, big, lens[k], 0, 0);
        CHECK_EQ(n, (int)(lens[k] + hdr[k]));
        tw_ws_frame_t f;
        CHECK_EQ(tw_ws_frame_parse(out, (size_t)n, 1 << 20, &f), n);
        CHECK(f.len == lens[k] && f.header_len == hdr[k] && memcmp(f.payload, big, lens[k]) == 0);
        CHECK_EQ(tw_ws_frame_parse(out, (size_t)n - 1, 1 << 20, &f), 0);
    }
    /* §5.7: 256 bytes use 0x7E 0x0100, 64 KiB use 0x7F and eight bytes. */
    tw_ws_frame_encode(out, sizeof(out), TW_WS_BINARY, 1, big, 256, 0, 0);
    CHECK(out[0] == 0x82 && out[1] == 0x7E && out[2] == 0x01 && out[3] == 0x00);
    tw_ws_frame_encode(out, sizeof(out), TW_WS_BINARY, 1, big, 65536, 0, 0);
    CHECK(out[1] == 0x7F && out[7] == 0x01 && out[8] == 0 && out[9] == 0);
}

static void test_byte_by_byte(void)
{
    int n = tw_ws_frame_encode(out, sizeof(out), TW_WS_TEXT, 1, big, 300, 0, 0);
    tw_ws_frame_t f;
    for (int k = 0; k < n; k++)
        CHECK_EQ(tw_ws_frame_parse(out, (size_t)k, 1 << 20, &f), 0);
    CHECK_EQ(tw_ws_frame_parse(out, (size_t)n, 1 << 20, &f), n);
}

static void test_protocol_errors(void)
{
    tw_ws_frame_t f;
    const uint8_t rsv[] = {0xC1, 0x00}, op3[] = {0x83, 0x00}, opB[] = {0x8B, 0x00};
    const uint8_t frag_ping[] = {0x09, 0x00}, long_ping[] = {0x89, 0x7E, 0x00, 0x80};
    const uint8_t short16[] = {0x82, 0x7E, 0x00, 0x10}, short64[] = {0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0x01, 0x00};
    const uint8_t msb64[] = {0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0};
    CHECK_EQ(tw_ws_frame_parse(rsv, 2, 1 << 20, &f), -EPROTO);
    CHECK_EQ(tw_ws_frame_parse(op3, 2, 1 << 20, &f), -EPROTO);
    CHECK_EQ(tw_ws_frame_parse(opB, 2, 1 << 20, &f), -EPROTO);
    CHECK_EQ(tw_ws_frame_parse(frag_ping, 2, 1 << 20, &f), -EPROTO);
    CHECK_EQ(tw_ws_frame_parse(long_ping, 4, 1 << 20, &f), -EPROTO);
    CHECK_EQ(tw_ws_frame_parse(short16, 4, 1 << 20, &f), -EPROTO);
    CHECK_EQ(tw_ws_frame_parse(short64, 10, 1 << 20, &f), -EPROTO);
    CHECK_EQ(tw_ws_frame_parse(msb64, 10, 1 << 20, &f), -EPROTO);
    /* Oversize is known from the header alone: 1009 before the payload arrives. */
    const uint8_t huge[] = {0x82, 0x7F, 0, 0, 0, 0, 0x10, 0, 0, 0};
    CHECK_EQ(tw_ws_frame_parse(huge, sizeof(huge), 1 << 20, &f), -EMSGSIZE);
    CHECK_EQ(tw_ws_close_code(-EMSGSIZE), 1009);
    CHECK_EQ(tw_ws_close_code(-EILSEQ), 1007);
    const uint8_t b2000[] = {0x82, 0x7E, 0x07, 0xD0};
    CHECK_EQ(tw_ws_frame_parse(b2000, 4, 1000, &f), -EMSGSIZE);
}

/* Parses one frame from a byte array and feeds it to the assembler. */
static int feed(tw_ws_assembler_t *a, const uint8_t *b, size_t n, tw_ws_message_t *m)
{
    tw_ws_frame_t f;
    int r = tw_ws_frame_parse(b, n, 1 << 20, &f);
    CHECK_EQ(r, (int)n);
    return r < 0 ? r : tw_ws_assemble(a, &f, m);
}

static void test_fragmentation(void)
{
    uint8_t buf[64];
    tw_ws_assembler_t a;
    tw_ws_message_t m;
    tw_ws_assembler_init(&a, buf, sizeof(buf), 1);
    const uint8_t f1[] = {0x01, 0x03, 'H', 'e', 'l'}, ping[] = {0x89, 0x01, 'p'};
    const uint8_t f2[] = {0x00, 0x03, 'l', 'o', ' '}, pong[] = {0x8A, 0x00};
    const uint8_t f3[] = {0x80, 0x05, 'w', 'o', 'r', 'l', 'd'};
    CHECK_EQ(feed(&a, f1, sizeof(f1), &m), 0);
    CHECK_EQ(feed(&a, ping, sizeof(ping), &m), 1);
    CHECK(m.opcode == TW_WS_PING && m.len == 1 && m.data[0] == 'p');
    CHECK_EQ(feed(&a, f2, sizeof(f2), &m), 0);
    CHECK_EQ(feed(&a, pong, sizeof(pong), &m), 1);
    CHECK(m.opcode == TW_WS_PONG && m.len == 0);
    CHECK_EQ(feed(&a, f3, sizeof(f3), &m), 1);
    CHECK(m.opcode == TW_WS_TEXT && m.fragmented && m.len == 11 && memcmp(m.data, "Hello world", 11) == 0);
    /* A continuation with nothing to continue, and a new message inside one. */
    CHECK_EQ(feed(&a, f2, sizeof(f2), &m), -EPROTO);
    CHECK_EQ(feed(&a, f1, sizeof(f1), &m), 0);
    CHECK_EQ(feed(&a, f1, sizeof(f1), &m), -EPROTO);
    /* A message larger than the assembler's buffer: 1009. */
    tw_ws_assembler_init(&a, buf, 7, 1); /* "Hel" + "world" is 8 */
    CHECK_EQ(feed(&a, f1, sizeof(f1), &m), 0);
    CHECK_EQ(feed(&a, f3, sizeof(f3), &m), -EMSGSIZE);
    const uint8_t whole[] = {0x81, 0x09, '1', '2', '3', '4', '5', '6', '7', '8', '9'};
    CHECK_EQ(feed(&a, whole, sizeof(whole), &m), -EMSGSIZE);
}

static void test_utf8(void)
{
    uint8_t buf[64];
    tw_ws_assembler_t a;
    tw_ws_message_t m;
    tw_ws_assembler_init(&a, buf, sizeof(buf), 1);
    const uint8_t bad[] = {0x81, 0x02, 0xC0, 0xAF}, surrogate[] = {0x81, 0x03, 0xED, 0xA0, 0x80};
    const uint8_t good[] = {0x81, 0x09, 'h', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98};
    CHECK_EQ(feed(&a, bad, sizeof(bad), &m), -EILSEQ);
    CHECK_EQ(feed(&a, surrogate, sizeof(surrogate), &m), -EILSEQ);
    CHECK_EQ(feed(&a, good, sizeof(good), &m), -EILSEQ); /* the emoji is cut short */
    const uint8_t euro1[] = {0x01, 0x02, 0xE2, 0x82}, euro2[] = {0x80, 0x01, 0xAC};
    CHECK_EQ(feed(&a, euro1, sizeof(euro1), &m), 0); /* a code point split across fragments is fine */
    CHECK_EQ(feed(&a, euro2, sizeof(euro2), &m), 1);
    CHECK(tw_utf8_valid((const uint8_t *)"plain ascii text, longer than eight", 35));
    CHECK(!tw_utf8_valid((const uint8_t *)"\xF4\x90\x80\x80", 4));
    CHECK(tw_utf8_valid((const uint8_t *)"\xF0\x9F\x98\x80", 4));
    tw_ws_assembler_init(&a, buf, sizeof(buf), 0); /* not validating: bytes pass through */
    CHECK_EQ(feed(&a, bad, sizeof(bad), &m), 1);
}

static void test_close(void)
{
    uint8_t buf[8];
    tw_ws_assembler_t a;
    tw_ws_message_t m;
    tw_ws_assembler_init(&a, buf, sizeof(buf), 1);
    const uint8_t empty[] = {0x88, 0x00}, one[] = {0x88, 0x01, 0x03}, bad_code[] = {0x88, 0x02, 0x03, 0xE7};
    const uint8_t normal[] = {0x88, 0x05, 0x03, 0xE8, 'b', 'y', 'e'};
    CHECK_EQ(feed(&a, empty, sizeof(empty), &m), 1);
    CHECK_EQ(m.close_code, 1005);
    CHECK_EQ(feed(&a, one, sizeof(one), &m), -EPROTO);
    CHECK_EQ(feed(&a, bad_code, sizeof(bad_code), &m), -EPROTO);
    CHECK_EQ(feed(&a, normal, sizeof(normal), &m), 1);
    CHECK(m.opcode == TW_WS_CLOSE && m.close_code == 1000 && m.len == 5);
}

/* Unmasks a client frame the way a server does. */
static size_t unmask(const uint8_t *frame, uint8_t *payload)
{
    size_t len = frame[1] & 0x7F, h = 2;
    for (size_t i = 0; i < len; i++)
        payload[i] = frame[h + 4 + i] ^ frame[h + (i & 3)];
    return len;
}

static void test_encoder(void)
{
    uint8_t p[200];
    const uint8_t ping[] = "are you there?";
    int n = tw_ws_pong_encode(out, sizeof(out), ping, 14, 0xdeadbeef);
    CHECK_EQ(n, 2 + 4 + 14);
    CHECK(out[0] == 0x8A && (out[1] & 0x80));
    CHECK(unmask(out, p) == 14 && memcmp(p, ping, 14) == 0);
    n = tw_ws_close_encode(out, sizeof(out), 1000, "bye", 3, 0x01020304);
    CHECK_EQ(n, 2 + 4 + 5);
    CHECK(unmask(out, p) == 5 && p[0] == 0x03 && p[1] == 0xE8 && memcmp(p + 2, "bye", 3) == 0);
    CHECK_EQ(tw_ws_frame_encode(out, sizeof(out), TW_WS_PING, 1, big, 126, 1, 0), -EINVAL);
    CHECK_EQ(tw_ws_frame_encode(out, sizeof(out), TW_WS_PING, 0, big, 1, 1, 0), -EINVAL);
    CHECK_EQ(tw_ws_frame_encode(out, sizeof(out), 3, 1, big, 1, 1, 0), -EINVAL);
    CHECK_EQ(tw_ws_frame_encode(out, 10, TW_WS_TEXT, 1, big, 5, 1, 0), -ENOBUFS);
    CHECK_EQ(tw_ws_close_encode(out, sizeof(out), 1000, (const char *)big, 124, 0), -EINVAL);
    /* A long masked frame round-trips through the 8-byte mask path. */
    n = tw_ws_frame_encode(out, sizeof(out), TW_WS_BINARY, 1, big, 1000, 1, 0xa1b2c3d4);
    CHECK_EQ(n, 4 + 4 + 1000);
    int ok = 1;
    for (int i = 0; i < 1000; i++)
        ok &= (uint8_t)(out[8 + i] ^ out[4 + (i & 3)]) == big[i];
    CHECK(ok);
}

/* Many frames through a receive buffer filled in odd-sized reads, as a socket delivers them. */
static void test_stream(void)
{
    static uint8_t wire[40000], rx[4096];
    size_t wn = 0, rn = 0, pos = 0;
    int frames = 0, got = 0;
    for (int i = 0; i < 200; i++) {
        size_t len = (size_t)(i * 37) % 300;
        wn += (size_t)tw_ws_frame_encode(wire + wn, sizeof(wire) - wn, TW_WS_TEXT, 1, big, len, 0, 0);
        frames++;
    }
    uint32_t seed = 12345;
    while (pos < wn || rn) {
        seed = seed * 1103515245u + 12345u;
        size_t take = 1 + (seed >> 16) % 97;
        take = take > wn - pos ? wn - pos : take;
        memcpy(rx + rn, wire + pos, take);
        rn += take, pos += take;
        tw_ws_frame_t f;
        int r;
        while ((r = tw_ws_frame_parse(rx, rn, 1 << 20, &f)) > 0) {
            got += f.len == (size_t)(got * 37) % 300 && memcmp(f.payload, big, f.len) == 0;
            memmove(rx, rx + r, rn - (size_t)r);
            rn -= (size_t)r;
        }
        CHECK(r == 0);
        if (r < 0 || (take == 0 && rn))
            break;
    }
    CHECK_EQ(got, frames);
}

static void test_handshake(void)
{
    /* §1.3: the nonce "the sample nonce" and its accept value. */
    const uint8_t *nonce = (const uint8_t *)"the sample nonce";
    char key[25], accept[29], req[512];
    tw_ws_key_encode(nonce, key);
    CHECK(strcmp(key, "dGhlIHNhbXBsZSBub25jZQ==") == 0);
    CHECK_EQ(tw_ws_accept_compute(key, 24, accept), 0);
    CHECK(strcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
    int n = tw_ws_request_build(req, sizeof(req), "stream.binance.com:9443", "/stream?streams=btcusdt@trade", nonce);
    CHECK(n > 0 && strstr(req, "GET /stream?streams=btcusdt@trade HTTP/1.1\r\n") == req);
    CHECK(strstr(req, "\r\nHost: stream.binance.com:9443\r\n") && strstr(req, "\r\nSec-WebSocket-Version: 13\r\n"));
    CHECK(strstr(req, "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n") && strstr(req, "\r\n\r\n"));
    CHECK_EQ(tw_ws_request_build(req, 20, "h", "/", nonce), -ENOBUFS);
    CHECK_EQ(tw_ws_request_build(req, sizeof(req), "h\r\nX: y", "/", nonce), -EINVAL);
    const char ok[] = "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
                      "Sec-WebSocket-Accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \r\n\r\n\x81\x00";
    size_t head = sizeof(ok) - 1 - 2;
    CHECK_EQ(tw_ws_response_verify(ok, sizeof(ok) - 1, nonce), (int)head);
    CHECK_EQ(tw_ws_response_verify(ok, head - 1, nonce), 0);
    const char wrong[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n";
    CHECK_EQ(tw_ws_response_verify(wrong, sizeof(wrong) - 1, nonce), -EACCES);
    const char status[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    CHECK_EQ(tw_ws_response_verify(status, sizeof(status) - 1, nonce), -EPROTO);
    const char no_upgrade[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    CHECK_EQ(tw_ws_response_verify(no_upgrade, sizeof(no_upgrade) - 1, nonce), -EPROTO);
}

int main(void)
{
    test_rfc_examples();
    test_lengths();
    test_byte_by_byte();
    test_protocol_errors();
    test_fragmentation();
    test_utf8();
    test_close();
    test_encoder();
    test_stream();
    test_handshake();
    return cfeed_summary("unit_ws");
}

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the WebSocket codec: the input is a byte stream from
 * a hostile server. It is parsed frame by frame (split in two at a point the
 * input picks, to exercise partial buffers) and assembled into messages with
 * a small buffer; every error must map to a protocol close code, and every
 * message must lie inside the input or the assembler's buffer (ASan checks
 * the bytes are readable). The input is also checked as an upgrade response.
 * Then round trips: the input as a payload, encoded unmasked, parses back to
 * itself; encoded masked (a client frame), a client parser must refuse it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tickwire/ws.h"

static uint8_t frag[512], out[70000];

static void touch(const uint8_t *p, size_t n)
{
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum ^= p[i];
    (void)sum;
}

static void check_error(int r)
{
    if (r < 0 && tw_ws_close_code(r) == TW_WS_CLOSE_INTERNAL)
        abort(); /* every receive error has a specific close code */
}

/* Parses what buf[0..n) holds; returns the bytes consumed (all of them after an error). */
static size_t drain(tw_ws_assembler_t *a, const uint8_t *buf, size_t n)
{
    size_t pos = 0;
    tw_ws_frame_t f;
    tw_ws_message_t m;
    int r;
    while ((r = tw_ws_frame_parse(buf + pos, n - pos, 1024, &f)) > 0) {
        if ((size_t)r > n - pos || f.payload + f.len != buf + pos + (size_t)r)
            abort(); /* the frame must end where the parser says, inside the buffer */
        int ar = tw_ws_assemble(a, &f, &m);
        check_error(ar);
        if (ar == 1)
            touch(m.data, m.len);
        pos += (size_t)r;
    }
    check_error(r);
    return r < 0 ? n : pos;
}

static void round_trips(const uint8_t *data, size_t size)
{
    uint8_t op = size && (data[0] & 1) ? TW_WS_BINARY : TW_WS_TEXT;
    tw_ws_frame_t f;
    int n = tw_ws_frame_encode(out, sizeof(out), op, 1, data, size, 0, 0);
    if (n < 0 || tw_ws_frame_parse(out, (size_t)n, 1 << 20, &f) != n || f.len != size ||
        (size && memcmp(f.payload, data, size)))
        abort();
    n = tw_ws_frame_encode(out, sizeof(out), op, 1, data, size, 1, 0x12345678);
    if (n < 0 || tw_ws_frame_parse(out, (size_t)n, 1 << 20, &f) != -EPROTO)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t nonce[16] = "the sample nonce";
    tw_ws_assembler_t a;
    tw_ws_assembler_init(&a, frag, sizeof(frag), 1);
    size_t split = size ? data[0] % (size + 1) : 0;
    size_t used = drain(&a, data, split);
    drain(&a, data + used, size - used);
    tw_ws_response_verify((const char *)data, size, nonce);
    round_trips(data, size < 60000 ? size : 60000);
    return 0;
}

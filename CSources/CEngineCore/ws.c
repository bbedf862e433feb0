/* SPDX-License-Identifier: MIT */
/*
 * WebSocket framing (RFC 6455 §5) for a client: parse server frames, put
 * fragmented messages back together, encode masked client frames.
 *
 * The parser is a pure function of the bytes it is given, so the socket loop
 * can call it on whatever TLS has decrypted so far and simply wait when it
 * answers 0. Limits are checked from the header alone: a 2 GB frame is
 * refused when its first 10 bytes arrive, not after it has been buffered.
 * No extension is ever negotiated, so any RSV bit is a protocol error.
 */
#include <errno.h>
#include <string.h>

#include "tickwire/ws.h"

static inline int opcode_known(uint8_t op)
{
    return op <= TW_WS_BINARY || (op >= TW_WS_CLOSE && op <= TW_WS_PONG);
}

/* Extended payload length; minimal encoding is required (RFC 6455 §5.2). */
static int extended_length(const uint8_t *buf, size_t n, uint8_t len7, uint64_t *len, uint32_t *hdr)
{
    if (len7 < 126) {
        *len = len7;
        *hdr = 2;
        return 1;
    }
    uint32_t bytes = len7 == 126 ? 2 : 8;
    if (n < 2 + bytes)
        return 0;
    uint64_t v = 0;
    for (uint32_t i = 0; i < bytes; i++)
        v = (v << 8) | buf[2 + i];
    if ((bytes == 2 && v < 126) || (bytes == 8 && (v < 65536 || (v >> 63))))
        return -EPROTO;
    *len = v;
    *hdr = 2 + bytes;
    return 1;
}

int tw_ws_frame_parse(const uint8_t *buf, size_t n, uint64_t max_payload, tw_ws_frame_t *f)
{
    if (n < 2)
        return 0;
    uint8_t b0 = buf[0], b1 = buf[1], op = b0 & 0x0F;
    if ((b0 & 0x70) || !opcode_known(op) || (b1 & 0x80))
        return -EPROTO; /* RSV bits, reserved opcode, or a masked server frame */
    int control = (op & 0x08) != 0;
    if (control && (!(b0 & 0x80) || (b1 & 0x7F) > TW_WS_CONTROL_MAX))
        return -EPROTO;
    uint64_t len;
    uint32_t hdr;
    int r = extended_length(buf, n, b1 & 0x7F, &len, &hdr);
    if (r <= 0)
        return r;
    if (max_payload > TW_WS_FRAME_LIMIT)
        max_payload = TW_WS_FRAME_LIMIT;
    if (len > max_payload)
        return -EMSGSIZE;
    if (n - hdr < len)
        return 0;
    f->payload = buf + hdr;
    f->len = len;
    f->header_len = hdr;
    f->opcode = op;
    f->fin = (b0 & 0x80) != 0;
    return (int)(hdr + len);
}

uint16_t tw_ws_close_code(int err)
{
    switch (err) {
    case -EPROTO: return TW_WS_CLOSE_PROTOCOL;
    case -EILSEQ: return TW_WS_CLOSE_INVALID_DATA;
    case -EMSGSIZE: return TW_WS_CLOSE_TOO_BIG;
    default: return TW_WS_CLOSE_INTERNAL;
    }
}

/* Bytes 2.. of a multi-byte sequence must be 10xxxxxx. */
static inline int cont(uint8_t c)
{
    return (c & 0xC0) == 0x80;
}

/* One non-ASCII sequence at s (n bytes left): its length, or 0 when invalid. */
static size_t utf8_sequence(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && cont(s[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || !cont(s[1]) || !cont(s[2]))
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
            return 0; /* overlong, or a UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || !cont(s[1]) || !cont(s[2]) || !cont(s[3]))
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
            return 0; /* overlong, or above U+10FFFF */
        return 4;
    }
    return 0;
}

/* Venue JSON is ASCII: eight bytes at a time until a high bit shows up. */
int tw_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t w;
        if (n - i >= 8 && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ull) == 0)) {
            i += 8;
            continue;
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_sequence(s + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

void tw_ws_assembler_init(tw_ws_assembler_t *a, uint8_t *buf, size_t cap, int validate_utf8)
{
    memset(a, 0, sizeof(*a));
    a->buf = buf;
    a->cap = cap;
    a->validate_utf8 = validate_utf8 != 0;
}

/* Codes a peer may send (RFC 6455 §7.4): 1000-1003, 1007-1014, 3000-4999. */
static int close_code_valid(uint16_t c)
{
    return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

static int control_message(const tw_ws_assembler_t *a, const tw_ws_frame_t *f, tw_ws_message_t *m)
{
    *m = (tw_ws_message_t){f->payload, (size_t)f->len, f->opcode, 0, 0};
    if (f->opcode != TW_WS_CLOSE)
        return 1;
    m->close_code = TW_WS_CLOSE_NO_STATUS;
    if (f->len == 0)
        return 1;
    if (f->len == 1)
        return -EPROTO;
    m->close_code = (uint16_t)(f->payload[0] << 8 | f->payload[1]);
    if (!close_code_valid(m->close_code))
        return -EPROTO;
    if (a->validate_utf8 && !tw_utf8_valid(f->payload + 2, (size_t)f->len - 2))
        return -EILSEQ;
    return 1;
}

static int append(tw_ws_assembler_t *a, const tw_ws_frame_t *f)
{
    if (f->len > a->cap - a->len) {
        a->active = 0;
        return -EMSGSIZE;
    }
    memcpy(a->buf + a->len, f->payload, (size_t)f->len);
    a->len += (size_t)f->len;
    return 0;
}

static int complete(const tw_ws_assembler_t *a, tw_ws_message_t *m, const uint8_t *data, size_t len,
                    uint8_t op, uint8_t copied)
{
    *m = (tw_ws_message_t){data, len, op, copied, 0};
    if (op == TW_WS_TEXT && a->validate_utf8 && !tw_utf8_valid(data, len))
        return -EILSEQ;
    return 1;
}

int tw_ws_assemble(tw_ws_assembler_t *a, const tw_ws_frame_t *f, tw_ws_message_t *m)
{
    if (f->opcode & 0x08)
        return control_message(a, f, m);
    if (f->opcode == TW_WS_CONT) {
        if (!a->active)
            return -EPROTO;
    } else {
        if (a->active)
            return -EPROTO;
        if (f->fin) /* the common case: whole message in one frame, no copy */
            return f->len > a->cap ? -EMSGSIZE : complete(a, m, f->payload, (size_t)f->len, f->opcode, 0);
        a->active = 1;
        a->opcode = f->opcode;
        a->len = 0;
    }
    int r = append(a, f);
    if (r < 0 || !f->fin)
        return r;
    a->active = 0;
    return complete(a, m, a->buf, a->len, a->opcode, 1);
}

/* Client frames are masked (RFC 6455 §5.3); the key bytes go out big-endian. */
static void mask_copy(uint8_t *dst, const uint8_t *src, size_t n, uint32_t key)
{
    uint8_t k[4] = {(uint8_t)(key >> 24), (uint8_t)(key >> 16), (uint8_t)(key >> 8), (uint8_t)key};
    uint64_t k8;
    uint8_t kk[8] = {k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]};
    memcpy(&k8, kk, 8);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        w ^= k8;
        memcpy(dst + i, &w, 8);
    }
    for (; i < n; i++)
        dst[i] = src[i] ^ k[i & 3];
}

static uint32_t header_write(uint8_t *out, uint8_t b0, int masked, size_t len)
{
    uint8_t m = masked ? 0x80 : 0;
    if (len < 126) {
        out[0] = b0;
        out[1] = m | (uint8_t)len;
        return 2;
    }
    uint32_t bytes = len <= 0xFFFF ? 2 : 8;
    out[0] = b0;
    out[1] = m | (bytes == 2 ? 126 : 127);
    for (uint32_t i = 0; i < bytes; i++)
        out[2 + i] = (uint8_t)((uint64_t)len >> (8 * (bytes - 1 - i)));
    return 2 + bytes;
}

int tw_ws_frame_encode(uint8_t *out, size_t cap, uint8_t opcode, int fin, const uint8_t *payload, size_t len,
                       int masked, uint32_t key)
{
    if (!opcode_known(opcode) || len > TW_WS_FRAME_LIMIT)
        return -EINVAL;
    if ((opcode & 0x08) && (!fin || len > TW_WS_CONTROL_MAX))
        return -EINVAL;
    size_t need = 2 + (len < 126 ? 0 : len <= 0xFFFF ? 2 : 8) + (masked ? 4 : 0) + len;
    if (need > cap)
        return -ENOBUFS;
    uint32_t h = header_write(out, (uint8_t)((fin ? 0x80 : 0) | opcode), masked, len);
    if (masked) {
        out[h] = (uint8_t)(key >> 24), out[h + 1] = (uint8_t)(key >> 16);
        out[h + 2] = (uint8_t)(key >> 8), out[h + 3] = (uint8_t)key;
        mask_copy(out + h + 4, payload, len, key);
    } else if (len) {
        memcpy(out + h, payload, len);
    }
    return (int)need;
}

int tw_ws_pong_encode(uint8_t *out, size_t cap, const uint8_t *ping, size_t len, uint32_t key)
{
    return tw_ws_frame_encode(out, cap, TW_WS_PONG, 1, ping, len, 1, key);
}

int tw_ws_close_encode(uint8_t *out, size_t cap, uint16_t code, const char *reason, size_t rlen, uint32_t key)
{
    uint8_t p[TW_WS_CONTROL_MAX];
    if (rlen > TW_WS_CONTROL_MAX - 2)
        return -EINVAL;
    p[0] = (uint8_t)(code >> 8);
    p[1] = (uint8_t)code;
    if (rlen)
        memcpy(p + 2, reason, rlen);
    return tw_ws_frame_encode(out, cap, TW_WS_CLOSE, 1, p, rlen + 2, 1, key);
}

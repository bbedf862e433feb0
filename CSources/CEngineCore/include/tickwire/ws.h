/* SPDX-License-Identifier: MIT */
/*
 * RFC 6455 WebSocket for the client side of a feed connection.
 *
 * Receive: tw_ws_frame_parse() finds one server frame at the start of a byte
 * buffer that may hold a partial frame (TLS records do not respect frame
 * boundaries); tw_ws_assemble() turns frames into messages, copying
 * fragmented data messages into a caller-provided fixed buffer while passing
 * control frames (which may arrive between fragments) straight through. An
 * unfragmented message is not copied: it points into the receive buffer and
 * is valid until the caller moves or reuses those bytes.
 *
 * Send: tw_ws_frame_encode() writes a masked client frame (the 32-bit key is
 * the caller's, so the hot path never calls a random number generator).
 *
 * Handshake: build the HTTP/1.1 upgrade request from 16 random bytes and
 * verify the 101 response's Sec-WebSocket-Accept (SHA-1 from libcrypto).
 *
 * Return convention: 0 or a count on success, -errno on failure:
 *   -EPROTO    protocol violation, close with 1002
 *   -EMSGSIZE  frame or message above the configured limit, close with 1009
 *   -EILSEQ    text that is not UTF-8, close with 1007
 *   -ENOBUFS   the output does not fit the caller's buffer
 *   -EINVAL    a bad argument (opcode, control payload > 125, CR/LF in a header value)
 *   -EACCES    the server's Sec-WebSocket-Accept is wrong
 */
#ifndef TICKWIRE_WS_H
#define TICKWIRE_WS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TW_WS_CONT = 0x0,
    TW_WS_TEXT = 0x1,
    TW_WS_BINARY = 0x2,
    TW_WS_CLOSE = 0x8,
    TW_WS_PING = 0x9,
    TW_WS_PONG = 0xA,
};

enum {
    TW_WS_CLOSE_NORMAL = 1000,
    TW_WS_CLOSE_NO_STATUS = 1005,   /* a close frame without a code (never sent) */
    TW_WS_CLOSE_PROTOCOL = 1002,
    TW_WS_CLOSE_INVALID_DATA = 1007,
    TW_WS_CLOSE_TOO_BIG = 1009,
    TW_WS_CLOSE_INTERNAL = 1011,
};

enum { TW_WS_CONTROL_MAX = 125, TW_WS_HEADER_MAX = 14, TW_WS_FRAME_LIMIT = (1 << 30) };

typedef struct tw_ws_frame {
    const uint8_t *payload;    /* into the parsed buffer */
    uint64_t len;
    uint32_t header_len;
    uint8_t opcode;
    uint8_t fin;
    uint8_t reserved[2];
} tw_ws_frame_t;

/*
 * Parses the frame at buf[0..n). Returns the frame's total size (header +
 * payload, > 0) when it is complete, 0 when more bytes are needed, or
 * -EPROTO / -EMSGSIZE (payload above max_payload, which is capped at
 * TW_WS_FRAME_LIMIT) as soon as the header shows it.
 */
int tw_ws_frame_parse(const uint8_t *buf, size_t n, uint64_t max_payload, tw_ws_frame_t *f);

/* The close code for an error from this API: 1002, 1007, 1009, or 1011 otherwise. */
uint16_t tw_ws_close_code(int err);

typedef struct tw_ws_assembler {
    uint8_t *buf;              /* caller's buffer for fragmented messages */
    size_t cap;                /* also the largest message accepted */
    size_t len;
    uint8_t opcode;            /* of the message being assembled */
    uint8_t active;
    uint8_t validate_utf8;
    uint8_t reserved;
} tw_ws_assembler_t;

typedef struct tw_ws_message {
    const uint8_t *data;
    size_t len;
    uint8_t opcode;            /* TEXT, BINARY, CLOSE, PING or PONG */
    uint8_t fragmented;        /* data was copied into the assembler's buffer */
    uint16_t close_code;       /* CLOSE: the peer's code, or 1005 */
} tw_ws_message_t;

void tw_ws_assembler_init(tw_ws_assembler_t *a, uint8_t *buf, size_t cap, int validate_utf8);

/*
 * Feeds one parsed frame. Returns 1 with a whole message in *m, 0 when a
 * fragment was stored, or -EPROTO (continuation without a start, a new data
 * message inside a fragmented one, a close frame of 1 byte or a bad code),
 * -EMSGSIZE (message above cap), -EILSEQ (text not UTF-8, when validating).
 */
int tw_ws_assemble(tw_ws_assembler_t *a, const tw_ws_frame_t *f, tw_ws_message_t *m);

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF). */
int tw_utf8_valid(const uint8_t *s, size_t n);

/*
 * Writes one frame: masked with key when masked (every client frame), plain
 * otherwise (a server, e.g. a test peer). Returns the bytes written,
 * -ENOBUFS, or -EINVAL for a bad opcode or a control frame that is
 * fragmented or longer than 125 bytes.
 */
int tw_ws_frame_encode(uint8_t *out, size_t cap, uint8_t opcode, int fin, const uint8_t *payload, size_t len,
                       int masked, uint32_t key);

/* The answer to a ping: a masked pong echoing its payload. */
int tw_ws_pong_encode(uint8_t *out, size_t cap, const uint8_t *ping, size_t len, uint32_t key);

/* A masked close frame with a code and an optional reason (at most 123 bytes). */
int tw_ws_close_encode(uint8_t *out, size_t cap, uint16_t code, const char *reason, size_t rlen, uint32_t key);

/* ---------------------------------------------------------- handshake -- */

/* Sec-WebSocket-Key: base64 of 16 random bytes (24 characters and a NUL). */
void tw_ws_key_encode(const uint8_t nonce[16], char key[25]);

/* Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)), 28 characters and a NUL. */
int tw_ws_accept_compute(const char *key, size_t klen, char accept[29]);

/* The GET upgrade request; returns its length or -ENOBUFS / -EINVAL. */
int tw_ws_request_build(char *out, size_t cap, const char *host, const char *path, const uint8_t nonce[16]);

/*
 * Checks the server's answer to that request: status 101, Upgrade: websocket,
 * Connection: upgrade, and the accept value. Returns the length of the HTTP
 * head (bytes after it are already WebSocket frames), 0 when the head is not
 * complete yet, -EPROTO or -EACCES.
 */
int tw_ws_response_verify(const char *resp, size_t n, const uint8_t nonce[16]);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_WS_H */

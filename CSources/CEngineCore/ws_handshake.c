/* SPDX-License-Identifier: MIT */
/*
 * The HTTP/1.1 upgrade that turns a TLS connection into a WebSocket
 * (RFC 6455 §4). Setup-time code: it runs once per connection, before the
 * feed loop, and may use snprintf.
 *
 * The key is base64 of 16 bytes the caller draws from a real random source;
 * the response is accepted only when Sec-WebSocket-Accept is
 * base64(SHA-1(key + the RFC's GUID)). That check is what tells us we reached
 * a WebSocket server rather than a cache or a captive portal that answered
 * 101 to anything. An extension we did not ask for is refused, since our
 * frame parser treats every RSV bit as an error.
 */
#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tickwire/ws.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding; out needs 4 * ceil(n / 3) + 1 bytes. */
static size_t base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

void tw_ws_key_encode(const uint8_t nonce[16], char key[25])
{
    base64_encode(nonce, 16, key);
}

int tw_ws_accept_compute(const char *key, size_t klen, char accept[29])
{
    uint8_t buf[128], digest[SHA_DIGEST_LENGTH];
    if (klen + sizeof(ws_guid) - 1 > sizeof(buf))
        return -EINVAL;
    memcpy(buf, key, klen);
    memcpy(buf + klen, ws_guid, sizeof(ws_guid) - 1);
    SHA1(buf, klen + sizeof(ws_guid) - 1, digest);
    base64_encode(digest, sizeof(digest), accept);
    return 0;
}

static int has_crlf(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

int tw_ws_request_build(char *out, size_t cap, const char *host, const char *path, const uint8_t nonce[16])
{
    char key[25];
    if (has_crlf(host) || has_crlf(path) || path[0] != '/')
        return -EINVAL;
    tw_ws_key_encode(nonce, key);
    int n = snprintf(out, cap,
                     "GET %s HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "\r\n",
                     path, host, key);
    if (n < 0)
        return -EINVAL;
    return (size_t)n < cap ? n : -ENOBUFS;
}

/* Length of the head including the blank line, or 0 while it is incomplete. */
static size_t head_length(const char *s, size_t n)
{
    for (size_t i = 3; i < n; i++)
        if (s[i] == '\n' && s[i - 1] == '\r' && s[i - 2] == '\n' && s[i - 3] == '\r')
            return i + 1;
    return 0;
}

/* Case-insensitive: does value contain word? (token lists like "keep-alive, Upgrade") */
static int contains_word(const char *v, size_t vl, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; i + wl <= vl; i++)
        if (strncasecmp(v + i, word, wl) == 0)
            return 1;
    return 0;
}

enum { H_UPGRADE = 1, H_CONNECTION = 2, H_ACCEPT = 4, H_BAD_ACCEPT = 8, H_EXTENSION = 16 };

/* One "Name: value" line; sets H_* bits. */
static unsigned header_line(const char *line, size_t len, const char *accept)
{
    const char *colon = memchr(line, ':', len);
    if (colon == NULL)
        return 0;
    size_t nl = (size_t)(colon - line);
    const char *v = colon + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vl = (size_t)(end - v);
    if (nl == 7 && strncasecmp(line, "upgrade", 7) == 0)
        return contains_word(v, vl, "websocket") ? H_UPGRADE : 0;
    if (nl == 10 && strncasecmp(line, "connection", 10) == 0)
        return contains_word(v, vl, "upgrade") ? H_CONNECTION : 0;
    if (nl == 20 && strncasecmp(line, "sec-websocket-accept", 20) == 0)
        return vl == 28 && memcmp(v, accept, 28) == 0 ? H_ACCEPT : H_BAD_ACCEPT;
    if (nl == 24 && strncasecmp(line, "sec-websocket-extensions", 24) == 0)
        return H_EXTENSION;
    return 0;
}

int tw_ws_response_verify(const char *resp, size_t n, const uint8_t nonce[16])
{
    size_t head = head_length(resp, n);
    if (head == 0)
        return 0;
    if (head < 12 || memcmp(resp, "HTTP/1.1 101", 12) != 0 || (head > 12 && resp[12] != ' ' && resp[12] != '\r'))
        return -EPROTO;
    char key[25], accept[29];
    tw_ws_key_encode(nonce, key);
    tw_ws_accept_compute(key, 24, accept);
    unsigned seen = 0;
    const char *p = memchr(resp, '\n', head) + 1, *end = resp + head;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)(eol - p);
        if (len && p[len - 1] == '\r')
            len--;
        seen |= header_line(p, len, accept);
        p = eol + 1;
    }
    if (seen & H_BAD_ACCEPT)
        return -EACCES;
    if ((seen & H_EXTENSION) || (seen & (H_UPGRADE | H_CONNECTION | H_ACCEPT)) != (H_UPGRADE | H_CONNECTION | H_ACCEPT))
        return -EPROTO;
    return (int)head;
}

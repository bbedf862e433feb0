/* SPDX-License-Identifier: MIT */
/*
 * Pieces of the loopback scenario shared by its files (not for Swift):
 * the frame generator (loopback_frames.c), the peer's side of the
 * connection, plain or TLS over memory BIOs (loopback_peer.c).
 */
#ifndef TW_CBENCH_LOOPBACK_INTERNAL_H
#define TW_CBENCH_LOOPBACK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Every frame the run sends, server-framed (unmasked text) and back to back in buf. */
typedef struct lb_frames {
    uint8_t *buf;
    uint64_t *at;              /* frame i is buf[at[i], at[i + 1]) */
    uint64_t *want_id;         /* the update id its md event carries */
    uint8_t *want_type;        /* TW_MD_BOOK (a diff) or TW_MD_BBO (a bookTicker) */
    uint16_t *levels;          /* levels of a diff, 0 for a bookTicker */
    int64_t (*top)[4];         /* the generator's bid px, bid qty, ask px, ask qty after the frame */
    uint64_t count;
    char *snapshot;            /* REST depth body the first diff (frame 0) continues */
    size_t snapshot_len;
    uint32_t snapshot_levels;
} lb_frames_t;

/* Builds count frames (frame 0 is a diff). 0 or -ENOMEM. */
int lb_frames_build(lb_frames_t *fr, uint64_t count, uint32_t bookticker_every, uint64_t seed);
void lb_frames_free(lb_frames_t *fr);

/* The server end of the feed's connection. */
typedef struct lb_peer lb_peer_t;

/* A listening socket on 127.0.0.1 (ephemeral port) and, with tls, a key, a self-signed
 * certificate for 127.0.0.1 and a CA file holding it. NULL on failure, err set. */
lb_peer_t *lb_peer_create(int tls, char *err, size_t errlen);
void lb_peer_free(lb_peer_t *p);
uint16_t lb_peer_port(const lb_peer_t *p);
const char *lb_peer_ca_file(const lb_peer_t *p); /* NULL for plain TCP */
void lb_peer_drop_ca_file(lb_peer_t *p);        /* once the feed has loaded it */

/* Accepts one connection, does the TLS handshake, answers the WebSocket upgrade;
 * *path gets the request target. 0 or -errno, err set. */
int lb_peer_accept(lb_peer_t *p, int64_t timeout_ns, char *path, size_t pathlen, char *err, size_t errlen);

/* "TLSv1.3 <cipher>" or "" */
void lb_peer_describe(const lb_peer_t *p, char *out, size_t cap);

/* Turns frame bytes into socket bytes (encrypts under TLS; plain: no copy). The result stays
 * valid until the next call. 0 or -errno. */
int lb_peer_seal(lb_peer_t *p, const uint8_t *data, size_t len, const uint8_t **out, size_t *outlen);

/* write()s all of it on the connection; 0 or -errno. */
int lb_peer_write(lb_peer_t *p, const uint8_t *data, size_t len);

/* Shuts the connection down (no close handshake: the feed is stopping). */
void lb_peer_hangup(lb_peer_t *p);

#endif /* TW_CBENCH_LOOPBACK_INTERNAL_H */

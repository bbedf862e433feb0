/* SPDX-License-Identifier: MIT */
/*
 * HMAC-SHA256 for signing venue requests, without allocating per message.
 *
 * HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)). The two key blocks are
 * the same for every message, so their compression is done once at setup
 * and kept as two SHA-256 states; a message then costs a copy of each state,
 * the hash of m, and one more block for the outer hash. OpenSSL's one-shot
 * HMAC() rebuilds those states (and allocates an EVP context) on every call.
 *
 * The low-level SHA256_* calls are deprecated in OpenSSL 3.0 but remain, and
 * are the only OpenSSL digest interface whose context is a plain struct we
 * can copy; EVP_MD_CTX would have to be allocated and duplicated per call.
 */
#include <string.h>

#include "gateway_internal.h"

#include <openssl/crypto.h>

enum { BLOCK = 64, DIGEST = 32 };

void tw_gw_hmac_init(tw_gw_hmac_t *h, const char *key, size_t len)
{
    uint8_t k[BLOCK] = {0}, pad[BLOCK];
    if (len > BLOCK)
        SHA256((const uint8_t *)key, len, k); /* RFC 2104: a long key is hashed first */
    else
        memcpy(k, key, len);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    SHA256_Init(&h->inner);
    SHA256_Update(&h->inner, pad, BLOCK);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&h->outer);
    SHA256_Update(&h->outer, pad, BLOCK);
    OPENSSL_cleanse(k, sizeof(k)); /* not memset: the compiler may drop a store to a dying buffer */
    OPENSSL_cleanse(pad, sizeof(pad));
}

void tw_gw_hmac_hex(const tw_gw_hmac_t *h, const char *msg, size_t len, char hex[64])
{
    static const char digits[] = "0123456789abcdef";
    SHA256_CTX c = h->inner;
    uint8_t d[DIGEST];
    SHA256_Update(&c, msg, len);
    SHA256_Final(d, &c);
    c = h->outer;
    SHA256_Update(&c, d, DIGEST);
    SHA256_Final(d, &c);
    for (int i = 0; i < DIGEST; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
}

void tw_gw_hmac_wipe(tw_gw_hmac_t *h)
{
    OPENSSL_cleanse(h, sizeof(*h));
}

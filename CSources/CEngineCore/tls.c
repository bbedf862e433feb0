/* SPDX-License-Identifier: MIT */
/*
 * TLS for feed connections: OpenSSL over a BIO pair, so OpenSSL never
 * touches the socket. Ciphertext the ring received is written into our end
 * of the pair and plaintext comes out of SSL_read; SSL_write's records are
 * read from our end into the connection's send queue, which the ring sends.
 *
 * The pair's buffers are fixed at session open, so moving records costs
 * no allocation of ours; OpenSSL 3.0's TLS 1.3 record code still mallocs
 * and frees a 40-byte WPACKET per record decrypted (three per record
 * encrypted) to build the AAD. The handshake allocates (the certificate
 * chain, the session ticket).
 *
 * Verification: the context trusts a CA file or the system store, the
 * session checks the host name (or IP literal) against the certificate, and
 * a failed check ends the handshake with the X.509 reason. TLS 1.2 is the
 * floor.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

int tw_tls_create(const tw_tls_config_t *cfg, tw_tls_t **out)
{
    tw_tls_config_t c = cfg ? *cfg : (tw_tls_config_t){.verify = 1};
    tw_tls_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (t->ctx == NULL) {
        free(t);
        return -ENOMEM;
    }
    t->verify = c.verify != 0;
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
    int ok = 1;
    if (t->verify) {
        ok = c.ca_file ? SSL_CTX_load_verify_locations(t->ctx, c.ca_file, NULL)
                       : SSL_CTX_set_default_verify_paths(t->ctx);
        SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    } else {
        SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
    }
    ERR_clear_error();
    if (ok != 1) {
        tw_tls_destroy(t);
        return -EINVAL;
    }
    *out = t;
    return 0;
}

void tw_tls_destroy(tw_tls_t *t)
{
    if (t == NULL)
        return;
    SSL_CTX_free(t->ctx);
    free(t);
}

/* SNI and the name check for a DNS name; only the address check for an IP literal (SNI must not carry one). */
static int session_names(SSL *ssl, const char *host, int verify)
{
    unsigned char ip[16];
    int literal = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    if (!literal && SSL_set_tlsext_host_name(ssl, host) != 1)
        return -EINVAL;
    if (!verify)
        return 0;
    X509_VERIFY_PARAM *p = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = literal ? X509_VERIFY_PARAM_set1_ip_asc(p, host) : X509_VERIFY_PARAM_set1_host(p, host, 0);
    return ok == 1 ? 0 : -EINVAL;
}

int tw_tls_session_open(tw_tls_t *t, tw_tls_session_t *s, const char *host, size_t out_bytes)
{
    BIO *inner = NULL;
    s->ssl = SSL_new(t->ctx);
    if (s->ssl == NULL || BIO_new_bio_pair(&inner, out_bytes, &s->net, TW_TLS_IN_BIO) != 1) {
        tw_tls_session_free(s);
        ERR_clear_error();
        return -ENOMEM;
    }
    SSL_set_bio(s->ssl, inner, inner);
    int r = session_names(s->ssl, host, t->verify);
    ERR_clear_error();
    if (r < 0) {
        tw_tls_session_free(s);
        return r;
    }
    SSL_set_connect_state(s->ssl);
    return 0;
}

void tw_tls_session_free(tw_tls_session_t *s)
{
    SSL_free(s->ssl); /* frees the inner BIO too */
    BIO_free(s->net);
    s->ssl = NULL;
    s->net = NULL;
}

size_t tw_tls_feed(tw_tls_session_t *s, const uint8_t *p, size_t n)
{
    int r = BIO_write(s->net, p, n > (size_t)INT32_MAX ? INT32_MAX : (int)n);
    return r > 0 ? (size_t)r : 0;
}

/* The OpenSSL reason of the error just seen, then an empty error queue. */
static void describe(char *err, size_t cap, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char reason[160] = "no reason given";
    if (e)
        ERR_error_string_n(e, reason, sizeof(reason));
    snprintf(err, cap, "%s: %s", what, reason);
    ERR_clear_error();
}

int tw_tls_handshake(tw_tls_session_t *s, char *err, size_t cap)
{
    int r = SSL_do_handshake(s->ssl);
    if (r == 1)
        return 1;
    int e = SSL_get_error(s->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    long v = SSL_get_verify_result(s->ssl);
    if (v != X509_V_OK) {
        snprintf(err, cap, "certificate verify failed: %s", X509_verify_cert_error_string(v));
        ERR_clear_error();
        return -EKEYREJECTED;
    }
    describe(err, cap, "TLS handshake failed");
    return -EPROTO;
}

int tw_tls_read(tw_tls_session_t *s, uint8_t *out, size_t cap, char *err, size_t errcap)
{
    int r = SSL_read(s->ssl, out, cap > (size_t)INT32_MAX ? INT32_MAX : (int)cap);
    if (r > 0)
        return r;
    int e = SSL_get_error(s->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    if (e == SSL_ERROR_ZERO_RETURN) {
        ERR_clear_error();
        return -ECONNABORTED;
    }
    describe(err, errcap, "TLS read failed");
    return -EPROTO;
}

int tw_tls_write(tw_tls_session_t *s, const uint8_t *p, size_t n)
{
    int r = SSL_write(s->ssl, p, (int)n);
    if (r == (int)n)
        return r;
    ERR_clear_error();
    return -EPROTO;
}

size_t tw_tls_room(tw_tls_session_t *s)
{
    return BIO_ctrl_get_write_guarantee(SSL_get_wbio(s->ssl));
}

size_t tw_tls_pending(tw_tls_session_t *s)
{
    return BIO_ctrl_pending(s->net);
}

size_t tw_tls_take(tw_tls_session_t *s, uint8_t *out, size_t cap)
{
    int r = BIO_read(s->net, out, cap > (size_t)INT32_MAX ? INT32_MAX : (int)cap);
    return r > 0 ? (size_t)r : 0;
}

void tw_tls_shutdown(tw_tls_session_t *s)
{
    if (SSL_is_init_finished(s->ssl))
        SSL_shutdown(s->ssl);
    ERR_clear_error();
}

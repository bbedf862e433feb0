/* SPDX-License-Identifier: MIT */
/*
 * The server end of the loopback scenario's connection: a listening socket
 * on 127.0.0.1, and for wss an EC P-256 key and a self-signed certificate
 * for IP 127.0.0.1 made at run time, written to a CA file the feed verifies
 * against. TLS runs over memory BIOs, so a frame is encrypted into a record
 * before its send time is stamped: the timed part is the write(), as for
 * plain TCP, and the receiver's decryption is inside the measurement.
 * Setup code: it blocks (with timeouts) and allocates freely.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include "loopback_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tickwire/core.h"
#include "tickwire/ws.h"

struct lb_peer {
    int lfd, fd;
    uint16_t port;
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *rbio, *wbio;          /* the SSL object reads ciphertext from rbio, writes it to wbio */
    uint8_t *sealed;           /* the last lb_peer_seal output */
    size_t sealed_cap;
    char ca_file[64];
};

static int errf(char *err, size_t len, int code, const char *what)
{
    unsigned long e = ERR_get_error();
    if (e)
        snprintf(err, len, "%s: %s", what, ERR_reason_error_string(e));
    else
        snprintf(err, len, "%s: %s", what, strerror(code));
    ERR_clear_error();
    return -code;
}

static int listen_loopback(lb_peer_t *p)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (p->lfd < 0 || bind(p->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(p->lfd, 4) < 0 ||
        getsockname(p->lfd, (struct sockaddr *)&a, &len) < 0)
        return -errno;
    p->port = ntohs(a.sin_port);
    return 0;
}

/* A self-signed certificate for 127.0.0.1, valid for a day. */
static X509 *make_cert(EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509V3_CTX v3;
    if (x == NULL)
        return NULL;
    X509_NAME *name = X509_get_subject_name(x);
    int ok = X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(tw_real_ns() & 0x7fffffff)) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -3600) && X509_gmtime_adj(X509_getm_notAfter(x), 86400) &&
             X509_set_pubkey(x, key) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"tickwire bench", -1, -1,
                                        0) &&
             X509_set_issuer_name(x, name);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *san = ok ? X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1") : NULL;
    ok = san && X509_add_ext(x, san, -1) && X509_sign(x, key, EVP_sha256()) > 0;
    X509_EXTENSION_free(san);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int write_ca_file(lb_peer_t *p, X509 *cert, char *err, size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    snprintf(p->ca_file, sizeof(p->ca_file), "%s/tickwire-bench-ca-XXXXXX", dir && strlen(dir) < 32 ? dir : "/tmp");
    int fd = mkstemp(p->ca_file);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        if (fd >= 0)
            close(fd);
        p->ca_file[0] = 0;
        return errf(err, errlen, errno, "cannot create the CA file");
    }
    int ok = PEM_write_X509(f, cert);
    if (fclose(f) != 0 || !ok)
        return errf(err, errlen, EIO, "cannot write the CA file");
    return 0;
}

static int tls_setup(lb_peer_t *p, char *err, size_t errlen)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = key ? make_cert(key) : NULL;
    int r = cert ? 0 : errf(err, errlen, EIO, "cannot make a certificate");
    if (r == 0) {
        p->ctx = SSL_CTX_new(TLS_server_method());
        if (p->ctx == NULL || !SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION) ||
            SSL_CTX_use_certificate(p->ctx, cert) != 1 || SSL_CTX_use_PrivateKey(p->ctx, key) != 1)
            r = errf(err, errlen, EIO, "cannot set up the server TLS context");
    }
    if (r == 0)
        r = write_ca_file(p, cert, err, errlen);
    X509_free(cert);
    EVP_PKEY_free(key);
    return r;
}

lb_peer_t *lb_peer_create(int tls, char *err, size_t errlen)
{
    lb_peer_t *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->fd = -1;
    int r = listen_loopback(p);
    if (r < 0)
        errf(err, errlen, -r, "cannot listen on 127.0.0.1");
    else if (tls)
        r = tls_setup(p, err, errlen);
    if (r < 0) {
        lb_peer_free(p);
        return NULL;
    }
    return p;
}

void lb_peer_free(lb_peer_t *p)
{
    if (p == NULL)
        return;
    lb_peer_hangup(p);
    if (p->lfd >= 0)
        close(p->lfd);
    SSL_free(p->ssl); /* frees both BIOs */
    SSL_CTX_free(p->ctx);
    lb_peer_drop_ca_file(p);
    free(p->sealed);
    free(p);
}

uint16_t lb_peer_port(const lb_peer_t *p)
{
    return p->port;
}

const char *lb_peer_ca_file(const lb_peer_t *p)
{
    return p->ca_file[0] ? p->ca_file : NULL;
}

void lb_peer_drop_ca_file(lb_peer_t *p)
{
    if (p->ca_file[0])
        unlink(p->ca_file);
    p->ca_file[0] = 0;
}

/* ------------------------------------------------------------- socket -- */

static int wait_fd(int fd, short events, int64_t deadline)
{
    int64_t left = (deadline - tw_mono_ns()) / 1000000;
    struct pollfd pf = {.fd = fd, .events = events};
    int n = poll(&pf, 1, left > 0 ? (int)left : 0);
    return n == 1 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

int lb_peer_write(lb_peer_t *p, const uint8_t *data, size_t len)
{
    while (len) {
        ssize_t w = send(p->fd, data, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EPIPE;
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Whatever SSL left in wbio, onto the socket. */
static int flush_tls(lb_peer_t *p)
{
    char *data;
    long n = BIO_get_mem_data(p->wbio, &data);
    int r = n > 0 ? lb_peer_write(p, (const uint8_t *)data, (size_t)n) : 0;
    (void)BIO_reset(p->wbio);
    return r;
}

/* Ciphertext from the socket into rbio. */
static int pull_tls(lb_peer_t *p, int64_t deadline)
{
    uint8_t buf[16384];
    int r = wait_fd(p->fd, POLLIN, deadline);
    ssize_t n = r == 0 ? recv(p->fd, buf, sizeof(buf), 0) : 0;
    if (r < 0)
        return r;
    if (n <= 0)
        return n < 0 ? -errno : -ECONNRESET;
    return BIO_write(p->rbio, buf, (int)n) == (int)n ? 0 : -ENOMEM;
}

static int handshake(lb_peer_t *p, int64_t deadline, char *err, size_t errlen)
{
    p->ssl = SSL_new(p->ctx);
    p->rbio = BIO_new(BIO_s_mem());
    p->wbio = BIO_new(BIO_s_mem());
    if (p->ssl == NULL || p->rbio == NULL || p->wbio == NULL) {
        BIO_free(p->rbio);
        BIO_free(p->wbio);
        return errf(err, errlen, ENOMEM, "TLS objects");
    }
    SSL_set_bio(p->ssl, p->rbio, p->wbio);
    SSL_set_accept_state(p->ssl);
    for (;;) {
        int r = SSL_do_handshake(p->ssl), e = r == 1 ? 0 : SSL_get_error(p->ssl, r);
        if (flush_tls(p) < 0)
            return errf(err, errlen, EPIPE, "TLS handshake (write)");
        if (r == 1)
            return 0;
        if (e != SSL_ERROR_WANT_READ)
            return errf(err, errlen, EPROTO, "TLS handshake");
        if ((r = pull_tls(p, deadline)) < 0)
            return errf(err, errlen, -r, "TLS handshake (read)");
    }
}

/* Application bytes from the client: decrypted under TLS. */
static ssize_t peer_read(lb_peer_t *p, char *buf, size_t cap, int64_t deadline)
{
    for (;;) {
        if (p->ssl == NULL) {
            int r = wait_fd(p->fd, POLLIN, deadline);
            ssize_t n = r == 0 ? recv(p->fd, buf, cap, 0) : r;
            return n == 0 ? -ECONNRESET : n < 0 && r == 0 ? -errno : n;
        }
        int n = SSL_read(p->ssl, buf, (int)cap);
        if (n > 0)
            return n;
        if (SSL_get_error(p->ssl, n) != SSL_ERROR_WANT_READ)
            return -EPROTO;
        int r = pull_tls(p, deadline);
        if (r < 0)
            return r;
    }
}

static int upgrade(lb_peer_t *p, int64_t deadline, char *path, size_t pathlen, char *err, size_t errlen)
{
    char req[8192], accept[29], resp[256];
    size_t n = 0;
    while (!memmem(req, n, "\r\n\r\n", 4)) {
        ssize_t r = n < sizeof(req) - 1 ? peer_read(p, req + n, sizeof(req) - 1 - n, deadline) : -EMSGSIZE;
        if (r < 0)
            return errf(err, errlen, (int)-r, "reading the upgrade request");
        n += (size_t)r;
    }
    req[n] = 0;
    char *key = strcasestr(req, "\r\nSec-WebSocket-Key:");
    if (strncmp(req, "GET ", 4) != 0 || key == NULL)
        return errf(err, errlen, EPROTO, "not a WebSocket upgrade request");
    key += 20;
    while (*key == ' ')
        key++;
    if (tw_ws_accept_compute(key, strcspn(key, "\r\n"), accept) < 0)
        return errf(err, errlen, EPROTO, "bad Sec-WebSocket-Key");
    snprintf(path, pathlen, "%.*s", (int)strcspn(req + 4, " "), req + 4);
    int len = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
    const uint8_t *out;
    size_t outlen;
    int r = lb_peer_seal(p, (const uint8_t *)resp, (size_t)len, &out, &outlen);
    r = r < 0 ? r : lb_peer_write(p, out, outlen);
    return r < 0 ? errf(err, errlen, -r, "answering the upgrade") : 0;
}

int lb_peer_accept(lb_peer_t *p, int64_t timeout_ns, char *path, size_t pathlen, char *err, size_t errlen)
{
    int64_t deadline = tw_mono_ns() + timeout_ns;
    int one = 1, r = wait_fd(p->lfd, POLLIN, deadline);
    if (r < 0)
        return errf(err, errlen, -r, "the feed did not connect");
    p->fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (p->fd < 0)
        return errf(err, errlen, errno, "accept");
    setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (p->ctx && (r = handshake(p, deadline, err, errlen)) < 0)
        return r;
    return upgrade(p, deadline, path, pathlen, err, errlen);
}

void lb_peer_describe(const lb_peer_t *p, char *out, size_t cap)
{
    if (p->ssl == NULL)
        snprintf(out, cap, "%s", "");
    else
        snprintf(out, cap, "%s %s", SSL_get_version(p->ssl), SSL_get_cipher_name(p->ssl));
}

int lb_peer_seal(lb_peer_t *p, const uint8_t *data, size_t len, const uint8_t **out, size_t *outlen)
{
    if (p->ssl == NULL) {
        *out = data;
        *outlen = len;
        return 0;
    }
    /* anything SSL left in wbio before (a session ticket) goes out first, with this record */
    if (SSL_write(p->ssl, data, (int)len) != (int)len)
        return -EIO;
    char *sealed;
    long n = BIO_get_mem_data(p->wbio, &sealed);
    if (n <= 0)
        return -EIO;
    if ((size_t)n > p->sealed_cap) { /* copied out: the BIO's buffer moves on its next write */
        free(p->sealed);
        p->sealed_cap = (size_t)n * 2;
        p->sealed = malloc(p->sealed_cap);
        if (p->sealed == NULL)
            return -ENOMEM;
    }
    memcpy(p->sealed, sealed, (size_t)n);
    (void)BIO_reset(p->wbio);
    *out = p->sealed;
    *outlen = (size_t)n;
    return 0;
}

void lb_peer_hangup(lb_peer_t *p)
{
    if (p->fd >= 0) {
        shutdown(p->fd, SHUT_RDWR);
        close(p->fd);
    }
    p->fd = -1;
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the feed network layer (tickwire/net.h): a tw_loop_t on the
 * test's main thread against loopback WebSocket servers in threads, plain
 * TCP and TLS (OpenSSL with a throwaway CA and server certificates made here
 * with libcrypto). Covers the happy paths with messages split across TCP
 * segments and TLS records, fragmentation with a ping in between, both close
 * handshakes, limits, a bad accept key, certificate and host name failures,
 * verify=0 on loopback, refused and reset connections, reconnect from
 * on_close, the open and close timeouts, and the 5 messages/s limit. It also counts the
 * allocations of the loop's thread while messages stream in (must be 0).
 *
 * Every wait is bounded: server sockets have 5 s timeouts, the client loop
 * polls with a deadline, and an alarm ends the process after 20 s.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfeed.h"
#include "tickwire/core.h"
#include "tickwire/net.h"
#include "tickwire/ws.h"

/* ------------------------------------------------ allocation counting -- */

/*
 * Allocations made by this thread outside OpenSSL (allocs) and by OpenSSL
 * (ossl_allocs, through CRYPTO_set_mem_functions). Ours must be 0 while a
 * connection streams. OpenSSL 3.0's are reported: its TLS 1.3 record code
 * builds the AAD with a WPACKET (crypto/packet.c), one 40-byte malloc/free
 * per record received and three per record sent.
 */
static __thread long allocs, ossl_allocs;
static __thread int in_openssl;

static void *ossl_malloc(size_t n, const char *file, int line)
{
    (void)file, (void)line;
    in_openssl++, ossl_allocs++;
    void *p = malloc(n);
    in_openssl--;
    return p;
}

static void *ossl_realloc(void *q, size_t n, const char *file, int line)
{
    (void)file, (void)line;
    in_openssl++, ossl_allocs++;
    void *p = realloc(q, n);
    in_openssl--;
    return p;
}

static void ossl_free(void *p, const char *file, int line)
{
    (void)file, (void)line;
    free(p);
}

#if defined(__SANITIZE_ADDRESS__)
#define TW_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TW_TEST_ASAN 1
#endif
#endif

#ifdef TW_TEST_ASAN
#include <sanitizer/allocator_interface.h>
static void on_malloc(const volatile void *p, size_t n)
{
    (void)p, (void)n;
    allocs += !in_openssl;
}
static void on_free(const volatile void *p)
{
    (void)p;
}
static void count_allocations(void)
{
    CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free);
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
/* glibc's own entry points under the interposed names. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n)
{
    allocs += !in_openssl;
    return __libc_malloc(n);
}
void *calloc(size_t k, size_t n)
{
    allocs += !in_openssl;
    return __libc_calloc(k, n);
}
void *realloc(void *p, size_t n)
{
    allocs += !in_openssl;
    return __libc_realloc(p, n);
}
static void count_allocations(void)
{
    CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free);
}
#endif

/* ------------------------------------------------------- certificates -- */

typedef struct pki {
    EVP_PKEY *ca_key, *ca2_key, *key;
    X509 *ca, *ca2, *good, *other_host, *unknown_ca;
    char ca_file[128];
} pki_t;

static int add_ext(X509 *x, X509V3_CTX *v, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, v, nid, value);
    if (e == NULL)
        return -1;
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return 0;
}

/* A CA (issuer NULL) or a server certificate for san, signed by issuer. */
static X509 *cert_make(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, const char *san)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX v;
    X509V3_set_ctx_nodb(&v);
    X509V3_set_ctx(&v, issuer ? issuer : x, x, NULL, NULL, 0);
    add_ext(x, &v, NID_subject_key_identifier, "hash");
    if (issuer == NULL) {
        add_ext(x, &v, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, &v, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, &v, NID_basic_constraints, "CA:FALSE");
        add_ext(x, &v, NID_authority_key_identifier, "keyid");
        add_ext(x, &v, NID_ext_key_usage, "serverAuth");
        add_ext(x, &v, NID_subject_alt_name, san);
    }
    X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
    return x;
}

static int pki_make(pki_t *p)
{
    p->ca_key = EVP_EC_gen("P-256");
    p->ca2_key = EVP_EC_gen("P-256");
    p->key = EVP_EC_gen("P-256");
    p->ca = cert_make(p->ca_key, "tickwire test CA", NULL, NULL, NULL);
    p->ca2 = cert_make(p->ca2_key, "some other CA", NULL, NULL, NULL);
    p->good = cert_make(p->key, "localhost", p->ca, p->ca_key, "DNS:localhost,IP:127.0.0.1");
    p->other_host = cert_make(p->key, "other.test", p->ca, p->ca_key, "DNS:other.test");
    p->unknown_ca = cert_make(p->key, "localhost", p->ca2, p->ca2_key, "DNS:localhost,IP:127.0.0.1");
    const char *tmp = getenv("TMPDIR");
    snprintf(p->ca_file, sizeof(p->ca_file), "%s/tw-unit-net-ca.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int fd = mkstemp(p->ca_file);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL)
        return -1;
    PEM_write_X509(f, p->ca);
    fclose(f);
    return 0;
}

static void pki_free(pki_t *p)
{
    unlink(p->ca_file);
    X509_free(p->ca), X509_free(p->ca2), X509_free(p->good), X509_free(p->other_host), X509_free(p->unknown_ca);
    EVP_PKEY_free(p->ca_key), EVP_PKEY_free(p->ca2_key), EVP_PKEY_free(p->key);
}

static SSL_CTX *server_ctx(X509 *cert, EVP_PKEY *key)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, cert);
    SSL_CTX_use_PrivateKey(ctx, key);
    return ctx;
}

/* ------------------------------------------------------- server peers -- */

typedef struct peer {
    int fd;
    SSL *ssl;
} peer_t;

typedef struct server server_t;
typedef void (*script_fn)(server_t *s, peer_t *p, int index);

struct server {
    int lfd;
    uint16_t port;
    SSL_CTX *ctx;              /* NULL: plain TCP */
    int conns;                 /* accepted one after the other */
    script_fn script;
    pthread_t th;
    int failures;              /* read by the main thread after join */
    long value;                /* a scenario's measurement */
};

#define SCHECK(s, cond)                                                                   \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            (s)->failures++;                                                              \
            fprintf(stderr, "FAIL (server) %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                                 \
    } while (0)

static int peer_write(peer_t *p, const void *buf, size_t n)
{
    if (p->ssl)
        return SSL_write(p->ssl, buf, (int)n) == (int)n ? 0 : -1;
    const uint8_t *b = buf;
    while (n) {
        ssize_t k = send(p->fd, b, n, MSG_NOSIGNAL);
        if (k <= 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

static int peer_read_exact(peer_t *p, void *buf, size_t n)
{
    uint8_t *b = buf;
    while (n) {
        long k = p->ssl ? SSL_read(p->ssl, b, (int)n) : recv(p->fd, b, n, 0);
        if (k <= 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Writes in uneven pieces (1, 2, 3, 7, … bytes) with short pauses, so they arrive as many segments or records. */
static int peer_write_chunked(peer_t *p, const uint8_t *buf, size_t n)
{
    static const size_t sizes[] = {1, 2, 3, 7, 13, 64, 1000, 4096, 16384, 5};
    for (size_t off = 0, i = 0; off < n; i++) {
        size_t k = sizes[i % 10] < n - off ? sizes[i % 10] : n - off;
        if (peer_write(p, buf + off, k) < 0)
            return -1;
        off += k;
        if (i % 3 == 0)
            usleep(200);
    }
    return 0;
}

enum { UPGRADE_OK = 0, UPGRADE_BAD_ACCEPT = 1 };

static int peer_upgrade(peer_t *p, int mode)
{
    char req[4096], accept[29];
    size_t n = 0;
    while (n < 4 || memcmp(req + n - 4, "\r\n\r\n", 4) != 0) {
        if (n + 1 >= sizeof(req) || peer_read_exact(p, req + n, 1) < 0)
            return -1;
        n++;
    }
    req[n] = 0;
    const char *k = strstr(req, "Sec-WebSocket-Key: ");
    if (k == NULL || strncmp(req, "GET /ws?x=1 HTTP/1.1\r\n", 22) != 0)
        return -1;
    tw_ws_accept_compute(k + 19, 24, accept);
    if (mode == UPGRADE_BAD_ACCEPT)
        accept[3] = accept[3] == 'A' ? 'B' : 'A';
    char resp[256];
    int len = snprintf(resp, sizeof(resp),
                       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: %s\r\n\r\n",
                       accept);
    return peer_write(p, resp, (size_t)len);
}

static int peer_frame(peer_t *p, uint8_t op, int fin, const void *data, size_t n)
{
    static __thread uint8_t out[200000];
    int len = tw_ws_frame_encode(out, sizeof(out), op, fin, data, n, 0, 0);
    return len < 0 ? -1 : peer_write(p, out, (size_t)len);
}

/* Reads one masked client frame; its unmasked payload into buf. 0 or -1. */
static int peer_read_frame(peer_t *p, uint8_t *op, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t h[8], mask[4];
    if (peer_read_exact(p, h, 2) < 0 || !(h[1] & 0x80))
        return -1;
    uint64_t n = h[1] & 0x7F;
    if (n >= 126) {
        size_t k = n == 126 ? 2 : 8;
        if (peer_read_exact(p, h, k) < 0)
            return -1;
        n = 0;
        for (size_t i = 0; i < k; i++)
            n = n << 8 | h[i];
    }
    if (n > cap || peer_read_exact(p, mask, 4) < 0 || peer_read_exact(p, buf, (size_t)n) < 0)
        return -1;
    for (uint64_t i = 0; i < n; i++)
        buf[i] ^= mask[i & 3];
    *op = h[0] & 0x0F;
    *len = (size_t)n;
    return 0;
}

/* The server's close: sends code, expects the client's echo of it. */
static void peer_close(server_t *s, peer_t *p, uint16_t code)
{
    uint8_t c[2] = {(uint8_t)(code >> 8), (uint8_t)code}, buf[256], op = 0;
    size_t len = 0;
    SCHECK(s, peer_frame(p, TW_WS_CLOSE, 1, c, 2) == 0);
    SCHECK(s, peer_read_frame(p, &op, buf, sizeof(buf), &len) == 0);
    SCHECK(s, op == TW_WS_CLOSE && len >= 2 && buf[0] == c[0] && buf[1] == c[1]);
}

/* Reads until EOF or an error (bounded by the socket timeout). */
static void peer_drain(peer_t *p)
{
    uint8_t b[4096];
    while ((p->ssl ? SSL_read(p->ssl, b, sizeof(b)) : recv(p->fd, b, sizeof(b), 0)) > 0) {
    }
}

static void *server_main(void *arg)
{
    server_t *s = arg;
    for (int i = 0; i < s->conns; i++) {
        struct pollfd pfd = {s->lfd, POLLIN, 0};
        if (poll(&pfd, 1, 5000) != 1)
            break;
        peer_t p = {accept(s->lfd, NULL, NULL), NULL};
        if (p.fd < 0)
            break;
        struct timeval tv = {5, 0};
        int one = 1;
        setsockopt(p.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(p.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        setsockopt(p.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (s->ctx) {
            p.ssl = SSL_new(s->ctx);
            SSL_set_fd(p.ssl, p.fd);
            if (SSL_accept(p.ssl) != 1) { /* the client refused us: expected in some scenarios */
                ERR_clear_error();
                SSL_free(p.ssl);
                close(p.fd);
                s->value = -1;
                continue;
            }
        }
        s->script(s, &p, i);
        if (p.ssl) {
            SSL_shutdown(p.ssl);
            SSL_free(p.ssl);
        }
        if (p.fd >= 0)
            close(p.fd);
    }
    ERR_clear_error();
    return NULL;
}

static uint16_t listen_any(int *lfd)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    *lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*lfd < 0 || bind(*lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(*lfd, 4) < 0 ||
        getsockname(*lfd, (struct sockaddr *)&a, &len) < 0)
        return 0;
    return ntohs(a.sin_port);
}

static int server_start(server_t *s, SSL_CTX *ctx, int conns, script_fn script)
{
    memset(s, 0, sizeof(*s));
    s->ctx = ctx;
    s->conns = conns;
    s->script = script;
    s->port = listen_any(&s->lfd);
    return s->port && pthread_create(&s->th, NULL, server_main, s) == 0 ? 0 : -1;
}

static void server_join(server_t *s)
{
    pthread_join(s->th, NULL);
    close(s->lfd);
    CHECK_EQ(s->failures, 0);
}

/* ------------------------------------------------------------- client -- */

enum { N_BURST = 200, BIG = 100000 };

typedef struct client {
    tw_conn_t *c;
    int opens, closes, err, reopen;
    uint16_t code;
    int msgs;
    char last[256];
    size_t last_len;
    int bad_content;
    int64_t recv_ns;
    long window_allocs;        /* allocations between message 3 and message 3 + N_BURST */
    long send_allocs;          /* allocations of one tw_conn_send_text */
    long window_ossl, send_ossl; /* the same inside OpenSSL */
    long ossl_mark;
    long alloc_mark;
    int mode;
    int64_t t0;
    int send_results[6];
} client_t;

enum { MODE_STREAM = 1, MODE_RECONNECT = 2, MODE_RATE = 3, MODE_PLAIN = 4 };

static void cl_open(void *u, tw_conn_t *c)
{
    client_t *cl = u;
    cl->opens++;
    if (cl->mode == MODE_RATE) {
        cl->t0 = tw_mono_ns();
        for (int i = 0; i < 6; i++)
            cl->send_results[i] = tw_conn_send_text(c, "rate", 4);
    }
}

static int big_ok(const uint8_t *d, size_t n)
{
    if (n != BIG)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (d[i] != (uint8_t)(i * 31 + 7))
            return 0;
    return 1;
}

static void cl_message(void *u, tw_conn_t *c, const uint8_t *d, size_t n, int op, int64_t recv_ns)
{
    client_t *cl = u;
    cl->msgs++;
    cl->recv_ns = recv_ns;
    cl->last_len = n < sizeof(cl->last) - 1 ? n : sizeof(cl->last) - 1;
    memcpy(cl->last, d, cl->last_len);
    cl->last[cl->last_len] = 0;
    if (cl->mode == MODE_STREAM) {
        int m = cl->msgs;
        if ((m == 1 && strcmp(cl->last, "m1") != 0) || (m == 2 && (op != TW_WS_BINARY || !big_ok(d, n))) ||
            (m == 3 && strcmp(cl->last, "m3") != 0))
            cl->bad_content++;
        if (m > 3 && m <= 3 + N_BURST) {
            char want[32];
            snprintf(want, sizeof(want), "burst-%d", m - 4);
            if (strcmp(cl->last, want) != 0)
                cl->bad_content++;
        }
        if (m == 3) {
            long a0 = allocs, o0 = ossl_allocs;
            tw_conn_send_text(c, "hello", 5);
            cl->send_allocs = allocs - a0;
            cl->send_ossl = ossl_allocs - o0;
            cl->alloc_mark = allocs;
            cl->ossl_mark = ossl_allocs;
        }
        if (m == 3 + N_BURST) {
            cl->window_allocs = allocs - cl->alloc_mark;
            cl->window_ossl = ossl_allocs - cl->ossl_mark;
        }
    } else if (cl->mode == MODE_PLAIN && strcmp(cl->last, "close-me") == 0) {
        tw_conn_close(c, 1000);
    } else if (cl->mode == MODE_RECONNECT && strcmp(cl->last, "again") == 0) {
        tw_conn_close(c, 1001);
    } else if (cl->mode == MODE_RATE && strcmp(cl->last, "pong-seen") == 0) {
        cl->t0 = tw_mono_ns() - cl->t0; /* from the first send to the server seeing our pong */
        tw_conn_close(c, 1000);
    }
}

static void cl_close(void *u, tw_conn_t *c, int err, uint16_t code)
{
    client_t *cl = u;
    cl->closes++;
    cl->err = err;
    cl->code = code;
    if (cl->reopen > 0) {
        cl->reopen--;
        CHECK_EQ(tw_conn_open(c), 0);
    }
}

typedef struct env {
    tw_loop_t *loop;
    tw_tls_t *tls, *noverify;
    pki_t pki;
} env_t;

static tw_conn_t *client_make(env_t *e, client_t *cl, uint16_t port, tw_tls_t *tls, const char *host,
                              uint32_t max_frame, uint32_t open_timeout_ms)
{
    tw_conn_config_t cfg = {0};
    struct sockaddr_in *a = (struct sockaddr_in *)&cfg.addr;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cfg.addr_len = sizeof(*a);
    cfg.host = host;
    cfg.path = "/ws?x=1";
    cfg.tls = tls;
    cfg.max_frame = max_frame ? max_frame : 1 << 18;
    cfg.max_message = 1 << 18;
    cfg.seed = 42;
    cfg.open_timeout_ms = open_timeout_ms;
    cfg.close_timeout_ms = 1000;
    tw_conn_handlers_t h = {cl, cl_open, cl_message, cl_close};
    tw_conn_t *c = NULL;
    CHECK_EQ(tw_conn_create(e->loop, &cfg, &h, &c), 0);
    cl->c = c;
    return c;
}

/* Polls until the client has closed `closes` times, at most ms. */
static int run_until_closed(env_t *e, client_t *cl, int closes, int ms)
{
    int64_t end = tw_mono_ns() + (int64_t)ms * 1000000;
    while (cl->closes < closes && tw_mono_ns() < end) {
        int r = tw_loop_poll(e->loop, 20 * 1000000);
        if (r < 0) {
            fprintf(stderr, "tw_loop_poll: %d\n", r);
            return -1;
        }
    }
    return cl->closes >= closes ? 0 : -1;
}

/* ----------------------------------------------------------- scenarios -- */

/* m1, a 100 kB binary message and m3 in tiny pieces; "hello" back; a burst; the server's close. */
static void script_stream(server_t *s, peer_t *p, int index)
{
    (void)index;
    static uint8_t big[BIG], stream[BIG + 64 + N_BURST * 24];
    size_t n = 0, len = 0;
    for (size_t i = 0; i < BIG; i++)
        big[i] = (uint8_t)(i * 31 + 7);
    SCHECK(s, peer_upgrade(p, UPGRADE_OK) == 0);
    n += (size_t)tw_ws_frame_encode(stream + n, sizeof(stream) - n, TW_WS_TEXT, 1, (const uint8_t *)"m1", 2, 0, 0);
    n += (size_t)tw_ws_frame_encode(stream + n, sizeof(stream) - n, TW_WS_BINARY, 1, big, BIG, 0, 0);
    n += (size_t)tw_ws_frame_encode(stream + n, sizeof(stream) - n, TW_WS_TEXT, 1, (const uint8_t *)"m3", 2, 0, 0);
    SCHECK(s, peer_write_chunked(p, stream, n) == 0);
    uint8_t buf[256], op = 0;
    SCHECK(s, peer_read_frame(p, &op, buf, sizeof(buf), &len) == 0 && op == TW_WS_TEXT && len == 5 &&
                  memcmp(buf, "hello", 5) == 0);
    n = 0;
    for (int i = 0; i < N_BURST; i++) {
        char m[32];
        int k = snprintf(m, sizeof(m), "burst-%d", i);
        n += (size_t)tw_ws_frame_encode(stream + n, sizeof(stream) - n, TW_WS_TEXT, 1, (const uint8_t *)m, (size_t)k, 0, 0);
    }
    SCHECK(s, peer_write(p, stream, 1001) == 0 && peer_write(p, stream + 1001, n - 1001) == 0);
    peer_close(s, p, 1000);
    peer_drain(p);
}

static void test_stream(env_t *e, const char *name, tw_tls_t *tls, SSL_CTX *ctx)
{
    server_t s;
    client_t cl = {.mode = MODE_STREAM};
    CHECK_EQ(server_start(&s, ctx, 1, script_stream), 0);
    tw_conn_t *c = client_make(e, &cl, s.port, tls, "localhost", 0, 0);
    CHECK_EQ(tw_conn_open(c), 0);
    CHECK_EQ(tw_conn_open(c), -EBUSY);
    CHECK_EQ(run_until_closed(e, &cl, 1, 8000), 0);
    server_join(&s);
    CHECK_EQ(cl.opens, 1);
    CHECK_EQ(cl.msgs, 3 + N_BURST);
    CHECK_EQ(cl.bad_content, 0);
    CHECK_EQ(cl.err, 0);
    CHECK_EQ(cl.code, 1000);
    int64_t now = tw_real_ns();
    CHECK(cl.recv_ns > now - 10 * 1000000000LL && cl.recv_ns <= now);
    CHECK_EQ(cl.window_allocs, 0);
    CHECK_EQ(cl.send_allocs, 0);
    CHECK(tls || (cl.window_ossl == 0 && cl.send_ossl == 0));
    tw_conn_stats_t st;
    tw_conn_get_stats(c, &st);
    CHECK(st.state == TW_CONN_CLOSED && st.messages_in == 3 + N_BURST && st.bytes_in > BIG && st.bytes_out > 0);
    CHECK(st.last_error == 0 && st.last_close_code == 1000 && st.tls_error[0] == 0);
    printf("%s: %d messages, %llu bytes in; allocations: %ld receiving %d messages, %ld in one send"
           " (OpenSSL: %ld, %ld)\n",
           name, cl.msgs, (unsigned long long)st.bytes_in, cl.window_allocs, N_BURST, cl.send_allocs, cl.window_ossl,
           cl.send_ossl);
    tw_conn_destroy(c);
}

/* First connection: the server closes; the client reopens from on_close; second: the client closes. */
static void script_reconnect(server_t *s, peer_t *p, int index)
{
    uint8_t buf[256], op = 0;
    size_t len = 0;
    SCHECK(s, peer_upgrade(p, UPGRADE_OK) == 0);
    if (index == 0) {
        SCHECK(s, peer_frame(p, TW_WS_TEXT, 1, "first", 5) == 0);
        peer_close(s, p, 1000);
    } else {
        SCHECK(s, peer_frame(p, TW_WS_TEXT, 1, "again", 5) == 0);
        SCHECK(s, peer_read_frame(p, &op, buf, sizeof(buf), &len) == 0);
        SCHECK(s, op == TW_WS_CLOSE && len == 2 && buf[0] == 1001 >> 8 && buf[1] == (1001 & 0xFF));
        SCHECK(s, peer_frame(p, TW_WS_CLOSE, 1, buf, 2) == 0);
    }
    peer_drain(p);
}

static void test_reconnect(env_t *e, tw_tls_t *tls, SSL_CTX *ctx)
{
    server_t s;
    client_t cl = {.mode = MODE_RECONNECT, .reopen = 1};
    CHECK_EQ(server_start(&s, ctx, 2, script_reconnect), 0);
    tw_conn_t *c = client_make(e, &cl, s.port, tls, "localhost", 0, 0);
    CHECK_EQ(tw_conn_open(c), 0);
    CHECK_EQ(run_until_closed(e, &cl, 2, 5000), 0);
    server_join(&s);
    CHECK_EQ(cl.opens, 2);
    CHECK_EQ(cl.msgs, 2);
    CHECK_EQ(cl.err, 0);
    CHECK_EQ(cl.code, 1001);
    CHECK_EQ(tw_conn_close(c, 1000), -ENOTCONN);
    tw_conn_destroy(c);
}

/* TEXT(fin=0), PING, CONT(fin=0), CONT(fin=1): one message, and a pong with the ping's payload. */
static void script_fragments(server_t *s, peer_t *p, int index)
{
    (void)index;
    uint8_t buf[256], op = 0;
    size_t len = 0;
    SCHECK(s, peer_upgrade(p, UPGRADE_OK) == 0);
    SCHECK(s, peer_frame(p, TW_WS_TEXT, 0, "frag1-", 6) == 0);
    SCHECK(s, peer_frame(p, TW_WS_PING, 1, "p1", 2) == 0);
    SCHECK(s, peer_frame(p, TW_WS_CONT, 0, "frag2-", 6) == 0);
    SCHECK(s, peer_frame(p, TW_WS_CONT, 1, "frag3", 5) == 0);
    SCHECK(s, peer_read_frame(p, &op, buf, sizeof(buf), &len) == 0 && op == TW_WS_PONG && len == 2 &&
                  memcmp(buf, "p1", 2) == 0);
    peer_close(s, p, 1000);
    peer_drain(p);
}

static void test_fragments(env_t *e)
{
    server_t s;
    client_t cl = {.mode = MODE_PLAIN};
    CHECK_EQ(server_start(&s, NULL, 1, script_fragments), 0);
    tw_conn_t *c = client_make(e, &cl, s.port, NULL, "localhost", 0, 0);
    CHECK_EQ(tw_conn_open(c), 0);
    CHECK_EQ(run_until_closed(e, &cl, 1, 5000), 0);
    server_join(&s);
    CHECK_EQ(cl.msgs, 1);
    CHECK(strcmp(cl.last, "frag1-frag2-frag3") == 0);
    tw_conn_stats_t st;
    tw_conn_get_stats(c, &st);
    CHECK(st.pings == 1 && st.pongs_sent == 1 && cl.err == 0 && cl.code == 1000);
    tw_conn_destroy(c);
}

/* A 2000-byte frame against max_frame 1024: the client closes with 1009. */
static void script_oversized(server_t *s, peer_t *p, int index)
{
    (void)index;
    static uint8_t big[2000];
    uint8_t buf[256], op = 0;
    size_t len = 0;
    SCHECK(s, peer_upgrade(p, UPGRADE_OK) == 0);
    SCHECK(s, peer_frame(p, TW_WS_BINARY, 1, big, sizeof(big)) == 0);
    SCHECK(s, peer_read_frame(p, &op, buf, sizeof(buf), &len) == 0);
    SCHECK(s, op == TW_WS_CLOSE && len >= 2 && (buf[0] << 8 | buf[1]) == 1009);
    peer_drain(p);
}

/* Upgrade with a wrong Sec-WebSocket-Accept. */
static void script_bad_accept(server_t *s, peer_t *p, int index)
{
    (void)index;
    SCHECK(s, peer_upgrade(p, UPGRADE_BAD_ACCEPT) == 0);
    peer_drain(p);
}

/* "x" whole, then half a frame, then a TCP reset. */
static void script_reset(server_t *s, peer_t *p, int index)
{
    (void)index;
    SCHECK(s, peer_upgrade(p, UPGRADE_OK) == 0);
    SCHECK(s, peer_frame(p, TW_WS_TEXT, 1, "x", 1) == 0);
    const uint8_t half[] = {0x81, 0x05, 'h', 'e'};
    SCHECK(s, peer_write(p, half, sizeof(half)) == 0);
    usleep(20000);
    struct linger lg = {1, 0};
    setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(p->fd);
    p->fd = -1;
}

/* Asks the client to close, reads its close frame and never echoes it. */
static void script_no_echo(server_t *s, peer_t *p, int index)
{
    (void)index;
    uint8_t buf[256], op = 0;
    size_t len = 0;
    SCHECK(s, peer_upgrade(p, UPGRADE_OK) == 0);
    SCHECK(s, peer_frame(p, TW_WS_TEXT, 1, "close-me", 8) == 0);
    SCHECK(s, peer_read_frame(p, &op, buf, sizeof(buf), &len) == 0 && op == TW_WS_CLOSE);
    peer_drain(p);
}

/* Accepts and says nothing. */
static void script_silent(server_t *s, peer_t *p, int index)
{
    (void)s, (void)index;
    peer_drain(p);
}

/* One scenario ending in an error: the close (err, code) and the server's verdict. */
static void expect_close(env_t *e, const char *what, SSL_CTX *ctx, tw_tls_t *tls, const char *host, script_fn script,
                         uint32_t max_frame, uint32_t open_ms, int err, int code, const char *tls_error)
{
    server_t s;
    client_t cl = {.mode = MODE_PLAIN};
    CHECK_EQ(server_start(&s, ctx, 1, script), 0);
    tw_conn_t *c = client_make(e, &cl, s.port, tls, host, max_frame, open_ms);
    CHECK_EQ(tw_conn_open(c), 0);
    CHECK_EQ(run_until_closed(e, &cl, 1, 5000), 0);
    server_join(&s);
    tw_conn_stats_t st;
    tw_conn_get_stats(c, &st);
    if (cl.err != err || (code && cl.code != code) || (tls_error && strstr(st.tls_error, tls_error) == NULL)) {
        cfeed_failures++;
        fprintf(stderr, "FAIL %s: err %d code %u tls_error \"%s\" (want %d %d \"%s\")\n", what, cl.err, cl.code,
                st.tls_error, err, code, tls_error ? tls_error : "");
    }
    cfeed_checks++;
    CHECK_EQ(cl.closes, 1);
    printf("%s: err %d, code %u%s%s\n", what, cl.err, cl.code, st.tls_error[0] ? ", " : "", st.tls_error);
    tw_conn_destroy(c);
}

static void test_refused(env_t *e)
{
    int fd;
    uint16_t port = listen_any(&fd);
    close(fd); /* nobody listens there now */
    client_t cl = {.mode = MODE_PLAIN};
    tw_conn_t *c = client_make(e, &cl, port, NULL, "localhost", 0, 0);
    CHECK_EQ(tw_conn_open(c), 0);
    CHECK_EQ(run_until_closed(e, &cl, 1, 3000), 0);
    CHECK_EQ(cl.err, -ECONNREFUSED);
    CHECK_EQ(cl.opens, 0);
    printf("refused: err %d\n", cl.err);
    tw_conn_destroy(c);
}

/* Five messages go out at once, the sixth is refused; a pong due while no token is left waits ~1 s. */
static void script_rate(server_t *s, peer_t *p, int index)
{
    (void)index;
    uint8_t buf[256], op = 0;
    size_t len = 0;
    SCHECK(s, peer_upgrade(p, UPGRADE_OK) == 0);
    for (int i = 0; i < 5; i++)
        SCHECK(s, peer_read_frame(p, &op, buf, sizeof(buf), &len) == 0 && op == TW_WS_TEXT && len == 4);
    int64_t t = tw_mono_ns();
    SCHECK(s, peer_frame(p, TW_WS_PING, 1, "rl", 2) == 0);
    SCHECK(s, peer_read_frame(p, &op, buf, sizeof(buf), &len) == 0 && op == TW_WS_PONG && len == 2);
    s->value = (long)((tw_mono_ns() - t) / 1000000);
    SCHECK(s, peer_frame(p, TW_WS_TEXT, 1, "pong-seen", 9) == 0);
    SCHECK(s, peer_read_frame(p, &op, buf, sizeof(buf), &len) == 0 && op == TW_WS_CLOSE);
    SCHECK(s, peer_frame(p, TW_WS_CLOSE, 1, buf, len) == 0);
    peer_drain(p);
}

static void test_rate(env_t *e)
{
    server_t s;
    client_t cl = {.mode = MODE_RATE};
    CHECK_EQ(server_start(&s, NULL, 1, script_rate), 0);
    tw_conn_t *c = client_make(e, &cl, s.port, NULL, "localhost", 0, 0);
    CHECK_EQ(tw_conn_open(c), 0);
    CHECK_EQ(run_until_closed(e, &cl, 1, 5000), 0);
    server_join(&s);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(cl.send_results[i], 0);
    CHECK_EQ(cl.send_results[5], -EAGAIN);
    CHECK(cl.t0 >= 990 * 1000000LL); /* the pong waited for the first token to come back */
    CHECK(s.value >= 500);             /* and the server saw it late, not dropped */
    CHECK(cl.err == 0 && cl.code == 1000);
    tw_conn_stats_t st;
    tw_conn_get_stats(c, &st);
    CHECK(st.pongs_sent == 1);
    printf("rate limit: 6th message -EAGAIN, pong delayed %ld ms\n", s.value);
    tw_conn_destroy(c);
}

static void test_setup_errors(env_t *e)
{
    tw_conn_config_t cfg = {0};
    struct sockaddr_in *a = (struct sockaddr_in *)&cfg.addr;
    a->sin_family = AF_INET;
    a->sin_port = htons(443);
    inet_pton(AF_INET, "192.0.2.1", &a->sin_addr);
    cfg.addr_len = sizeof(*a);
    cfg.host = "example.test";
    cfg.tls = e->noverify;
    tw_conn_t *c = NULL;
    CHECK_EQ(tw_conn_create(e->loop, &cfg, NULL, &c), -EPERM);
    cfg.tls = e->tls;
    cfg.path = "/a\r\nX: y";
    CHECK_EQ(tw_conn_create(e->loop, &cfg, NULL, &c), -EINVAL);
    cfg.path = NULL;
    cfg.max_frame = 1 << 20;
    cfg.rx_capacity = 1000;
    CHECK_EQ(tw_conn_create(e->loop, &cfg, NULL, &c), -EINVAL);
    struct sockaddr_storage ss;
    socklen_t len;
    CHECK_EQ(tw_net_resolve("127.0.0.1", 80, &ss, &len), 0);
    CHECK_EQ(tw_net_is_loopback(&ss), 1);
    CHECK_EQ(tw_net_is_loopback(&cfg.addr), 0);
    tw_tls_config_t tc = {.ca_file = "/nonexistent/ca.pem", .verify = 1};
    tw_tls_t *t = NULL;
    CHECK_EQ(tw_tls_create(&tc, &t), -EINVAL);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "unit_net: timed out after 20 s\n";
    ssize_t r = write(2, msg, sizeof(msg) - 1);
    (void)r;
    _exit(2);
}

/* ---------------------------------------------------- one issuer -- */

typedef struct issuer_arg {
    tw_loop_t *loop;
    tw_conn_t *c;
    int open_rc, polls_ok;
} issuer_arg_t;

static void *issuer_thread(void *p)
{
    issuer_arg_t *a = p;
    a->open_rc = tw_conn_open(a->c);
    for (int i = 0; i < 5; i++)
        a->polls_ok += tw_loop_poll(a->loop, 20 * 1000000) >= 0;
    return NULL;
}

/*
 * The ring belongs to the thread that first submits on it: that thread opens
 * and polls; where the kernel has SINGLE_ISSUER another thread's poll is
 * refused at once (-EEXIST), and destroying a connection from there detaches
 * it without spinning on polls that cannot succeed.
 */
static void test_one_issuer(env_t *e)
{
    (void)e;
    tw_loop_t *l = NULL;
    tw_loop_config_t lc = {.entries = 16, .buffers = 4, .buffer_size = 4096};
    CHECK_EQ(tw_loop_create(&lc, &l), 0);
    int lfd = -1;
    uint16_t port = listen_any(&lfd); /* accepts in the backlog, never answers the upgrade */
    CHECK(port != 0);
    client_t cl = {0};
    env_t mine = {.loop = l};
    tw_conn_t *c = client_make(&mine, &cl, port, NULL, "localhost", 0, 5000);
    issuer_arg_t a = {.loop = l, .c = c};
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, issuer_thread, &a), 0);
    pthread_join(t, NULL);
    CHECK_EQ(a.open_rc, 0);
    CHECK_EQ(a.polls_ok, 5);
    tw_conn_stats_t st;
    tw_conn_get_stats(c, &st);
    CHECK(st.state != TW_CONN_CLOSED); /* connected, waiting for the upgrade answer */
    unsigned flags = tw_loop_setup_flags(l);
    int single = (flags & (1u << 12)) != 0; /* IORING_SETUP_SINGLE_ISSUER */
    if (single)
        CHECK_EQ(tw_loop_poll(l, 0), -EEXIST);
    int64_t t0 = tw_mono_ns();
    tw_conn_destroy(c);
    int64_t took = tw_mono_ns() - t0;
    CHECK(!single || took < 500 * 1000000LL); /* it used to poll in vain for a second */
    tw_loop_destroy(l);
    close(lfd);
    printf("  one issuer: setup flags 0x%x, destroy from another thread %lld us\n", flags, (long long)(took / 1000));
}

int main(void)
{
    signal(SIGALRM, on_alarm);
    alarm(20);
    signal(SIGPIPE, SIG_IGN);
    count_allocations();
    env_t e = {0};
    tw_loop_config_t lc = {.entries = 64, .buffers = 16, .buffer_size = 16384};
    int r = tw_loop_create(&lc, &e.loop);
    if (r == -ENOSYS || r == -EPERM) {
        printf("io_uring not available here (%d): skipped\n", r);
        return 77;
    }
    CHECK_EQ(r, 0);
    if (pki_make(&e.pki) < 0) {
        fprintf(stderr, "cannot write the test CA file\n");
        return 1;
    }
    tw_tls_config_t tc = {.ca_file = e.pki.ca_file, .verify = 1}, tn = {.verify = 0};
    CHECK_EQ(tw_tls_create(&tc, &e.tls), 0);
    CHECK_EQ(tw_tls_create(&tn, &e.noverify), 0);
    SSL_CTX *good = server_ctx(e.pki.good, e.pki.key), *other = server_ctx(e.pki.other_host, e.pki.key),
            *unknown = server_ctx(e.pki.unknown_ca, e.pki.key);

    test_stream(&e, "plain stream", NULL, NULL);
    test_stream(&e, "tls stream", e.tls, good);
    test_reconnect(&e, NULL, NULL);
    test_reconnect(&e, e.tls, good);
    test_fragments(&e);
    expect_close(&e, "oversized frame", NULL, NULL, "localhost", script_oversized, 1024, 0, -EMSGSIZE, 1009, NULL);
    expect_close(&e, "bad accept", NULL, NULL, "localhost", script_bad_accept, 0, 0, -EACCES, 1006, NULL);
    expect_close(&e, "unknown CA", unknown, e.tls, "localhost", script_silent, 0, 0, -EKEYREJECTED, 1006,
                 "certificate verify failed");
    expect_close(&e, "wrong host", other, e.tls, "localhost", script_silent, 0, 0, -EKEYREJECTED, 1006,
                 "mismatch");
    expect_close(&e, "verify=0 on loopback", unknown, e.noverify, "localhost", script_fragments, 0, 0, 0, 1000, NULL);
    expect_close(&e, "peer reset", NULL, NULL, "localhost", script_reset, 0, 0, -ECONNRESET, 1006, NULL);
    expect_close(&e, "close not echoed", NULL, NULL, "localhost", script_no_echo, 0, 0, -ETIMEDOUT, 1000, NULL);
    expect_close(&e, "open timeout", NULL, NULL, "localhost", script_silent, 0, 300, -ETIMEDOUT, 1006, NULL);
    test_refused(&e);
    test_rate(&e);
    test_one_issuer(&e);
    test_setup_errors(&e);

    SSL_CTX_free(good), SSL_CTX_free(other), SSL_CTX_free(unknown);
    tw_tls_destroy(e.tls);
    tw_tls_destroy(e.noverify);
    tw_loop_destroy(e.loop);
    pki_free(&e.pki);
    if (cfeed_failures) {
        printf("unit_net: %d of %d checks failed\n", cfeed_failures, cfeed_checks);
        return 1;
    }
    printf("unit_net: %d checks passed (plain, TLS, close handshakes, limits, cert checks, reconnect, rate)\n",
           cfeed_checks);
    return 0;
}

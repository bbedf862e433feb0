/* SPDX-License-Identifier: MIT */
/*
 * tw_reader: an external Tickwire reader written against the ABI headers only
 * (tickwire/abi.h and tickwire/reader.h). It opens and maps the segment files
 * itself, PROT_READ, and never writes to them. Protocols: docs/ABI.md.
 *
 *   tw_reader top [--instance NAME] [--symbol S] [--watch] [--interval SEC] [--count N] [--json]
 *   tw_reader tail [md|exec] [--instance NAME] [--symbol S] [--count N] [--from-oldest]
 *                  [--timeout SEC] [--json | --text]
 *
 * Exit codes: 0 ok; 1 error (one line on stderr); 2 bad usage; 3 tail --timeout
 * expired before any event was printed; 130 / 143 stopped by SIGINT / SIGTERM
 * (output flushed first).
 */
#define _POSIX_C_SOURCE 200809L

#include <tickwire/abi.h>
#include <tickwire/reader.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2, EXIT_NO_EVENTS = 3 };
enum { BOOK_READ_RETRIES = 1000, PATH_CAP = 4096, ERR_CAP = 4096 + 256 };

static volatile sig_atomic_t g_stop; /* the signal that stopped us, 0 while running */
static char g_err[ERR_CAP];

static void on_signal(int sig)
{
    g_stop = sig;
}

static int set_error(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_err, sizeof(g_err), fmt, ap);
    va_end(ap);
    return -err;
}

static const char *kind_name(uint32_t kind)
{
    static const char *names[] = {"?", "md", "books", "cmd", "exec", "account", "stats"};
    return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

static const char *state_name(uint32_t state)
{
    switch (state) {
    case TW_STATE_STARTING: return "starting";
    case TW_STATE_LIVE: return "live";
    case TW_STATE_STOPPING: return "stopping";
    case TW_STATE_DEAD: return "dead";
    default: return "unknown";
    }
}

/* Feed state name; unknown values as "unknown(N)" (buf holds the text). */
static const char *feed_name(uint32_t state, char *buf, size_t len)
{
    static const char *names[] = {"idle", "connecting", "syncing", "live", "stale"};
    if (state < sizeof(names) / sizeof(names[0]))
        return names[state];
    snprintf(buf, len, "unknown(%" PRIu32 ")", state);
    return buf;
}

static int instance_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= TW_INSTANCE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* mantissa x 10^exponent as an exact decimal string with -exponent fraction digits. */
static const char *fmt_decimal(char *buf, size_t len, int64_t m, int exponent)
{
    char digits[32];
    uint64_t mag = m < 0 ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
    int nd = snprintf(digits, sizeof(digits), "%" PRIu64, mag);
    size_t o = 0;
    if (m < 0 && o + 1 < len)
        buf[o++] = '-';
    if (exponent >= 0) {
        for (int i = 0; i < nd && o + 1 < len; i++)
            buf[o++] = digits[i];
        for (int i = 0; mag != 0 && i < exponent && o + 1 < len; i++)
            buf[o++] = '0';
    } else {
        int frac = -exponent;
        int whole = nd - frac;
        if (whole <= 0) {
            if (o + 1 < len)
                buf[o++] = '0';
        } else {
            for (int i = 0; i < whole && o + 1 < len; i++)
                buf[o++] = digits[i];
        }
        if (o + 1 < len)
            buf[o++] = '.';
        for (int i = 0; i < frac && o + 1 < len; i++) {
            int k = whole + i; /* index into digits; negative means a leading zero */
            buf[o++] = k < 0 ? '0' : digits[k];
        }
    }
    buf[o] = '\0';
    return buf;
}

/* A JSON string literal (ASCII; other bytes become U+FFFD, like the Python reader). */
static void json_str(FILE *f, const char *s, size_t max)
{
    fputc('"', f);
    for (size_t i = 0; i < max && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else if (c >= 0x80)
                fputs("\\ufffd", f);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL); /* EINTR: the caller re-checks g_stop */
}

/* ------------------------------------------------------------- segments -- */

typedef struct segment {
    const uint8_t *base;
    size_t size;
    dev_t dev;
    ino_t ino;
    uint32_t kind;
    char instance[TW_INSTANCE_MAX];
    char path[PATH_CAP];
} segment_t;

static const tw_segment_header_t *header(const segment_t *s)
{
    return (const tw_segment_header_t *)s->base;
}

static int range_ok(const segment_t *s, uint64_t offset, uint64_t bytes)
{
    return offset % 8 == 0 && offset <= s->size && bytes <= s->size - offset;
}

static void seg_close(segment_t *s)
{
    if (s->base)
        munmap((void *)s->base, s->size);
    s->base = NULL;
    s->size = 0;
}

/*
 * Opens and maps tickwire.<instance>.<kind> read-only and validates magic, ABI
 * major, kind and sizes. 0, or -errno with g_err set: -ENOENT missing, -EPROTO
 * bad magic or truncated, -EPROTONOSUPPORT other ABI major, -EMEDIUMTYPE wrong kind.
 */
static int seg_open(segment_t *s, const char *instance, uint32_t kind)
{
    memset(s, 0, sizeof(*s));
    const char *dir = getenv("TICKWIRE_SHM_DIR");
    if (!dir || !*dir)
        dir = "/dev/shm";
    int n = snprintf(s->path, sizeof(s->path), "%s/tickwire.%s.%s", dir, instance, kind_name(kind));
    if (n < 0 || (size_t)n >= sizeof(s->path))
        return set_error(ENAMETOOLONG, "segment path too long");
    snprintf(s->instance, sizeof(s->instance), "%s", instance);
    s->kind = kind;
    int fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO at the path must not hang us */
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT)
            return set_error(err, "no segment at %s — is the engine running? (instance %s)", s->path, instance);
        if (err == EACCES)
            return set_error(err, "cannot open %s: permission denied (segments are mode 0640: run as the "
                                  "engine's user or a member of its group)", s->path);
        return set_error(err, "cannot open %s: %s", s->path, strerror(err));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        return set_error(err, "cannot stat %s: %s", s->path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return set_error(EPROTO, "%s is not a regular file, so not a Tickwire segment", s->path);
    }
    if ((uint64_t)st.st_size < sizeof(tw_segment_header_t)) {
        close(fd);
        return set_error(EPROTO, "%s is not a Tickwire segment (only %lld bytes)", s->path, (long long)st.st_size);
    }
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    int err = errno;
    close(fd);
    if (base == MAP_FAILED)
        return set_error(err, "cannot map %s: %s", s->path, strerror(err));
    s->base = base;
    s->size = (size_t)st.st_size;
    s->dev = st.st_dev;
    s->ino = st.st_ino;

    /* Every offset and count the reader.h helpers will use, against the file's size (reader.h). */
    const tw_segment_header_t *h = header(s);
    tw_segment_fault_t f = {0};
    int rc = tw_segment_check(s->base, s->size, kind, &f);
    if (rc == -EPROTONOSUPPORT)
        rc = set_error(EPROTONOSUPPORT, "%s has ABI %u.%u; this reader knows ABI %d.%d and refuses another major version",
                       s->path, h->abi_major, h->abi_minor, TW_ABI_MAJOR, TW_ABI_MINOR);
    else if (rc == -EMEDIUMTYPE)
        rc = set_error(EMEDIUMTYPE, "%s holds a %s segment (kind %" PRIu32 "), expected %s", s->path,
                       kind_name(h->kind), h->kind, kind_name(kind));
    else if (rc < 0 && strcmp(f.field, "magic") == 0)
        rc = set_error(EPROTO, "%s is not a Tickwire segment (bad magic 0x%016" PRIx64 ")", s->path, f.value);
    else if (rc < 0 && strcmp(f.field, "segment_size") == 0)
        rc = set_error(EPROTO, "%s is truncated: segment_size %" PRIu64 ", but the file has %zu bytes", s->path,
                       f.value, s->size);
    else if (rc < 0)
        rc = set_error(EPROTO, "%s: invalid %s segment: %s = %" PRIu64 ": %s", s->path, kind_name(kind), f.field,
                       f.value, f.problem);
    if (rc < 0)
        seg_close(s);
    return rc;
}

/* 1 when another segment (a different generation) is now at the path: *out attached. */
static int seg_replacement(const segment_t *s, segment_t *out)
{
    struct stat st;
    if (stat(s->path, &st) < 0 || (st.st_dev == s->dev && st.st_ino == s->ino))
        return 0;
    if (seg_open(out, s->instance, s->kind) < 0)
        return 0;
    if (header(out)->generation == header(s)->generation) {
        seg_close(out);
        return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- books -- */

typedef struct books {
    segment_t seg;
    const tw_books_header_t *bh;
    uint32_t count, depth;
} books_t;

static int books_open(books_t *b, const char *instance)
{
    int rc = seg_open(&b->seg, instance, TW_SEG_BOOKS);
    if (rc < 0)
        return rc;
    const segment_t *s = &b->seg;
    if (!range_ok(s, header(s)->region_offset, sizeof(tw_books_header_t))) {
        seg_close(&b->seg);
        return set_error(EPROTO, "%s: books header lies outside the segment", s->path);
    }
    b->bh = tw_books_of(s->base);
    b->count = b->bh->instrument_count;
    b->depth = b->bh->depth;
    uint64_t block = b->bh->block_size;
    if (b->count == 0 || b->count > TW_MAX_INSTRUMENTS || b->depth == 0 || b->depth > TW_MAX_DEPTH ||
        block % 8 || block < sizeof(tw_book_header_t) + 2ull * b->depth * sizeof(tw_level_t) ||
        !range_ok(s, b->bh->instruments_offset, (uint64_t)b->count * sizeof(tw_instrument_info_t)) ||
        !range_ok(s, b->bh->blocks_offset, (uint64_t)b->count * block)) {
        seg_close(&b->seg);
        return set_error(EPROTO, "%s: invalid books geometry (%" PRIu32 " instruments, depth %" PRIu32 ")",
                         s->path, b->count, b->depth);
    }
    return 0;
}

static void books_close(books_t *b)
{
    seg_close(&b->seg);
}

static const tw_instrument_info_t *books_info(const books_t *b, uint32_t i)
{
    return tw_books_instrument(b->seg.base, i);
}

/* Index of a symbol (case-insensitive), or -1 with g_err listing the known ones. */
static int books_find(const books_t *b, const char *symbol)
{
    for (uint32_t i = 0; i < b->count; i++) {
        const char *sym = books_info(b, i)->symbol;
        size_t k = 0;
        while (k < TW_SYMBOL_MAX && sym[k] && symbol[k] &&
               (sym[k] == symbol[k] || (symbol[k] >= 'a' && symbol[k] <= 'z' && sym[k] == symbol[k] - 32)))
            k++;
        if ((k == TW_SYMBOL_MAX || !sym[k]) && !symbol[k])
            return (int)i;
    }
    size_t o = (size_t)snprintf(g_err, sizeof(g_err), "unknown symbol '%s' on instance %s (known:", symbol,
                                b->seg.instance);
    for (uint32_t i = 0; i < b->count && o < sizeof(g_err); i++)
        o += (size_t)snprintf(g_err + o, sizeof(g_err) - o, "%s %.*s", i ? "," : "", TW_SYMBOL_MAX,
                              books_info(b, i)->symbol);
    if (o < sizeof(g_err))
        snprintf(g_err + o, sizeof(g_err) - o, ")");
    return -1;
}

/* ------------------------------------------------------------------ top -- */

typedef struct options {
    const char *instance;
    const char *symbol;
    int watch, json, text, from_oldest;
    uint32_t ring_kind;        /* TW_SEG_MD or TW_SEG_EXEC */
    long count;
    double interval, timeout;
} options_t;

static void top_frame(const books_t *b, int only, int json)
{
    const segment_t *s = &b->seg;
    const tw_segment_header_t *h = header(s);
    uint32_t state = tw_segment_state(h);
    int busy = 0;
    if (json) {
        printf("{\"instance\":");
        json_str(stdout, s->instance, sizeof(s->instance));
        printf(",\"generation\":%" PRIu64 ",\"state\":\"%s\",\"heartbeat_ns\":%" PRId64 ",\"books\":[",
               h->generation, state_name(state), (int64_t)tw_load_u64((const uint64_t *)&h->heartbeat_ns));
    } else {
        printf("instance %s  generation %" PRIu64 "  state %s  %" PRIu32 " instruments, depth %" PRIu32 "\n",
               s->instance, h->generation, state_name(state), b->count, b->depth);
        printf("%-12s %16s %16s %16s %16s %14s %5s FEED\n", "SYMBOL", "BID_QTY", "BID", "ASK", "ASK_QTY",
               "UPDATE_ID", "STALE");
    }
    int first = 1;
    for (uint32_t i = 0; i < b->count; i++) {
        if (only >= 0 && (uint32_t)only != i)
            continue;
        const tw_instrument_info_t *info = books_info(b, i);
        char fbuf[32], sym[TW_SYMBOL_MAX + 1];
        snprintf(sym, sizeof(sym), "%.*s", TW_SYMBOL_MAX, info->symbol);
        const char *feed = feed_name(tw_load_u32(&info->feed_state), fbuf, sizeof(fbuf));
        tw_book_header_t bh = {0};
        tw_level_t bid = {0, 0}, ask = {0, 0};
        int rc = tw_book_read(tw_books_block(s->base, i), b->depth, &bh, &bid, &ask, 1, BOOK_READ_RETRIES);
        char bp[200] = "-", bq[200] = "-", ap[200] = "-", aq[200] = "-";
        if (rc > 0 && bh.bid_count) {
            fmt_decimal(bp, sizeof(bp), bid.price, info->price_exponent);
            fmt_decimal(bq, sizeof(bq), bid.quantity, info->qty_exponent);
        }
        if (rc > 0 && bh.ask_count) {
            fmt_decimal(ap, sizeof(ap), ask.price, info->price_exponent);
            fmt_decimal(aq, sizeof(aq), ask.quantity, info->qty_exponent);
        }
        if (rc < 0)
            busy++;
        if (json) {
            printf("%s{\"symbol\":", first ? "" : ",");
            json_str(stdout, info->symbol, TW_SYMBOL_MAX);
            printf(",\"feed_state\":\"%s\"", feed);
            if (rc < 0) {
                printf(",\"error\":\"no stable copy after %d attempts\"}", BOOK_READ_RETRIES);
            } else {
#define JSON_OPT(key, cond, val) printf(",\"" key "\":%s%s%s", (cond) ? "\"" : "", (cond) ? (val) : "null", (cond) ? "\"" : "")
                JSON_OPT("bid_px", bh.bid_count, bp);
                JSON_OPT("bid_qty", bh.bid_count, bq);
                JSON_OPT("ask_px", bh.ask_count, ap);
                JSON_OPT("ask_qty", bh.ask_count, aq);
#undef JSON_OPT
                printf(",\"update_id\":%" PRIu64 ",\"publish_ns\":%" PRId64 ",\"stale\":%s,\"attempts\":%d}",
                       bh.update_id, bh.publish_ns, (bh.flags & TW_BOOK_FLAG_STALE) ? "true" : "false", rc);
            }
        } else if (rc < 0) {
            printf("%-12s (gave up: no stable copy after %d attempts; writer busy or stuck) %s\n", sym,
                   BOOK_READ_RETRIES, feed);
        } else {
            printf("%-12s %16s %16s %16s %16s %14" PRIu64 " %5s %s\n", sym, bq, bp, ap, aq, bh.update_id,
                   (bh.flags & TW_BOOK_FLAG_STALE) ? "yes" : "no", feed);
        }
        first = 0;
    }
    if (json)
        printf("]}\n");
    if (busy)
        fprintf(stderr, "tw_reader: %d book(s) had no stable copy after %d attempts\n", busy, BOOK_READ_RETRIES);
    fflush(stdout);
}

static int cmd_top(const options_t *o)
{
    books_t b;
    if (books_open(&b, o->instance) < 0)
        return EXIT_ERROR;
    int only = -1;
    if (o->symbol && (only = books_find(&b, o->symbol)) < 0) {
        books_close(&b);
        return EXIT_ERROR;
    }
    int watch = o->watch || o->count > 0;
    int clear = watch && !o->json && isatty(STDOUT_FILENO);
    long frames = 0;
    while (!g_stop) {
        segment_t fresh;
        if (seg_replacement(&b.seg, &fresh)) {
            seg_close(&fresh);
            books_t nb;
            if (books_open(&nb, o->instance) == 0) {
                books_close(&b);
                b = nb;
                if (o->symbol && (only = books_find(&b, o->symbol)) < 0) {
                    books_close(&b);
                    return EXIT_ERROR;
                }
                if (o->json)
                    printf("{\"event\":\"restart\",\"generation\":%" PRIu64 "}\n", header(&b.seg)->generation);
                else
                    printf("engine restarted: generation %" PRIu64 "\n", header(&b.seg)->generation);
            }
        }
        if (clear)
            fputs("\x1b[H\x1b[2J", stdout);
        top_frame(&b, only, o->json);
        frames++;
        if (!watch || (o->count > 0 && frames >= o->count))
            break;
        sleep_s(o->interval);
        if (!o->json && !clear && !g_stop)
            putchar('\n');
    }
    books_close(&b);
    return g_stop ? 128 + g_stop : EXIT_OK;
}

/* ----------------------------------------------------------------- tail -- */

typedef struct ring {
    segment_t seg;
    tw_ring_cursor_t cur;
} ring_t;

static int ring_open_seg(ring_t *r, int from_oldest)
{
    const segment_t *s = &r->seg;
    const tw_ring_header_t *rh = tw_ring_of(s->base);
    if (!range_ok(s, header(s)->region_offset, sizeof(tw_ring_header_t)) ||
        tw_ring_cursor_init(&r->cur, s->base, from_oldest) < 0 ||
        !range_ok(s, rh->slots_offset, (uint64_t)rh->slot_count * rh->slot_size)) {
        seg_close(&r->seg);
        return set_error(EPROTO, "%s: ring geometry is not valid", s->path);
    }
    return 0;
}

/* The books segment of the md ring's generation (published before md); falls back after ~2 s. */
static int books_for(books_t *b, const char *instance, uint64_t generation)
{
    double deadline = now_s() + 2.0;
    for (;;) {
        if (books_open(b, instance) < 0)
            return -1;
        uint64_t g = header(&b->seg)->generation;
        if (g == generation)
            return 0;
        if (now_s() >= deadline) {
            fprintf(stderr, "tw_reader: warning: books generation %" PRIu64 " differs from md generation %" PRIu64 "\n",
                    g, generation);
            return 0;
        }
        books_close(b);
        sleep_s(0.01);
    }
}

typedef struct md_event {
    uint64_t seq;
    uint32_t type, instrument, length;
    const uint8_t *payload;
} md_event_t;

static void print_event(const md_event_t *e, const books_t *b, int json)
{
    const tw_instrument_info_t *info = e->instrument < b->count ? books_info(b, e->instrument) : NULL;
    int pe = info ? info->price_exponent : 0, qe = info ? info->qty_exponent : 0;
    char sym[TW_SYMBOL_MAX + 8], d1[200], d2[200], d3[200], d4[200], fbuf[32];
    if (info)
        snprintf(sym, sizeof(sym), "%.*s", TW_SYMBOL_MAX, info->symbol);
    else
        snprintf(sym, sizeof(sym), "#%" PRIu32, e->instrument);
    const char *type = e->type == TW_MD_BOOK ? "book" : e->type == TW_MD_BBO ? "bbo"
                     : e->type == TW_MD_TRADE ? "trade" : e->type == TW_MD_STATUS ? "status" : NULL;
    uint32_t need = (e->type == TW_MD_BOOK || e->type == TW_MD_BBO) ? sizeof(tw_md_book_t)
                  : e->type == TW_MD_TRADE ? sizeof(tw_md_trade_t)
                  : e->type == TW_MD_STATUS ? sizeof(tw_md_status_t) : 0;
    if (!type || e->length < need) {
        if (json) {
            printf("{\"seq\":%" PRIu64 ",\"type\":\"unknown\",\"raw_type\":%" PRIu32 ",\"symbol\":", e->seq, e->type);
            json_str(stdout, sym, sizeof(sym));
            printf(",\"instrument\":%" PRIu32 ",\"length\":%" PRIu32 "}\n", e->instrument, e->length);
        } else {
            printf("%10" PRIu64 " %-7s %-12s type=%" PRIu32 " length=%" PRIu32 "\n", e->seq, "unknown", sym, e->type,
                   e->length);
        }
        return;
    }
    if (json) {
        printf("{\"seq\":%" PRIu64 ",\"type\":\"%s\",\"symbol\":", e->seq, type);
        json_str(stdout, sym, sizeof(sym));
        printf(",\"instrument\":%" PRIu32, e->instrument);
    } else {
        printf("%10" PRIu64 " %-7s %-12s", e->seq, type, sym);
    }
    if (e->type == TW_MD_BOOK || e->type == TW_MD_BBO) {
        tw_md_book_t m;
        memcpy(&m, e->payload, sizeof(m));
        fmt_decimal(d1, sizeof(d1), m.bid_px, pe);
        fmt_decimal(d2, sizeof(d2), m.bid_qty, qe);
        fmt_decimal(d3, sizeof(d3), m.ask_px, pe);
        fmt_decimal(d4, sizeof(d4), m.ask_qty, qe);
        int stale = (m.flags & TW_BOOK_FLAG_STALE) != 0;
        if (json)
            printf(",\"update_id\":%" PRIu64 ",\"first_update_id\":%" PRIu64 ",\"exchange_ns\":%" PRId64
                   ",\"recv_ns\":%" PRId64 ",\"publish_ns\":%" PRId64 ",\"bid_px\":\"%s\",\"bid_qty\":\"%s\""
                   ",\"ask_px\":\"%s\",\"ask_qty\":\"%s\",\"levels_changed\":%" PRIu32 ",\"stale\":%s}\n",
                   m.update_id, m.first_update_id, m.exchange_ns, m.recv_ns, m.publish_ns, d1, d2, d3, d4,
                   m.levels_changed, stale ? "true" : "false");
        else
            printf(" %s @ %s / %s x %s  u=%" PRIu64 "%s\n", d2, d1, d3, d4, m.update_id, stale ? " STALE" : "");
    } else if (e->type == TW_MD_TRADE) {
        tw_md_trade_t m;
        memcpy(&m, e->payload, sizeof(m));
        fmt_decimal(d1, sizeof(d1), m.price, pe);
        fmt_decimal(d2, sizeof(d2), m.quantity, qe);
        const char *side = m.aggressor == TW_SIDE_BUY ? "buy" : m.aggressor == TW_SIDE_SELL ? "sell" : NULL;
        if (json) {
            printf(",\"trade_id\":%" PRIu64 ",\"exchange_ns\":%" PRId64 ",\"recv_ns\":%" PRId64 ",\"publish_ns\":%" PRId64
                   ",\"price\":\"%s\",\"qty\":\"%s\",\"aggressor\":",
                   m.trade_id, m.exchange_ns, m.recv_ns, m.publish_ns, d1, d2);
            if (side)
                printf("\"%s\"}\n", side);
            else
                printf("null}\n");
        } else {
            printf(" %s @ %s %s id=%" PRIu64 "\n", d2, d1, side ? side : "-", m.trade_id);
        }
    } else {
        tw_md_status_t m;
        memcpy(&m, e->payload, sizeof(m));
        const char *feed = feed_name(m.feed_state, fbuf, sizeof(fbuf));
        if (json)
            printf(",\"state\":\"%s\",\"reason\":%" PRIu32 ",\"publish_ns\":%" PRId64 "}\n", feed, m.reason,
                   m.publish_ns);
        else
            printf(" feed %s reason=%" PRIu32 "\n", feed, m.reason);
    }
}

/* ------------------------------------------------------------ exec records -- */

static const char *exec_type_name(uint32_t t)
{
    static const char *names[] = {NULL,      "accepted", "rejected", "sent",          "ack",
                                  "partial_fill", "fill", "canceled", "cancel_reject", "expired",
                                  "status",  "halt",     "balance",  "position"};
    return t < sizeof(names) / sizeof(names[0]) ? names[t] : NULL;
}

static const char *order_state_name(uint32_t s, char *buf, size_t cap)
{
    static const char *names[] = {"NONE",     "NEW",      "PENDING_SUBMIT", "SUBMITTED", "PARTIALLY_FILLED", "FILLED",
                                  "CANCELED", "REJECTED", "EXPIRED",        "CANCEL_PENDING", "UNKNOWN"};
    if (s < sizeof(names) / sizeof(names[0]))
        return names[s];
    snprintf(buf, cap, "UNKNOWN(%u)", s);
    return buf;
}

static const char *reject_name(int32_t code)
{
    static const char *names[] = {NULL,         "malformed", "tick",       "lot",     "min_qty",      "max_qty",
                                  "notional",   "price_band", "position",  "balance", "rate",         "breaker",
                                  "halted",     "journal_full", "duplicate", "unknown_order", "no_market", "gateway",
                                  "mode"};
    return code > 0 && code < (int32_t)(sizeof(names) / sizeof(names[0])) ? names[code] : NULL;
}

/* JSON of a small enum: its name, null when 0 (unset), or "unknown(n)". */
static void json_enum(const char *key, uint32_t v, const char *const *names, uint32_t count, const char *zero)
{
    printf(",\"%s\":", key);
    if (v == 0 && !zero)
        printf("null");
    else if (v == 0)
        printf("\"%s\"", zero);
    else if (v < count && names[v])
        printf("\"%s\"", names[v]);
    else
        printf("\"unknown(%u)\"", v);
}

static void print_exec_report(const tw_exec_report_t *m, int pe, int qe)
{
    static const char *sides[] = {NULL, "buy", "sell"}, *types[] = {NULL, "limit", "market", "limit_maker"},
                      *tifs[] = {NULL, "GTC", "IOC", "FOK"};
    char d[6][200], sbuf[32];
    fmt_decimal(d[0], sizeof(d[0]), m->price, pe);
    fmt_decimal(d[1], sizeof(d[1]), m->quantity, qe);
    fmt_decimal(d[2], sizeof(d[2]), m->cum_quantity, qe);
    fmt_decimal(d[3], sizeof(d[3]), m->cum_quote, pe + qe);
    fmt_decimal(d[4], sizeof(d[4]), m->fee, m->fee_exponent);
    printf(",\"command_id\":%" PRIu64 ",\"producer\":%" PRIu64 ",\"producer_pid\":%" PRIu64 ",\"client_order_id\":",
           m->command_id, m->producer, m->producer >> 32);
    json_str(stdout, m->client_order_id, sizeof(m->client_order_id));
    printf(",\"venue_order_id\":%" PRIu64 ",\"trade_id\":%" PRIu64, m->venue_order_id, m->trade_id);
    json_enum("side", m->side, sides, 3, "none");
    json_enum("order_type", m->order_type, types, 4, NULL);
    json_enum("tif", m->tif, tifs, 4, NULL);
    printf(",\"order_state\":\"%s\",\"price\":\"%s\",\"quantity\":\"%s\",\"cum_quantity\":\"%s\",\"cum_quote\":\"%s\""
           ",\"fee\":\"%s\",\"fee_asset\":",
           order_state_name(m->order_state, sbuf, sizeof(sbuf)), d[0], d[1], d[2], d[3], d[4]);
    json_str(stdout, m->fee_asset, sizeof(m->fee_asset));
    const char *rej = (m->flags & TW_EXEC_FLAG_LOCAL) ? reject_name(m->code) : NULL;
    printf(",\"code\":%" PRId32 ",\"reject\":", m->code);
    if (rej)
        printf("\"%s\"", rej);
    else
        printf("null");
    printf(",\"flags\":[");
    const char *sep = "";
    if (m->flags & TW_EXEC_FLAG_LOCAL)
        printf("%s\"local\"", sep), sep = ",";
    if (m->flags & TW_EXEC_FLAG_STREAM)
        printf("%s\"stream\"", sep), sep = ",";
    if (m->flags & TW_EXEC_FLAG_MAKER)
        printf("%s\"maker\"", sep);
    printf("],\"strategy_id\":%" PRIu32 ",\"text\":", m->strategy_id);
    json_str(stdout, m->text, sizeof(m->text));
    printf(",\"venue_ns\":%" PRId64 ",\"recv_ns\":%" PRId64 ",\"publish_ns\":%" PRId64 "}\n", m->venue_ns, m->recv_ns,
           m->publish_ns);
}

/* One exec journal record: the same JSON object as `tickwire_reader.py tail exec`, or a line of text. */
static void print_exec(const md_event_t *e, const books_t *b, int json)
{
    const tw_instrument_info_t *info = e->instrument < b->count ? books_info(b, e->instrument) : NULL;
    int pe = info ? info->price_exponent : 0, qe = info ? info->qty_exponent : 0;
    char sym[TW_SYMBOL_MAX + 8], d[3][200], sbuf[32];
    if (info)
        snprintf(sym, sizeof(sym), "%.*s", TW_SYMBOL_MAX, info->symbol);
    else
        snprintf(sym, sizeof(sym), "#%" PRIu32, e->instrument);
    const char *type = exec_type_name(e->type);
    uint32_t need = e->type == TW_EXEC_BALANCE ? sizeof(tw_exec_balance_t)
                  : e->type == TW_EXEC_POSITION ? sizeof(tw_exec_position_t) : sizeof(tw_exec_report_t);
    if (!type || e->length < need) {
        if (json) {
            printf("{\"seq\":%" PRIu64 ",\"type\":\"unknown\",\"raw_type\":%" PRIu32 ",\"symbol\":", e->seq, e->type);
            json_str(stdout, sym, sizeof(sym));
            printf(",\"instrument\":%" PRIu32 ",\"length\":%" PRIu32 "}\n", e->instrument, e->length);
        } else {
            printf("%10" PRIu64 " %-13s %-12s type=%" PRIu32 " length=%" PRIu32 "\n", e->seq, "unknown", sym, e->type,
                   e->length);
        }
        return;
    }
    if (json) {
        printf("{\"seq\":%" PRIu64 ",\"type\":\"%s\",\"symbol\":", e->seq, type);
        json_str(stdout, sym, sizeof(sym));
        printf(",\"instrument\":%" PRIu32, e->instrument);
    } else {
        printf("%10" PRIu64 " %-13s %-12s", e->seq, type, sym);
    }
    if (e->type == TW_EXEC_BALANCE) {
        tw_exec_balance_t m;
        memcpy(&m, e->payload, sizeof(m));
        fmt_decimal(d[0], sizeof(d[0]), m.free, m.exponent);
        fmt_decimal(d[1], sizeof(d[1]), m.locked, m.exponent);
        fmt_decimal(d[2], sizeof(d[2]), m.delta, m.exponent);
        if (json) {
            printf(",\"asset\":");
            json_str(stdout, m.asset, sizeof(m.asset));
            printf(",\"free\":\"%s\",\"locked\":\"%s\",\"delta\":\"%s\",\"venue_ns\":%" PRId64 ",\"recv_ns\":%" PRId64
                   ",\"publish_ns\":%" PRId64 "}\n",
                   d[0], d[1], d[2], m.venue_ns, m.recv_ns, m.publish_ns);
        } else {
            printf(" %.16s free %s locked %s delta %s\n", m.asset, d[0], d[1], d[2]);
        }
    } else if (e->type == TW_EXEC_POSITION) {
        tw_exec_position_t m;
        memcpy(&m, e->payload, sizeof(m));
        fmt_decimal(d[0], sizeof(d[0]), m.amount, qe);
        fmt_decimal(d[1], sizeof(d[1]), m.entry_price, pe);
        fmt_decimal(d[2], sizeof(d[2]), m.unrealized, m.exponent);
        if (json)
            printf(",\"amount\":\"%s\",\"entry_price\":\"%s\",\"unrealized\":\"%s\",\"venue_ns\":%" PRId64
                   ",\"recv_ns\":%" PRId64 ",\"publish_ns\":%" PRId64 "}\n",
                   d[0], d[1], d[2], m.venue_ns, m.recv_ns, m.publish_ns);
        else
            printf(" amount %s entry %s unrealized %s\n", d[0], d[1], d[2]);
    } else {
        tw_exec_report_t m;
        memcpy(&m, e->payload, sizeof(m));
        if (json) {
            print_exec_report(&m, pe, qe);
        } else {
            fmt_decimal(d[0], sizeof(d[0]), m.price, pe);
            fmt_decimal(d[1], sizeof(d[1]), m.quantity, qe);
            printf(" %s %s @ %s %s cmd %" PRIu64 " pid %" PRIu64 " code %" PRId32 " %.64s\n",
                   m.side == TW_SIDE_BUY ? "buy" : m.side == TW_SIDE_SELL ? "sell" : "-", d[1], d[0],
                   order_state_name(m.order_state, sbuf, sizeof(sbuf)), m.command_id, m.producer >> 32, m.code,
                   m.text);
        }
    }
}

static int cmd_tail(const options_t *o)
{
    ring_t r;
    books_t b;
    if (seg_open(&r.seg, o->instance, o->ring_kind) < 0 || ring_open_seg(&r, o->from_oldest) < 0)
        return EXIT_ERROR;
    if (books_for(&b, o->instance, header(&r.seg)->generation) < 0) {
        seg_close(&r.seg);
        return EXIT_ERROR;
    }
    int only = -1;
    if (o->symbol && (only = books_find(&b, o->symbol)) < 0)
        goto fail;

    uint64_t payload[64]; /* 512 bytes, 8-aligned: more than any md or exec payload */
    long printed = 0;
    double last_event = now_s(), last_check = last_event, last_flush = last_event;
    int dead_reported = 0;
    uint64_t reported_lost = 0; /* r.cur.lost already reported */
    double nap = 100e-6;
    while (!g_stop) {
        tw_slot_header_t sh;
        int rc = tw_ring_poll(&r.cur, &sh, payload, (uint32_t)sizeof(payload));
        if (rc == 1) {
            nap = 100e-6;
            double now = now_s();
            if (only >= 0 && sh.instrument != (uint32_t)only) {
                if (o->timeout > 0 && now - last_event >= o->timeout)
                    break;
                continue;
            }
            uint32_t room = r.cur.slot_size - (uint32_t)sizeof(tw_slot_header_t);
            md_event_t e = {sh.seq, sh.type, sh.instrument, sh.length < room ? sh.length : room,
                            (const uint8_t *)payload};
            if (o->ring_kind == TW_SEG_EXEC)
                print_exec(&e, &b, o->json);
            else
                print_event(&e, &b, o->json);
            printed++;
            last_event = now;
            if (now - last_flush > 0.05) {
                fflush(stdout);
                last_flush = now;
            }
            if (o->count > 0 && printed >= o->count)
                break;
            continue;
        }
        if (rc == -EPIPE) {
            /* Lapped: tw_ring_poll already resynchronised half a ring behind the head. */
            uint64_t lost = r.cur.lost - reported_lost;
            reported_lost = r.cur.lost;
            if (o->json)
                printf("{\"event\":\"lapped\",\"lost\":%" PRIu64 ",\"resume\":%" PRIu64 "}\n", lost, r.cur.next);
            else
                printf("lapped: lost %" PRIu64 " events, resuming at %" PRIu64 "\n", lost, r.cur.next);
            continue;
        }
        /* Idle: timeout, restart detection, then a short sleep (no busy spin). */
        double now = now_s();
        if (o->timeout > 0 && now - last_event >= o->timeout)
            break;
        int dead = tw_segment_state(header(&r.seg)) == TW_STATE_DEAD;
        if (now - last_check >= 0.05 || (dead && !dead_reported)) {
            last_check = now;
            segment_t fresh;
            if (seg_replacement(&r.seg, &fresh)) {
                seg_close(&r.seg);
                books_close(&b);
                r.seg = fresh;
                if (ring_open_seg(&r, 1) < 0)
                    goto fail_ring_gone;
                if (books_for(&b, o->instance, header(&r.seg)->generation) < 0) {
                    seg_close(&r.seg);
                    goto fail_ring_gone;
                }
                if (o->symbol && (only = books_find(&b, o->symbol)) < 0)
                    goto fail;
                uint64_t gen = header(&r.seg)->generation;
                if (o->json)
                    printf("{\"event\":\"restart\",\"generation\":%" PRIu64 "}\n", gen);
                else
                    printf("restart: engine generation %" PRIu64 "\n", gen);
                dead_reported = 0;
                reported_lost = 0;
                continue;
            }
            if (dead && !dead_reported) {
                uint64_t gen = header(&r.seg)->generation;
                if (o->json)
                    printf("{\"event\":\"dead\",\"generation\":%" PRIu64 "}\n", gen);
                else
                    printf("dead: engine generation %" PRIu64 " stopped; waiting for the next start\n", gen);
                dead_reported = 1;
            }
        }
        fflush(stdout);
        last_flush = now;
        sleep_s(nap);
        nap = nap * 2 < 500e-6 ? nap * 2 : 500e-6;
    }
    fflush(stdout);
    books_close(&b);
    seg_close(&r.seg);
    if (g_stop)
        return 128 + g_stop;
    return printed || o->timeout <= 0 ? EXIT_OK : EXIT_NO_EVENTS;
fail:
    seg_close(&r.seg);
    books_close(&b);
    fflush(stdout);
    return EXIT_ERROR;
fail_ring_gone:
    fflush(stdout);
    return EXIT_ERROR;
}

/* ----------------------------------------------------------------- main -- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tw_reader top [--instance NAME] [--symbol S] [--watch] [--interval SEC] [--count N] [--json]\n"
            "       tw_reader tail [md|exec] [--instance NAME] [--symbol S] [--count N] [--from-oldest]\n"
            "                      [--timeout SEC] [--json | --text]\n"
            "Segments: $TICKWIRE_SHM_DIR or /dev/shm, tickwire.<instance>.<kind>, mapped read-only.\n"
            "tail prints plain text by default, JSON lines with --json; laps, restarts and a stopped\n"
            "engine are reported in line ({\"event\":\"lapped\"|\"restart\"|\"dead\",...} with --json).\n"
            "Exit codes: 0 ok, 1 error, 2 bad usage, 3 tail --timeout expired before any event,\n"
            "130/143 stopped by SIGINT/SIGTERM.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "tw_reader: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    usage(stderr);
    return EXIT_USAGE;
}

static int parse_positive(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0))
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr), EXIT_USAGE;
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
        return usage(stdout), EXIT_OK;
    const char *command = argv[1];
    int is_top = !strcmp(command, "top"), is_tail = !strcmp(command, "tail");
    if (!is_top && !is_tail)
        return usage_error("unknown command '%s'", command);

    options_t o = {.instance = "default", .interval = 1.0, .ring_kind = TW_SEG_MD};
    int i = 2;
    if (is_tail && i < argc && argv[i][0] != '-') {
        if (!strcmp(argv[i], "exec"))
            o.ring_kind = TW_SEG_EXEC;
        else if (strcmp(argv[i], "md"))
            return usage_error("unknown ring '%s' (available: md, exec)", argv[i]);
        i++;
    }
    for (; i < argc; i++) {
        char *arg = argv[i], *value = NULL;
        char name[64];
        char *eq = strchr(arg, '=');
        if (eq && !strncmp(arg, "--", 2) && (size_t)(eq - arg) < sizeof(name)) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = '\0';
            value = eq + 1;
            arg = name;
        }
        int takes = !strcmp(arg, "--instance") || !strcmp(arg, "--symbol") || !strcmp(arg, "--count") ||
                    (is_top && !strcmp(arg, "--interval")) || (is_tail && !strcmp(arg, "--timeout"));
        if (takes && !value) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", arg);
            value = argv[++i];
        } else if (!takes && value) {
            return usage_error("%s takes no value", arg);
        }
        double v;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(arg, "--instance")) {
            if (!instance_valid(value))
                return usage_error("invalid instance name '%s' (1-31 of A-Z a-z 0-9 _ -)", value);
            o.instance = value;
        } else if (!strcmp(arg, "--symbol")) {
            o.symbol = value;
        } else if (!strcmp(arg, "--count")) {
            if (parse_positive(value, &v) < 0 || v != (double)(long)v)
                return usage_error("--count needs a positive integer, not '%s'", value);
            o.count = (long)v;
        } else if (!strcmp(arg, "--interval")) {
            if (parse_positive(value, &o.interval) < 0)
                return usage_error("--interval needs a positive number of seconds, not '%s'", value);
        } else if (!strcmp(arg, "--timeout")) {
            if (parse_positive(value, &o.timeout) < 0)
                return usage_error("--timeout needs a positive number of seconds, not '%s'", value);
        } else if (!strcmp(arg, "--json")) {
            o.json = 1;
        } else if (is_tail && !strcmp(arg, "--text")) {
            o.text = 1;
        } else if (is_top && !strcmp(arg, "--watch")) {
            o.watch = 1;
        } else if (is_tail && !strcmp(arg, "--from-oldest")) {
            o.from_oldest = 1;
        } else {
            return usage_error("unknown option '%s'", arg);
        }
    }
    if (o.json && o.text)
        return usage_error("%s", "--json and --text exclude each other");

    /* SIGINT/SIGTERM stop the loops cleanly (output flushed), unless the parent made us ignore them. */
    int sigs[] = {SIGINT, SIGTERM};
    for (int k = 0; k < 2; k++) {
        struct sigaction old, sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        if (sigaction(sigs[k], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[k], &sa, NULL);
    }
    /* A blocked mask survives exec: a parent that spawned us from a thread blocking them would
     * leave us deaf to both. */
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    sigaddset(&unblock, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &unblock, NULL);

    g_err[0] = '\0';
    int rc = is_top ? cmd_top(&o) : cmd_tail(&o);
    if (rc == EXIT_ERROR && g_err[0])
        fprintf(stderr, "tw_reader: %s\n", g_err);
    return rc;
}

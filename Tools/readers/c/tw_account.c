/* SPDX-License-Identifier: MIT */
/*
 * tw_account: prints an engine's account snapshot (ABI 2.1) — PnL totals,
 * balances, positions and orders — written against the ABI headers only
 * (tickwire/abi.h and tickwire/reader.h). It maps the account segment itself,
 * PROT_READ, validates it with tw_segment_check before touching anything
 * else, and copies one consistent snapshot with tw_account_read (bounded
 * retries). Protocol: docs/ABI.md §7c.
 *
 *   tw_account [--instance NAME] [--json]
 *
 * --json prints one object with the same keys and values as
 * `tickwire_reader.py account --json`. Exit codes: 0 ok; 1 error (one line on
 * stderr); 2 bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <tickwire/abi.h>
#include <tickwire/reader.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2 };
enum { READ_RETRIES = 1000, PATH_CAP = 4096 };

typedef struct snapshot {
    tw_account_header_t h;
    tw_account_balance_t *balances;
    tw_account_position_t *positions;
    tw_account_order_t *orders;
} snapshot_t;

static const char *state_name(uint32_t s)
{
    static const char *names[] = {"?", "starting", "live", "stopping", "dead"};
    return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static const char *order_state_name(uint8_t s)
{
    static const char *names[] = {"NONE",     "NEW",      "PENDING_SUBMIT", "SUBMITTED",      "PARTIALLY_FILLED",
                                  "FILLED",   "CANCELED", "REJECTED",       "EXPIRED",        "CANCEL_PENDING",
                                  "UNKNOWN"};
    return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static const char *source_name(uint8_t s)
{
    static const char *names[] = {"unknown", "stream", "reconciliation", "local"};
    return s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

static const char *market_name(uint8_t m)
{
    return m == TW_MARKET_SPOT ? "spot" : m == TW_MARKET_USDM ? "usdm" : "unknown";
}

/* mantissa x 10^exponent as an exact decimal (exponent -18..0), the way the Python reader prints it. */
static const char *decimal(char *buf, size_t cap, int64_t mantissa, int exponent)
{
    uint64_t mag = mantissa < 0 ? 0 - (uint64_t)mantissa : (uint64_t)mantissa;
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%0*" PRIu64, -exponent + 1, mag);
    if (exponent >= 0 || exponent < -18)
        snprintf(buf, cap, "%s%s%.*s", mantissa < 0 ? "-" : "", digits, mag && exponent > 0 ? (exponent < 18 ? exponent : 18) : 0,
                 "000000000000000000");
    else
        snprintf(buf, cap, "%s%.*s.%s", mantissa < 0 ? "-" : "", n + exponent, digits, digits + n + exponent);
    return buf;
}

/* A NUL-terminated copy of a fixed char array (the file's may lack the NUL), JSON-safe: ASCII printable only. */
static const char *text(char *buf, const char *field, size_t len)
{
    size_t i = 0;
    for (; i < len && field[i]; i++)
        buf[i] = (field[i] >= 0x20 && field[i] < 0x7f && field[i] != '"' && field[i] != '\\') ? field[i] : '?';
    buf[i] = '\0';
    return buf;
}

static int attach(const char *instance, void **base, size_t *size, char *path)
{
    const char *dir = getenv("TICKWIRE_SHM_DIR");
    snprintf(path, PATH_CAP, "%s/tickwire.%s.account", dir && *dir ? dir : "/dev/shm", instance);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO at the path must not hang us */
    if (fd < 0) {
        fprintf(stderr, "tw_account: no account segment at %s: %s (is the engine running? ABI 2.1 or later)\n",
                path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(tw_segment_header_t)) {
        close(fd);
        fprintf(stderr, "tw_account: %s is not a Tickwire segment\n", path);
        return -1;
    }
    *size = (size_t)st.st_size;
    *base = mmap(NULL, *size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (*base == MAP_FAILED) {
        fprintf(stderr, "tw_account: cannot map %s: %s\n", path, strerror(errno));
        return -1;
    }
    tw_segment_fault_t f = {0};
    int rc = tw_segment_check(*base, *size, TW_SEG_ACCOUNT, &f);
    if (rc < 0) {
        const tw_segment_header_t *h = *base;
        if (rc == -EPROTONOSUPPORT)
            fprintf(stderr, "tw_account: %s has ABI %u.%u; this reader knows ABI %d.%d and refuses another major\n",
                    path, h->abi_major, h->abi_minor, TW_ABI_MAJOR, TW_ABI_MINOR);
        else
            fprintf(stderr, "tw_account: %s: invalid account segment: %s = %" PRIu64 ": %s\n", path, f.field, f.value,
                    f.problem);
        munmap(*base, *size);
        return -1;
    }
    return 0;
}

static int take(const void *base, snapshot_t *s)
{
    const tw_account_header_t *a = tw_account_of(base);
    uint32_t nb = a->balance_capacity, np = a->position_capacity, no = a->order_capacity; /* checked at attach */
    s->balances = calloc(nb ? nb : 1, sizeof(*s->balances));
    s->positions = calloc(np ? np : 1, sizeof(*s->positions));
    s->orders = calloc(no ? no : 1, sizeof(*s->orders));
    if (!s->balances || !s->positions || !s->orders) {
        fprintf(stderr, "tw_account: out of memory\n");
        return -1;
    }
    if (tw_account_read(base, &s->h, s->balances, nb, s->positions, np, s->orders, no, READ_RETRIES) < 0) {
        fprintf(stderr, "tw_account: no stable copy of the account after %d attempts (writer busy or stopped "
                        "mid-write)\n", READ_RETRIES);
        return -1;
    }
    return 0;
}

#define MONEY(v) decimal(d, sizeof(d), (v), TW_ACCOUNT_EXPONENT)

static void print_json(const tw_segment_header_t *seg, const snapshot_t *s)
{
    const tw_account_header_t *h = &s->h;
    char d[64], t[48], q[48];
    printf("{\"instance\":\"%s\",\"generation\":%" PRIu64 ",\"state\":\"%s\",\"version\":%" PRIu64
           ",\"updated_ns\":%" PRId64 ",\"journal_seq\":%" PRIu64 ",\"quote_asset\":\"%s\",\"truncated\":%s",
           text(t, seg->instance, sizeof(seg->instance)), seg->generation,
           state_name(__atomic_load_n(&seg->state, __ATOMIC_ACQUIRE)), h->version, h->updated_ns, h->journal_seq,
           text(q, h->quote_asset, sizeof(h->quote_asset)), h->flags & TW_ACCOUNT_FLAG_TRUNCATED ? "true" : "false");
    printf(",\"left_out\":{\"balances\":%" PRIu32 ",\"positions\":%" PRIu32 ",\"orders\":%" PRIu32 "}",
           h->truncated_balances, h->truncated_positions, h->truncated_orders);
    const int64_t totals[] = {h->realized, h->unrealized, h->total, h->daily, h->fees, h->funding, h->max_drawdown};
    const char *names[] = {"realized", "unrealized", "total", "daily", "fees", "funding", "max_drawdown"};
    printf(",\"totals\":{");
    for (int i = 0; i < 7; i++)
        printf("%s\"%s\":\"%s\"", i ? "," : "", names[i], MONEY(totals[i]));
    printf(h->win_rate_bps < 0 ? ",\"win_rate_bps\":null" : ",\"win_rate_bps\":%" PRId32, h->win_rate_bps);
    printf(h->max_drawdown_bps < 0 ? ",\"max_drawdown_bps\":null}" : ",\"max_drawdown_bps\":%" PRId32 "}",
           h->max_drawdown_bps);
    /* The kill switch; a state this reader does not know reads as halted, the cautious reading. */
    static const char *const risk[] = {"active", "reducing", "halted"};
    char r[48];
    printf(",\"risk\":{\"state\":\"%s\",\"since_ns\":%" PRId64 ",\"reason\":\"%s\"}",
           h->risk_state < 3 ? risk[h->risk_state] : "halted", h->risk_since_ns,
           text(r, h->risk_reason, sizeof(h->risk_reason)));
    printf(",\"balances\":[");
    for (uint32_t i = 0; i < h->balance_count; i++) {
        const tw_account_balance_t *b = &s->balances[i];
        printf("%s{\"asset\":\"%s\",\"total\":\"%s\"", i ? "," : "", text(t, b->asset, sizeof(b->asset)),
               MONEY(b->total));
        printf(",\"available\":\"%s\"", MONEY(b->available));
        printf(",\"hold\":\"%s\",\"updated_ns\":%" PRId64 ",\"source\":\"%s\"}", MONEY(b->hold), b->updated_ns,
               source_name(b->source));
    }
    printf("],\"positions\":[");
    for (uint32_t i = 0; i < h->position_count; i++) {
        const tw_account_position_t *p = &s->positions[i];
        printf("%s{\"strategy_id\":%" PRIu32 ",\"symbol\":\"%s\",\"market\":\"%s\",\"size\":\"%s\"", i ? "," : "",
               p->strategy_id, text(t, p->symbol, sizeof(p->symbol)), market_name(p->market),
               decimal(d, sizeof(d), p->size, p->qty_exponent));
        printf(",\"entry_price\":\"%s\"", MONEY(p->entry_price));
        if (p->flags & TW_POSITION_FLAG_NO_MARK)
            printf(",\"mark_price\":null");
        else
            printf(",\"mark_price\":\"%s\"", MONEY(p->mark_price));
        const int64_t v[] = {p->unrealized, p->realized, p->fees, p->funding, p->margin_used};
        const char *k[] = {"unrealized", "realized", "fees", "funding", "margin_used"};
        for (int j = 0; j < 5; j++)
            printf(",\"%s\":\"%s\"", k[j], MONEY(v[j]));
        if (p->flags & TW_POSITION_FLAG_NO_LIQUIDATION)
            printf(",\"liquidation_price\":null");
        else
            printf(",\"liquidation_price\":\"%s\"", MONEY(p->liquidation_price));
        printf(",\"leverage\":%" PRId32 ",\"updated_ns\":%" PRId64 "}", p->leverage, p->updated_ns);
    }
    printf("],\"orders\":[");
    for (uint32_t i = 0; i < h->order_count; i++) {
        const tw_account_order_t *o = &s->orders[i];
        static const char *sides[] = {"null", "\"buy\"", "\"sell\""};
        static const char *types[] = {"null", "\"limit\"", "\"market\"", "\"limit_maker\""};
        printf("%s{\"client_order_id\":\"%s\",\"venue_order_id\":%" PRIu64, i ? "," : "",
               text(t, o->client_order_id, sizeof(o->client_order_id)), o->venue_order_id);
        printf(",\"symbol\":\"%s\",\"side\":%s,\"type\":%s,\"state\":\"%s\",\"is_open\":%s,\"strategy_id\":%" PRIu32,
               text(t, o->symbol, sizeof(o->symbol)), o->side <= 2 ? sides[o->side] : "null",
               o->order_type <= 3 ? types[o->order_type] : "null", order_state_name(o->state),
               o->is_open ? "true" : "false", o->strategy_id);
        printf(",\"price\":\"%s\"", decimal(d, sizeof(d), o->price, o->price_exponent));
        printf(",\"quantity\":\"%s\"", decimal(d, sizeof(d), o->quantity, o->qty_exponent));
        printf(",\"filled\":\"%s\"", decimal(d, sizeof(d), o->filled, o->qty_exponent));
        printf(",\"average_price\":\"%s\",\"last_update_ns\":%" PRId64 ",\"last_event_seq\":%" PRIu64 "}",
               MONEY(o->average_price), o->last_update_ns, o->last_event_seq);
    }
    printf("]}\n");
}

static void print_text(const tw_segment_header_t *seg, const snapshot_t *s)
{
    const tw_account_header_t *h = &s->h;
    char d[64], e[64], f[64], t[48], u[64];
    printf("instance %s  generation %" PRIu64 "  state %s  version %" PRIu64 "  journal_seq %" PRIu64 "%s\n",
           text(t, seg->instance, sizeof(seg->instance)), seg->generation,
           state_name(__atomic_load_n(&seg->state, __ATOMIC_ACQUIRE)), h->version, h->journal_seq,
           h->flags & TW_ACCOUNT_FLAG_TRUNCATED ? "  TRUNCATED" : "");
    printf("PnL (%s): realized %s", text(t, h->quote_asset, sizeof(h->quote_asset)), MONEY(h->realized));
    printf("  unrealized %s", MONEY(h->unrealized));
    printf("  total %s", MONEY(h->total));
    printf("  daily %s", MONEY(h->daily));
    printf("  fees %s", MONEY(h->fees));
    printf("  funding %s", MONEY(h->funding));
    printf("  max_drawdown %s\n", MONEY(h->max_drawdown));
    printf("%-10s %22s %22s %22s %s\n", "ASSET", "TOTAL", "AVAILABLE", "HOLD", "SOURCE");
    for (uint32_t i = 0; i < h->balance_count; i++) {
        const tw_account_balance_t *b = &s->balances[i];
        printf("%-10s %22s %22s %22s %s\n", text(t, b->asset, sizeof(b->asset)), MONEY(b->total),
               decimal(e, sizeof(e), b->available, TW_ACCOUNT_EXPONENT),
               decimal(f, sizeof(f), b->hold, TW_ACCOUNT_EXPONENT), source_name(b->source));
    }
    printf("%-12s %8s %-5s %18s %22s %22s\n", "SYMBOL", "STRATEGY", "MKT", "SIZE", "ENTRY", "UNREALIZED");
    for (uint32_t i = 0; i < h->position_count; i++) {
        const tw_account_position_t *p = &s->positions[i];
        printf("%-12s %8" PRIu32 " %-5s %18s %22s %22s\n", text(t, p->symbol, sizeof(p->symbol)), p->strategy_id,
               market_name(p->market), decimal(d, sizeof(d), p->size, p->qty_exponent),
               decimal(e, sizeof(e), p->entry_price, TW_ACCOUNT_EXPONENT),
               decimal(f, sizeof(f), p->unrealized, TW_ACCOUNT_EXPONENT));
    }
    printf("%-40s %-12s %-4s %16s %16s %16s %s\n", "CLIENT_ORDER_ID", "SYMBOL", "SIDE", "PRICE", "QTY", "FILLED",
           "STATE");
    for (uint32_t i = 0; i < h->order_count; i++) {
        const tw_account_order_t *o = &s->orders[i];
        char sym[32];
        printf("%-40s %-12s %-4s %16s %16s %16s %s%s\n", text(t, o->client_order_id, sizeof(o->client_order_id)),
               text(sym, o->symbol, sizeof(o->symbol)), o->side == TW_SIDE_BUY ? "buy" : o->side == TW_SIDE_SELL ? "sell" : "-",
               decimal(d, sizeof(d), o->price, o->price_exponent), decimal(e, sizeof(e), o->quantity, o->qty_exponent),
               decimal(u, sizeof(u), o->filled, o->qty_exponent), order_state_name(o->state), o->is_open ? " open" : "");
    }
}

int main(int argc, char **argv)
{
    const char *instance = "default";
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--instance") == 0 && i + 1 < argc)
            instance = argv[++i];
        else {
            fprintf(stderr, "usage: tw_account [--instance NAME] [--json]\n");
            return EXIT_USAGE;
        }
    }
    size_t n = strlen(instance);
    if (n == 0 || n >= TW_INSTANCE_MAX || strspn(instance, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789_-") != n) {
        fprintf(stderr, "tw_account: invalid instance name '%s' (1-31 of A-Z a-z 0-9 _ -)\n", instance);
        return EXIT_USAGE;
    }
    void *base;
    size_t size;
    char path[PATH_CAP];
    if (attach(instance, &base, &size, path) < 0)
        return EXIT_ERROR;
    snapshot_t s = {0};
    int rc = take(base, &s);
    if (rc == 0) {
        if (json)
            print_json(base, &s);
        else
            print_text(base, &s);
    }
    free(s.balances);
    free(s.positions);
    free(s.orders);
    munmap(base, size);
    return rc == 0 ? EXIT_OK : EXIT_ERROR;
}

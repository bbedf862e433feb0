/* SPDX-License-Identifier: MIT */
/*
 * Binance market-data payloads to fixed-point structs, on the feed thread.
 *
 * Each decoder walks its object once with the tw_json cursor and dispatches
 * on the key: Binance keys are one or two letters, so a switch on the first
 * byte is cheaper than any table. Required fields are tracked in a bit set
 * so a message missing one is refused (-ENODATA) instead of publishing a
 * zero. The `e` field, when present, must name the expected event: a frame
 * routed to the wrong decoder is a malformed frame, not a book change.
 */
#include <stddef.h>
#include <string.h>

#include "decimal_scan.h"
#include "tickwire/binance.h"
#include "tickwire/json.h"

static inline int key_is(const char *k, size_t kl, const char *lit, size_t ll)
{
    return kl == ll && memcmp(k, lit, ll) == 0;
}

#define KEY_IS(k, kl, lit) key_is((k), (kl), (lit), sizeof(lit) - 1)

/* The "e" value must be the expected event name. */
static int event_is(tw_json_t *j, const char *want, size_t wl)
{
    const char *s;
    size_t n;
    int r = tw_json_string(j, &s, &n);
    if (r < 0)
        return r;
    return key_is(s, n, want, wl) ? 0 : -EPROTO;
}

static int symbol(tw_json_t *j, const char **s, size_t *n)
{
    return tw_json_string(j, s, n);
}

/* One [price, qty] pair; extra elements (old API's third []) are skipped. */
static int level(tw_json_t *j, const tw_bn_scale_t *sc, tw_level_t *lv)
{
    int r;
    if ((r = tw_json_array_begin(j)) < 0 || (r = tw_json_array_next(j)) != 1)
        return r < 0 ? r : -EBADMSG;
    if ((r = tw_json_decimal(j, sc->price_exp, &lv->price)) < 0)
        return r;
    if ((r = tw_json_array_next(j)) != 1)
        return r < 0 ? r : -EBADMSG;
    if ((r = tw_json_decimal(j, sc->qty_exp, &lv->quantity)) < 0)
        return r;
    while ((r = tw_json_array_next(j)) == 1)
        if ((r = tw_json_skip(j)) < 0)
            return r;
    return r;
}

static inline const char *quote_at(const char *p, const char *end)
{
    while (p < end && *p != '"')
        p++;
    return p < end ? p : NULL;
}

/* ["price","qty"] with no blanks: quotes found first, then each decimal parsed. */
static int level_quoted(tw_json_t *j, const tw_bn_scale_t *sc, tw_level_t *lv)
{
    const char *p = j->p, *end = j->end, *q1, *q2;
    if (end - p < 8 || p[0] != '[' || p[1] != '"' || (q1 = quote_at(p + 2, end)) == NULL ||
        end - q1 < 4 || q1[1] != ',' || q1[2] != '"' || (q2 = quote_at(q1 + 3, end)) == NULL ||
        end - q2 < 2 || q2[1] != ']')
        return level(j, sc, lv);
    int r = tw_decimal_parse(p + 2, (size_t)(q1 - p - 2), sc->price_exp, &lv->price);
    if (r == 0)
        r = tw_decimal_parse(q1 + 3, (size_t)(q2 - q1 - 3), sc->qty_exp, &lv->quantity);
    if (r == 0)
        j->p = q2 + 2;
    return r;
}

/*
 * The shape Binance always sends, ["price","qty"] with no blanks, parsed in
 * one pass: tw_scan_decimal finds each closing quote while it converts, so
 * the bytes are read once and the cursor's per-token calls are skipped.
 * Anything else (blanks, escapes, errors, the last few bytes of the text)
 * goes through level_quoted and level(), which decide.
 */
static inline int level_fast(tw_json_t *j, const tw_bn_scale_t *sc, tw_level_t *lv)
{
    const char *p = j->p, *end = j->end, *q1, *q2;
    if (end - p >= 64 && p[0] == '[' && p[1] == '"' &&
        (q1 = tw_scan_decimal(p + 2, end, sc->price_exp, &lv->price)) != NULL && q1[1] == ',' &&
        q1[2] == '"' && (q2 = tw_scan_decimal(q1 + 3, end, sc->qty_exp, &lv->quantity)) != NULL &&
        q2[1] == ']') {
        j->p = q2 + 2; /* a scan that succeeds had 24 bytes and stopped within 17: q2 + 1 < end */
        return 0;
    }
    return level_quoted(j, sc, lv);
}

/* The separator between levels is nearly always a bare ',': checked inline before the general call. */
static inline int next_level(tw_json_t *j)
{
    if (!j->first && j->p < j->end && *j->p == ',') {
        j->p++;
        return 1;
    }
    return tw_json_array_next(j);
}

#if TW_SCAN_SSE2
/* Bit i set where b[i] is a '"', for the 64 bytes at b. */
static inline uint64_t quote_mask(const char *b)
{
    const __m128i q = _mm_set1_epi8('"');
    uint64_t m = 0;
    for (int i = 0; i < 4; i++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * i));
        m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, q)) << (16 * i);
    }
    return m;
}

/* The quotes of the text in order, found 64 bytes at a time. */
typedef struct quotes {
    const char *base, *end;
    uint64_t mask;
} quotes_t;

/* The next quote, or NULL when the next window would pass the end. */
static inline const char *next_quote(quotes_t *q)
{
    while (q->mask == 0) {
        q->base += 64;
        if (q->end - q->base < 64)
            return NULL;
        q->mask = quote_mask(q->base);
    }
    const char *at = q->base + __builtin_ctzll(q->mask);
    q->mask &= q->mask - 1;
    return at;
}

/*
 * A fast walk at the separator after a level it took: 1 when it closed the
 * array (p past the ']'), 0 when a ',' follows (p past it), -1 for
 * anything else (p left on it: the general path decides).
 */
static inline int walk_sep(const char **p)
{
    char c = **p;
    if (c != ']' && c != ',')
        return -1;
    (*p)++;
    return c == ']';
}

/* Where a fast walk leaves the cursor: past the array, or just after its last level (the general path takes the
 * separator); *n becomes k. */
static inline void walk_end(tw_json_t *j, uint32_t *n, uint32_t k, int done, const char *p, const char *after)
{
    if (k > *n || done) {
        j->p = done ? p : after;
        j->first = 0;
    }
    *n = k;
}

/*
 * The Binance shape, [["P","Q"],["P","Q"],...], with the string boundaries
 * taken from a quote index built 64 bytes at a time instead of from the end
 * of the previous decimal: where each level starts no longer waits for the
 * level before it to be parsed, so the decimals of neighbouring levels are
 * converted side by side. Each decimal's own scan must end on the quote the
 * index found. From just after the array's '[': returns 1 with the array
 * consumed, or 0 having taken *n levels and left j at the next level (or
 * where the shape stopped) for the general path, which decides.
 */
__attribute__((always_inline)) static inline int levels_walk(tw_json_t *j, const tw_bn_scale_t *sc, tw_level_t *arr,
                                                              uint32_t cap, uint32_t *n, const int known)
{
    const char *p = j->p, *end = j->end;
    if (end - p < 128)
        return 0;
    quotes_t q = {p, end, quote_mask(p)};
    const char *after = p; /* just past the last level taken */
    uint32_t k = *n;
    int done = 0;
    while (k < cap && end - p >= 64 && p[0] == '[' && p[1] == '"') {
        const char *q0 = next_quote(&q), *q1 = next_quote(&q), *q2 = next_quote(&q), *q3 = next_quote(&q);
        if (q0 != p + 1 || q1 == NULL || q2 != q1 + 2 || q1[1] != ',' || q3 == NULL || end - q3 < TW_SCAN_NEED ||
            q3[1] != ']') /* a quote may be the text's last byte: the room is checked before the byte after it */
            break;
        /* two 8-byte values, stored one by one: a 16-byte copy of a struct the parsers wrote 8 bytes at a
         * time would wait for store forwarding to fail (measured: half of this loop's time) */
        int64_t price, qty;
#if TW_SCAN_KNOWN
        if (known) { /* inlined into the SSE4.1 copy below, dead code in the other */
            if (tw_scan_decimal_known(q0 + 1, (unsigned)(q1 - q0 - 1), sc->price_exp, &price) < 0 ||
                tw_scan_decimal_known(q2 + 1, (unsigned)(q3 - q2 - 1), sc->qty_exp, &qty) < 0)
                break;
        } else
#endif
            if (tw_scan_decimal_unchecked(q0 + 1, sc->price_exp, &price) != q1 ||
                tw_scan_decimal_unchecked(q2 + 1, sc->qty_exp, &qty) != q3)
            break;
        arr[k].price = price;
        arr[k].quantity = qty;
        k++;
        after = p = q3 + 2;
        int sep = walk_sep(&p);
        if (sep != 0) {
            done = sep > 0;
            break;
        }
    }
    walk_end(j, n, k, done, p, after);
    return done;
}

#if TW_SCAN_KNOWN
enum { SHAPE_MAX = 47 }; /* the longest level a shape holds: three 16-byte rows with its separator read apart */

/*
 * The layout of one level, ["P","Q"], byte for byte: the characters that
 * must be there ('[', quotes, ',', ']', the points and the fraction zeros
 * past the exponent) and where its kept digits are. A diff's levels nearly
 * all share one (on BTCUSDT 99.6% are ["NNNNN.NNNNNNNN","N.NNNNNNNN"]), so
 * a level that matches the one before it needs no search for its quotes
 * and no per-number checks: one comparison of its rows says it is the same
 * shape, and each number is converted with the plan already made.
 */
typedef struct level_shape {
    __m128i want[3];      /* the bytes expected, '0' at the kept digits */
    __m128i free[3];      /* 0xFF at the kept digits: any digit */
    __m128i pctrl, qctrl; /* adjacent: the wide walk loads them as one */
    uint64_t pmul, qmul;
    uint64_t span;       /* bits [0, len) */
    uint32_t len;        /* the separator's index */
    uint32_t poff, qoff; /* the numbers' first bytes */
    int rows;            /* 2 or 3 */
    int scaled;          /* pmul or qmul is not 1 */
} level_shape_t;

_Static_assert(offsetof(level_shape_t, qctrl) == offsetof(level_shape_t, pctrl) + 16,
               "shape_take_wide loads both shuffle controls as one 32-byte row");

/* What the arrays of a thread's messages share: the shape of their levels (bids and asks alike). */
typedef struct walk {
    level_shape_t sh;
    int have;
    int price_exp, qty_exp; /* the scale its plans were made for */
} walk_t;

/* A digit d at a kept place becomes '0' (v - d); a non-digit there becomes v - 9, never '0'. */
#define SHAPE_ROW(sub, and, min, cmpeq, set1, v, freem, want)                                              \
    cmpeq(sub(v, min(and(sub(v, set1('0')), freem), set1(9))), want)

__attribute__((target("sse4.1"))) static inline int shape_match(const level_shape_t *sh, const char *p)
{
    uint64_t eq = 0;
    for (int r = 0; r < 3; r++) {
        if (r == 2 && sh->rows == 2)
            break;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * r));
        __m128i e = SHAPE_ROW(_mm_sub_epi8, _mm_and_si128, _mm_min_epu8, _mm_cmpeq_epi8, _mm_set1_epi8, v,
                              sh->free[r], sh->want[r]);
        eq |= (uint64_t)(uint32_t)_mm_movemask_epi8(e) << (16 * r);
    }
    return (eq & sh->span) == sh->span;
}

__attribute__((target("sse4.1"))) static inline void shape_take(const level_shape_t *sh, const char *p,
                                                                tw_level_t *lv)
{
    /* two 8-byte values, stored one by one: a 16-byte copy of a struct the parsers wrote 8 bytes at a
     * time would wait for store forwarding to fail (measured: half of the indexed walk's time) */
    lv->price = (int64_t)(tw_scan_known_digits(p + sh->poff, sh->pctrl) * sh->pmul);
    lv->quantity = (int64_t)(tw_scan_known_digits(p + sh->qoff, sh->qctrl) * sh->qmul);
}

/* The same with AVX2: the first two rows in one register, both numbers converted side by side. */
__attribute__((target("avx2"))) static inline int shape_match_wide(const level_shape_t *sh, const char *p)
{
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i e = SHAPE_ROW(_mm256_sub_epi8, _mm256_and_si256, _mm256_min_epu8, _mm256_cmpeq_epi8,
                          _mm256_set1_epi8, v, _mm256_loadu_si256((const __m256i *)(const void *)sh->free),
                          _mm256_loadu_si256((const __m256i *)(const void *)sh->want));
    uint64_t eq = (uint32_t)_mm256_movemask_epi8(e);
    if (sh->rows == 3) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
        __m128i e2 = SHAPE_ROW(_mm_sub_epi8, _mm_and_si128, _mm_min_epu8, _mm_cmpeq_epi8, _mm_set1_epi8, w,
                               sh->free[2], sh->want[2]);
        eq |= (uint64_t)(uint32_t)_mm_movemask_epi8(e2) << 32;
    }
    return (eq & sh->span) == sh->span;
}

__attribute__((target("avx2"))) static inline void shape_take_wide(const level_shape_t *sh, const char *p,
                                                                   tw_level_t *lv)
{
    __m256i v = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(p + sh->poff))),
        _mm_loadu_si128((const __m128i *)(const void *)(p + sh->qoff)), 1);
    v = _mm256_shuffle_epi8(_mm256_sub_epi8(v, _mm256_set1_epi8('0')),
                            _mm256_loadu_si256((const __m256i *)(const void *)&sh->pctrl));
    v = _mm256_maddubs_epi16(v, _mm256_set1_epi16(0x010A)); /* bytes 10, 1 */
    v = _mm256_madd_epi16(v, _mm256_set1_epi32(0x00010064)); /* 100, 1 */
    v = _mm256_packus_epi32(v, v);
    v = _mm256_madd_epi16(v, _mm256_set1_epi32(0x00012710)); /* 10000, 1: a lane's first two dwords, high, low */
    v = _mm256_add_epi64(_mm256_mul_epu32(v, _mm256_set1_epi64x(100000000)), _mm256_srli_epi64(v, 32));
    uint64_t price = (uint64_t)_mm256_extract_epi64(v, 0), qty = (uint64_t)_mm256_extract_epi64(v, 2);
    if (sh->scaled) { /* rare (a venue that trims fraction zeros): the compiler's 64-bit vector multiply is slow */
        price *= sh->pmul;
        qty *= sh->qmul;
    }
    lv->price = (int64_t)price;
    lv->quantity = (int64_t)qty;
}

/*
 * The shape of the level at p (64 readable bytes), which is parsed into
 * *lv on the way: 1, or 0 when it is not the plain shape (quotes in place,
 * both decimals accepted by tw_scan_known_plan, no overflow possible, at
 * most SHAPE_MAX bytes).
 */
__attribute__((target("sse4.1"))) static int shape_learn(level_shape_t *sh, const char *p, const tw_bn_scale_t *sc,
                                                         tw_level_t *lv)
{
    if (p[0] != '[' || p[1] != '"')
        return 0;
    uint64_t qm = quote_mask(p) & ~2ull; /* past the price's opening quote */
    unsigned q1 = (unsigned)__builtin_ctzll(qm | (1ull << 63)), q3;
    qm &= qm - 1;
    if (q1 >= 60 || p[q1 + 1] != ',' || p[q1 + 2] != '"' || !(qm & (1ull << (q1 + 2))))
        return 0;
    qm &= qm - 1;
    q3 = (unsigned)__builtin_ctzll(qm | (1ull << 63));
    if (q3 + 2 > SHAPE_MAX || p[q3 + 1] != ']')
        return 0;
    tw_scan_plan_t pp, qp;
    unsigned plen = q1 - 2, qlen = q3 - q1 - 3;
    if (tw_scan_known_plan(p + 2, plen, sc->price_exp, &pp) < 0 || pp.wide ||
        tw_scan_known_plan(p + q1 + 3, qlen, sc->qty_exp, &qp) < 0 || qp.wide)
        return 0;
    /* the kept digits, [from, to) ranges: each number's integer part, then `take` digits past its point */
    const int from[4] = {2, 2 + (int)pp.point + 1, (int)q1 + 3, (int)q1 + 3 + (int)qp.point + 1};
    const int to[4] = {2 + (int)pp.point, from[1] + (int)pp.take, (int)q1 + 3 + (int)qp.point, from[3] + (int)qp.take};
    for (int r = 0; r < 3; r++) { /* built in registers: bytes stored then loaded as rows stall store forwarding */
        __m128i at = _mm_add_epi8(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                  _mm_set1_epi8((char)(16 * r)));
        __m128i kept = _mm_setzero_si128();
        for (int k = 0; k < 4; k++)
            kept = _mm_or_si128(kept, _mm_and_si128(_mm_cmpgt_epi8(at, _mm_set1_epi8((char)(from[k] - 1))),
                                                    _mm_cmpgt_epi8(_mm_set1_epi8((char)to[k]), at)));
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * r));
        sh->want[r] = _mm_blendv_epi8(v, _mm_set1_epi8('0'), kept);
        sh->free[r] = kept;
    }
    sh->pctrl = pp.ctrl;
    sh->qctrl = qp.ctrl;
    sh->pmul = pp.mul;
    sh->qmul = qp.mul;
    sh->len = q3 + 2;
    sh->span = (1ull << sh->len) - 1u;
    sh->poff = 2;
    sh->qoff = q1 + 3;
    sh->rows = sh->len > 32 ? 3 : 2;
    sh->scaled = pp.mul != 1 || qp.mul != 1;
    shape_take(sh, p, lv);
    return 1;
}

/*
 * The Binance shape walked a level at a time against the shape of the
 * level before (learnt again whenever one differs): as levels_walk, from
 * just after the array's '[' (or at a level, after a taken one's ','), 1
 * with the array consumed or 0 with j where the general path goes on. A
 * level that is not the plain shape hands the rest to levels_walk.
 */
__attribute__((always_inline)) static inline int levels_shaped(tw_json_t *j, const tw_bn_scale_t *sc,
                                                               tw_level_t *arr, uint32_t cap, uint32_t *n, walk_t *w,
                                                               const int wide)
{
    const char *p = j->p, *end = j->end, *after = p;
    uint32_t k = *n;
    int done = 0, odd = 0;
    level_shape_t *sh = &w->sh;
    while (k < cap && end - p >= 64) {
        if (w->have && (wide ? shape_match_wide(sh, p) : shape_match(sh, p))) {
            if (wide)
                shape_take_wide(sh, p, &arr[k]);
            else
                shape_take(sh, p, &arr[k]);
        } else if (!(w->have = shape_learn(sh, p, sc, &arr[k]))) {
            odd = 1; /* p is at a level the shapes do not take */
            break;
        }
        k++;
        after = p += sh->len;
        int sep = walk_sep(&p);
        if (sep != 0) {
            done = sep > 0;
            break;
        }
    }
    walk_end(j, n, k, done, p, after);
    if (!odd)
        return done;
    /* a level of another shape: the quote-indexed walk goes on from its '[' (and gives j back if it takes none) */
    const char *back = j->p;
    j->p = p;
    done = levels_walk(j, sc, arr, cap, n, 1);
    if (!done && *n == k)
        j->p = back;
    return done;
}

/* The shaped walk for SSE4.1 CPUs (tw_scan_known_ok()), and for AVX2 ones (tw_scan_wide_ok()). */
__attribute__((target("sse4.1"))) static int levels_known(tw_json_t *j, const tw_bn_scale_t *sc, tw_level_t *arr,
                                                          uint32_t cap, uint32_t *n, walk_t *w)
{
    return levels_shaped(j, sc, arr, cap, n, w, 0);
}

__attribute__((target("avx2"))) static int levels_wide(tw_json_t *j, const tw_bn_scale_t *sc, tw_level_t *arr,
                                                       uint32_t cap, uint32_t *n, walk_t *w)
{
    return levels_shaped(j, sc, arr, cap, n, w, 1);
}
#endif

static int levels_indexed(tw_json_t *j, const tw_bn_scale_t *sc, tw_level_t *arr, uint32_t cap, uint32_t *n,
                          walk_t *w)
{
#if TW_SCAN_KNOWN
    if (tw_scan_wide_ok())
        return levels_wide(j, sc, arr, cap, n, w);
    if (tw_scan_known_ok())
        return levels_known(j, sc, arr, cap, n, w);
#else
    (void)w;
#endif
    return levels_walk(j, sc, arr, cap, n, 0);
}
#endif

#if TW_SCAN_SSE2
enum { TAIL = 192, TAIL_PAD = 128 };

/*
 * The walk needs a window past each level, so an array's last levels (the
 * asks end the message) would take the slow path. When the walk stopped
 * within TAIL bytes of the end, the rest is walked again in a copy padded
 * with blanks: a level is taken only when all its bytes and the separator
 * after it are the text's own (a blank is never '"', ',' or ']'), so the
 * padding changes what is read, not what is accepted.
 */
static int levels_tail(tw_json_t *j, const tw_bn_scale_t *sc, tw_level_t *arr, uint32_t cap, uint32_t *n,
                       walk_t *w)
{
    size_t left = (size_t)(j->end - j->p);
    if (left > TAIL || *n == cap || left == 0 || *j->p != (*n ? ',' : '['))
        return 0;
    char buf[TAIL + TAIL_PAD];
    memcpy(buf, j->p, left);
    memset(buf + left, ' ', TAIL_PAD);
    uint32_t before = *n;
    tw_json_t t = {buf + (before ? 1 : 0), buf + left + TAIL_PAD, 0}; /* after a level: past its ',' */
    int done = levels_indexed(&t, sc, arr, cap, n, w);
    if (!done && *n == before)
        return 0; /* nothing taken: the general path goes on from where it was */
    j->p += t.p - buf;
    j->first = 0;
    return done;
}
#endif

#if !TW_SCAN_KNOWN
typedef struct walk {
    int have;
    int price_exp, qty_exp;
} walk_t; /* no shapes without SSE4.1 */
#endif

/*
 * The thread's walk, kept from one message to the next: a feed's diffs
 * nearly all share one shape, so it is learnt once rather than at every
 * message's first level (a learning costs about as much as ten matched
 * levels). Only a cache: every level is still matched against it byte for
 * byte, and a scale other than the one it was learnt for drops it.
 */
static walk_t *thread_walk(const tw_bn_scale_t *sc)
{
    static _Thread_local walk_t w;
    if (w.price_exp != sc->price_exp || w.qty_exp != sc->qty_exp) {
        w.have = 0;
        w.price_exp = sc->price_exp;
        w.qty_exp = sc->qty_exp;
    }
    return &w;
}

static int levels(tw_json_t *j, const tw_bn_scale_t *sc, tw_level_t *arr, uint32_t cap, uint32_t *count, walk_t *w)
{
    int r = tw_json_array_begin(j);
    uint32_t n = 0;
#if !TW_SCAN_SSE2
    (void)w;
#else
    if (r == 0 && tw_scan_exponent_ok(sc->price_exp) && tw_scan_exponent_ok(sc->qty_exp) &&
        (levels_indexed(j, sc, arr, cap, &n, w) || levels_tail(j, sc, arr, cap, &n, w))) {
        *count = n;
        return 0;
    }
#endif
    while (r == 0 && (r = next_level(j)) == 1) {
        if (n == cap) {
            *count = n;
            return -ENOBUFS;
        }
        r = level_fast(j, sc, &arr[n]);
        n++;
    }
    *count = n;
    return r;
}

/* The whole input must be one object: only whitespace may follow it. */
static int finish(tw_json_t *j, int r, unsigned seen, unsigned required)
{
    if (r < 0)
        return r;
    if (tw_json_peek(j) >= 0)
        return -EBADMSG;
    return (seen & required) == required ? 0 : -ENODATA;
}

int tw_bn_envelope(const char *s, size_t n, tw_bn_envelope_t *env)
{
    tw_json_t j;
    const char *k;
    size_t kl;
    int r;
    tw_json_init(&j, s, n);
    env->stream = NULL;
    env->stream_len = 0;
    env->data = NULL;
    env->data_len = 0;
    if ((r = tw_json_object_begin(&j)) < 0)
        return r;
    while ((r = tw_json_next_key(&j, &k, &kl)) == 1) {
        if (KEY_IS(k, kl, "stream")) {
            r = tw_json_string(&j, &env->stream, &env->stream_len);
        } else if (KEY_IS(k, kl, "data")) {
            tw_json_peek(&j);
            env->data = j.p;
            r = tw_json_span(&j); /* the payload decoder validates it */
            env->data_len = (size_t)(j.p - env->data);
        } else {
            r = tw_json_span(&j); /* a bare payload's fields: its decoder validates them */
        }
        if (r < 0)
            return r;
    }
    if ((r = finish(&j, r, 0, 0)) < 0)
        return r;
    if (env->stream == NULL || env->data == NULL) {
        env->data = s; /* a raw stream or a REST body: the payload is the whole text */
        env->data_len = n;
    }
    return 0;
}

int tw_bn_envelope_fast(const char *s, size_t n, tw_bn_envelope_t *env)
{
    static const char head[] = "{\"stream\":\"", mid[] = "\",\"data\":";
    enum { HEAD = sizeof(head) - 1, MID = sizeof(mid) - 1 };
    if (n < HEAD + 1 + MID + 2 || memcmp(s, head, HEAD) != 0)
        return -EAGAIN;
    const char *name = s + HEAD, *end = s + n;
    const char *q = memchr(name, '"', (size_t)(end - name));
    if (q == NULL || q == name || (size_t)(end - q) < MID + 2 || memcmp(q, mid, MID) != 0 ||
        memchr(name, '\\', (size_t)(q - name)) != NULL)
        return -EAGAIN;
    while (end > q && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r' || end[-1] == '\t'))
        end--;
    const char *data = q + MID;
    if (end - data < 2 || end[-1] != '}')
        return -EAGAIN;
    env->stream = name;
    env->stream_len = (size_t)(q - name);
    env->data = data;
    env->data_len = (size_t)(end - 1 - data);
    return 0;
}

tw_bn_kind_t tw_bn_stream_kind(const char *stream, size_t len)
{
    const char *at = len ? memchr(stream, '@', len) : NULL;
    if (at == NULL)
        return TW_BN_UNKNOWN;
    const char *t = at + 1;
    size_t tl = len - (size_t)(t - stream);
    if (tl >= 5 && memcmp(t, "depth", 5) == 0 && (tl == 5 || t[5] == '@'))
        return TW_BN_DEPTH;
    if (KEY_IS(t, tl, "trade"))
        return TW_BN_TRADE;
    if (KEY_IS(t, tl, "aggTrade"))
        return TW_BN_AGGTRADE;
    if (KEY_IS(t, tl, "bookTicker"))
        return TW_BN_BOOKTICKER;
    return TW_BN_UNKNOWN;
}

enum { D_U = 1, D_u = 2, D_b = 4, D_a = 8 };

static int depth_field(tw_json_t *j, const char *k, size_t kl, const tw_bn_scale_t *sc,
                       tw_bn_depth_t *d, unsigned *seen, walk_t *w)
{
    if (kl == 2 && k[0] == 'p' && k[1] == 'u') {
        d->has_prev = 1;
        return tw_json_uint(j, &d->prev_last_id);
    }
    if (kl != 1)
        return tw_json_skip(j);
    switch (k[0]) {
    case 'e': return event_is(j, "depthUpdate", 11);
    case 'E': return tw_json_uint(j, &d->event_ms);
    case 'T': return tw_json_uint(j, &d->transact_ms);
    case 's': return symbol(j, &d->symbol, &d->symbol_len);
    case 'U': *seen |= D_U; return tw_json_uint(j, &d->first_id);
    case 'u': *seen |= D_u; return tw_json_uint(j, &d->last_id);
    case 'b': *seen |= D_b; return levels(j, sc, d->bids, d->bids_cap, &d->bid_count, w);
    case 'a': *seen |= D_a; return levels(j, sc, d->asks, d->asks_cap, &d->ask_count, w);
    default: return tw_json_skip(j);
    }
}

int tw_bn_depth_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_depth_t *out)
{
    tw_json_t j;
    const char *k;
    size_t kl;
    unsigned seen = 0;
    walk_t *w = thread_walk(sc);
    tw_json_init(&j, s, n);
    out->bid_count = out->ask_count = 0;
    out->has_prev = 0;
    out->prev_last_id = out->event_ms = out->transact_ms = 0;
    out->symbol = NULL;
    out->symbol_len = 0;
    int r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1)
        r = depth_field(&j, k, kl, sc, out, &seen, w);
    return finish(&j, r, seen, D_U | D_u | D_b | D_a);
}

enum { S_ID = 1, S_BIDS = 2, S_ASKS = 4 };

static int snapshot_field(tw_json_t *j, const char *k, size_t kl, const tw_bn_scale_t *sc,
                          tw_bn_snapshot_t *o, unsigned *seen, walk_t *w)
{
    if (KEY_IS(k, kl, "lastUpdateId")) {
        *seen |= S_ID;
        return tw_json_uint(j, &o->last_update_id);
    }
    if (KEY_IS(k, kl, "bids")) {
        *seen |= S_BIDS;
        return levels(j, sc, o->bids, o->bids_cap, &o->bid_count, w);
    }
    if (KEY_IS(k, kl, "asks")) {
        *seen |= S_ASKS;
        return levels(j, sc, o->asks, o->asks_cap, &o->ask_count, w);
    }
    if (KEY_IS(k, kl, "E"))
        return tw_json_uint(j, &o->event_ms);
    if (KEY_IS(k, kl, "T"))
        return tw_json_uint(j, &o->transact_ms);
    return tw_json_skip(j);
}

int tw_bn_snapshot_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_snapshot_t *out)
{
    tw_json_t j;
    const char *k;
    size_t kl;
    unsigned seen = 0;
    walk_t *w = thread_walk(sc);
    tw_json_init(&j, s, n);
    out->bid_count = out->ask_count = 0;
    out->last_update_id = out->event_ms = out->transact_ms = 0;
    int r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1)
        r = snapshot_field(&j, k, kl, sc, out, &seen, w);
    return finish(&j, r, seen, S_ID | S_BIDS | S_ASKS);
}

enum { T_ID = 1, T_P = 2, T_Q = 4 };

/* Shared by trade and aggTrade; `agg` picks the id keys and the event name. */
static int trade_field(tw_json_t *j, const char *k, size_t kl, const tw_bn_scale_t *sc,
                       tw_bn_trade_t *t, unsigned *seen, int agg)
{
    if (kl != 1)
        return tw_json_skip(j);
    switch (k[0]) {
    case 'e': return agg ? event_is(j, "aggTrade", 8) : event_is(j, "trade", 5);
    case 'E': return tw_json_uint(j, &t->event_ms);
    case 'T': return tw_json_uint(j, &t->trade_ms);
    case 's': return symbol(j, &t->symbol, &t->symbol_len);
    case 'p': *seen |= T_P; return tw_json_decimal(j, sc->price_exp, &t->price);
    case 'q': *seen |= T_Q; return tw_json_decimal(j, sc->qty_exp, &t->quantity);
    case 'm': return tw_json_bool(j, &t->buyer_is_maker);
    case 'f': return agg ? tw_json_uint(j, &t->first_trade_id) : tw_json_skip(j);
    case 'l': return agg ? tw_json_uint(j, &t->last_trade_id) : tw_json_skip(j);
    case 't':
    case 'a':
        if ((k[0] == 'a') != agg)
            return tw_json_skip(j);
        *seen |= T_ID;
        return tw_json_uint(j, &t->trade_id);
    default: return tw_json_skip(j);
    }
}

static int trade_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_trade_t *out, int agg)
{
    tw_json_t j;
    const char *k;
    size_t kl;
    unsigned seen = 0;
    tw_json_init(&j, s, n);
    memset(out, 0, sizeof(*out));
    int r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1)
        r = trade_field(&j, k, kl, sc, out, &seen, agg);
    if ((r = finish(&j, r, seen, T_ID | T_P | T_Q)) < 0)
        return r;
    if (!agg)
        out->first_trade_id = out->last_trade_id = out->trade_id;
    return 0;
}

int tw_bn_trade_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_trade_t *out)
{
    return trade_decode(s, n, sc, out, 0);
}

int tw_bn_aggtrade_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_trade_t *out)
{
    return trade_decode(s, n, sc, out, 1);
}

enum { B_u = 1, B_b = 2, B_B = 4, B_a = 8, B_A = 16 };

static int bookticker_field(tw_json_t *j, const char *k, size_t kl, const tw_bn_scale_t *sc,
                            tw_bn_bookticker_t *t, unsigned *seen)
{
    if (kl != 1)
        return tw_json_skip(j);
    switch (k[0]) {
    case 'e': return event_is(j, "bookTicker", 10);
    case 'E': return tw_json_uint(j, &t->event_ms);
    case 'T': return tw_json_uint(j, &t->transact_ms);
    case 's': return symbol(j, &t->symbol, &t->symbol_len);
    case 'u': *seen |= B_u; return tw_json_uint(j, &t->update_id);
    case 'b': *seen |= B_b; return tw_json_decimal(j, sc->price_exp, &t->bid_px);
    case 'B': *seen |= B_B; return tw_json_decimal(j, sc->qty_exp, &t->bid_qty);
    case 'a': *seen |= B_a; return tw_json_decimal(j, sc->price_exp, &t->ask_px);
    case 'A': *seen |= B_A; return tw_json_decimal(j, sc->qty_exp, &t->ask_qty);
    default: return tw_json_skip(j);
    }
}

int tw_bn_bookticker_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_bookticker_t *out)
{
    tw_json_t j;
    const char *k;
    size_t kl;
    unsigned seen = 0;
    tw_json_init(&j, s, n);
    memset(out, 0, sizeof(*out));
    int r = tw_json_object_begin(&j);
    while (r == 0 && (r = tw_json_next_key(&j, &k, &kl)) == 1)
        r = bookticker_field(&j, k, kl, sc, out, &seen);
    return finish(&j, r, seen, B_u | B_b | B_B | B_a | B_A);
}

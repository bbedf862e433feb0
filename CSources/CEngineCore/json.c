/* SPDX-License-Identifier: MIT */
/*
 * The JSON cursor behind the venue decoders, and decimal text to int64
 * mantissas. Venue messages are small flat objects whose interesting values
 * are integers and decimal strings, so a cursor that reads members in order
 * and skips the rest beats any tree-building parser on both time and memory:
 * one pass, no allocation, no floating point.
 *
 * Every read checks the cursor against its end first; a message cut short or
 * garbled anywhere yields -EBADMSG, never a read past the buffer.
 */
#include <string.h>

#include "decimal_scan.h"
#include "tickwire/json.h"

static inline int is_digit(char c)
{
    return (unsigned)(c - '0') < 10u;
}

int tw_json_object_begin(tw_json_t *j)
{
    j->first = 1;
    return tw_json_expect(j, '{');
}

int tw_json_array_begin(tw_json_t *j)
{
    j->first = 1;
    return tw_json_expect(j, '[');
}

/*
 * After '{', '[' or a member: ',' separates, the closing byte ends. A closed
 * container is itself a value of its parent, so `first` drops back to 0.
 */
static int member_separator(tw_json_t *j, char close)
{
    int c = tw_json_peek(j);
    if (c == (unsigned char)close) {
        j->p++;
        j->first = 0;
        return 0;
    }
    if (!j->first) {
        if (c != ',')
            return -EBADMSG;
        j->p++;
    }
    j->first = 0;
    return 1;
}

int tw_json_next_key(tw_json_t *j, const char **key, size_t *klen)
{
    /* the venues' usual member, ,"k": with a one-letter key and no blanks, read at once */
    ptrdiff_t skip = j->first ? 0 : 1;
    const char *p = j->p + skip;
    if (j->end - j->p >= 4 + skip && (skip == 0 || j->p[0] == ',') && p[0] == '"' && p[2] == '"' && p[3] == ':' &&
        p[1] != '"' && p[1] != '\\' && (unsigned char)p[1] >= 0x20) {
        *key = p + 1;
        *klen = 1;
        j->p = p + 4;
        j->first = 0;
        return 1;
    }
    int r = member_separator(j, '}');
    if (r <= 0)
        return r;
    if ((r = tw_json_string(j, key, klen)) < 0 || (r = tw_json_expect(j, ':')) < 0)
        return r;
    return 1;
}

int tw_json_array_next(tw_json_t *j)
{
    int r = member_separator(j, ']');
    if (r == 1 && tw_json_peek(j) < 0)
        return -EBADMSG;
    return r;
}

/* Escapes are validated for shape only; control bytes are refused as JSON says. */
int tw_json_string(tw_json_t *j, const char **s, size_t *n)
{
    if (tw_json_expect(j, '"') < 0)
        return -EBADMSG;
    const char *start = j->p, *p = j->p, *end = j->end;
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *s = start;
            *n = (size_t)(p - start);
            j->p = p + 1;
            return 0;
        }
        if (c < 0x20)
            return -EBADMSG;
        if (c == '\\' && ++p == end)
            return -EBADMSG;
    }
    return -EBADMSG;
}

int tw_json_uint(tw_json_t *j, uint64_t *out)
{
    if (tw_json_peek(j) < 0 || !is_digit(*j->p))
        return -EBADMSG;
    uint64_t v = 0;
    const char *p = j->p;
    if (j->end - p >= 16) {
        /* ids and times (11-13 digits) a word at a time: the first non-digit of the next 16 bytes
         * ends the number, and 16 digits cannot overflow; longer ones take the loop below */
        uint32_t nondigit = tw_scan_classify(p).nondigit;
        if (TW_SCAN_WORDS && nondigit != 0) {
            unsigned nd = (unsigned)__builtin_ctz(nondigit), hi = nd < 8u ? nd : 8u;
            v = tw_scan_digits(tw_scan_load8(p), hi);
            if (nd > 8u)
                v = v * tw_scan_pow10[nd - 8u] + tw_scan_digits(tw_scan_load8(p + 8), nd - 8u);
            p += nd;
            if (*p == '.' || *p == 'e' || *p == 'E')
                return -EBADMSG;
            j->p = p;
            *out = v;
            return 0;
        }
    }
    for (; p < j->end && is_digit(*p); p++) {
        if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
            return -ERANGE;
    }
    if (p < j->end && (*p == '.' || *p == 'e' || *p == 'E'))
        return -EBADMSG; /* an id or a time is never fractional */
    j->p = p;
    *out = v;
    return 0;
}

static int literal(tw_json_t *j, const char *word, size_t len)
{
    if ((size_t)(j->end - j->p) < len)
        return -EBADMSG;
    for (size_t i = 0; i < len; i++)
        if (j->p[i] != word[i])
            return -EBADMSG;
    j->p += len;
    return 0;
}

int tw_json_bool(tw_json_t *j, int *out)
{
    int c = tw_json_peek(j);
    *out = c == 't';
    return c == 't' ? literal(j, "true", 4) : literal(j, "false", 5);
}

/* Number grammar checked loosely: sign, digits, fraction, exponent. */
static int skip_number(tw_json_t *j)
{
    const char *p = j->p, *end = j->end;
    if (p < end && *p == '-')
        p++;
    if (p == end || !is_digit(*p))
        return -EBADMSG;
    while (p < end && (is_digit(*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-'))
        p++;
    j->p = p;
    return 0;
}

static int skip_scalar(tw_json_t *j, int c)
{
    const char *s;
    size_t n;
    switch (c) {
    case '"': return tw_json_string(j, &s, &n);
    case 't': return literal(j, "true", 4);
    case 'f': return literal(j, "false", 5);
    case 'n': return literal(j, "null", 4);
    default: return skip_number(j);
    }
}

/* Reads "key": after an object's '{' or ','. */
static int skip_key(tw_json_t *j)
{
    const char *s;
    size_t n;
    int r = tw_json_string(j, &s, &n);
    return r < 0 ? r : tw_json_expect(j, ':');
}

/*
 * Iterative, so hostile nesting cannot exhaust the stack: bit d of `objects`
 * says whether nesting level d is an object (1) or an array (0).
 */
int tw_json_skip(tw_json_t *j)
{
    uint64_t objects = 0;
    int depth = 0, r, c;
value:
    c = tw_json_peek(j);
    if (c == '{' || c == '[') {
        if (depth == TW_JSON_MAX_DEPTH)
            return -EBADMSG;
        objects = (objects & ~(1ull << depth)) | ((uint64_t)(c == '{') << depth);
        depth++;
        j->p++;
        if (tw_json_peek(j) == (c == '{' ? '}' : ']')) {
            j->p++;
            depth--;
            goto after;
        }
        if (c == '{' && (r = skip_key(j)) < 0)
            return r;
        goto value;
    }
    if ((r = skip_scalar(j, c)) < 0)
        return r;
after:
    if (depth == 0)
        return 0;
    c = tw_json_peek(j);
    int in_object = (int)((objects >> (depth - 1)) & 1u);
    if (c == ',') {
        j->p++;
        if (in_object && (r = skip_key(j)) < 0)
            return r;
        goto value;
    }
    if (c != (in_object ? '}' : ']'))
        return -EBADMSG;
    j->p++;
    depth--;
    goto after;
}

/* A string's closing quote: short strings, so a plain loop beats memchr's call. */
static const char *closing_quote(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p == '"')
            return p;
        if (*p == '\\' && ++p == end)
            return NULL;
    }
    return NULL;
}

/* Byte at a time: the reference, and the path for text with escapes in it. */
static int span_bytes(tw_json_t *j)
{
    const char *p = j->p, *end = j->end;
    long depth = 0;
    for (; p < end; p++) {
        char b = *p;
        if (b == '"') {
            if ((p = closing_quote(p + 1, end)) == NULL)
                return -EBADMSG;
        } else if (b == '{' || b == '[') {
            depth++;
        } else if ((b == '}' || b == ']') && --depth == 0) {
            j->p = p + 1;
            return 0;
        }
    }
    return -EBADMSG;
}

/*
 * 64 bytes at a time (a depth diff's data is ~1 KB, and the byte loop cost
 * ~1 ns a byte): one bit a byte for quotes, backslashes, opening and
 * closing brackets. OR-ing 0x20 folds '[' ']' onto '{' '}', which is all
 * bracket matching needs (the decoder checks which is which afterwards).
 */
typedef struct block_bits {
    uint64_t quote, escape, open, close;
} block_bits_t;

#if defined(__SSE2__) && !defined(TW_JSON_NO_SIMD)
#include <emmintrin.h>

static inline uint64_t eq16(__m128i v, char c)
{
    return (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

/* escape is only tested for zero here: one mask for the whole block. */
static inline void classify(const char *p, block_bits_t *b)
{
    __m128i esc = _mm_setzero_si128();
    *b = (block_bits_t){0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        __m128i f = _mm_or_si128(v, _mm_set1_epi8(0x20));
        esc = _mm_or_si128(esc, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        b->quote |= eq16(v, '"') << (16 * i);
        b->open |= eq16(f, '{') << (16 * i);
        b->close |= eq16(f, '}') << (16 * i);
    }
    b->escape = (uint64_t)(uint32_t)_mm_movemask_epi8(esc);
}
#else
/* Portable SWAR: high bit of each byte of w that equals c (exact, no borrow between bytes). */
static inline uint64_t eq_bytes(uint64_t w, char c)
{
    const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full;
    uint64_t x = w ^ (0x0101010101010101ull * (uint8_t)c);
    return ~(((x & lo7) + lo7) | x) & ~lo7;
}

/* The high bits of the 8 bytes, as bits 0..7. */
static inline uint64_t gather(uint64_t m)
{
    return ((m >> 7) * 0x0102040810204080ull) >> 56;
}

static inline void classify(const char *p, block_bits_t *b)
{
    *b = (block_bits_t){0, 0, 0, 0};
    for (int i = 0; i < 8; i++) {
        uint64_t w, f;
        memcpy(&w, p + 8 * i, 8);
        f = w | 0x2020202020202020ull;
        b->quote |= gather(eq_bytes(w, '"')) << (8 * i);
        b->escape |= gather(eq_bytes(w, '\\')) << (8 * i);
        b->open |= gather(eq_bytes(f, '{')) << (8 * i);
        b->close |= gather(eq_bytes(f, '}')) << (8 * i);
    }
}
#endif

/* Bit i = parity of the quotes at or before i: set from an opening quote up to its closing one. */
static inline uint64_t prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/*
 * Brackets outside strings, in order, against the running depth; returns
 * the offset just past the one that closes the value, or -1. A block with
 * fewer closings than the depth cannot close it and is only counted.
 */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline long close_in_block(uint64_t open, uint64_t close, long *depth)
{
    if (*depth > __builtin_popcountll(close)) {
        *depth += __builtin_popcountll(open) - __builtin_popcountll(close);
        return -1;
    }
    for (uint64_t m = open | close; m; m &= m - 1) {
        int i = __builtin_ctzll(m);
        if ((open >> i) & 1u)
            ++*depth;
        else if (--*depth == 0)
            return i + 1;
    }
    return -1;
}

/* The block scan; -EAGAIN when a backslash shows up (span_bytes then starts over). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int span_blocks(tw_json_t *j)
{
    const char *p = j->p, *end = j->end;
    uint64_t in_string = 0; /* all ones when the previous block ended inside a string */
    long depth = 0;
    char tail[64];
    while (p < end) {
        const char *blk = p;
        if (end - p < 64) { /* the last bytes, padded with blanks: never read past end */
            memset(tail, ' ', sizeof(tail));
            memcpy(tail, p, (size_t)(end - p));
            blk = tail;
        }
        block_bits_t b;
        classify(blk, &b);
        if (b.escape)
            return -EAGAIN;
        uint64_t str = prefix_xor(b.quote) ^ in_string;
        in_string = 0ull - (str >> 63);
        long at = close_in_block(b.open & ~str, b.close & ~str, &depth);
        if (at >= 0 && at <= end - p) {
            j->p = p + at;
            return 0;
        }
        p += 64;
    }
    return -EBADMSG;
}

/*
 * Three popcounts a block are a third of the scan without the POPCNT
 * instruction, which baseline x86-64 lacks: CPUs that have it (all since
 * 2008) get a copy of the scan compiled for it, chosen once by CPUID.
 */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(TW_JSON_NO_SIMD)
#include <cpuid.h>

__attribute__((target("popcnt"))) static int span_blocks_popcnt(tw_json_t *j)
{
    return span_blocks(j);
}

static int span_fast(tw_json_t *j)
{
    static int popcnt = -1; /* -1 unknown, then 0 or 1: every thread computes the same value */
    int have = __atomic_load_n(&popcnt, __ATOMIC_RELAXED); /* pairs with the store below */
    if (have < 0) {
        unsigned a, b, c = 0, d;
        have = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_POPCNT) != 0;
        __atomic_store_n(&popcnt, have, __ATOMIC_RELAXED); /* pairs with the load above */
    }
    return have ? span_blocks_popcnt(j) : span_blocks(j);
}
#else
static int span_fast(tw_json_t *j)
{
    return span_blocks(j);
}
#endif

int tw_json_span(tw_json_t *j)
{
    int c = tw_json_peek(j);
    if (c != '{' && c != '[')
        return tw_json_skip(j);
    int r = span_fast(j);
    return r == -EAGAIN ? span_bytes(j) : r;
}

/*
 * Decimal strings hold no escapes: the word-at-a-time scan first, then the
 * quote found directly, else the general path.
 */
int tw_json_decimal(tw_json_t *j, int exponent, int64_t *out)
{
    if (tw_json_peek(j) == '"') {
        const char *s = j->p + 1, *q = tw_scan_decimal(s, j->end, exponent, out);
        if (q != NULL) {
            j->p = q + 1;
            return 0;
        }
        q = s;
        while (q < j->end && *q != '"' && *q != '\\')
            q++;
        if (q < j->end && *q == '"') {
            j->p = q + 1;
            return tw_decimal_parse(s, (size_t)(q - s), exponent, out);
        }
    }
    const char *s;
    size_t n;
    int r = tw_json_string(j, &s, &n);
    return r < 0 ? r : tw_decimal_parse(s, n, exponent, out);
}

static const uint64_t pow10_table[19] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
    1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
    100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
    1000000000000000000ull,
};

static inline int push_digit(uint64_t *m, char c)
{
    return __builtin_mul_overflow(*m, 10u, m) || __builtin_add_overflow(*m, (uint64_t)(c - '0'), m);
}

/* Fraction digits: the first `keep` join the mantissa, the rest must be zeros. */
static int fraction(const char **pp, const char *end, int keep, uint64_t *m, int *taken)
{
    const char *p = *pp, *start = p;
    for (; p < end && is_digit(*p); p++) {
        if (*taken < keep) {
            if (push_digit(m, *p))
                return -ERANGE;
            (*taken)++;
        } else if (*p != '0') {
            return -ERANGE; /* more precision than the instrument has: never round */
        }
    }
    *pp = p;
    return p == start ? -EINVAL : 0;
}

/*
 * Integer digits: with a positive exponent the last `drop` digits must be
 * zeros and stay out of the mantissa (1200 at exponent 2 is 12).
 */
static int integer(const char **pp, const char *end, int drop, uint64_t *m)
{
    const char *p = *pp, *int_end = p;
    while (int_end < end && is_digit(*int_end))
        int_end++;
    if (int_end == p)
        return -EINVAL;
    for (; p < int_end; p++) {
        if (int_end - p <= drop) {
            if (*p != '0')
                return -ERANGE;
        } else if (push_digit(m, *p)) {
            return -ERANGE;
        }
    }
    *pp = p;
    return 0;
}

/* The general path: any exponent, every digit checked for overflow. */
static int decimal_checked(const char *s, size_t n, int exponent, int64_t *out)
{
    const char *p = s, *end = s + n;
    int neg = p < end && *p == '-', taken = 0, keep = exponent < 0 ? -exponent : 0, r;
    uint64_t m = 0;
    p += neg;
    if ((r = integer(&p, end, exponent > 0 ? exponent : 0, &m)) < 0)
        return r;
    if (p < end && *p == '.') {
        p++;
        if ((r = fraction(&p, end, keep, &m, &taken)) < 0)
            return r;
    }
    if (p != end)
        return -EINVAL;
    if (taken < keep && __builtin_mul_overflow(m, pow10_table[keep - taken], &m))
        return -ERANGE;
    if (m > (uint64_t)INT64_MAX)
        return -ERANGE;
    *out = neg ? -(int64_t)m : (int64_t)m;
    return 0;
}

static inline int all_zeros8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w == 0x3030303030303030ull;
}

/*
 * The wire's common case ("61737.63000000" at exponent -2): at most 19
 * significant digits, so the mantissa cannot overflow before the final
 * scaling and needs no per-digit check; the trailing zeros are compared
 * eight at a time. Anything else takes decimal_checked.
 */
int tw_decimal_parse(const char *s, size_t n, int exponent, int64_t *out)
{
    if (exponent < -18 || exponent > 18)
        return -EINVAL;
    if (exponent > 0)
        return decimal_checked(s, n, exponent, out);
    const char *p = s, *end = s + n, *start;
    int neg = p < end && *p == '-', keep = -exponent;
    uint64_t m = 0;
    for (p += neg, start = p; p < end && is_digit(*p); p++)
        m = m * 10u + (uint64_t)(*p - '0');
    int digits = (int)(p - start), taken = 0;
    if (digits == 0 || digits > 19)
        return decimal_checked(s, n, exponent, out);
    if (p < end && *p == '.') {
        const char *f = ++p;
        for (; p < end && taken < keep && is_digit(*p); p++, taken++)
            m = m * 10u + (uint64_t)(*p - '0');
        if (p == f || digits + taken > 19)
            return decimal_checked(s, n, exponent, out);
        while (end - p >= 8 && all_zeros8(p))
            p += 8;
        while (p < end && *p == '0')
            p++;
    }
    if (p != end)
        return decimal_checked(s, n, exponent, out); /* the exact error code */
    if (taken < keep && __builtin_mul_overflow(m, pow10_table[keep - taken], &m))
        return -ERANGE;
    if (m > (uint64_t)INT64_MAX)
        return -ERANGE;
    *out = neg ? -(int64_t)m : (int64_t)m;
    return 0;
}

/* The fast path; decimal_scan.h says why it is inline there. */
const char *tw_decimal_scan(const char *p, const char *end, int exponent, int64_t *out)
{
    return tw_scan_decimal(p, end, exponent, out);
}

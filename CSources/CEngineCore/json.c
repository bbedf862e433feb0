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

int tw_json_span(tw_json_t *j)
{
    int c = tw_json_peek(j);
    if (c != '{' && c != '[')
        return tw_json_skip(j);
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

/* Decimal strings hold no escapes: find the quote directly, else take the general path. */
int tw_json_decimal(tw_json_t *j, int exponent, int64_t *out)
{
    if (tw_json_peek(j) == '"') {
        const char *s = j->p + 1, *q = s;
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

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for tw_decimal_parse, differential: the first byte picks
 * an exponent in -20..20, the rest is the text, and the result must agree
 * with a slow, exact reference that moves the decimal point on the digit
 * string itself (grammar [-]digits[.digits], no rounding, int64 range). Any
 * disagreement aborts, so the fuzzer reports it as a crash. The depth
 * decoder's known-length SSE4.1 parser (tw_scan_decimal_known) is held to
 * the same reference: it may decline, never disagree.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decimal_scan.h"
#include "tickwire/json.h"

static int is_dig(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Digit k of int ++ frac, '0' past the end (the padding a negative exponent adds). */
static int digit_at(const uint8_t *d, size_t nd, long k)
{
    return k < (long)nd ? d[k] - '0' : 0;
}

/*
 * Exact: the value's digits with the decimal point moved by -e; every digit
 * after the new point must be 0, the ones before it must fit int64.
 */
static int reference(const uint8_t *s, size_t n, int e, int64_t *out)
{
    uint8_t d[4096];
    size_t i = 0, nint = 0, nd = 0;
    int neg = n > 0 && s[0] == '-';
    i += (size_t)neg;
    for (; i < n && is_dig(s[i]); i++, nint++)
        d[nd++] = s[i];
    if (nint == 0)
        return -EINVAL;
    if (i < n && s[i] == '.') {
        size_t f0 = ++i;
        for (; i < n && is_dig(s[i]); i++)
            d[nd++] = s[i];
        if (i == f0)
            return -EINVAL;
    }
    if (i != n || e < -18 || e > 18)
        return -EINVAL;
    long point = (long)nint - e;
    for (long k = point < 0 ? 0 : point; k < (long)nd; k++)
        if (d[k] != '0')
            return -ERANGE;
    __int128 m = 0;
    for (long k = 0; k < point; k++) {
        m = m * 10 + digit_at(d, nd, k);
        if (m > INT64_MAX)
            return -ERANGE;
    }
    *out = neg ? -(int64_t)m : (int64_t)m;
    return 0;
}

/*
 * The same text as a JSON string through tw_json_decimal (which has its own
 * quote-finding fast path) must give the same answer, unless the text holds
 * what a JSON string cannot (a quote, a backslash, a control byte).
 */
static void json_agrees(const uint8_t *s, size_t n, int e, int want_r, int64_t want)
{
    static char buf[4100];
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"' || s[i] == '\\' || s[i] < 0x20)
            return;
    buf[0] = '"';
    memcpy(buf + 1, s, n);
    buf[n + 1] = '"';
    tw_json_t j;
    int64_t v = 0;
    tw_json_init(&j, buf, n + 2);
    int r = tw_json_decimal(&j, e, &v);
    if (r != want_r || (r == 0 && (v != want || j.p != buf + n + 2)))
        abort();
}

/* The known-length parser, on the text followed by a quote and padding (it reads 16 bytes). */
static void known_agrees(const uint8_t *s, size_t n, int e, int want_r, int64_t want)
{
#if TW_SCAN_KNOWN
    char buf[32];
    if (n == 0 || n > 16 || !tw_scan_known_ok())
        return;
    memset(buf, '"', sizeof(buf));
    memcpy(buf, s, n);
    int64_t v = 0;
    if (tw_scan_decimal_known(buf, (unsigned)n, e, &v) == 0 && (want_r != 0 || v != want))
        abort();
#else
    (void)s, (void)n, (void)e, (void)want_r, (void)want;
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int e = (int)(data[0] % 41) - 20;
    int64_t a = 0, b = 0;
    if (size > 4000)
        return 0;
    int ra = tw_decimal_parse((const char *)data + 1, size - 1, e, &a);
    int rb = reference(data + 1, size - 1, e, &b);
    /* Text that breaks the grammar may be refused as -ERANGE when a digit fails first. */
    int agree = rb == -EINVAL ? ra < 0 : ra == rb;
    if (!agree || (ra == 0 && a != b))
        abort();
    json_agrees(data + 1, size - 1, e, ra, a);
    known_agrees(data + 1, size - 1, e, ra, a);
    return 0;
}

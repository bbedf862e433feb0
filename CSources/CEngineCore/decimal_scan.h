/* SPDX-License-Identifier: MIT */
/*
 * The word-at-a-time decimal scan behind tw_decimal_scan, private to the
 * decoders (json.c, binance_decode.c) so that the depth decoder can inline
 * it: a diff carries ~60 decimals, and a call per decimal cost more than
 * the work inside it once constants were reloaded and registers saved.
 *
 * The wire's decimals are short and plain ("61737.63000000", "0.00100000").
 * A byte loop spends most of its time on exits that depend on each
 * number's length; here one mask of the next 16 bytes says where the digits
 * stop, and the digits are combined eight at a time. Anything unusual
 * declines (NULL) and the caller takes tw_decimal_parse, which decides.
 */
#ifndef TICKWIRE_DECIMAL_SCAN_H
#define TICKWIRE_DECIMAL_SCAN_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TW_SCAN_WORDS 1
#else
#define TW_SCAN_WORDS 0 /* big-endian: the scan always declines */
#endif

#if defined(__GNUC__)
#define TW_SCAN_INLINE __attribute__((always_inline)) static inline
#else
#define TW_SCAN_INLINE static inline
#endif

#if defined(__SSE2__) && !defined(TW_JSON_NO_SIMD)
#include <emmintrin.h>
#define TW_SCAN_SSE2 1
#else
#define TW_SCAN_SSE2 0
#endif

enum { TW_SCAN_NEED = 24 }; /* bytes the scan may read from its start */

static const uint64_t tw_scan_pow10[19] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
    1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
    100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
    1000000000000000000ull,
};

static inline uint64_t tw_scan_load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* Masks of the 16 bytes at p, bit i for byte i: not an ASCII digit, and not '0'. */
typedef struct tw_scan_masks {
    uint32_t nondigit, nonzero;
} tw_scan_masks_t;

#if TW_SCAN_SSE2
static inline tw_scan_masks_t tw_scan_classify(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* signed compares: bytes >= 0x80 are negative, so below '0' */
    __m128i nd = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8('0')), _mm_cmpgt_epi8(v, _mm_set1_epi8('9')));
    tw_scan_masks_t m = {(uint32_t)_mm_movemask_epi8(nd),
                         (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('0'))) ^ 0xFFFFu};
    return m;
}
#else
/* Portable: per-byte flags in the high bits (exact: no carry crosses a byte), then gathered. */
static inline uint32_t tw_scan_gather(uint64_t hi)
{
    return (uint32_t)(((hi >> 7) * 0x0102040810204080ull) >> 56);
}

static inline tw_scan_masks_t tw_scan_classify(const char *p)
{
    const uint64_t ones = 0x0101010101010101ull, low7 = 0x7F7F7F7F7F7F7F7Full;
    tw_scan_masks_t m = {0, 0};
    for (int i = 0; i < 2; i++) {
        uint64_t x = tw_scan_load8(p + 8 * i) ^ (ones * '0'); /* digits become 0..9, '0' becomes 0 */
        uint64_t nd = (((x & low7) + ones * 0x76) | x) & ~low7, nz = (((x & low7) + low7) | x) & ~low7;
        m.nondigit |= tw_scan_gather(nd) << (8 * i);
        m.nonzero |= tw_scan_gather(nz) << (8 * i);
    }
    return m;
}
#endif

/*
 * The value of the first n (0..8) bytes of w, all digits, the first the
 * most significant. Shifting left puts them at the top with zero digits
 * below (leading zeros: the value is unchanged; the bytes past n leave the
 * word, and a borrow from them only runs upward); then pairs of digits,
 * pairs of pairs and pairs of those are combined, each within its lanes.
 */
TW_SCAN_INLINE uint64_t tw_scan_digits(uint64_t w, unsigned n)
{
    if (n == 0)
        return 0;
    uint64_t v = (w - 0x3030303030303030ull) << (8 * (8 - n));
    v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFull;   /* 16-bit lanes: 2 digits */
    v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFull; /* 32-bit lanes: 4 digits */
    return (v * 10000 + (v >> 32)) & 0xFFFFFFFFull;     /* 8 digits */
}

/* The exponents the scan takes: 0 down to -18 (a caller may check once per message). */
static inline int tw_scan_exponent_ok(int exponent)
{
    return TW_SCAN_WORDS && exponent <= 0 && exponent >= -18;
}

/*
 * tw_scan_decimal without its checks: the caller has made sure that
 * tw_scan_exponent_ok(exponent) and that TW_SCAN_NEED bytes follow p.
 */
TW_SCAN_INLINE const char *tw_scan_decimal_unchecked(const char *p, int exponent, int64_t *out)
{
    int neg = *p == '-';
    const char *s = p + neg;
    tw_scan_masks_t mk = tw_scan_classify(s);
    uint32_t stop = mk.nondigit | 0x10000u; /* bit 16: "not within the window" */
    unsigned ni = (unsigned)__builtin_ctz(stop), keep = (unsigned)-exponent, k = ni;
    if (ni - 1u >= 7u)
        return NULL; /* no digit, or 8+ integer digits: the general path */
    uint64_t m = tw_scan_digits(tw_scan_load8(s), ni);
    if (s[ni] == '.') {
        k = (unsigned)__builtin_ctz(stop & (stop - 1u)); /* the first non-digit past the '.' */
        unsigned nf = k - ni - 1u, take = nf < keep ? nf : keep, zeros_from = ni + 1u + take;
        /* a fraction digit past the exponent must be a zero: never round */
        if (nf == 0 || take > 8 || k == 16 || (mk.nonzero & ((1u << k) - (1u << zeros_from))) != 0)
            return NULL;
        m = m * tw_scan_pow10[take] + tw_scan_digits(tw_scan_load8(s + ni + 1), take);
        keep -= take;
    }
    if (s[k] != '"' || __builtin_mul_overflow(m, tw_scan_pow10[keep], &m) || m > (uint64_t)INT64_MAX)
        return NULL;
    *out = neg ? -(int64_t)m : (int64_t)m;
    return s + k;
}

/*
 * p: the first byte after a string's opening quote. On a plain
 * [-]digits[.digits] with 1..7 integer digits and at most 8 fraction digits
 * kept, its closing quote within 16 bytes, and a value exact at the
 * exponent and within int64: sets *out and returns the closing quote.
 * Otherwise NULL and *out untouched.
 */
TW_SCAN_INLINE const char *tw_scan_decimal(const char *p, const char *end, int exponent, int64_t *out)
{
    if (!tw_scan_exponent_ok(exponent) || end - p < TW_SCAN_NEED)
        return NULL;
    return tw_scan_decimal_unchecked(p, exponent, out);
}

/* ---------------------------------------------- known length, SSE4.1 -- */

#if TW_SCAN_SSE2 && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h> /* SSE4.1 here; AVX2 for the depth walk, both behind a CPU check */
#define TW_SCAN_KNOWN 1

/* Whether this CPU has SSE4.1 (and so SSSE3), or with wide AVX2, asked once each. */
static inline int tw_scan_cpu_has(int wide)
{
    static int have[2] = {-1, -1};
    int h = __atomic_load_n(&have[wide != 0], __ATOMIC_RELAXED);
    if (h < 0) {
        __builtin_cpu_init();
        h = wide ? __builtin_cpu_supports("avx2") != 0 : __builtin_cpu_supports("sse4.1") != 0;
        __atomic_store_n(&have[wide != 0], h, __ATOMIC_RELAXED);
    }
    return h;
}

static inline int tw_scan_known_ok(void)
{
    return tw_scan_cpu_has(0);
}

/* AVX2: the depth walk then takes two 16-byte rows per instruction. */
static inline int tw_scan_wide_ok(void)
{
#ifdef TW_SCAN_NO_WIDE /* tests: the SSE4.1 walk, on a CPU that has AVX2 too */
    return 0;
#else
    return tw_scan_cpu_has(1);
#endif
}

/* How to convert every decimal of one layout (see tw_scan_known_plan). */
typedef struct tw_scan_plan {
    __m128i ctrl;  /* shuffle: the kept digits right-aligned over zeros */
    uint64_t mul;  /* 10^(fraction digits the exponent wants and the text lacks) */
    unsigned point; /* the '.''s index, or len when there is none */
    unsigned take;  /* fraction digits kept (those past them are zeros) */
    int wide;       /* more than 18 digits once scaled: mul may overflow */
} tw_scan_plan_t;

/*
 * The checks and the layout of the decimal s[0..len) whose length is
 * already known (its closing quote was found by the caller): digits[.digits],
 * at most 16 bytes, kept digits at most 16, exact at the exponent (0..-18).
 * 0 and *pl, or -1 to decline (anything else: a sign, blanks, a lone '.',
 * rounding, too long); the caller then takes the general path, which
 * decides. Reads 16 bytes at s.
 */
__attribute__((target("sse4.1"))) TW_SCAN_INLINE int tw_scan_known_plan(const char *s, unsigned len, int exponent,
                                                                     tw_scan_plan_t *pl)
{
    if (len - 1u >= 16u || exponent > 0 || exponent < -18)
        return -1;
    const __m128i zero = _mm_setzero_si128();
    __m128i dig = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)s), _mm_set1_epi8('0'));
    uint32_t within = (1u << len) - 1u;
    uint32_t nondigit = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_subs_epu8(dig, _mm_set1_epi8(9)), zero)) ^
                        0xFFFFu; /* bytes above '9' or below '0' (they wrapped above 9) */
    uint32_t nonzero = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(dig, zero)) ^ 0xFFFFu;
    nondigit &= within;
    unsigned d = len, keep = (unsigned)-exponent, take = 0;
    if (nondigit) {
        d = (unsigned)__builtin_ctz(nondigit);
        if ((nondigit & (nondigit - 1u)) || s[d] != '.' || d == 0 || d == len - 1u)
            return -1; /* a second non-digit, not a point, or nothing on one side of it */
        unsigned nf = len - d - 1u;
        take = nf < keep ? nf : keep;
        if (nonzero & within & ~((2u << (d + take)) - 1u))
            return -1; /* a digit past the exponent that is not a zero: never round */
    } else if (d == 0) {
        return -1;
    }
    unsigned total = d + take; /* kept digits: the integer part, then `take` of the fraction */
    if (total > 16u)
        return -1;
    /* lane i takes digit j = i - (16 - total) (loaded from a sliding row: -1, a zero, where j < 0),
     * source j below the point and j + 1 past it */
    static const signed char slide[32] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                          0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15};
    __m128i j = _mm_loadu_si128((const __m128i *)(const void *)(slide + total));
    pl->ctrl = _mm_sub_epi8(j, _mm_cmpgt_epi8(j, _mm_set1_epi8((char)(d - 1u))));
    pl->mul = tw_scan_pow10[keep - take];
    pl->point = d;
    pl->take = take;
    pl->wide = total + keep - take > 18u;
    return 0;
}

/*
 * The kept digits of the decimal at s (a layout tw_scan_known_plan
 * accepted) as one number: a shuffle drops the '.' and right-aligns them
 * over zeros, and three multiply-adds turn 16 digits into two 8-digit
 * halves. No loop and no branch on the digits themselves. Below 10^16.
 */
__attribute__((target("sse4.1"))) TW_SCAN_INLINE uint64_t tw_scan_known_digits(const char *s, __m128i ctrl)
{
    __m128i dig = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)s), _mm_set1_epi8('0'));
    __m128i v = _mm_shuffle_epi8(dig, ctrl);
    v = _mm_maddubs_epi16(v, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
    v = _mm_madd_epi16(v, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    v = _mm_packus_epi32(v, v);
    v = _mm_madd_epi16(v, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    return (uint64_t)(uint32_t)_mm_cvtsi128_si32(v) * 100000000u + (uint32_t)_mm_extract_epi32(v, 1);
}

/* The decimal s[0..len) (see tw_scan_known_plan): 0 and *out, or -1 to decline. Only tw_scan_known_ok() CPUs. */
__attribute__((target("sse4.1"))) static inline int tw_scan_decimal_known(const char *s, unsigned len, int exponent,
                                                                         int64_t *out)
{
    tw_scan_plan_t pl;
    if (tw_scan_known_plan(s, len, exponent, &pl) < 0)
        return -1;
    uint64_t m = tw_scan_known_digits(s, pl.ctrl);
    if (__builtin_mul_overflow(m, pl.mul, &m) || m > (uint64_t)INT64_MAX)
        return -1;
    *out = (int64_t)m;
    return 0;
}
#else
#define TW_SCAN_KNOWN 0
#endif

#endif /* TICKWIRE_DECIMAL_SCAN_H */

/* SPDX-License-Identifier: MIT */
/*
 * A minimal JSON scanner for venue messages, and decimal text to fixed point.
 *
 * The feed never builds a document tree: a decoder walks one object key by
 * key with a cursor over the received bytes, reads the few fields it wants
 * straight into integers, and skips everything else (nested objects and
 * arrays included). Nothing is allocated, the cursor never reads past its
 * end, and string values are returned as spans into the input (escapes are
 * checked for shape but not decoded: venue keys and decimal strings never
 * contain any).
 *
 * Return convention: 0 or a count on success, -errno on failure:
 *   -EBADMSG  the text is not well-formed JSON where we looked
 *   -ERANGE   a number does not fit, or has more precision than the exponent
 *   -EINVAL   a decimal string is not a plain decimal number
 */
#ifndef TICKWIRE_JSON_H
#define TICKWIRE_JSON_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Nesting deeper than this is refused by tw_json_skip (a bound, not a guess). */
enum { TW_JSON_MAX_DEPTH = 64 };

typedef struct tw_json {
    const char *p;      /* next byte to read */
    const char *end;    /* one past the last byte */
    int first;          /* no member read yet in the current object/array */
} tw_json_t;

static inline void tw_json_init(tw_json_t *j, const char *s, size_t n)
{
    j->p = s;
    j->end = s + n;
    j->first = 1;
}

/* Skips JSON whitespace; returns the next byte or -1 at the end. */
static inline int tw_json_peek(tw_json_t *j)
{
    while (j->p < j->end) {
        char c = *j->p;
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            return (unsigned char)c;
        j->p++;
    }
    return -1;
}

/* Consumes c after optional whitespace: 0 or -EBADMSG. */
static inline int tw_json_expect(tw_json_t *j, char c)
{
    if (tw_json_peek(j) != (unsigned char)c)
        return -EBADMSG;
    j->p++;
    return 0;
}

/* Enters an object ('{'); members follow through tw_json_next_key. */
int tw_json_object_begin(tw_json_t *j);

/*
 * Moves to the next member of the current object: 1 with the raw key span in
 * (*key, *klen) and the cursor on the value, 0 at the closing '}', or -EBADMSG.
 */
int tw_json_next_key(tw_json_t *j, const char **key, size_t *klen);

/* Enters an array ('['). */
int tw_json_array_begin(tw_json_t *j);

/* 1 when another element follows (cursor on it), 0 at the closing ']', or -EBADMSG. */
int tw_json_array_next(tw_json_t *j);

/* Reads a string value: its raw contents (without quotes) in (*s, *n). */
int tw_json_string(tw_json_t *j, const char **s, size_t *n);

/* Reads a non-negative integer literal into *out; -ERANGE above UINT64_MAX. */
int tw_json_uint(tw_json_t *j, uint64_t *out);

/* Reads true or false into *out (1 or 0). */
int tw_json_bool(tw_json_t *j, int *out);

/* Skips one value of any type, bounded by TW_JSON_MAX_DEPTH. */
int tw_json_skip(tw_json_t *j);

/*
 * Skips one object or array by bracket matching alone (strings respected),
 * several times faster than tw_json_skip. Only for a value the caller will
 * decode, and so validate, afterwards: the envelope's "data".
 */
int tw_json_span(tw_json_t *j);

/* Reads a string value holding a decimal and converts it at the exponent. */
int tw_json_decimal(tw_json_t *j, int exponent, int64_t *out);

/*
 * Parses decimal text ("61737.63000000", "-0.5", "12") into the mantissa at
 * the given exponent (-18..18): 61737.63 at -2 is 6173763. Trailing zeros past
 * the exponent are accepted; a non-zero digit past it is -ERANGE, never
 * rounded; so is a value beyond int64. No exponent notation, no '+', no
 * blanks: anything but [-]digits[.digits] is -EINVAL.
 */
int tw_decimal_parse(const char *s, size_t n, int exponent, int64_t *out);

/*
 * The fast path of a decimal string value, for decoders that walk the bytes
 * themselves: p is the first byte after the opening quote. When the text is
 * a plain [-]digits[.digits] that fits the exponent (1..7 integer digits,
 * the closing '"' within 17 bytes), sets *out (the value tw_decimal_parse
 * gives) and returns the closing quote. Otherwise NULL, *out untouched: an
 * error, anything unusual, or fewer than 24 bytes before end; the caller
 * then finds the quote and asks tw_decimal_parse, which decides. Never
 * reads at or past end.
 */
const char *tw_decimal_scan(const char *p, const char *end, int exponent, int64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_JSON_H */

/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the C feed tests: a CHECK macro that counts failures
 * instead of aborting (so one run reports every broken case), and whole-file
 * reading for the recorded data. Test code only: it allocates freely.
 */
#ifndef TW_CFEED_H
#define TW_CFEED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cfeed_failures;
static int cfeed_checks;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        cfeed_checks++;                                                             \
        if (!(cond)) {                                                              \
            cfeed_failures++;                                                       \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);         \
        }                                                                           \
    } while (0)

#define CHECK_EQ(a, b)                                                              \
    do {                                                                            \
        long long va_ = (long long)(a), vb_ = (long long)(b);                       \
        cfeed_checks++;                                                             \
        if (va_ != vb_) {                                                           \
            cfeed_failures++;                                                       \
            fprintf(stderr, "FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__,       \
                    __LINE__, #a, #b, va_, vb_);                                    \
        }                                                                           \
    } while (0)

/* Reads a whole file (NUL-terminated); NULL when it cannot. */
static inline char *cfeed_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    if (buf == NULL)
        return NULL;
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Next line of a buffer (cursor *pos); the line is NUL-terminated in place. NULL at the end. */
static inline char *cfeed_next_line(char *buf, size_t len, size_t *pos, size_t *line_len)
{
    if (*pos >= len)
        return NULL;
    char *start = buf + *pos;
    char *nl = memchr(start, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - start) : len - *pos;
    start[n] = 0;
    *pos += n + 1;
    *line_len = n;
    return start;
}

static inline int cfeed_summary(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, cfeed_checks, cfeed_failures);
    return cfeed_failures ? 1 : 0;
}

#endif /* TW_CFEED_H */

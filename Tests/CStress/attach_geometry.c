/* SPDX-License-Identifier: MIT */
/*
 * Attach refuses a hostile geometry, naming the field. For every kind a valid
 * segment is made, one header word is set to a bad value through the
 * creating (writable) mapping, and tw_shm_attach must return -EPROTO with a
 * message that names that field; the word is then restored and attach must
 * succeed again. Values include offsets past the end, offsets that wrap
 * (2^64 - 8), counts whose product with a size overflows 64 bits, and
 * misaligned offsets. Also: a file shorter than its segment_size, and a FIFO
 * at the path (refused at once, never a hang).
 *
 * usage: attach_geometry
 */
#include "cstress.h"

#include <fcntl.h>
#include <sys/stat.h>

typedef struct poke {
    const char *field;         /* the name the message must carry */
    uint32_t at;               /* byte offset from the region start (or from 0 when header) */
    uint32_t width;            /* 4 or 8 */
    uint64_t value;
    int header;                /* at is from the segment start */
} poke_t;

static uint64_t get(uint8_t *p, uint32_t width)
{
    uint64_t v = 0;
    memcpy(&v, p, width);
    return v;
}

static void set(uint8_t *p, uint32_t width, uint64_t v)
{
    memcpy(p, &v, width);
}

static void try_pokes(const char *instance, uint32_t kind, tw_shm_t *w, const poke_t *pokes, size_t n)
{
    tw_shm_t s;
    const tw_segment_header_t *h = w->base;
    for (size_t i = 0; i < n; i++) {
        const poke_t *p = &pokes[i];
        uint8_t *at = (uint8_t *)w->base + (p->header ? 0 : h->region_offset) + p->at;
        uint64_t saved = get(at, p->width);
        set(at, p->width, p->value);
        int rc = tw_shm_attach(instance, kind, 0, &s);
        CHECK(rc == -EPROTO, "%s %s = %#llx: attach returned %d, expected -EPROTO", tw_segment_kind_name(kind),
              p->field, (unsigned long long)p->value, rc);
        CHECK(strstr(tw_error_message(), p->field) != NULL, "%s = %#llx: message '%s' does not name the field",
              p->field, (unsigned long long)p->value, tw_error_message());
        CHECK(s.base == NULL, "refused attach left a mapping");
        set(at, p->width, saved);
        CHECK_RC(tw_shm_attach(instance, kind, 0, &s), 0);
        tw_shm_detach(&s);
    }
}

#define HUGE_OFF (UINT64_MAX - 7u) /* 8-aligned, wraps when anything is added */

static void header_fields(void)
{
    tw_shm_t w;
    cs_make_ring("hdr", TW_SEG_MD, 128, 16, &w);
    const poke_t pokes[] = {
        {"region_offset", 48, 8, 64, 1},              /* inside the header */
        {"region_offset", 48, 8, 132, 1},             /* misaligned */
        {"region_offset", 48, 8, HUGE_OFF, 1},        /* wraps */
        {"region_size", 56, 8, UINT64_MAX, 1},
        {"region_size", 56, 8, 64, 1},                /* cannot hold the ring header */
    };
    try_pokes("hdr", TW_SEG_MD, &w, pokes, sizeof(pokes) / sizeof(pokes[0]));
    /* segment_size beyond the file: "truncated", naming segment_size */
    tw_segment_header_t *h = w.base;
    uint64_t saved = h->segment_size;
    h->segment_size = w.size + 4096;
    tw_shm_t s;
    CHECK_RC(tw_shm_attach("hdr", TW_SEG_MD, 0, &s), -EPROTO);
    CHECK(strstr(tw_error_message(), "segment_size") && strstr(tw_error_message(), "truncated"), "message '%s'",
          tw_error_message());
    h->segment_size = saved;
    tw_shm_detach(&w);
}

static void ring_fields(void)
{
    tw_shm_t w;
    cs_make_ring("ring", TW_SEG_MD, 128, 16, &w);
    const poke_t pokes[] = {
        {"ring.slot_count", 4, 4, 0, 0},
        {"ring.slot_count", 4, 4, 3, 0},
        {"slot_count", 4, 4, 1u << 31, 0},            /* 2^31 x 128 bytes: past the end */
        {"ring.slot_size", 0, 4, 32, 0},
        {"ring.slot_size", 0, 4, 96, 0},
        {"slot_size", 0, 4, 1u << 31, 0},             /* 16 x 2 GB: past the end */
        {"ring.slots_offset", 8, 8, HUGE_OFF, 0},
        {"ring.slots_offset", 8, 8, 8, 0},            /* over the segment header */
        {"ring.slots_offset", 8, 8, 129, 0},          /* misaligned */
        {"ring.slots_offset", 8, 8, 4096 - 2048 + 8, 0}, /* the last slot runs 8 bytes past the region */
    };
    try_pokes("ring", TW_SEG_MD, &w, pokes, sizeof(pokes) / sizeof(pokes[0]));
    tw_shm_detach(&w);

    cs_make_exec("exec", 16, 2, &w);
    const poke_t epokes[] = {
        {"exec.ring.slot_size", 0, 4, 128, 0},
        {"slot_count", 4, 4, 1u << 30, 0},
        {"ring.slots_offset", 8, 8, 128 + 128, 0},    /* over the journal's own header */
        {"ring.slots_offset", 8, 8, HUGE_OFF, 0},
        {"region_size", 56, 8, 200, 1},               /* cannot hold tw_exec_header_t */
    };
    try_pokes("exec", TW_SEG_EXEC, &w, epokes, sizeof(epokes) / sizeof(epokes[0]));
    tw_shm_detach(&w);
}

static void cmd_fields(void)
{
    tw_shm_t w;
    cs_make_cmd("cmd", 4, 8, 1, &w);
    const poke_t pokes[] = {
        {"cmd.lane_count", 0, 4, 0, 0},
        {"cmd.lane_count", 0, 4, TW_CMD_MAX_LANES + 1, 0},
        {"lane_count", 0, 4, 7, 0},                   /* lanes past the region */
        {"cmd.lane_slots", 4, 4, 1, 0},
        {"cmd.lane_slots", 4, 4, 12, 0},
        {"cmd.lane_size", 4, 4, 1u << 31, 0},         /* lane_slots 2^31: lane_size does not match */
        {"cmd.slot_size", 8, 4, 64, 0},
        {"cmd.lane_size", 12, 4, 64, 0},
        {"cmd.lane_size", 12, 4, UINT32_MAX, 0},
        {"cmd.lanes_offset", 16, 8, HUGE_OFF, 0},
        {"cmd.lanes_offset", 16, 8, 136, 0},          /* over the cmd header */
        {"cmd.lanes_offset", 16, 8, 260, 0},          /* misaligned */
    };
    try_pokes("cmd", TW_SEG_CMD, &w, pokes, sizeof(pokes) / sizeof(pokes[0]));
    tw_shm_detach(&w);
}

static void books_fields(void)
{
    tw_shm_t w;
    cs_make_books("books", 3, 10, &w);
    const tw_books_header_t *b = tw_books_of(w.base);
    const poke_t pokes[] = {
        {"books.instrument_count", 0, 4, 0, 0},
        {"books.instrument_count", 0, 4, TW_MAX_INSTRUMENTS + 1, 0},
        {"instrument_count", 0, 4, 10, 0},            /* blocks past the region */
        {"books.depth", 4, 4, 0, 0},
        {"books.depth", 4, 4, TW_MAX_DEPTH + 1, 0},
        {"books.block_size", 8, 4, 64 + 10 * 32 - 64, 0}, /* too small for depth 10 */
        {"books.block_size", 8, 4, b->block_size + 4, 0}, /* misaligned */
        {"block_size", 8, 4, UINT32_MAX - 7u, 0},         /* 3 x 4 GB past the end */
        {"books.instruments_offset", 16, 8, HUGE_OFF, 0},
        {"books.instruments_offset", 16, 8, 0, 0},
        {"books.blocks_offset", 24, 8, HUGE_OFF, 0},
        {"books.blocks_offset", 24, 8, b->instruments_offset, 0}, /* overlaps the table */
    };
    try_pokes("books", TW_SEG_BOOKS, &w, pokes, sizeof(pokes) / sizeof(pokes[0]));
    tw_shm_detach(&w);
}

static void stats_fields(void)
{
    tw_shm_t w;
    cs_make_stats("stats", 2, &w);
    const poke_t pokes[] = {
        {"stats.instrument_count", 0, 4, TW_MAX_INSTRUMENTS + 1, 0},
        {"instrument_count", 0, 4, TW_MAX_INSTRUMENTS, 0}, /* entries past the region */
        {"stats.counter_count", 4, 4, TW_CTR_COUNT - 1, 0},
        {"counter_count", 4, 4, UINT32_MAX, 0},
        {"stats.histogram_count", 8, 4, TW_HIST_COUNT - 1, 0},
        {"histogram_count", 8, 4, UINT32_MAX, 0},
        {"stats.histogram_buckets", 12, 4, 1, 0},
        {"stats.counters_offset", 16, 8, HUGE_OFF, 0},
        {"stats.instruments_offset", 24, 8, HUGE_OFF, 0},
        {"stats.histograms_offset", 32, 8, HUGE_OFF, 0},
        {"stats.histograms_offset", 32, 8, 12, 0},
    };
    try_pokes("stats", TW_SEG_STATS, &w, pokes, sizeof(pokes) / sizeof(pokes[0]));
    tw_shm_detach(&w);
}

static void odd_files(void)
{
    char path[TW_PATH_MAX];
    tw_shm_t w, s;
    /* a books file cut short: segment_size says more than the file holds */
    cs_make_books("short", 64, 100, &w);
    tw_shm_detach(&w);
    CHECK_RC(tw_shm_path("short", TW_SEG_BOOKS, path, sizeof(path)), 0);
    CHECK(truncate(path, 4096) == 0, "truncate: %s", strerror(errno));
    CHECK_RC(tw_shm_attach("short", TW_SEG_BOOKS, 0, &s), -EPROTO);
    CHECK(strstr(tw_error_message(), "truncated"), "message '%s'", tw_error_message());
    /* a FIFO where a segment should be: refused, not a blocked open */
    CHECK_RC(tw_shm_path("fifo", TW_SEG_MD, path, sizeof(path)), 0);
    CHECK(mkfifo(path, 0640) == 0, "mkfifo: %s", strerror(errno));
    CHECK_RC(tw_shm_attach("fifo", TW_SEG_MD, 0, &s), -EPROTO);
    CHECK(strstr(tw_error_message(), "not a regular file"), "message '%s'", tw_error_message());
    unlink(path);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    cs_setup_dir("geom");
    header_fields();
    ring_fields();
    cmd_fields();
    books_fields();
    stats_fields();
    odd_files();
    printf("attach_geometry: 56 hostile header words refused with the field named, valid again once restored; "
           "truncated file and FIFO refused\n");
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Binance market-data decoders: JSON text straight to fixed-point structs.
 *
 * One call per message, no allocation: prices and quantities land as int64
 * mantissas at the instrument's exponents (tw_bn_scale_t), depth levels in
 * arrays the caller owns. Fields may come in any order, unknown fields are
 * skipped (nested values too), whitespace is tolerated. Spot and USD-M
 * futures share the decoders; the futures-only fields (pu, T, E on a
 * bookTicker or a snapshot) are reported through has_* flags.
 *
 * Return convention: 0 on success, -errno on a message to count as malformed:
 *   -EBADMSG  not well-formed JSON (or cut short)
 *   -ERANGE   a number overflows or has more precision than the exponent
 *   -EINVAL   a price or quantity string is not a decimal number
 *   -ENODATA  a required field is missing
 *   -EPROTO   the "e" field names another event type
 *   -ENOBUFS  more depth levels than the caller's array holds
 */
#ifndef TICKWIRE_BINANCE_H
#define TICKWIRE_BINANCE_H

#include <stddef.h>
#include <stdint.h>

#include "tickwire/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Decimal exponents of one instrument: BTCUSDT spot is {-2, -5}. */
typedef struct tw_bn_scale {
    int32_t price_exp;
    int32_t qty_exp;
} tw_bn_scale_t;

/* What a combined-stream frame carries, from the stream name's suffix. */
typedef enum tw_bn_kind {
    TW_BN_UNKNOWN = 0,
    TW_BN_DEPTH = 1,       /* <symbol>@depth, @depth@100ms, … */
    TW_BN_TRADE = 2,       /* <symbol>@trade */
    TW_BN_AGGTRADE = 3,    /* <symbol>@aggTrade */
    TW_BN_BOOKTICKER = 4,  /* <symbol>@bookTicker */
    TW_BN_SNAPSHOT = 5,    /* a REST depth snapshot (no envelope) */
} tw_bn_kind_t;

/* {"stream":"…","data":{…}}, or a bare payload (stream_len 0, data = whole text). */
typedef struct tw_bn_envelope {
    const char *stream;
    size_t stream_len;
    const char *data;
    size_t data_len;
} tw_bn_envelope_t;

typedef struct tw_bn_depth {
    tw_level_t *bids;         /* caller's arrays and their capacity (in) */
    tw_level_t *asks;
    uint32_t bids_cap, asks_cap;
    uint32_t bid_count, ask_count; /* levels decoded (out) */
    uint64_t first_id;        /* U */
    uint64_t last_id;         /* u */
    uint64_t prev_last_id;    /* pu (futures), valid when has_prev */
    uint64_t event_ms;        /* E */
    uint64_t transact_ms;     /* T (futures), 0 when absent */
    const char *symbol;       /* s, a span into the input */
    size_t symbol_len;
    int32_t has_prev;
    int32_t reserved;
} tw_bn_depth_t;

typedef struct tw_bn_snapshot {
    tw_level_t *bids;         /* in: caller's arrays and capacity */
    tw_level_t *asks;
    uint32_t bids_cap, asks_cap;
    uint32_t bid_count, ask_count;
    uint64_t last_update_id;
    uint64_t event_ms;        /* E (futures), 0 when absent */
    uint64_t transact_ms;     /* T (futures), 0 when absent */
} tw_bn_snapshot_t;

/* @trade and @aggTrade: trade_id is t (trade) or a (aggTrade). */
typedef struct tw_bn_trade {
    uint64_t trade_id;
    uint64_t first_trade_id;  /* f (aggTrade), else trade_id */
    uint64_t last_trade_id;   /* l (aggTrade), else trade_id */
    uint64_t event_ms;        /* E */
    uint64_t trade_ms;        /* T */
    int64_t price;
    int64_t quantity;
    int32_t buyer_is_maker;   /* m: the taker sold */
    int32_t reserved;
    const char *symbol;
    size_t symbol_len;
} tw_bn_trade_t;

typedef struct tw_bn_bookticker {
    uint64_t update_id;       /* u, the diff stream's id space */
    uint64_t event_ms;        /* E (futures), 0 when absent */
    uint64_t transact_ms;     /* T (futures), 0 when absent */
    int64_t bid_px, bid_qty;  /* b, B */
    int64_t ask_px, ask_qty;  /* a, A */
    const char *symbol;
    size_t symbol_len;
} tw_bn_bookticker_t;

/* Unwraps a combined-stream frame; a text without "stream" is returned whole as data. */
int tw_bn_envelope(const char *s, size_t n, tw_bn_envelope_t *env);

/*
 * The shape Binance always sends, {"stream":"<name>","data":<payload>} with
 * no blanks, unwrapped without walking the payload: data runs from after
 * "data": to the envelope's closing brace, and the payload decoder that
 * reads it checks that it is one whole value. 0, or -EAGAIN for any other
 * shape (tw_bn_envelope decides those). A payload decoder that refuses a
 * fast-unwrapped data must be retried on tw_bn_envelope's: a member after
 * "data" is legal JSON that this shape does not cover.
 */
int tw_bn_envelope_fast(const char *s, size_t n, tw_bn_envelope_t *env);

/* TW_BN_* from a stream name ("btcusdt@depth@100ms" → TW_BN_DEPTH). */
tw_bn_kind_t tw_bn_stream_kind(const char *stream, size_t len);

/* Decoders of one payload (the envelope's data, or a raw-stream frame). */
int tw_bn_depth_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_depth_t *out);
int tw_bn_snapshot_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_snapshot_t *out);
int tw_bn_trade_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_trade_t *out);
int tw_bn_aggtrade_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_trade_t *out);
int tw_bn_bookticker_decode(const char *s, size_t n, const tw_bn_scale_t *sc, tw_bn_bookticker_t *out);

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_BINANCE_H */

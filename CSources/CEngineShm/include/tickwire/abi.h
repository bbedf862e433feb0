/* SPDX-License-Identifier: MIT */
/*
 * Tickwire shared-memory ABI.
 *
 * Everything the engine publishes lives in files under /dev/shm named
 * tickwire.<instance>.<kind>. Each file starts with a tw_segment_header_t;
 * the header says where the kind's region lives inside the file. All numbers
 * are little-endian and fixed width; prices and quantities are int64
 * mantissas scaled by the instrument's decimal exponents; times are
 * nanoseconds since the Unix epoch (CLOCK_REALTIME).
 *
 * External readers include this header only (plus tickwire/reader.h for the
 * static inline read helpers), map the files PROT_READ and never write.
 * Every offset below is pinned by _Static_assert: a change that moves a field
 * must bump TW_ABI_MAJOR; a change that only adds (into reserved bytes or at
 * the end of a region) bumps TW_ABI_MINOR. See docs/ABI.md.
 *
 * No _Atomic fields and no aligned() attributes: Swift imports these structs
 * as they are. Concurrent fields are accessed with __atomic builtins.
 */
#ifndef TICKWIRE_ABI_H
#define TICKWIRE_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "TICKWIRE" read as a little-endian uint64. */
#define TW_ABI_MAGIC 0x455249574B434954ull
/* 2.0: the cmd region became per-producer lanes (breaking for producers); the exec journal.
 * 2.1: the account segment (additive). 2.3: per-instrument health (reason, detail, since). */
enum { TW_ABI_MAJOR = 2, TW_ABI_MINOR = 3 };

enum { TW_CACHE_LINE = 64, TW_INSTANCE_MAX = 32, TW_SYMBOL_MAX = 24 };

/* Segment kinds; the file name suffix is tw_segment_kind_name(). */
typedef enum tw_segment_kind {
    TW_SEG_MD = 1,      /* broadcast ring of market-data events */
    TW_SEG_BOOKS = 2,   /* instrument table + one seqlocked book block each */
    TW_SEG_CMD = 3,     /* many-producer, one-consumer command ring */
    TW_SEG_EXEC = 4,    /* execution journal: a broadcast ring the engine's consumers are never lapped on */
    TW_SEG_ACCOUNT = 5, /* the account processor's latest snapshot under one seqlock (ABI 2.1) */
    TW_SEG_STATS = 6,   /* counters and latency histograms */
} tw_segment_kind_t;

/* Life of the writer, in tw_segment_header_t.state. */
typedef enum tw_segment_state {
    TW_STATE_STARTING = 1,
    TW_STATE_LIVE = 2,
    TW_STATE_STOPPING = 3,
    TW_STATE_DEAD = 4,
} tw_segment_state_t;

/* 128 bytes at offset 0 of every segment. */
typedef struct tw_segment_header {
    uint64_t magic;            /* TW_ABI_MAGIC, stored last at creation (release) */
    uint16_t abi_major;        /* readers refuse a major they do not know */
    uint16_t abi_minor;
    uint32_t kind;             /* tw_segment_kind_t */
    uint64_t generation;       /* new value at every engine start */
    uint32_t state;            /* tw_segment_state_t, atomic */
    int32_t writer_pid;
    int64_t created_ns;
    uint64_t segment_size;     /* bytes of the whole file */
    uint64_t region_offset;    /* where the kind's region starts */
    uint64_t region_size;
    char instance[TW_INSTANCE_MAX]; /* NUL-terminated */
    int64_t heartbeat_ns;      /* refreshed by the engine while live, atomic */
    uint8_t reserved[24];
} tw_segment_header_t;

_Static_assert(sizeof(tw_segment_header_t) == 128, "segment header size");
_Static_assert(offsetof(tw_segment_header_t, magic) == 0, "magic");
_Static_assert(offsetof(tw_segment_header_t, abi_major) == 8, "abi_major");
_Static_assert(offsetof(tw_segment_header_t, abi_minor) == 10, "abi_minor");
_Static_assert(offsetof(tw_segment_header_t, kind) == 12, "kind");
_Static_assert(offsetof(tw_segment_header_t, generation) == 16, "generation");
_Static_assert(offsetof(tw_segment_header_t, state) == 24, "state");
_Static_assert(offsetof(tw_segment_header_t, writer_pid) == 28, "writer_pid");
_Static_assert(offsetof(tw_segment_header_t, created_ns) == 32, "created_ns");
_Static_assert(offsetof(tw_segment_header_t, segment_size) == 40, "segment_size");
_Static_assert(offsetof(tw_segment_header_t, region_offset) == 48, "region_offset");
_Static_assert(offsetof(tw_segment_header_t, region_size) == 56, "region_size");
_Static_assert(offsetof(tw_segment_header_t, instance) == 64, "instance");
_Static_assert(offsetof(tw_segment_header_t, heartbeat_ns) == 96, "heartbeat_ns");

/* ------------------------------------------------------------------------
 * Broadcast ring (md, exec): one writer, any number of readers.
 *
 * Message numbers n start at 1 and live in slot n & (slot_count - 1). The
 * slot's seq word is (n << 1) | 1 while message n is being written and
 * n << 1 once it is complete. A reader that finds a larger n has been lapped.
 * ------------------------------------------------------------------------ */
typedef struct tw_ring_header {
    uint32_t slot_size;        /* bytes per slot, power of two, >= 64 */
    uint32_t slot_count;       /* power of two */
    uint64_t slots_offset;     /* from the start of the segment */
    uint8_t pad0[48];
    uint64_t head;             /* last published n (hint for joining readers), atomic */
    uint8_t pad1[56];
} tw_ring_header_t;

_Static_assert(sizeof(tw_ring_header_t) == 128, "ring header size");
_Static_assert(offsetof(tw_ring_header_t, slot_size) == 0, "slot_size");
_Static_assert(offsetof(tw_ring_header_t, slot_count) == 4, "slot_count");
_Static_assert(offsetof(tw_ring_header_t, slots_offset) == 8, "slots_offset");
_Static_assert(offsetof(tw_ring_header_t, head) == 64, "head");

/* First 16 bytes of every ring slot; the payload follows. */
typedef struct tw_slot_header {
    uint64_t seq;              /* see above, atomic */
    uint32_t length;           /* payload bytes */
    uint16_t type;             /* tw_md_type_t / tw_exec_type_t / tw_cmd_op_t */
    uint16_t instrument;       /* index into the books segment's table */
} tw_slot_header_t;

_Static_assert(sizeof(tw_slot_header_t) == 16, "slot header size");
_Static_assert(offsetof(tw_slot_header_t, seq) == 0, "slot seq");
_Static_assert(offsetof(tw_slot_header_t, length) == 8, "slot length");
_Static_assert(offsetof(tw_slot_header_t, type) == 12, "slot type");
_Static_assert(offsetof(tw_slot_header_t, instrument) == 14, "slot instrument");

enum { TW_MD_SLOT_SIZE = 128, TW_MD_PAYLOAD_MAX = TW_MD_SLOT_SIZE - 16 };

/* Market-data event types (slot type). */
typedef enum tw_md_type {
    TW_MD_BOOK = 1,            /* tw_md_book_t: the book changed; top of book after the change */
    TW_MD_TRADE = 2,           /* tw_md_trade_t */
    TW_MD_BBO = 3,             /* tw_md_book_t: a venue best bid/offer (bookTicker) */
    TW_MD_STATUS = 4,          /* tw_md_status_t: the instrument's feed state changed */
} tw_md_type_t;

typedef struct tw_md_book {
    uint64_t update_id;        /* venue's last update id (u) */
    uint64_t first_update_id;  /* venue's first update id (U) */
    int64_t exchange_ns;
    int64_t recv_ns;
    int64_t publish_ns;
    int64_t bid_px, bid_qty;   /* 0 qty: side empty */
    int64_t ask_px, ask_qty;
    uint32_t levels_changed;
    uint32_t flags;            /* TW_BOOK_FLAG_* */
} tw_md_book_t;

_Static_assert(sizeof(tw_md_book_t) == 80, "md book size");
_Static_assert(offsetof(tw_md_book_t, update_id) == 0, "md book update_id");
_Static_assert(offsetof(tw_md_book_t, first_update_id) == 8, "md book first_update_id");
_Static_assert(offsetof(tw_md_book_t, exchange_ns) == 16, "md book exchange_ns");
_Static_assert(offsetof(tw_md_book_t, recv_ns) == 24, "md book recv_ns");
_Static_assert(offsetof(tw_md_book_t, publish_ns) == 32, "md book publish_ns");
_Static_assert(offsetof(tw_md_book_t, bid_px) == 40, "md book bid_px");
_Static_assert(offsetof(tw_md_book_t, bid_qty) == 48, "md book bid_qty");
_Static_assert(offsetof(tw_md_book_t, ask_px) == 56, "md book ask_px");
_Static_assert(offsetof(tw_md_book_t, ask_qty) == 64, "md book ask_qty");
_Static_assert(offsetof(tw_md_book_t, levels_changed) == 72, "md book levels_changed");
_Static_assert(offsetof(tw_md_book_t, flags) == 76, "md book flags");

typedef enum tw_side { TW_SIDE_NONE = 0, TW_SIDE_BUY = 1, TW_SIDE_SELL = 2 } tw_side_t;

typedef struct tw_md_trade {
    uint64_t trade_id;
    int64_t exchange_ns;
    int64_t recv_ns;
    int64_t publish_ns;
    int64_t price;
    int64_t quantity;
    uint8_t aggressor;         /* tw_side_t of the taker */
    uint8_t pad[7];
} tw_md_trade_t;

_Static_assert(sizeof(tw_md_trade_t) == 56, "md trade size");
_Static_assert(offsetof(tw_md_trade_t, trade_id) == 0, "md trade trade_id");
_Static_assert(offsetof(tw_md_trade_t, exchange_ns) == 8, "md trade exchange_ns");
_Static_assert(offsetof(tw_md_trade_t, recv_ns) == 16, "md trade recv_ns");
_Static_assert(offsetof(tw_md_trade_t, publish_ns) == 24, "md trade publish_ns");
_Static_assert(offsetof(tw_md_trade_t, price) == 32, "md trade price");
_Static_assert(offsetof(tw_md_trade_t, quantity) == 40, "md trade quantity");
_Static_assert(offsetof(tw_md_trade_t, aggressor) == 48, "md trade aggressor");

typedef struct tw_md_status {
    uint32_t feed_state;       /* tw_feed_state_t */
    uint32_t reason;           /* tw_status_reason_t (ABI 1.1; 0 before) */
    int64_t publish_ns;
} tw_md_status_t;

/* Why a feed state changed, in tw_md_status_t.reason (added in ABI 1.1). */
typedef enum tw_status_reason {
    TW_REASON_NONE = 0,
    TW_REASON_START = 1,       /* the feed thread started */
    TW_REASON_CONNECTED = 2,   /* the connection opened: waiting for a snapshot */
    TW_REASON_SNAPSHOT = 3,    /* a snapshot was loaded: live */
    TW_REASON_GAP = 4,         /* a sequence gap: the book is stale until the next snapshot */
    TW_REASON_OVERFLOW = 5,    /* too many diffs buffered while waiting for a snapshot */
    TW_REASON_DISCONNECTED = 6,/* the connection dropped */
    TW_REASON_RECONNECTING = 7,/* a new connection attempt started */
    TW_REASON_STOPPED = 8,     /* the feed thread ended */
    /* ABI 2.3: what keeps a symbol where it is, also set without a state change (stats health) */
    TW_REASON_NO_UPDATES = 9,  /* a live book had no valid update for N stream intervals: stale; detail ms */
    TW_REASON_RESUMED = 10,    /* updates came back on the same chain: live again without a snapshot */
    TW_REASON_NO_DIFFS = 11,   /* syncing: no depth diff since the connection opened; detail ms */
    TW_REASON_SNAPSHOT_FAILED = 12, /* syncing: the snapshot request failed; detail HTTP status, 0 no
                                       answer, 1 too large for the feed's buffer */
    TW_REASON_NOT_BRIDGED = 13,/* syncing: every snapshot so far was older than the buffered diffs; detail count */
    TW_REASON_MALFORMED = 14,  /* the connection's messages were mostly malformed: closed; detail % bad */
} tw_status_reason_t;

_Static_assert(sizeof(tw_md_status_t) == 16, "md status size");

/* ------------------------------------------------------------------------
 * Command intake (cmd): per-producer lanes, one consumer (the engine's
 * execution stage, which runs every command through pre-trade risk).
 *
 * A producer claims a lane by a CAS of its owner word from 0 (or from the
 * token of a producer whose pid no longer exists) to its own token
 * (pid << 32 | nonce), then is the lane's only writer: it copies a command
 * into slot tail & (lane_slots - 1) and release-stores tail + 1. A producer
 * that dies mid-write never advanced tail, so its half-written slot is never
 * seen and no other lane waits on it. The consumer release-stores head after
 * copying a slot out; a lane with tail - head == lane_slots is full (-ENOBUFS).
 * Before every submit a producer checks that the segment is still LIVE and
 * of the generation it attached to (-ESTALE otherwise): a stopped or
 * restarted engine is never written to.
 *
 * Every command is answered in the exec journal: TW_EXEC_ACCEPTED or
 * TW_EXEC_REJECTED carrying the command's producer token and command_id.
 * ------------------------------------------------------------------------ */
typedef struct tw_cmd_header {
    uint32_t lane_count;       /* 1..TW_CMD_MAX_LANES */
    uint32_t lane_slots;       /* power of two >= 2 */
    uint32_t slot_size;        /* TW_CMD_SLOT_SIZE */
    uint32_t lane_size;        /* bytes per lane: sizeof(tw_cmd_lane_t) + lane_slots * slot_size */
    uint64_t lanes_offset;     /* from the start of the segment */
    uint64_t consumer_pid;     /* informational */
    uint8_t pad0[32];
    uint64_t rejected_full;    /* submits refused: lane full (producers, atomic add) */
    uint64_t rejected_no_lane; /* lane claims refused: every lane owned by a live producer (atomic add) */
    uint64_t lanes_reclaimed;  /* lanes taken over from a dead producer (atomic add) */
    uint8_t pad1[40];
} tw_cmd_header_t;

_Static_assert(sizeof(tw_cmd_header_t) == 128, "cmd header size");
_Static_assert(offsetof(tw_cmd_header_t, lane_slots) == 4, "cmd lane_slots");
_Static_assert(offsetof(tw_cmd_header_t, lane_size) == 12, "cmd lane_size");
_Static_assert(offsetof(tw_cmd_header_t, lanes_offset) == 16, "cmd lanes_offset");
_Static_assert(offsetof(tw_cmd_header_t, rejected_full) == 64, "cmd rejected_full");
_Static_assert(offsetof(tw_cmd_header_t, rejected_no_lane) == 72, "cmd rejected_no_lane");
_Static_assert(offsetof(tw_cmd_header_t, lanes_reclaimed) == 80, "cmd lanes_reclaimed");

/* The head of one lane; its slots follow. Three cache lines: owner, producer, consumer. */
typedef struct tw_cmd_lane {
    uint64_t owner;            /* 0 free, else pid << 32 | nonce of the owning producer (CAS) */
    int64_t claimed_ns;
    uint64_t submitted;        /* commands published in this lane (owner) */
    uint8_t pad0[40];
    uint64_t tail;             /* next position to write; release store by the owner, after the slot */
    uint8_t pad1[56];
    uint64_t head;             /* next position to read; release store by the consumer */
    uint8_t pad2[56];
} tw_cmd_lane_t;

_Static_assert(sizeof(tw_cmd_lane_t) == 192, "cmd lane size");
_Static_assert(offsetof(tw_cmd_lane_t, owner) == 0, "lane owner");
_Static_assert(offsetof(tw_cmd_lane_t, tail) == 64, "lane tail");
_Static_assert(offsetof(tw_cmd_lane_t, head) == 128, "lane head");

enum { TW_CMD_SLOT_SIZE = 128, TW_CLIENT_ID_MAX = 40, TW_CMD_MAX_LANES = 256 };

typedef enum tw_cmd_op {
    TW_CMD_NEW = 1,
    TW_CMD_CANCEL = 2,         /* by client_order_id, or by venue order id in target_id */
    TW_CMD_CANCEL_ALL = 3,     /* every open order of the instrument */
    /* ABI 2.1: the kill switch, for every instrument (instrument 0; the reason, printable ASCII, in
     * client_order_id). Halt also cancels every open order. */
    TW_CMD_RISK_HALT = 4,
    TW_CMD_RISK_REDUCE = 5,    /* only orders that reduce a position pass risk */
    TW_CMD_RISK_RESUME = 6,
} tw_cmd_op_t;

/* The kill switch's position (tw_account_header_t.risk_state). */
typedef enum tw_risk_state { TW_RISK_ACTIVE = 0, TW_RISK_REDUCING = 1, TW_RISK_HALTED = 2 } tw_risk_state_t;

/* tw_command_t.flags (unknown bits are ignored by this version). */
enum {
    TW_CMD_FLAG_REDUCE_ONLY = 1u << 0, /* futures: the order may only reduce the position (reduceOnly=true) */
};

typedef enum tw_order_type { TW_ORDER_LIMIT = 1, TW_ORDER_MARKET = 2, TW_ORDER_LIMIT_MAKER = 3 } tw_order_type_t;
typedef enum tw_tif { TW_TIF_GTC = 1, TW_TIF_IOC = 2, TW_TIF_FOK = 3 } tw_tif_t;

/* The payload of a command slot (slot header type = tw_cmd_op_t; the consumer reads op from here). */
typedef struct tw_command {
    uint64_t command_id;       /* producer-chosen, unique per producer token */
    int64_t created_ns;
    int64_t price;             /* mantissa at the instrument's price exponent */
    int64_t quantity;          /* mantissa at the instrument's quantity exponent */
    uint32_t instrument;
    uint8_t op;                /* tw_cmd_op_t */
    uint8_t side;              /* tw_side_t */
    uint8_t order_type;        /* tw_order_type_t */
    uint8_t tif;               /* tw_tif_t */
    uint32_t strategy_id;
    uint32_t flags;            /* TW_CMD_FLAG_* */
    char client_order_id[TW_CLIENT_ID_MAX]; /* NUL-terminated; empty: the engine makes one */
    uint64_t target_id;        /* venue order id to cancel (0: by client_order_id) */
    uint8_t reserved[16];
} tw_command_t;

_Static_assert(sizeof(tw_command_t) == TW_CMD_SLOT_SIZE - 16, "command size");
_Static_assert(offsetof(tw_command_t, command_id) == 0, "cmd command_id");
_Static_assert(offsetof(tw_command_t, created_ns) == 8, "cmd created_ns");
_Static_assert(offsetof(tw_command_t, price) == 16, "cmd price");
_Static_assert(offsetof(tw_command_t, quantity) == 24, "cmd quantity");
_Static_assert(offsetof(tw_command_t, instrument) == 32, "cmd instrument");
_Static_assert(offsetof(tw_command_t, op) == 36, "cmd op");
_Static_assert(offsetof(tw_command_t, side) == 37, "cmd side");
_Static_assert(offsetof(tw_command_t, order_type) == 38, "cmd order_type");
_Static_assert(offsetof(tw_command_t, tif) == 39, "cmd tif");
_Static_assert(offsetof(tw_command_t, strategy_id) == 40, "cmd strategy_id");
_Static_assert(offsetof(tw_command_t, flags) == 44, "cmd flags");
_Static_assert(offsetof(tw_command_t, client_order_id) == 48, "cmd client_order_id");
_Static_assert(offsetof(tw_command_t, target_id) == 88, "cmd target_id");

/* ------------------------------------------------------------------------
 * Exec journal (exec): the gateway's execution reports, balance and
 * position updates, and the answer to every command. Read like the md ring
 * (tw_ring_header_t at the region start, per-slot seq, TW_EXEC_SLOT_SIZE
 * slots). For the engine it is lossless: its own consumers store how far
 * they have applied and persisted in `consumed`, and the writer never
 * overwrites a report above it. New orders are refused while fewer than
 * `reserve` slots are free, so the reports of orders already out still fit.
 * The file outlives a crashed engine: a restart replays above `consumed`.
 * ------------------------------------------------------------------------ */
typedef struct tw_exec_header {
    tw_ring_header_t ring;     /* slot_size, slot_count, slots_offset, head: as any broadcast ring */
    uint64_t consumed;         /* last n applied and persisted by the engine (release store by it) */
    uint64_t reserve;          /* free slots below which new orders are refused */
    uint64_t refused_full;     /* new orders refused for want of journal space (writer) */
    uint64_t overflowed;       /* reports that found no free slot at all (writer; must stay 0) */
    uint8_t pad[96];
} tw_exec_header_t;

_Static_assert(sizeof(tw_exec_header_t) == 256, "exec header size");
_Static_assert(offsetof(tw_exec_header_t, consumed) == 128, "exec consumed");
_Static_assert(offsetof(tw_exec_header_t, reserve) == 136, "exec reserve");
_Static_assert(offsetof(tw_exec_header_t, refused_full) == 144, "exec refused_full");
_Static_assert(offsetof(tw_exec_header_t, overflowed) == 152, "exec overflowed");

enum { TW_EXEC_SLOT_SIZE = 256, TW_EXEC_PAYLOAD_MAX = TW_EXEC_SLOT_SIZE - 16, TW_EXEC_TEXT_MAX = 64 };

/* Exec journal record types (slot type). */
typedef enum tw_exec_type {
    TW_EXEC_ACCEPTED = 1,      /* tw_exec_report_t: a command passed pre-trade risk and went to the gateway */
    TW_EXEC_REJECTED = 2,      /* tw_exec_report_t: refused by risk (TW_EXEC_FLAG_LOCAL) or by the venue; code, text */
    TW_EXEC_SENT = 3,          /* tw_exec_report_t: the signed request was handed to the socket */
    TW_EXEC_ACK = 4,           /* tw_exec_report_t: the venue took the order (venue_order_id known) */
    TW_EXEC_PARTIAL_FILL = 5,  /* tw_exec_report_t: a trade; the order still works */
    TW_EXEC_FILL = 6,          /* tw_exec_report_t: the trade that completed the order */
    TW_EXEC_CANCELED = 7,      /* tw_exec_report_t */
    TW_EXEC_CANCEL_REJECT = 8, /* tw_exec_report_t: a cancel the venue refused; code, text */
    TW_EXEC_EXPIRED = 9,       /* tw_exec_report_t: IOC/FOK remainder, or expired by the venue */
    TW_EXEC_STATUS = 10,       /* tw_exec_report_t: an order's state as queried from the venue */
    TW_EXEC_HALT = 11,         /* tw_exec_report_t: trading halted (e.g. an authentication failure); text */
    TW_EXEC_BALANCE = 12,      /* tw_exec_balance_t */
    TW_EXEC_POSITION = 13,     /* tw_exec_position_t */
} tw_exec_type_t;

/* The order state a report leaves an order in (tw_exec_report_t.order_state). */
typedef enum tw_order_state {
    TW_OS_NONE = 0,
    TW_OS_NEW = 1,
    TW_OS_PENDING_SUBMIT = 2,
    TW_OS_SUBMITTED = 3,
    TW_OS_PARTIALLY_FILLED = 4,
    TW_OS_FILLED = 5,
    TW_OS_CANCELED = 6,
    TW_OS_REJECTED = 7,
    TW_OS_EXPIRED = 8,
    TW_OS_CANCEL_PENDING = 9,
    TW_OS_UNKNOWN = 10,
} tw_order_state_t;

enum {
    TW_EXEC_FLAG_LOCAL = 1u << 0,    /* made by the engine (risk, gateway), not reported by the venue */
    TW_EXEC_FLAG_STREAM = 1u << 1,   /* from the user-data stream (else from a request's answer) */
    TW_EXEC_FLAG_MAKER = 1u << 2,    /* the fill provided liquidity */
};

typedef struct tw_exec_report {
    uint64_t command_id;       /* the command answered or carried out (0: none) */
    uint64_t producer;         /* its producer's lane token (0: the engine itself) */
    uint64_t venue_order_id;   /* 0 until the venue names it */
    uint64_t trade_id;         /* fills */
    int64_t price;             /* fills: the trade's price; otherwise the order's (price exponent) */
    int64_t quantity;          /* fills: the trade's quantity; otherwise the order's (quantity exponent) */
    int64_t cum_quantity;      /* filled so far, as the venue says */
    int64_t cum_quote;         /* quote filled so far, at the price exponent + quantity exponent */
    int64_t fee;               /* fee mantissa at fee_exponent, in fee_asset */
    int64_t venue_ns;          /* the venue's event or transaction time */
    int64_t recv_ns;           /* when the answer or event was received (0: local) */
    int64_t publish_ns;        /* when this record was appended */
    int32_t code;              /* rejections: the venue's error code, or a tw_reject_code_t */
    uint32_t strategy_id;
    uint8_t side;              /* tw_side_t */
    uint8_t order_type;        /* tw_order_type_t */
    uint8_t tif;               /* tw_tif_t */
    uint8_t order_state;       /* tw_order_state_t after this report */
    uint8_t flags;             /* TW_EXEC_FLAG_* */
    int8_t fee_exponent;
    uint8_t pad0[2];
    char client_order_id[TW_CLIENT_ID_MAX]; /* NUL-terminated */
    char fee_asset[16];
    char text[TW_EXEC_TEXT_MAX];             /* reason, NUL-terminated */
    uint8_t reserved[8];
} tw_exec_report_t;

_Static_assert(sizeof(tw_exec_report_t) == TW_EXEC_PAYLOAD_MAX, "exec report size");
_Static_assert(offsetof(tw_exec_report_t, venue_order_id) == 16, "exec venue_order_id");
_Static_assert(offsetof(tw_exec_report_t, trade_id) == 24, "exec trade_id");
_Static_assert(offsetof(tw_exec_report_t, price) == 32, "exec price");
_Static_assert(offsetof(tw_exec_report_t, fee) == 64, "exec fee");
_Static_assert(offsetof(tw_exec_report_t, venue_ns) == 72, "exec venue_ns");
_Static_assert(offsetof(tw_exec_report_t, publish_ns) == 88, "exec publish_ns");
_Static_assert(offsetof(tw_exec_report_t, code) == 96, "exec code");
_Static_assert(offsetof(tw_exec_report_t, side) == 104, "exec side");
_Static_assert(offsetof(tw_exec_report_t, order_state) == 107, "exec order_state");
_Static_assert(offsetof(tw_exec_report_t, fee_exponent) == 109, "exec fee_exponent");
_Static_assert(offsetof(tw_exec_report_t, client_order_id) == 112, "exec client_order_id");
_Static_assert(offsetof(tw_exec_report_t, fee_asset) == 152, "exec fee_asset");
_Static_assert(offsetof(tw_exec_report_t, text) == 168, "exec text");

/* Codes of local rejections (tw_exec_report_t.code with TW_EXEC_FLAG_LOCAL); venue codes are negative. */
typedef enum tw_reject_code {
    TW_REJ_MALFORMED = 1,      /* unknown op, side, type or tif; bad instrument index; bad id */
    TW_REJ_TICK = 2,           /* price not a multiple of the tick size */
    TW_REJ_LOT = 3,            /* quantity not a multiple of the step size */
    TW_REJ_MIN_QTY = 4,
    TW_REJ_MAX_QTY = 5,
    TW_REJ_NOTIONAL = 6,       /* below the minimum notional */
    TW_REJ_PRICE_BAND = 7,     /* too far from the live mid */
    TW_REJ_POSITION = 8,       /* would exceed the position limit */
    TW_REJ_BALANCE = 9,        /* not enough available balance */
    TW_REJ_RATE = 10,          /* order rate limit */
    TW_REJ_BREAKER = 11,       /* circuit breaker open */
    TW_REJ_HALTED = 12,        /* trading halted (kill switch, authentication failure) */
    TW_REJ_JOURNAL_FULL = 13,  /* exec journal near full */
    TW_REJ_DUPLICATE = 14,     /* client order id already used by another order */
    TW_REJ_UNKNOWN_ORDER = 15, /* cancel of an order the engine does not know */
    TW_REJ_NO_MARKET = 16,     /* no live book to check the price against */
    TW_REJ_GATEWAY = 17,       /* the gateway's queue is full or it is not connected */
    TW_REJ_MODE = 18,          /* observation mode: validated, not sent */
} tw_reject_code_t;

typedef struct tw_exec_balance {
    char asset[16];            /* NUL-terminated, upper case */
    int64_t free;              /* mantissas at exponent */
    int64_t locked;
    int64_t delta;             /* balanceUpdate: the change; 0 for a position snapshot */
    int64_t venue_ns;
    int64_t recv_ns;
    int64_t publish_ns;
    int8_t exponent;
    uint8_t pad[7];
} tw_exec_balance_t;

_Static_assert(sizeof(tw_exec_balance_t) == 72, "exec balance size");
_Static_assert(offsetof(tw_exec_balance_t, free) == 16, "exec balance free");
_Static_assert(offsetof(tw_exec_balance_t, exponent) == 64, "exec balance exponent");

typedef struct tw_exec_position {
    int64_t amount;            /* signed, quantity exponent (slot instrument) */
    int64_t entry_price;       /* price exponent */
    int64_t unrealized;        /* quote, at exponent */
    int64_t venue_ns;
    int64_t recv_ns;
    int64_t publish_ns;
    int8_t exponent;           /* of unrealized */
    uint8_t pad[7];
} tw_exec_position_t;

_Static_assert(sizeof(tw_exec_position_t) == 56, "exec position size");

/* ------------------------------------------------------------------------
 * Books: an instrument table, then one book block per instrument.
 * ------------------------------------------------------------------------ */
enum { TW_DEFAULT_DEPTH = 20, TW_MAX_DEPTH = 1000, TW_MAX_INSTRUMENTS = 4096 };

typedef struct tw_books_header {
    uint32_t instrument_count;
    uint32_t depth;            /* levels per side in every block */
    uint32_t block_size;       /* bytes per block, multiple of 64 */
    uint32_t reserved0;
    uint64_t instruments_offset; /* from the start of the segment */
    uint64_t blocks_offset;      /* from the start of the segment */
    uint8_t pad[96];
} tw_books_header_t;

_Static_assert(sizeof(tw_books_header_t) == 128, "books header size");
_Static_assert(offsetof(tw_books_header_t, instrument_count) == 0, "books instrument_count");
_Static_assert(offsetof(tw_books_header_t, depth) == 4, "books depth");
_Static_assert(offsetof(tw_books_header_t, block_size) == 8, "books block_size");
_Static_assert(offsetof(tw_books_header_t, instruments_offset) == 16, "books instruments_offset");
_Static_assert(offsetof(tw_books_header_t, blocks_offset) == 24, "books blocks_offset");

/* Per-instrument feed state, in tw_instrument_info_t.feed_state. */
typedef enum tw_feed_state {
    TW_FEED_IDLE = 0,
    TW_FEED_CONNECTING = 1,
    TW_FEED_SYNCING = 2,
    TW_FEED_LIVE = 3,
    TW_FEED_STALE = 4,
} tw_feed_state_t;

typedef struct tw_instrument_info {
    char symbol[TW_SYMBOL_MAX];  /* upper case, NUL-terminated */
    char venue[16];              /* NUL-terminated */
    int8_t price_exponent;       /* price = mantissa * 10^price_exponent */
    int8_t qty_exponent;
    uint16_t index;
    uint32_t feed_state;         /* tw_feed_state_t, atomic */
    int64_t tick_size;           /* mantissa at price_exponent */
    int64_t step_size;           /* mantissa at qty_exponent */
    int64_t min_notional;        /* mantissa at price_exponent */
    uint8_t reserved[56];
} tw_instrument_info_t;

_Static_assert(sizeof(tw_instrument_info_t) == 128, "instrument info size");
_Static_assert(offsetof(tw_instrument_info_t, symbol) == 0, "info symbol");
_Static_assert(offsetof(tw_instrument_info_t, venue) == 24, "info venue");
_Static_assert(offsetof(tw_instrument_info_t, price_exponent) == 40, "info price_exponent");
_Static_assert(offsetof(tw_instrument_info_t, qty_exponent) == 41, "info qty_exponent");
_Static_assert(offsetof(tw_instrument_info_t, index) == 42, "info index");
_Static_assert(offsetof(tw_instrument_info_t, feed_state) == 44, "info feed_state");
_Static_assert(offsetof(tw_instrument_info_t, tick_size) == 48, "info tick_size");
_Static_assert(offsetof(tw_instrument_info_t, step_size) == 56, "info step_size");
_Static_assert(offsetof(tw_instrument_info_t, min_notional) == 64, "info min_notional");

typedef struct tw_level {
    int64_t price;
    int64_t quantity;
} tw_level_t;

_Static_assert(sizeof(tw_level_t) == 16, "level size");

enum { TW_BOOK_FLAG_STALE = 1u << 0 };

/*
 * A book block: this 64-byte header, then depth bid levels (best first,
 * descending price), then depth ask levels (best first, ascending price).
 * Everything after seq is guarded by the seqlock in seq (odd while written).
 */
typedef struct tw_book_header {
    uint64_t seq;              /* seqlock word, atomic */
    uint64_t update_id;
    int64_t exchange_ns;
    int64_t recv_ns;
    int64_t publish_ns;
    uint32_t bid_count;
    uint32_t ask_count;
    uint32_t flags;            /* TW_BOOK_FLAG_* */
    uint32_t reserved0;
    uint64_t first_update_id;
} tw_book_header_t;

_Static_assert(sizeof(tw_book_header_t) == 64, "book header size");
_Static_assert(offsetof(tw_book_header_t, seq) == 0, "book seq");
_Static_assert(offsetof(tw_book_header_t, update_id) == 8, "book update_id");
_Static_assert(offsetof(tw_book_header_t, exchange_ns) == 16, "book exchange_ns");
_Static_assert(offsetof(tw_book_header_t, recv_ns) == 24, "book recv_ns");
_Static_assert(offsetof(tw_book_header_t, publish_ns) == 32, "book publish_ns");
_Static_assert(offsetof(tw_book_header_t, bid_count) == 40, "book bid_count");
_Static_assert(offsetof(tw_book_header_t, ask_count) == 44, "book ask_count");
_Static_assert(offsetof(tw_book_header_t, flags) == 48, "book flags");
_Static_assert(offsetof(tw_book_header_t, first_update_id) == 56, "book first_update_id");

/* Bytes of one book block for a depth, rounded up to a cache line. */
static inline uint32_t tw_book_block_size(uint32_t depth)
{
    uint32_t raw = (uint32_t)sizeof(tw_book_header_t) + depth * 2u * (uint32_t)sizeof(tw_level_t);
    return (raw + TW_CACHE_LINE - 1u) & ~(uint32_t)(TW_CACHE_LINE - 1u);
}

/* ------------------------------------------------------------------------
 * Account (ABI 2.1): the account processor's latest snapshot for external
 * readers — PnL totals, balances, positions and orders — under one seqlock.
 *
 * The region starts with tw_account_header_t. Its first three cache lines are
 * the snapshot's own fields, guarded by `seq` (odd while written); its last
 * line is the geometry, written once before the segment is published: the
 * capacity, entry size and offset (from the segment start, 64-byte aligned)
 * of each array. A snapshot is published whole: header fields and the first
 * *_count entries of each array. Counts never exceed capacities; entries that
 * did not fit are counted in truncated_* and flagged TW_ACCOUNT_FLAG_TRUNCATED.
 * Readers step through an array by its *_size (>= the struct they know; a
 * later minor may grow an entry into the stride) and copy only counted entries.
 *
 * Money is int64 at exponent -8 (TW_ACCOUNT_EXPONENT) in the account's quote
 * asset; an order's price and quantities use the exponents stored with it, a
 * position's size its qty_exponent.
 * ------------------------------------------------------------------------ */
enum {
    TW_ACCOUNT_EXPONENT = -8,
    TW_ACCOUNT_DEFAULT_BALANCES = 256,
    TW_ACCOUNT_DEFAULT_POSITIONS = 1024,
    TW_ACCOUNT_DEFAULT_ORDERS = 4096,
    TW_ACCOUNT_MAX_CAPACITY = 1 << 20,     /* per array */
    TW_ACCOUNT_MAX_ENTRY_SIZE = 4096,      /* bytes per entry (stride) */
    TW_ASSET_MAX = 16,
};

/* tw_account_header_t.flags */
enum {
    TW_ACCOUNT_FLAG_TRUNCATED = 1u << 0,   /* some entries of this snapshot did not fit (truncated_*) */
};

typedef struct tw_account_header {
    /* --- snapshot, guarded by seq --- */
    uint64_t seq;              /* seqlock word, atomic: odd while a snapshot is written */
    uint64_t version;          /* snapshot version, strictly increasing (0: nothing published yet) */
    int64_t updated_ns;        /* when the account processor made the snapshot */
    uint64_t journal_seq;      /* last exec journal record applied */
    uint32_t balance_count;    /* valid entries, <= balance_capacity */
    uint32_t position_count;
    uint32_t order_count;
    uint32_t flags;            /* TW_ACCOUNT_FLAG_* */
    uint32_t truncated_balances;  /* entries of this snapshot left out for want of capacity */
    uint32_t truncated_positions;
    uint32_t truncated_orders;
    uint32_t reserved0;
    char quote_asset[TW_ASSET_MAX]; /* the asset PnL is counted in, NUL-terminated */
    int64_t realized;          /* PnL totals of the whole account, at TW_ACCOUNT_EXPONENT */
    int64_t unrealized;
    int64_t total;
    int64_t daily;
    int64_t fees;
    int64_t funding;
    int64_t max_drawdown;
    int32_t win_rate_bps;      /* -1: unknown (no closed trade yet) */
    int32_t max_drawdown_bps;  /* -1: unknown */
    uint8_t risk_state;        /* tw_risk_state_t: the kill switch */
    uint8_t reserved1[7];
    int64_t risk_since_ns;     /* when the kill switch last moved (0: never) */
    char risk_reason[32];      /* why, NUL-terminated (cut to fit) */
    /* --- geometry, written once before the segment is published --- */
    uint32_t balance_capacity;
    uint32_t position_capacity;
    uint32_t order_capacity;
    uint32_t balance_size;     /* bytes between entries, multiple of 8, >= sizeof(tw_account_balance_t) */
    uint32_t position_size;
    uint32_t order_size;
    uint64_t balances_offset;  /* from the start of the segment */
    uint64_t positions_offset;
    uint64_t orders_offset;
    uint8_t reserved2[16];
} tw_account_header_t;

_Static_assert(sizeof(tw_account_header_t) == 256, "account header size");
_Static_assert(offsetof(tw_account_header_t, seq) == 0, "account seq");
_Static_assert(offsetof(tw_account_header_t, version) == 8, "account version");
_Static_assert(offsetof(tw_account_header_t, updated_ns) == 16, "account updated_ns");
_Static_assert(offsetof(tw_account_header_t, journal_seq) == 24, "account journal_seq");
_Static_assert(offsetof(tw_account_header_t, balance_count) == 32, "account balance_count");
_Static_assert(offsetof(tw_account_header_t, position_count) == 36, "account position_count");
_Static_assert(offsetof(tw_account_header_t, order_count) == 40, "account order_count");
_Static_assert(offsetof(tw_account_header_t, flags) == 44, "account flags");
_Static_assert(offsetof(tw_account_header_t, truncated_balances) == 48, "account truncated_balances");
_Static_assert(offsetof(tw_account_header_t, truncated_positions) == 52, "account truncated_positions");
_Static_assert(offsetof(tw_account_header_t, truncated_orders) == 56, "account truncated_orders");
_Static_assert(offsetof(tw_account_header_t, quote_asset) == 64, "account quote_asset");
_Static_assert(offsetof(tw_account_header_t, realized) == 80, "account realized");
_Static_assert(offsetof(tw_account_header_t, unrealized) == 88, "account unrealized");
_Static_assert(offsetof(tw_account_header_t, total) == 96, "account total");
_Static_assert(offsetof(tw_account_header_t, daily) == 104, "account daily");
_Static_assert(offsetof(tw_account_header_t, fees) == 112, "account fees");
_Static_assert(offsetof(tw_account_header_t, funding) == 120, "account funding");
_Static_assert(offsetof(tw_account_header_t, max_drawdown) == 128, "account max_drawdown");
_Static_assert(offsetof(tw_account_header_t, win_rate_bps) == 136, "account win_rate_bps");
_Static_assert(offsetof(tw_account_header_t, max_drawdown_bps) == 140, "account max_drawdown_bps");
_Static_assert(offsetof(tw_account_header_t, risk_state) == 144, "account risk_state");
_Static_assert(offsetof(tw_account_header_t, risk_since_ns) == 152, "account risk_since_ns");
_Static_assert(offsetof(tw_account_header_t, risk_reason) == 160, "account risk_reason");
_Static_assert(offsetof(tw_account_header_t, balance_capacity) == 192, "account balance_capacity");
_Static_assert(offsetof(tw_account_header_t, position_capacity) == 196, "account position_capacity");
_Static_assert(offsetof(tw_account_header_t, order_capacity) == 200, "account order_capacity");
_Static_assert(offsetof(tw_account_header_t, balance_size) == 204, "account balance_size");
_Static_assert(offsetof(tw_account_header_t, position_size) == 208, "account position_size");
_Static_assert(offsetof(tw_account_header_t, order_size) == 212, "account order_size");
_Static_assert(offsetof(tw_account_header_t, balances_offset) == 216, "account balances_offset");
_Static_assert(offsetof(tw_account_header_t, positions_offset) == 224, "account positions_offset");
_Static_assert(offsetof(tw_account_header_t, orders_offset) == 232, "account orders_offset");

/* Bytes of the header the seqlock guards and a publish copies: everything before the geometry. */
enum { TW_ACCOUNT_SNAPSHOT_BYTES = 192 };
_Static_assert(offsetof(tw_account_header_t, balance_capacity) == TW_ACCOUNT_SNAPSHOT_BYTES, "snapshot bytes");

/* Where a balance's last change came from (tw_account_balance_t.source). */
typedef enum tw_balance_source {
    TW_BALANCE_STREAM = 1,         /* the venue's user-data stream */
    TW_BALANCE_RECONCILIATION = 2, /* a REST reconciliation */
    TW_BALANCE_LOCAL = 3,          /* the engine's own bookkeeping */
} tw_balance_source_t;

typedef struct tw_account_balance {
    char asset[TW_ASSET_MAX];  /* upper case, NUL-terminated */
    int64_t total;             /* at TW_ACCOUNT_EXPONENT */
    int64_t available;
    int64_t hold;              /* locked in open orders */
    int64_t updated_ns;
    uint8_t source;            /* tw_balance_source_t */
    uint8_t pad[15];
} tw_account_balance_t;

_Static_assert(sizeof(tw_account_balance_t) == 64, "account balance size");
_Static_assert(offsetof(tw_account_balance_t, asset) == 0, "balance asset");
_Static_assert(offsetof(tw_account_balance_t, total) == 16, "balance total");
_Static_assert(offsetof(tw_account_balance_t, available) == 24, "balance available");
_Static_assert(offsetof(tw_account_balance_t, hold) == 32, "balance hold");
_Static_assert(offsetof(tw_account_balance_t, updated_ns) == 40, "balance updated_ns");
_Static_assert(offsetof(tw_account_balance_t, source) == 48, "balance source");

/* The market a position is held in (tw_account_position_t.market). */
typedef enum tw_market { TW_MARKET_SPOT = 1, TW_MARKET_USDM = 2 } tw_market_t;

/* tw_account_position_t.flags: the value is 0 and means "unknown", not zero. */
enum {
    TW_POSITION_FLAG_NO_LIQUIDATION = 1u << 0, /* liquidation_price unknown (spot, or not reported) */
    TW_POSITION_FLAG_NO_MARK = 1u << 1,        /* mark_price unknown (no mark yet); unrealized is 0 */
};

typedef struct tw_account_position {
    char symbol[TW_SYMBOL_MAX]; /* upper case, NUL-terminated: no instrument table needed */
    uint32_t strategy_id;
    uint8_t market;            /* tw_market_t */
    int8_t qty_exponent;       /* of size */
    uint16_t flags;            /* TW_POSITION_FLAG_* */
    int64_t size;              /* signed (short < 0), mantissa at qty_exponent */
    int64_t entry_price;       /* the rest at TW_ACCOUNT_EXPONENT */
    int64_t mark_price;
    int64_t unrealized;
    int64_t realized;
    int64_t fees;
    int64_t funding;
    int64_t margin_used;
    int64_t liquidation_price;
    int32_t leverage;          /* 0: none (spot) */
    uint32_t reserved0;
    int64_t updated_ns;
    uint8_t reserved[8];
} tw_account_position_t;

_Static_assert(sizeof(tw_account_position_t) == 128, "account position size");
_Static_assert(offsetof(tw_account_position_t, symbol) == 0, "position symbol");
_Static_assert(offsetof(tw_account_position_t, strategy_id) == 24, "position strategy_id");
_Static_assert(offsetof(tw_account_position_t, market) == 28, "position market");
_Static_assert(offsetof(tw_account_position_t, qty_exponent) == 29, "position qty_exponent");
_Static_assert(offsetof(tw_account_position_t, flags) == 30, "position flags");
_Static_assert(offsetof(tw_account_position_t, size) == 32, "position size");
_Static_assert(offsetof(tw_account_position_t, entry_price) == 40, "position entry_price");
_Static_assert(offsetof(tw_account_position_t, mark_price) == 48, "position mark_price");
_Static_assert(offsetof(tw_account_position_t, unrealized) == 56, "position unrealized");
_Static_assert(offsetof(tw_account_position_t, realized) == 64, "position realized");
_Static_assert(offsetof(tw_account_position_t, fees) == 72, "position fees");
_Static_assert(offsetof(tw_account_position_t, funding) == 80, "position funding");
_Static_assert(offsetof(tw_account_position_t, margin_used) == 88, "position margin_used");
_Static_assert(offsetof(tw_account_position_t, liquidation_price) == 96, "position liquidation_price");
_Static_assert(offsetof(tw_account_position_t, leverage) == 104, "position leverage");
_Static_assert(offsetof(tw_account_position_t, updated_ns) == 112, "position updated_ns");

typedef struct tw_account_order {
    char client_order_id[TW_CLIENT_ID_MAX]; /* NUL-terminated */
    char symbol[TW_SYMBOL_MAX];             /* NUL-terminated */
    uint64_t venue_order_id;   /* 0 until the venue names it */
    int64_t price;             /* mantissa at price_exponent (0: market) */
    int64_t quantity;          /* mantissa at qty_exponent */
    int64_t filled;            /* mantissa at qty_exponent */
    int64_t average_price;     /* of the fills, at TW_ACCOUNT_EXPONENT (0: none) */
    int64_t last_update_ns;
    uint64_t last_event_seq;   /* exec journal record that last changed the order */
    uint32_t strategy_id;
    uint8_t side;              /* tw_side_t */
    uint8_t order_type;        /* tw_order_type_t */
    uint8_t state;             /* tw_order_state_t */
    uint8_t is_open;           /* 1 while working at the venue (or on its way) */
    int8_t price_exponent;
    int8_t qty_exponent;
    uint8_t reserved[62];
} tw_account_order_t;

_Static_assert(sizeof(tw_account_order_t) == 192, "account order size");
_Static_assert(offsetof(tw_account_order_t, client_order_id) == 0, "order client_order_id");
_Static_assert(offsetof(tw_account_order_t, symbol) == 40, "order symbol");
_Static_assert(offsetof(tw_account_order_t, venue_order_id) == 64, "order venue_order_id");
_Static_assert(offsetof(tw_account_order_t, price) == 72, "order price");
_Static_assert(offsetof(tw_account_order_t, quantity) == 80, "order quantity");
_Static_assert(offsetof(tw_account_order_t, filled) == 88, "order filled");
_Static_assert(offsetof(tw_account_order_t, average_price) == 96, "order average_price");
_Static_assert(offsetof(tw_account_order_t, last_update_ns) == 104, "order last_update_ns");
_Static_assert(offsetof(tw_account_order_t, last_event_seq) == 112, "order last_event_seq");
_Static_assert(offsetof(tw_account_order_t, strategy_id) == 120, "order strategy_id");
_Static_assert(offsetof(tw_account_order_t, side) == 124, "order side");
_Static_assert(offsetof(tw_account_order_t, order_type) == 125, "order order_type");
_Static_assert(offsetof(tw_account_order_t, state) == 126, "order state");
_Static_assert(offsetof(tw_account_order_t, is_open) == 127, "order is_open");
_Static_assert(offsetof(tw_account_order_t, price_exponent) == 128, "order price_exponent");
_Static_assert(offsetof(tw_account_order_t, qty_exponent) == 129, "order qty_exponent");

/* ------------------------------------------------------------------------
 * Stats: global counters, per-instrument counters, log-linear histograms.
 * Each counter and histogram has exactly one writer thread, which updates it
 * with relaxed load + store; readers load relaxed and may see a histogram
 * mid-update (count and buckets off by one), never a torn word.
 * ------------------------------------------------------------------------ */
typedef enum tw_counter {
    TW_CTR_MD_EVENTS = 0,      /* md ring messages published */
    TW_CTR_BOOK_WRITES = 1,    /* seqlocked book writes */
    TW_CTR_TRADES = 2,
    TW_CTR_SYNTH_STEPS = 3,    /* synthetic venue steps */
    TW_CTR_CMD_CONSUMED = 4,   /* commands taken by the consumer */
    TW_CTR_FEED_LOOPS = 5,     /* feed thread loop iterations */
    TW_CTR_FEED_UNROUTED = 6,  /* feed messages for no known instrument, or unparseable (ABI 1.1) */
    TW_CTR_CMD_ACCEPTED = 7,   /* commands that passed pre-trade risk (ABI 2.0) */
    TW_CTR_CMD_REJECTED = 8,   /* commands refused by pre-trade risk; per code below */
    TW_CTR_GW_SENT = 9,        /* requests the gateway handed to the socket */
    TW_CTR_GW_ANSWERS = 10,    /* answers the gateway received */
    TW_CTR_GW_EVENTS = 11,     /* user-data events the gateway journaled */
    TW_CTR_GW_MALFORMED = 12,  /* gateway messages that did not decode */
    TW_CTR_REJECT_BASE = 13,   /* TW_CTR_REJECT_BASE + tw_reject_code_t (1..18): rejections by code */
    TW_CTR_COUNT = 32,
} tw_counter_t;

typedef struct tw_instrument_stats {
    uint64_t messages;
    uint64_t bytes;
    uint64_t gaps;
    uint64_t resyncs;
    uint64_t reconnects;
    uint64_t malformed;
    uint64_t bookticker_checks;
    uint64_t bookticker_mismatches;
    uint64_t book_updates;
    uint64_t trades;
    uint64_t last_update_id;
    int64_t last_update_ns;
    uint64_t health;           /* ABI 2.3, atomic: (tw_status_reason_t << 32) | detail, see TW_REASON_* */
    int64_t health_ns;         /* ABI 2.3: when health last changed (CLOCK_REALTIME) */
    uint8_t reserved[16];
} tw_instrument_stats_t;

_Static_assert(TW_CTR_REJECT_BASE + TW_REJ_MODE < TW_CTR_COUNT, "reject counters fit");
_Static_assert(sizeof(tw_instrument_stats_t) == 128, "instrument stats size");
_Static_assert(offsetof(tw_instrument_stats_t, messages) == 0, "stats messages");
_Static_assert(offsetof(tw_instrument_stats_t, gaps) == 16, "stats gaps");
_Static_assert(offsetof(tw_instrument_stats_t, bookticker_mismatches) == 56, "stats mismatches");
_Static_assert(offsetof(tw_instrument_stats_t, last_update_id) == 80, "stats last_update_id");
_Static_assert(offsetof(tw_instrument_stats_t, last_update_ns) == 88, "stats last_update_ns");
_Static_assert(offsetof(tw_instrument_stats_t, health) == 96, "stats health");
_Static_assert(offsetof(tw_instrument_stats_t, health_ns) == 104, "stats health_ns");

/*
 * Log-linear buckets: values below 16 have a bucket each; above, each power
 * of two is cut into 16 sub-buckets (at most 6.25% relative error). Values
 * of 2^41 ns (~37 min) and more land in the overflow count.
 */
enum {
    TW_HIST_SUB_BITS = 4,
    TW_HIST_SUB_COUNT = 1 << TW_HIST_SUB_BITS,
    TW_HIST_MAX_EXP = 40,
    TW_HIST_BUCKETS = (TW_HIST_MAX_EXP - TW_HIST_SUB_BITS + 2) * TW_HIST_SUB_COUNT,
};

typedef enum tw_histogram_id {
    TW_HIST_MD_PUBLISH = 0,    /* event source time -> md ring publish, ns */
    TW_HIST_BOOK_WRITE = 1,    /* duration of a seqlocked book write, ns (the feed times one write in 16) */
    TW_HIST_CMD_QUEUE = 2,     /* command created -> consumed, ns */
    TW_HIST_FEED_WIRE = 3,     /* socket receive completion (recv_ns) -> md event published, ns (ABI 1.1) */
    TW_HIST_ORDER_ENCODE = 4,  /* gateway: request taken -> signed bytes handed to the socket, ns (ABI 2.0) */
    TW_HIST_ORDER_ACK = 5,     /* gateway: request sent -> venue answer received, ns (ABI 2.0) */
    TW_HIST_STRATEGY_EXEC = 6, /* strategy runner: one strategy call (any strategy), ns (ABI 2.2) */
    TW_HIST_STRATEGY_PATH = 7, /* strategy runner: md event published -> order command in its lane, ns (ABI 2.2) */
    TW_HIST_COUNT = 8,
} tw_histogram_id_t;

typedef struct tw_histogram {
    uint64_t count;
    uint64_t sum;
    uint64_t min;
    uint64_t max;
    uint64_t overflow;
    uint8_t pad[24];
    uint64_t buckets[TW_HIST_BUCKETS];
} tw_histogram_t;

_Static_assert(TW_HIST_BUCKETS == 608, "histogram bucket count");
_Static_assert(sizeof(tw_histogram_t) == 64 + 608 * 8, "histogram size");
_Static_assert(offsetof(tw_histogram_t, overflow) == 32, "histogram overflow");
_Static_assert(offsetof(tw_histogram_t, buckets) == 64, "histogram buckets");

typedef struct tw_stats_header {
    uint32_t instrument_count;
    uint32_t counter_count;        /* TW_CTR_COUNT */
    uint32_t histogram_count;      /* TW_HIST_COUNT */
    uint32_t histogram_buckets;    /* TW_HIST_BUCKETS */
    uint64_t counters_offset;      /* uint64_t[counter_count], from segment start */
    uint64_t instruments_offset;   /* tw_instrument_stats_t[instrument_count] */
    uint64_t histograms_offset;    /* tw_histogram_t[histogram_count] */
    uint8_t pad[88];
} tw_stats_header_t;

_Static_assert(sizeof(tw_stats_header_t) == 128, "stats header size");
_Static_assert(offsetof(tw_stats_header_t, counters_offset) == 16, "stats counters_offset");
_Static_assert(offsetof(tw_stats_header_t, instruments_offset) == 24, "stats instruments_offset");
_Static_assert(offsetof(tw_stats_header_t, histograms_offset) == 32, "stats histograms_offset");

/* Bucket of a value (ns). */
static inline uint32_t tw_hist_bucket(uint64_t v)
{
    if (v < TW_HIST_SUB_COUNT)
        return (uint32_t)v;
    uint32_t e = 63u - (uint32_t)__builtin_clzll(v);
    return (e - TW_HIST_SUB_BITS + 1u) * TW_HIST_SUB_COUNT +
           (uint32_t)((v >> (e - TW_HIST_SUB_BITS)) & (TW_HIST_SUB_COUNT - 1));
}

/* Smallest value that falls into bucket b. */
static inline uint64_t tw_hist_bucket_low(uint32_t b)
{
    if (b < TW_HIST_SUB_COUNT)
        return b;
    uint32_t e = b / TW_HIST_SUB_COUNT + TW_HIST_SUB_BITS - 1u;
    uint64_t sub = b % TW_HIST_SUB_COUNT;
    return (1ull << e) | (sub << (e - TW_HIST_SUB_BITS));
}

#ifdef __cplusplus
}
#endif

#endif /* TICKWIRE_ABI_H */

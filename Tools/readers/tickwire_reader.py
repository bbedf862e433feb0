#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tickwire external reader: maps an engine's shared-memory segments read-only.

Standard library only (Python 3.11+). The layouts below are this file's own
struct definitions of the ABI in CSources/CEngineShm/include/tickwire/abi.h;
`check_layout.sh` compares them with the C header. Protocols: docs/ABI.md.

Command line:

    tickwire_reader.py top  [--instance NAME] [--symbol S] [--watch] [--interval SEC] [--count N] [--json]
    tickwire_reader.py tail [md|exec] [--instance NAME] [--symbol S] [--count N] [--from-oldest]
                            [--timeout SEC] [--text]
    tickwire_reader.py stats [--instance NAME] [--json]
    tickwire_reader.py account [--instance NAME] [--json]
    tickwire_reader.py layout

Exit codes: 0 ok; 1 error (missing segment, bad magic, unknown ABI major, ...),
one line on stderr; 2 bad usage; 3 `tail --timeout` expired before any event
was printed; 130 / 143 stopped by SIGINT / SIGTERM (output flushed first).

As a module:

    import tickwire_reader as tw
    books = tw.BookReader("default")
    for inst in books.instruments:
        book = books.read(inst.index)          # seqlocked copy, bounded retries
        print(inst.symbol, tw.format_decimal(book.bids[0][0], inst.price_exponent) if book.bids else "-")
    ring = tw.RingReader("default")            # md broadcast ring, from the next message
    item = ring.poll()                         # Message, Lapped or None
    snap = tw.account("default")               # the account snapshot (ABI 2.1): a dict, raw mantissas
"""
from __future__ import annotations

import argparse
import ctypes
import decimal
import json
import mmap
import os
import platform
import re
import signal
import stat
import struct
import sys
import time
from dataclasses import dataclass, field

# --------------------------------------------------------------------------
# ABI constants (abi.h)
# --------------------------------------------------------------------------
ABI_MAGIC = 0x455249574B434954  # "TICKWIRE" as a little-endian uint64
ABI_MAJOR = 2
ABI_MINOR = 3
CACHE_LINE = 64
INSTANCE_MAX = 32
SYMBOL_MAX = 24

SEG_MD, SEG_BOOKS, SEG_CMD, SEG_EXEC, SEG_ACCOUNT, SEG_STATS = 1, 2, 3, 4, 5, 6
KIND_NAMES = {SEG_MD: "md", SEG_BOOKS: "books", SEG_CMD: "cmd", SEG_EXEC: "exec",
              SEG_ACCOUNT: "account", SEG_STATS: "stats"}
KIND_BY_NAME = {v: k for k, v in KIND_NAMES.items()}

STATE_STARTING, STATE_LIVE, STATE_STOPPING, STATE_DEAD = 1, 2, 3, 4
STATE_NAMES = {STATE_STARTING: "starting", STATE_LIVE: "live", STATE_STOPPING: "stopping", STATE_DEAD: "dead"}

MD_BOOK, MD_TRADE, MD_BBO, MD_STATUS = 1, 2, 3, 4
MD_TYPE_NAMES = {MD_BOOK: "book", MD_TRADE: "trade", MD_BBO: "bbo", MD_STATUS: "status"}
MD_SLOT_SIZE = 128

SIDE_NONE, SIDE_BUY, SIDE_SELL = 0, 1, 2
SIDE_NAMES = {SIDE_BUY: "buy", SIDE_SELL: "sell"}

FEED_IDLE, FEED_CONNECTING, FEED_SYNCING, FEED_LIVE, FEED_STALE = 0, 1, 2, 3, 4
FEED_NAMES = {FEED_IDLE: "idle", FEED_CONNECTING: "connecting", FEED_SYNCING: "syncing",
              FEED_LIVE: "live", FEED_STALE: "stale"}

BOOK_FLAG_STALE = 1
DEFAULT_DEPTH, MAX_DEPTH, MAX_INSTRUMENTS = 20, 1000, 4096

# Command lanes (ABI 2.0)
CMD_SLOT_SIZE, CLIENT_ID_MAX, CMD_MAX_LANES = 128, 40, 256
CMD_NEW, CMD_CANCEL, CMD_CANCEL_ALL = 1, 2, 3
CMD_OP_NAMES = {CMD_NEW: "new", CMD_CANCEL: "cancel", CMD_CANCEL_ALL: "cancel_all"}
ORDER_LIMIT, ORDER_MARKET, ORDER_LIMIT_MAKER = 1, 2, 3
ORDER_TYPE_NAMES = {ORDER_LIMIT: "limit", ORDER_MARKET: "market", ORDER_LIMIT_MAKER: "limit_maker"}
TIF_GTC, TIF_IOC, TIF_FOK = 1, 2, 3
TIF_NAMES = {TIF_GTC: "GTC", TIF_IOC: "IOC", TIF_FOK: "FOK"}

# Exec journal (ABI 2.0)
EXEC_SLOT_SIZE, EXEC_TEXT_MAX = 256, 64
EXEC_PAYLOAD_MAX = EXEC_SLOT_SIZE - 16
EXEC_TYPE_NAMES = {1: "accepted", 2: "rejected", 3: "sent", 4: "ack", 5: "partial_fill", 6: "fill",
                   7: "canceled", 8: "cancel_reject", 9: "expired", 10: "status", 11: "halt",
                   12: "balance", 13: "position"}
EXEC_TYPES = {name: value for value, name in EXEC_TYPE_NAMES.items()}
EXEC_ACCEPTED, EXEC_REJECTED, EXEC_BALANCE, EXEC_POSITION = 1, 2, 12, 13
ORDER_STATE_NAMES = {0: "NONE", 1: "NEW", 2: "PENDING_SUBMIT", 3: "SUBMITTED", 4: "PARTIALLY_FILLED",
                     5: "FILLED", 6: "CANCELED", 7: "REJECTED", 8: "EXPIRED", 9: "CANCEL_PENDING", 10: "UNKNOWN"}
EXEC_FLAG_LOCAL, EXEC_FLAG_STREAM, EXEC_FLAG_MAKER = 1, 2, 4
EXEC_FLAG_NAMES = [(EXEC_FLAG_LOCAL, "local"), (EXEC_FLAG_STREAM, "stream"), (EXEC_FLAG_MAKER, "maker")]
REJECT_CODE_NAMES = {1: "malformed", 2: "tick", 3: "lot", 4: "min_qty", 5: "max_qty", 6: "notional",
                     7: "price_band", 8: "position", 9: "balance", 10: "rate", 11: "breaker", 12: "halted",
                     13: "journal_full", 14: "duplicate", 15: "unknown_order", 16: "no_market", 17: "gateway",
                     18: "mode"}

CTR_COUNT = 32
CTR_REJECT_BASE = 13
COUNTER_NAMES = ["md_events", "book_writes", "trades", "synth_steps", "cmd_consumed", "feed_loops",
                 "feed_unrouted", "cmd_accepted", "cmd_rejected", "gw_sent", "gw_answers", "gw_events",
                 "gw_malformed"] + [f"reject_{REJECT_CODE_NAMES[c]}" for c in range(1, 19)]
HIST_SUB_BITS = 4
HIST_SUB_COUNT = 1 << HIST_SUB_BITS
HIST_MAX_EXP = 40
HIST_BUCKETS = (HIST_MAX_EXP - HIST_SUB_BITS + 2) * HIST_SUB_COUNT
HIST_COUNT = 8
HISTOGRAM_NAMES = [
    "md_publish", "book_write", "cmd_queue", "feed_wire", "order_encode", "order_ack", "strategy_exec", "strategy_path",
]

# Account snapshot (ABI 2.1)
ACCOUNT_EXPONENT = -8
ACCOUNT_DEFAULT_BALANCES, ACCOUNT_DEFAULT_POSITIONS, ACCOUNT_DEFAULT_ORDERS = 256, 1024, 4096
ACCOUNT_MAX_CAPACITY, ACCOUNT_MAX_ENTRY_SIZE, ASSET_MAX = 1 << 20, 4096, 16
ACCOUNT_FLAG_TRUNCATED = 1
ACCOUNT_SNAPSHOT_BYTES = 192
BALANCE_SOURCE_NAMES = {1: "stream", 2: "reconciliation", 3: "local"}
MARKET_SPOT, MARKET_USDM = 1, 2
MARKET_NAMES = {MARKET_SPOT: "spot", MARKET_USDM: "usdm"}
POSITION_FLAG_NO_LIQUIDATION, POSITION_FLAG_NO_MARK = 1, 2

DEFAULT_INSTANCE = "default"
BOOK_READ_RETRIES = 1000
ACCOUNT_READ_RETRIES = 1000

# Exit codes of the command line (interrupted: 128 + signal, 130 for SIGINT, 143 for SIGTERM).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NO_EVENTS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


# --------------------------------------------------------------------------
# Struct layouts: little-endian, no implicit padding ('<'); every pad is explicit,
# so the offsets are this file's own reading of the ABI.
# --------------------------------------------------------------------------
class Layout:
    """A C struct as an ordered list of (field, struct format); None names padding."""

    def __init__(self, name: str, fields: list[tuple[str | None, str]]):
        self.name = name
        self.offsets: dict[str, int] = {}
        self._groups: list[tuple[str, int]] = []  # field name, number of values unpacked
        offset = 0
        for fname, fmt in fields:
            size = struct.calcsize("<" + fmt)
            if fname is not None:
                self.offsets[fname] = offset
                m = re.fullmatch(r"(\d*)([a-zA-Z?])", fmt)
                count = 1 if m.group(2) in "sx" or not m.group(1) else int(m.group(1))
                self._groups.append((fname, count))
            offset += size
        self.size = offset
        self.struct = struct.Struct("<" + "".join(f for _, f in fields))
        self._scalar = all(count == 1 for _, count in self._groups)
        self._names = tuple(name for name, _ in self._groups)

    def unpack(self, buf, offset: int = 0) -> dict:
        values = self.struct.unpack_from(buf, offset)
        if self._scalar:
            return dict(zip(self._names, values))
        out, i = {}, 0
        for fname, count in self._groups:
            out[fname] = values[i] if count == 1 else values[i:i + count]
            i += count
        return out


SEGMENT_HEADER = Layout("tw_segment_header", [
    ("magic", "Q"), ("abi_major", "H"), ("abi_minor", "H"), ("kind", "I"),
    ("generation", "Q"), ("state", "I"), ("writer_pid", "i"), ("created_ns", "q"),
    ("segment_size", "Q"), ("region_offset", "Q"), ("region_size", "Q"),
    ("instance", f"{INSTANCE_MAX}s"), ("heartbeat_ns", "q"), (None, "24x"),
])

RING_HEADER = Layout("tw_ring_header", [
    ("slot_size", "I"), ("slot_count", "I"), ("slots_offset", "Q"), (None, "48x"),
    ("head", "Q"), (None, "56x"),
])

SLOT_HEADER = Layout("tw_slot_header", [
    ("seq", "Q"), ("length", "I"), ("type", "H"), ("instrument", "H"),
])

MD_BOOK_PAYLOAD = Layout("tw_md_book", [
    ("update_id", "Q"), ("first_update_id", "Q"), ("exchange_ns", "q"), ("recv_ns", "q"),
    ("publish_ns", "q"), ("bid_px", "q"), ("bid_qty", "q"), ("ask_px", "q"), ("ask_qty", "q"),
    ("levels_changed", "I"), ("flags", "I"),
])

MD_TRADE_PAYLOAD = Layout("tw_md_trade", [
    ("trade_id", "Q"), ("exchange_ns", "q"), ("recv_ns", "q"), ("publish_ns", "q"),
    ("price", "q"), ("quantity", "q"), ("aggressor", "B"), (None, "7x"),
])

MD_STATUS_PAYLOAD = Layout("tw_md_status", [
    ("feed_state", "I"), ("reason", "I"), ("publish_ns", "q"),
])

BOOKS_HEADER = Layout("tw_books_header", [
    ("instrument_count", "I"), ("depth", "I"), ("block_size", "I"), (None, "4x"),
    ("instruments_offset", "Q"), ("blocks_offset", "Q"), (None, "96x"),
])

INSTRUMENT_INFO = Layout("tw_instrument_info", [
    ("symbol", f"{SYMBOL_MAX}s"), ("venue", "16s"), ("price_exponent", "b"), ("qty_exponent", "b"),
    ("index", "H"), ("feed_state", "I"), ("tick_size", "q"), ("step_size", "q"),
    ("min_notional", "q"), (None, "56x"),
])

BOOK_HEADER = Layout("tw_book_header", [
    ("seq", "Q"), ("update_id", "Q"), ("exchange_ns", "q"), ("recv_ns", "q"), ("publish_ns", "q"),
    ("bid_count", "I"), ("ask_count", "I"), ("flags", "I"), (None, "4x"), ("first_update_id", "Q"),
])

LEVEL = Layout("tw_level", [("price", "q"), ("quantity", "q")])

STATS_HEADER = Layout("tw_stats_header", [
    ("instrument_count", "I"), ("counter_count", "I"), ("histogram_count", "I"),
    ("histogram_buckets", "I"), ("counters_offset", "Q"), ("instruments_offset", "Q"),
    ("histograms_offset", "Q"), (None, "88x"),
])

INSTRUMENT_STATS = Layout("tw_instrument_stats", [
    ("messages", "Q"), ("bytes", "Q"), ("gaps", "Q"), ("resyncs", "Q"), ("reconnects", "Q"),
    ("malformed", "Q"), ("bookticker_checks", "Q"), ("bookticker_mismatches", "Q"),
    ("book_updates", "Q"), ("trades", "Q"), ("last_update_id", "Q"), ("last_update_ns", "q"),
    ("health", "Q"), ("health_ns", "q"), (None, "16x"),
])

HISTOGRAM = Layout("tw_histogram", [
    ("count", "Q"), ("sum", "Q"), ("min", "Q"), ("max", "Q"), ("overflow", "Q"), (None, "24x"),
    ("buckets", f"{HIST_BUCKETS}Q"),
])

CMD_HEADER = Layout("tw_cmd_header", [
    ("lane_count", "I"), ("lane_slots", "I"), ("slot_size", "I"), ("lane_size", "I"),
    ("lanes_offset", "Q"), ("consumer_pid", "Q"), (None, "32x"),
    ("rejected_full", "Q"), ("rejected_no_lane", "Q"), ("lanes_reclaimed", "Q"), (None, "40x"),
])

CMD_LANE = Layout("tw_cmd_lane", [
    ("owner", "Q"), ("claimed_ns", "q"), ("submitted", "Q"), (None, "40x"),
    ("tail", "Q"), (None, "56x"),
    ("head", "Q"), (None, "56x"),
])

COMMAND = Layout("tw_command", [
    ("command_id", "Q"), ("created_ns", "q"), ("price", "q"), ("quantity", "q"), ("instrument", "I"),
    ("op", "B"), ("side", "B"), ("order_type", "B"), ("tif", "B"), ("strategy_id", "I"), ("flags", "I"),
    ("client_order_id", f"{CLIENT_ID_MAX}s"), ("target_id", "Q"), (None, "16x"),
])

EXEC_HEADER = Layout("tw_exec_header", [
    ("ring", f"{RING_HEADER.size}s"), ("consumed", "Q"), ("reserve", "Q"), ("refused_full", "Q"),
    ("overflowed", "Q"), (None, "96x"),
])

EXEC_REPORT = Layout("tw_exec_report", [
    ("command_id", "Q"), ("producer", "Q"), ("venue_order_id", "Q"), ("trade_id", "Q"),
    ("price", "q"), ("quantity", "q"), ("cum_quantity", "q"), ("cum_quote", "q"), ("fee", "q"),
    ("venue_ns", "q"), ("recv_ns", "q"), ("publish_ns", "q"), ("code", "i"), ("strategy_id", "I"),
    ("side", "B"), ("order_type", "B"), ("tif", "B"), ("order_state", "B"), ("flags", "B"),
    ("fee_exponent", "b"), (None, "2x"), ("client_order_id", f"{CLIENT_ID_MAX}s"), ("fee_asset", "16s"),
    ("text", f"{EXEC_TEXT_MAX}s"), (None, "8x"),
])

EXEC_BALANCE_PAYLOAD = Layout("tw_exec_balance", [
    ("asset", "16s"), ("free", "q"), ("locked", "q"), ("delta", "q"), ("venue_ns", "q"), ("recv_ns", "q"),
    ("publish_ns", "q"), ("exponent", "b"), (None, "7x"),
])

EXEC_POSITION_PAYLOAD = Layout("tw_exec_position", [
    ("amount", "q"), ("entry_price", "q"), ("unrealized", "q"), ("venue_ns", "q"), ("recv_ns", "q"),
    ("publish_ns", "q"), ("exponent", "b"), (None, "7x"),
])

RISK_STATE_NAMES = {0: "active", 1: "reducing", 2: "halted"}

ACCOUNT_HEADER = Layout("tw_account_header", [
    ("seq", "Q"), ("version", "Q"), ("updated_ns", "q"), ("journal_seq", "Q"),
    ("balance_count", "I"), ("position_count", "I"), ("order_count", "I"), ("flags", "I"),
    ("truncated_balances", "I"), ("truncated_positions", "I"), ("truncated_orders", "I"), (None, "4x"),
    ("quote_asset", f"{ASSET_MAX}s"), ("realized", "q"), ("unrealized", "q"), ("total", "q"), ("daily", "q"),
    ("fees", "q"), ("funding", "q"), ("max_drawdown", "q"), ("win_rate_bps", "i"), ("max_drawdown_bps", "i"),
    ("risk_state", "B"), (None, "7x"), ("risk_since_ns", "q"), ("risk_reason", "32s"),
    ("balance_capacity", "I"), ("position_capacity", "I"), ("order_capacity", "I"),
    ("balance_size", "I"), ("position_size", "I"), ("order_size", "I"),
    ("balances_offset", "Q"), ("positions_offset", "Q"), ("orders_offset", "Q"), (None, "16x"),
])

ACCOUNT_BALANCE = Layout("tw_account_balance", [
    ("asset", f"{ASSET_MAX}s"), ("total", "q"), ("available", "q"), ("hold", "q"), ("updated_ns", "q"),
    ("source", "B"), (None, "15x"),
])

ACCOUNT_POSITION = Layout("tw_account_position", [
    ("symbol", f"{SYMBOL_MAX}s"), ("strategy_id", "I"), ("market", "B"), ("qty_exponent", "b"), ("flags", "H"),
    ("size", "q"), ("entry_price", "q"), ("mark_price", "q"), ("unrealized", "q"), ("realized", "q"),
    ("fees", "q"), ("funding", "q"), ("margin_used", "q"), ("liquidation_price", "q"), ("leverage", "i"),
    (None, "4x"), ("updated_ns", "q"), (None, "8x"),
])

ACCOUNT_ORDER = Layout("tw_account_order", [
    ("client_order_id", f"{CLIENT_ID_MAX}s"), ("symbol", f"{SYMBOL_MAX}s"), ("venue_order_id", "Q"),
    ("price", "q"), ("quantity", "q"), ("filled", "q"), ("average_price", "q"), ("last_update_ns", "q"),
    ("last_event_seq", "Q"), ("strategy_id", "I"), ("side", "B"), ("order_type", "B"), ("state", "B"),
    ("is_open", "B"), ("price_exponent", "b"), ("qty_exponent", "b"), (None, "62x"),
])

LAYOUTS = [SEGMENT_HEADER, RING_HEADER, SLOT_HEADER, MD_BOOK_PAYLOAD, MD_TRADE_PAYLOAD,
           MD_STATUS_PAYLOAD, BOOKS_HEADER, INSTRUMENT_INFO, BOOK_HEADER, LEVEL, STATS_HEADER,
           INSTRUMENT_STATS, HISTOGRAM, CMD_HEADER, CMD_LANE, COMMAND, EXEC_HEADER, EXEC_REPORT,
           EXEC_BALANCE_PAYLOAD, EXEC_POSITION_PAYLOAD, ACCOUNT_HEADER, ACCOUNT_BALANCE, ACCOUNT_POSITION,
           ACCOUNT_ORDER]

LAYOUT_CONSTANTS = {
    "TW_ABI_MAGIC": ABI_MAGIC, "TW_ABI_MAJOR": ABI_MAJOR, "TW_ABI_MINOR": ABI_MINOR,
    "TW_CACHE_LINE": CACHE_LINE, "TW_INSTANCE_MAX": INSTANCE_MAX, "TW_SYMBOL_MAX": SYMBOL_MAX,
    "TW_SEG_MD": SEG_MD, "TW_SEG_BOOKS": SEG_BOOKS, "TW_SEG_CMD": SEG_CMD, "TW_SEG_EXEC": SEG_EXEC,
    "TW_SEG_ACCOUNT": SEG_ACCOUNT, "TW_SEG_STATS": SEG_STATS,
    "TW_STATE_STARTING": STATE_STARTING, "TW_STATE_LIVE": STATE_LIVE,
    "TW_STATE_STOPPING": STATE_STOPPING, "TW_STATE_DEAD": STATE_DEAD,
    "TW_MD_BOOK": MD_BOOK, "TW_MD_TRADE": MD_TRADE, "TW_MD_BBO": MD_BBO, "TW_MD_STATUS": MD_STATUS,
    "TW_MD_SLOT_SIZE": MD_SLOT_SIZE, "TW_MD_PAYLOAD_MAX": MD_SLOT_SIZE - SLOT_HEADER.size,
    "TW_SIDE_NONE": SIDE_NONE, "TW_SIDE_BUY": SIDE_BUY, "TW_SIDE_SELL": SIDE_SELL,
    "TW_FEED_IDLE": FEED_IDLE, "TW_FEED_CONNECTING": FEED_CONNECTING, "TW_FEED_SYNCING": FEED_SYNCING,
    "TW_FEED_LIVE": FEED_LIVE, "TW_FEED_STALE": FEED_STALE,
    "TW_BOOK_FLAG_STALE": BOOK_FLAG_STALE, "TW_DEFAULT_DEPTH": DEFAULT_DEPTH,
    "TW_MAX_DEPTH": MAX_DEPTH, "TW_MAX_INSTRUMENTS": MAX_INSTRUMENTS,
    "TW_CTR_COUNT": CTR_COUNT, "TW_HIST_SUB_BITS": HIST_SUB_BITS, "TW_HIST_SUB_COUNT": HIST_SUB_COUNT,
    "TW_HIST_MAX_EXP": HIST_MAX_EXP, "TW_HIST_BUCKETS": HIST_BUCKETS, "TW_HIST_COUNT": HIST_COUNT,
    "TW_CMD_SLOT_SIZE": CMD_SLOT_SIZE, "TW_CLIENT_ID_MAX": CLIENT_ID_MAX, "TW_CMD_MAX_LANES": CMD_MAX_LANES,
    "TW_CMD_NEW": CMD_NEW, "TW_CMD_CANCEL": CMD_CANCEL, "TW_CMD_CANCEL_ALL": CMD_CANCEL_ALL,
    "TW_ORDER_LIMIT": ORDER_LIMIT, "TW_ORDER_MARKET": ORDER_MARKET, "TW_ORDER_LIMIT_MAKER": ORDER_LIMIT_MAKER,
    "TW_TIF_GTC": TIF_GTC, "TW_TIF_IOC": TIF_IOC, "TW_TIF_FOK": TIF_FOK,
    "TW_EXEC_SLOT_SIZE": EXEC_SLOT_SIZE, "TW_EXEC_PAYLOAD_MAX": EXEC_PAYLOAD_MAX, "TW_EXEC_TEXT_MAX": EXEC_TEXT_MAX,
    **{f"TW_EXEC_{name.upper()}": value for value, name in EXEC_TYPE_NAMES.items()},
    **{f"TW_OS_{name}": value for value, name in ORDER_STATE_NAMES.items()},
    "TW_EXEC_FLAG_LOCAL": EXEC_FLAG_LOCAL, "TW_EXEC_FLAG_STREAM": EXEC_FLAG_STREAM,
    "TW_EXEC_FLAG_MAKER": EXEC_FLAG_MAKER,
    **{f"TW_REJ_{name.upper()}": value for value, name in REJECT_CODE_NAMES.items()},
    "TW_CTR_CMD_CONSUMED": 4, "TW_CTR_CMD_ACCEPTED": 7, "TW_CTR_CMD_REJECTED": 8, "TW_CTR_GW_SENT": 9,
    "TW_CTR_GW_ANSWERS": 10, "TW_CTR_GW_EVENTS": 11, "TW_CTR_GW_MALFORMED": 12, "TW_CTR_REJECT_BASE": CTR_REJECT_BASE,
    "TW_HIST_CMD_QUEUE": 2, "TW_HIST_ORDER_ENCODE": 4, "TW_HIST_ORDER_ACK": 5,
    "TW_HIST_STRATEGY_EXEC": 6, "TW_HIST_STRATEGY_PATH": 7,
    "TW_ACCOUNT_EXPONENT": ACCOUNT_EXPONENT, "TW_ACCOUNT_DEFAULT_BALANCES": ACCOUNT_DEFAULT_BALANCES,
    "TW_ACCOUNT_DEFAULT_POSITIONS": ACCOUNT_DEFAULT_POSITIONS, "TW_ACCOUNT_DEFAULT_ORDERS": ACCOUNT_DEFAULT_ORDERS,
    "TW_ACCOUNT_MAX_CAPACITY": ACCOUNT_MAX_CAPACITY, "TW_ACCOUNT_MAX_ENTRY_SIZE": ACCOUNT_MAX_ENTRY_SIZE,
    "TW_ASSET_MAX": ASSET_MAX, "TW_ACCOUNT_FLAG_TRUNCATED": ACCOUNT_FLAG_TRUNCATED,
    "TW_ACCOUNT_SNAPSHOT_BYTES": ACCOUNT_SNAPSHOT_BYTES,
    **{f"TW_BALANCE_{name.upper()}": value for value, name in BALANCE_SOURCE_NAMES.items()},
    "TW_MARKET_SPOT": MARKET_SPOT, "TW_MARKET_USDM": MARKET_USDM,
    "TW_POSITION_FLAG_NO_LIQUIDATION": POSITION_FLAG_NO_LIQUIDATION, "TW_POSITION_FLAG_NO_MARK": POSITION_FLAG_NO_MARK,
}


def layout_table() -> dict:
    """{"<struct>.<field>": offset, "<struct>.__size__": size, "constants.<NAME>": value}."""
    out = {}
    for lay in LAYOUTS:
        for fname, off in lay.offsets.items():
            out[f"{lay.name}.{fname}"] = off
        out[f"{lay.name}.__size__"] = lay.size
    for name, value in LAYOUT_CONSTANTS.items():
        out[f"constants.{name}"] = value
    return out


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------
def format_decimal(mantissa: int, exponent: int) -> str:
    """mantissa x 10^exponent as an exact decimal string, with -exponent fraction digits."""
    if exponent >= 0:
        return str(mantissa * 10 ** exponent)
    sign = "-" if mantissa < 0 else ""
    digits = str(abs(mantissa)).rjust(-exponent + 1, "0")
    return f"{sign}{digits[:exponent]}.{digits[exponent:]}"


def hist_bucket(value: int) -> int:
    """Bucket of a value (ns): tw_hist_bucket()."""
    if value < HIST_SUB_COUNT:
        return value
    e = value.bit_length() - 1
    return (e - HIST_SUB_BITS + 1) * HIST_SUB_COUNT + ((value >> (e - HIST_SUB_BITS)) & (HIST_SUB_COUNT - 1))


def hist_bucket_low(bucket: int) -> int:
    """Smallest value in a bucket: tw_hist_bucket_low()."""
    if bucket < HIST_SUB_COUNT:
        return bucket
    e = bucket // HIST_SUB_COUNT + HIST_SUB_BITS - 1
    sub = bucket % HIST_SUB_COUNT
    return (1 << e) | (sub << (e - HIST_SUB_BITS))


def feed_state_name(state: int) -> str:
    return FEED_NAMES.get(state, f"unknown({state})")


def state_name(state: int) -> str:
    return STATE_NAMES.get(state, f"unknown({state})")


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("ascii", "replace")


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------
class TickwireError(Exception):
    """Any problem attaching to or reading a segment; str() is one line for the user."""


class SegmentMissing(TickwireError):
    pass


class NotTickwire(TickwireError):
    """Bad magic, or a file too small or truncated."""


class UnsupportedABI(TickwireError):
    pass


class WrongKind(TickwireError):
    pass


class BookBusy(TickwireError):
    """No stable copy of a book block within the retry bound (writer busy or stuck)."""


class AccountBusy(TickwireError):
    """No stable copy of the account snapshot within the retry bound (writer busy or stuck)."""


# --------------------------------------------------------------------------
# Segments
# --------------------------------------------------------------------------
_INSTANCE_RE = re.compile(r"[A-Za-z0-9_-]{1,31}")


def valid_instance(name: str) -> bool:
    return bool(_INSTANCE_RE.fullmatch(name))


def segment_dir() -> str:
    """$TICKWIRE_SHM_DIR when set and not empty, else /dev/shm."""
    return os.environ.get("TICKWIRE_SHM_DIR") or "/dev/shm"


def segment_path(instance: str, kind: int | str) -> str:
    name = kind if isinstance(kind, str) else KIND_NAMES[kind]
    return os.path.join(segment_dir(), f"tickwire.{instance}.{name}")


class Segment:
    """One segment file mapped read-only (mmap.ACCESS_READ, i.e. PROT_READ), validated.

    Concurrent words are read through `u64()`/`u32()`: a native, aligned, single load
    each (a memoryview cast), never assembled byte by byte.
    """

    def __init__(self, instance: str, kind: int, path: str | None = None, writable: bool = False):
        if sys.byteorder != "little":
            raise TickwireError("the Tickwire ABI is little-endian; this host is not")
        if not valid_instance(instance):
            raise TickwireError(f"invalid instance name '{instance}' (1-31 of A-Z a-z 0-9 _ -)")
        self.instance = instance
        self.kind = kind
        self.path = path or segment_path(instance, kind)
        try:
            # O_NONBLOCK: a FIFO planted at the path must not hang the open (it is refused below)
            fd = os.open(self.path, (os.O_RDWR if writable else os.O_RDONLY) | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            raise SegmentMissing(f"no segment at {self.path} — is the engine running? (instance {instance})") from None
        except PermissionError:
            raise TickwireError(f"cannot open {self.path}: permission denied (segments are mode 0640: "
                                + ("producers need write access: run as the engine's user)" if writable else
                                   "run as the engine's user or a member of its group)")) from None
        except OSError as e:
            raise TickwireError(f"cannot open {self.path}: {e.strerror}") from None
        try:
            st = os.fstat(fd)
            self.dev, self.ino = st.st_dev, st.st_ino
            if not stat.S_ISREG(st.st_mode):
                raise NotTickwire(f"{self.path} is not a regular file, so not a Tickwire segment")
            if st.st_size < SEGMENT_HEADER.size:
                raise NotTickwire(f"{self.path} is not a Tickwire segment (only {st.st_size} bytes)")
            self.mm = mmap.mmap(fd, st.st_size, access=mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ)
        finally:
            os.close(fd)
        self.size = len(self.mm)
        self._mv = memoryview(self.mm)
        self._q = self._mv[: self.size - self.size % 8].cast("Q")
        self._i = self._mv[: self.size - self.size % 4].cast("I")
        try:
            self._validate()
        except BaseException:
            self.close()
            raise

    def _validate(self):
        if self.u64(0) != ABI_MAGIC:
            raise NotTickwire(f"{self.path} is not a Tickwire segment (bad magic 0x{self.u64(0):016x})")
        h = SEGMENT_HEADER.unpack(self.mm)
        self.abi_major, self.abi_minor = h["abi_major"], h["abi_minor"]
        if self.abi_major != ABI_MAJOR:
            raise UnsupportedABI(
                f"{self.path} has ABI {self.abi_major}.{self.abi_minor}; this reader knows ABI "
                f"{ABI_MAJOR}.{ABI_MINOR} and refuses another major version")
        if h["kind"] != self.kind:
            raise WrongKind(f"{self.path} holds a {KIND_NAMES.get(h['kind'], '?')} segment "
                            f"(kind {h['kind']}), expected {KIND_NAMES.get(self.kind, '?')}")
        if h["segment_size"] > self.size:
            raise NotTickwire(f"{self.path} is truncated: segment_size {h['segment_size']}, but the file has "
                              f"{self.size} bytes")
        if (h["region_offset"] < SEGMENT_HEADER.size or h["region_offset"] % 8
                or h["region_offset"] > h["segment_size"]):
            self.fault("region_offset", h["region_offset"],
                       "is not an 8-aligned offset between the header and segment_size")
        if h["region_size"] > h["segment_size"] - h["region_offset"]:
            self.fault("region_size", h["region_size"], "runs past segment_size")
        self.generation = h["generation"]
        self.writer_pid = h["writer_pid"]
        self.created_ns = h["created_ns"]
        self.segment_size = h["segment_size"]
        self.region_offset = h["region_offset"]
        self.region_size = h["region_size"]
        self.region_end = self.region_offset + self.region_size
        self.header_instance = _cstr(h["instance"])

    # -- shared words ------------------------------------------------------
    def u64(self, offset: int) -> int:
        return self._q[offset >> 3]

    def u32(self, offset: int) -> int:
        return self._i[offset >> 2]

    def bytes(self, offset: int, length: int) -> bytes:
        return self.mm[offset:offset + length]

    def check_range(self, offset: int, length: int, what: str):
        if offset < 0 or length < 0 or offset + length > self.size or offset % 8:
            raise NotTickwire(f"{self.path}: {what} lies outside the segment or is misaligned")

    def fault(self, field: str, value: int, problem: str):
        """Refuses the segment, naming the header field at fault (tw_segment_check's message)."""
        raise NotTickwire(f"{self.path}: invalid {KIND_NAMES.get(self.kind, '?')} segment: {field} = {value}: "
                          f"{problem}")

    def need_region(self, nbytes: int, what: str):
        """The kind's header must fit in the region."""
        if self.region_size < nbytes:
            self.fault("region_size", self.region_size, f"cannot hold the {what}")

    def check_span(self, field: str, offset: int, count: int, size: int, after_header: int, what: str):
        """[offset, offset + count * size) must be 8-aligned and inside the region, after its header
        (tw_span_inside; Python integers do not wrap)."""
        lo = self.region_offset + after_header
        if offset % 8 or offset < lo or offset + count * size > self.region_end:
            self.fault(field, offset, f"{what} from here do not fit in the region after its header")

    @property
    def state(self) -> int:
        return self.u64(24) & 0xFFFFFFFF  # low half of the word holding state and writer_pid

    @property
    def heartbeat_ns(self) -> int:
        v = self.u64(SEGMENT_HEADER.offsets["heartbeat_ns"])
        return v - (1 << 64) if v >> 63 else v

    def replacement(self) -> "Segment | None":
        """A different segment now at the path (another engine start), attached; else None."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        if (st.st_dev, st.st_ino) == (self.dev, self.ino):
            return None
        try:
            new = Segment(self.instance, self.kind, self.path)
        except TickwireError:
            return None
        if new.generation == self.generation:
            new.close()
            return None
        return new

    def close(self):
        for name in ("_q", "_i", "_mv"):
            view = getattr(self, name, None)
            if view is not None:
                view.release()
                setattr(self, name, None)
        if getattr(self, "mm", None) is not None:
            self.mm.close()
            self.mm = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------
# Books
# --------------------------------------------------------------------------
@dataclass
class Instrument:
    index: int
    symbol: str
    venue: str
    price_exponent: int
    qty_exponent: int
    tick_size: int
    step_size: int
    min_notional: int


@dataclass
class Book:
    """A consistent copy of one book block; levels are (price, quantity) mantissas, best first."""
    seq: int
    update_id: int
    first_update_id: int
    exchange_ns: int
    recv_ns: int
    publish_ns: int
    flags: int
    bids: list = field(default_factory=list)
    asks: list = field(default_factory=list)
    attempts: int = 1

    @property
    def stale(self) -> bool:
        return bool(self.flags & BOOK_FLAG_STALE)


class BookReader:
    """The books segment: instrument table and seqlocked book blocks."""

    def __init__(self, instance: str = DEFAULT_INSTANCE, segment: Segment | None = None):
        self.segment = seg = segment or Segment(instance, SEG_BOOKS)
        seg.need_region(BOOKS_HEADER.size, "books header")
        h = BOOKS_HEADER.unpack(seg.mm, seg.region_offset)
        self.count, self.depth, self.block_size = h["instrument_count"], h["depth"], h["block_size"]
        self.instruments_offset, self.blocks_offset = h["instruments_offset"], h["blocks_offset"]
        if not 0 < self.count <= MAX_INSTRUMENTS:
            seg.fault("books.instrument_count", self.count, f"is not 1..TW_MAX_INSTRUMENTS ({MAX_INSTRUMENTS})")
        if not 0 < self.depth <= MAX_DEPTH:
            seg.fault("books.depth", self.depth, f"is not 1..TW_MAX_DEPTH ({MAX_DEPTH})")
        if self.block_size < BOOK_HEADER.size + 2 * self.depth * LEVEL.size or self.block_size % 8:
            seg.fault("books.block_size", self.block_size,
                      "is not a multiple of 8 that holds the header and depth levels a side")
        seg.check_span("books.instruments_offset", self.instruments_offset, self.count, INSTRUMENT_INFO.size,
                       BOOKS_HEADER.size, "instrument_count instrument entries")
        seg.check_span("books.blocks_offset", self.blocks_offset, self.count, self.block_size,
                       BOOKS_HEADER.size, "instrument_count x block_size bytes")
        if (self.blocks_offset < self.instruments_offset + self.count * INSTRUMENT_INFO.size
                and self.instruments_offset < self.blocks_offset + self.count * self.block_size):
            seg.fault("books.blocks_offset", self.blocks_offset, "the blocks overlap the instrument table")
        self.instruments = []
        for i in range(self.count):
            d = INSTRUMENT_INFO.unpack(seg.mm, self.instruments_offset + i * INSTRUMENT_INFO.size)
            self.instruments.append(Instrument(
                index=i, symbol=_cstr(d["symbol"]), venue=_cstr(d["venue"]),
                price_exponent=d["price_exponent"], qty_exponent=d["qty_exponent"],
                tick_size=d["tick_size"], step_size=d["step_size"], min_notional=d["min_notional"]))
        self._by_symbol = {inst.symbol: inst for inst in self.instruments}

    @property
    def generation(self) -> int:
        return self.segment.generation

    def instrument(self, symbol: str) -> Instrument:
        inst = self._by_symbol.get(symbol.upper())
        if inst is None:
            known = ", ".join(i.symbol for i in self.instruments)
            raise TickwireError(f"unknown symbol '{symbol}' on instance {self.segment.instance} (known: {known})")
        return inst

    def feed_state(self, index: int) -> int:
        return self.segment.u32(self.instruments_offset + index * INSTRUMENT_INFO.size
                                + INSTRUMENT_INFO.offsets["feed_state"])

    def read(self, index: int, levels: int = 1, max_retries: int = BOOK_READ_RETRIES) -> Book:
        """Seqlocked copy of a book (tw_book_read): read seq; odd -> retry; copy; re-read seq;
        equal -> done. Raises BookBusy after max_retries attempts without a stable copy."""
        seg = self.segment
        if not 0 <= index < self.count:
            raise TickwireError(f"instrument index {index} is not below the instrument count {self.count}")
        block = self.blocks_offset + index * self.block_size
        n = max(0, min(levels, self.depth))
        asks_at = block + BOOK_HEADER.size + self.depth * LEVEL.size
        lv = LEVEL.size
        for attempt in range(1, max_retries + 1):
            s1 = seg.u64(block)
            if s1 & 1:
                continue
            head = seg.bytes(block, BOOK_HEADER.size)
            bids = seg.bytes(block + BOOK_HEADER.size, n * lv)
            asks = seg.bytes(asks_at, n * lv)
            if seg.u64(block) != s1:
                continue
            h = BOOK_HEADER.unpack(head)
            nb, na = min(h["bid_count"], n), min(h["ask_count"], n)
            return Book(seq=s1, update_id=h["update_id"], first_update_id=h["first_update_id"],
                        exchange_ns=h["exchange_ns"], recv_ns=h["recv_ns"], publish_ns=h["publish_ns"],
                        flags=h["flags"],
                        bids=[struct.unpack_from("<qq", bids, k * lv) for k in range(nb)],
                        asks=[struct.unpack_from("<qq", asks, k * lv) for k in range(na)],
                        attempts=attempt)
        raise BookBusy(f"{self.instruments[index].symbol}: no stable copy of the book after {max_retries} "
                       "attempts (writer busy or stopped mid-write)")

    def close(self):
        self.segment.close()


# --------------------------------------------------------------------------
# Broadcast ring (md, exec)
# --------------------------------------------------------------------------
@dataclass
class Message:
    seq: int
    type: int
    instrument: int
    length: int
    payload: bytes


@dataclass
class Lapped:
    """The writer lapped the reader: `lost` messages skipped, resuming at message `resume`."""
    lost: int
    resume: int


class RingReader:
    """A private cursor over a broadcast ring; the protocol of tw_ring_poll() in reader.h."""

    def __init__(self, instance: str = DEFAULT_INSTANCE, kind: int = SEG_MD, from_oldest: bool = False,
                 segment: Segment | None = None):
        self.segment = seg = segment or Segment(instance, kind)
        ring_at = seg.region_offset
        header = EXEC_HEADER.size if seg.kind == SEG_EXEC else RING_HEADER.size
        seg.need_region(header, "exec journal header" if seg.kind == SEG_EXEC else "ring header")
        r = RING_HEADER.unpack(seg.mm, ring_at)
        self.slot_size, self.slot_count, self.slots_offset = r["slot_size"], r["slot_count"], r["slots_offset"]
        count, size = self.slot_count, self.slot_size
        if seg.kind == SEG_EXEC and size != EXEC_SLOT_SIZE:
            seg.fault("exec.ring.slot_size", size, f"is not TW_EXEC_SLOT_SIZE ({EXEC_SLOT_SIZE})")
        if count < 2 or count & (count - 1):
            seg.fault("ring.slot_count", count, "is not a power of two >= 2")
        if size < 64 or size & (size - 1):
            seg.fault("ring.slot_size", size, "is not a power of two >= 64")
        seg.check_span("ring.slots_offset", self.slots_offset, count, size, header, "slot_count x slot_size bytes")
        self._head_at = ring_at + RING_HEADER.offsets["head"]
        self.mask = count - 1
        self.room = size - SLOT_HEADER.size
        self.lost = 0
        self.laps = 0
        head = self.head()
        self.next = head + 1
        if from_oldest:
            self.next = head - count + 2 if head >= count else 1

    @property
    def generation(self) -> int:
        return self.segment.generation

    def head(self) -> int:
        """Last published message number (0: none yet)."""
        return self.segment.u64(self._head_at)

    def _resync(self) -> Lapped:
        """tw_ring_cursor_resync: resume half a ring behind the writer, counting the skip."""
        head, half = self.head(), (self.mask + 1) // 2
        resume = head + 1 - half if head + 1 > half else 1
        if resume <= self.next:
            resume = self.next + 1
        lost = resume - self.next
        self.lost += lost
        self.laps += 1
        self.next = resume
        return Lapped(lost=lost, resume=resume)

    def poll(self) -> Message | Lapped | None:
        """The next message, Lapped after a lap (cursor already resynchronised), or None."""
        seg = self.segment
        slot = self.slots_offset + (self.next & self.mask) * self.slot_size
        want = self.next << 1
        s1 = seg.u64(slot)
        if s1 != want:
            if (s1 >> 1) > self.next:
                return self._resync()
            return None  # not written yet, or being written
        meta = seg.u64(slot + 8)
        payload = seg.bytes(slot + SLOT_HEADER.size, self.room)
        if seg.u64(slot) != s1:
            return self._resync()  # overwritten while we copied
        msg = Message(seq=self.next, type=(meta >> 32) & 0xFFFF, instrument=meta >> 48,
                      length=min(meta & 0xFFFFFFFF, self.room), payload=payload)
        self.next += 1
        return msg

    def close(self):
        self.segment.close()


def decode_md(msg: Message, instruments: list[Instrument]) -> dict:
    """An md message as the JSON object `tail` prints (decimal strings, ns ints)."""
    inst = instruments[msg.instrument] if msg.instrument < len(instruments) else None
    pe, qe = (inst.price_exponent, inst.qty_exponent) if inst else (0, 0)
    symbol = inst.symbol if inst else f"#{msg.instrument}"
    kind = MD_TYPE_NAMES.get(msg.type)
    need = {MD_BOOK: MD_BOOK_PAYLOAD, MD_BBO: MD_BOOK_PAYLOAD, MD_TRADE: MD_TRADE_PAYLOAD,
            MD_STATUS: MD_STATUS_PAYLOAD}.get(msg.type)
    o = {"seq": msg.seq}
    if need is None or msg.length < need.size:
        o.update({"type": "unknown", "raw_type": msg.type, "symbol": symbol, "instrument": msg.instrument,
                  "length": msg.length})
        return o
    o.update({"type": kind, "symbol": symbol, "instrument": msg.instrument})
    d = need.unpack(msg.payload)
    if msg.type in (MD_BOOK, MD_BBO):
        o.update({"update_id": d["update_id"], "first_update_id": d["first_update_id"],
                  "exchange_ns": d["exchange_ns"], "recv_ns": d["recv_ns"], "publish_ns": d["publish_ns"],
                  "bid_px": format_decimal(d["bid_px"], pe), "bid_qty": format_decimal(d["bid_qty"], qe),
                  "ask_px": format_decimal(d["ask_px"], pe), "ask_qty": format_decimal(d["ask_qty"], qe),
                  "levels_changed": d["levels_changed"], "stale": bool(d["flags"] & BOOK_FLAG_STALE)})
    elif msg.type == MD_TRADE:
        o.update({"trade_id": d["trade_id"], "exchange_ns": d["exchange_ns"], "recv_ns": d["recv_ns"],
                  "publish_ns": d["publish_ns"], "price": format_decimal(d["price"], pe),
                  "qty": format_decimal(d["quantity"], qe), "aggressor": SIDE_NAMES.get(d["aggressor"])})
    else:
        o.update({"state": feed_state_name(d["feed_state"]), "reason": d["reason"],
                  "publish_ns": d["publish_ns"]})
    return o


def _flag_names(flags: int) -> list[str]:
    return [name for bit, name in EXEC_FLAG_NAMES if flags & bit]


def decode_exec(msg: Message, instruments: list[Instrument]) -> dict:
    """An exec journal record as the JSON object `tail exec` prints: names for enums, decimal
    strings for prices and quantities (the instrument's exponents), strings for ids and text."""
    inst = instruments[msg.instrument] if msg.instrument < len(instruments) else None
    pe, qe = (inst.price_exponent, inst.qty_exponent) if inst else (0, 0)
    symbol = inst.symbol if inst else f"#{msg.instrument}"
    name = EXEC_TYPE_NAMES.get(msg.type)
    need = {EXEC_BALANCE: EXEC_BALANCE_PAYLOAD, EXEC_POSITION: EXEC_POSITION_PAYLOAD}.get(msg.type, EXEC_REPORT)
    o = {"seq": msg.seq}
    if name is None or msg.length < need.size:
        o.update({"type": "unknown", "raw_type": msg.type, "symbol": symbol, "instrument": msg.instrument,
                  "length": msg.length})
        return o
    o.update({"type": name, "symbol": symbol, "instrument": msg.instrument})
    d = need.unpack(msg.payload)
    if msg.type == EXEC_BALANCE:
        e = d["exponent"]
        o.update({"asset": _cstr(d["asset"]), "free": format_decimal(d["free"], e),
                  "locked": format_decimal(d["locked"], e), "delta": format_decimal(d["delta"], e),
                  "venue_ns": d["venue_ns"], "recv_ns": d["recv_ns"], "publish_ns": d["publish_ns"]})
        return o
    if msg.type == EXEC_POSITION:
        o.update({"amount": format_decimal(d["amount"], qe), "entry_price": format_decimal(d["entry_price"], pe),
                  "unrealized": format_decimal(d["unrealized"], d["exponent"]),
                  "venue_ns": d["venue_ns"], "recv_ns": d["recv_ns"], "publish_ns": d["publish_ns"]})
        return o
    local = bool(d["flags"] & EXEC_FLAG_LOCAL)
    reject = REJECT_CODE_NAMES.get(d["code"]) if local and d["code"] > 0 else None
    o.update({
        "command_id": d["command_id"], "producer": d["producer"], "producer_pid": d["producer"] >> 32,
        "client_order_id": _cstr(d["client_order_id"]), "venue_order_id": d["venue_order_id"],
        "trade_id": d["trade_id"],
        "side": SIDE_NAMES.get(d["side"], "none" if d["side"] == 0 else f"unknown({d['side']})"),
        "order_type": ORDER_TYPE_NAMES.get(d["order_type"], f"unknown({d['order_type']})") if d["order_type"] else None,
        "tif": TIF_NAMES.get(d["tif"], f"unknown({d['tif']})") if d["tif"] else None,
        "order_state": ORDER_STATE_NAMES.get(d["order_state"], f"UNKNOWN({d['order_state']})"),
        "price": format_decimal(d["price"], pe), "quantity": format_decimal(d["quantity"], qe),
        "cum_quantity": format_decimal(d["cum_quantity"], qe), "cum_quote": format_decimal(d["cum_quote"], pe + qe),
        "fee": format_decimal(d["fee"], d["fee_exponent"]), "fee_asset": _cstr(d["fee_asset"]),
        "code": d["code"], "reject": reject, "flags": _flag_names(d["flags"]), "strategy_id": d["strategy_id"],
        "text": _cstr(d["text"]), "venue_ns": d["venue_ns"], "recv_ns": d["recv_ns"], "publish_ns": d["publish_ns"]})
    return o


def text_exec(o: dict) -> str:
    """One line of plain text for an exec record (tail exec --text)."""
    head = f"#{o['seq']} {o['type']:<13} {o['symbol']}"
    if "asset" in o:
        return f"{head} {o['asset']} free {o['free']} locked {o['locked']} delta {o['delta']}"
    if "amount" in o:
        return f"{head} amount {o['amount']} entry {o['entry_price']} unrealized {o['unrealized']}"
    if "command_id" not in o:
        return f"{head} (unknown record type {o.get('raw_type')}, {o.get('length')} bytes)"
    line = (f"{head} {o['side']} {o['quantity']} @ {o['price']} {o['order_state']} cmd {o['command_id']} "
            f"pid {o['producer_pid']} coid {o['client_order_id'] or '-'}")
    if o["type"] in ("rejected", "cancel_reject", "halt"):
        line += f" code {o['code']}" + (f" ({o['reject']})" if o["reject"] else "") + f" {o['text']!r}"
    if o["type"] in ("partial_fill", "fill"):
        line += f" cum {o['cum_quantity']} fee {o['fee']} {o['fee_asset']}"
    return line


def text_md(o: dict) -> str:
    """One-line human form of a decoded md event."""
    head = f"{o['seq']:>10} {o['type']:<7} {o['symbol']:<12}"
    t = o["type"]
    if t in ("book", "bbo"):
        stale = " STALE" if o["stale"] else ""
        return (f"{head} {o['bid_qty']} @ {o['bid_px']} / {o['ask_px']} x {o['ask_qty']}"
                f"  u={o['update_id']}{stale}")
    if t == "trade":
        return f"{head} {o['qty']} @ {o['price']} {o['aggressor'] or '-'} id={o['trade_id']}"
    if t == "status":
        return f"{head} feed {o['state']} reason={o['reason']}"
    return f"{head} type={o['raw_type']} length={o['length']}"


# --------------------------------------------------------------------------
# Stats
# --------------------------------------------------------------------------
class StatsReader:
    """Counters, per-instrument stats and histograms (single-writer words, read relaxed)."""

    def __init__(self, instance: str = DEFAULT_INSTANCE, segment: Segment | None = None):
        self.segment = seg = segment or Segment(instance, SEG_STATS)
        seg.need_region(STATS_HEADER.size, "stats header")
        h = STATS_HEADER.unpack(seg.mm, seg.region_offset)
        self.instrument_count = h["instrument_count"]
        self.counter_count = h["counter_count"]
        self.histogram_count = h["histogram_count"]
        self.histogram_buckets = h["histogram_buckets"]
        if self.instrument_count > MAX_INSTRUMENTS:
            seg.fault("stats.instrument_count", self.instrument_count, "is more than TW_MAX_INSTRUMENTS")
        if self.counter_count < CTR_COUNT:
            seg.fault("stats.counter_count", self.counter_count, f"is less than TW_CTR_COUNT ({CTR_COUNT})")
        if self.histogram_count < HIST_COUNT:
            seg.fault("stats.histogram_count", self.histogram_count, f"is less than TW_HIST_COUNT ({HIST_COUNT})")
        if self.histogram_buckets != HIST_BUCKETS:
            seg.fault("stats.histogram_buckets", self.histogram_buckets, f"is not TW_HIST_BUCKETS ({HIST_BUCKETS})")
        self.counters_offset, self.instruments_offset = h["counters_offset"], h["instruments_offset"]
        self.histograms_offset = h["histograms_offset"]
        seg.check_span("stats.counters_offset", self.counters_offset, self.counter_count, 8, STATS_HEADER.size,
                       "counter_count counters")
        seg.check_span("stats.instruments_offset", self.instruments_offset, self.instrument_count,
                       INSTRUMENT_STATS.size, STATS_HEADER.size, "instrument_count entries")
        seg.check_span("stats.histograms_offset", self.histograms_offset, self.histogram_count, HISTOGRAM.size,
                       STATS_HEADER.size, "histogram_count histograms")

    def counters(self) -> list[int]:
        return [self.segment.u64(self.counters_offset + 8 * i) for i in range(self.counter_count)]

    def _words(self, offset: int, lay: Layout) -> dict:
        seg = self.segment
        out = {}
        for name, off in lay.offsets.items():
            if name != "buckets":
                out[name] = seg.u64(offset + off)
        return out

    def instrument(self, i: int) -> dict:
        d = self._words(self.instruments_offset + i * INSTRUMENT_STATS.size, INSTRUMENT_STATS)
        for k in ("last_update_ns", "health_ns"):
            if d[k] >> 63:
                d[k] -= 1 << 64
        health = d.pop("health")  # (reason << 32) | detail, since ABI 2.3 (0 before)
        d["health_reason"], d["health_detail"] = health >> 32, health & 0xFFFFFFFF
        return d

    def histogram(self, hid: int) -> dict:
        at = self.histograms_offset + hid * HISTOGRAM.size
        d = self._words(at, HISTOGRAM)
        base = at + HISTOGRAM.offsets["buckets"]
        d["buckets"] = [self.segment.u64(base + 8 * b) for b in range(HIST_BUCKETS)]
        return d

    @staticmethod
    def quantile(hist: dict, q: float) -> int:
        """Low edge of the bucket holding quantile q (tw_hist_quantile)."""
        total = sum(hist["buckets"])
        if total == 0:
            return 0
        rank = max(1, int(q * total))
        seen = 0
        for b, n in enumerate(hist["buckets"]):
            seen += n
            if seen >= rank:
                return hist_bucket_low(b)
        return hist["max"]

    def close(self):
        self.segment.close()


# --------------------------------------------------------------------------
# Account snapshot (ABI 2.1)
# --------------------------------------------------------------------------
class AccountReader:
    """The account segment: one seqlocked snapshot of PnL totals, balances, positions and orders."""

    _ARRAYS = (("balance", "balances", ACCOUNT_BALANCE), ("position", "positions", ACCOUNT_POSITION),
               ("order", "orders", ACCOUNT_ORDER))

    def __init__(self, instance: str = DEFAULT_INSTANCE, segment: Segment | None = None):
        self.segment = seg = segment or Segment(instance, SEG_ACCOUNT)
        seg.need_region(ACCOUNT_HEADER.size, "account header")
        h = ACCOUNT_HEADER.unpack(seg.mm, seg.region_offset)
        self.header_at = seg.region_offset
        self.arrays = {}  # plural name -> (offset, capacity, stride, layout)
        for one, many, lay in self._ARRAYS:
            cap, size, off = h[f"{one}_capacity"], h[f"{one}_size"], h[f"{many}_offset"]
            if cap > ACCOUNT_MAX_CAPACITY:
                seg.fault(f"account.{one}_capacity", cap, f"is more than TW_ACCOUNT_MAX_CAPACITY ({ACCOUNT_MAX_CAPACITY})")
            if size % 8 or size < lay.size or size > ACCOUNT_MAX_ENTRY_SIZE:
                seg.fault(f"account.{one}_size", size, "is not a multiple of 8 between the entry's size and "
                          f"TW_ACCOUNT_MAX_ENTRY_SIZE ({ACCOUNT_MAX_ENTRY_SIZE})")
            seg.check_span(f"account.{many}_offset", off, cap, size, ACCOUNT_HEADER.size, "capacity x size bytes")
            self.arrays[many] = (off, cap, size, lay)
        spans = {m: (off, cap * size) for m, (off, cap, size, _) in self.arrays.items()}
        for a, b in (("positions", "balances"), ("orders", "balances"), ("orders", "positions")):
            (ao, an), (bo, bn) = spans[a], spans[b]
            if an and bn and ao < bo + bn and bo < ao + an:
                seg.fault(f"account.{a}_offset", ao, f"the {a} overlap the {b}")

    @property
    def generation(self) -> int:
        return self.segment.generation

    @property
    def capacities(self) -> dict:
        return {many: cap for many, (_, cap, _, _) in self.arrays.items()}

    def read(self, max_retries: int = ACCOUNT_READ_RETRIES) -> dict:
        """Seqlocked copy of the snapshot (tw_account_read): read seq; odd -> retry; copy the header and the
        counted entries (counts capped at the capacities); re-read seq; equal -> done. Values are raw: amounts
        are mantissas (money at ACCOUNT_EXPONENT), strings decoded. Raises AccountBusy after max_retries."""
        seg, at = self.segment, self.header_at
        for attempt in range(1, max_retries + 1):
            s1 = seg.u64(at)
            if s1 & 1:
                continue
            head = seg.bytes(at, ACCOUNT_HEADER.size)
            h = ACCOUNT_HEADER.unpack(head)
            raw = {}
            for one, many, _ in self._ARRAYS:
                off, cap, size, lay = self.arrays[many]
                n = min(h[f"{one}_count"], cap)
                raw[many] = [seg.bytes(off + i * size, lay.size) for i in range(n)]
            if seg.u64(at) != s1:
                continue
            return self._decode(h, raw, s1, attempt)
        raise AccountBusy(f"{self.segment.path}: no stable copy of the account after {max_retries} attempts "
                          "(writer busy or stopped mid-write)")

    def _decode(self, h: dict, raw: dict, seq: int, attempts: int) -> dict:
        out = {k: h[k] for k in ("version", "updated_ns", "journal_seq", "flags", "truncated_balances",
                                 "truncated_positions", "truncated_orders", "realized", "unrealized", "total",
                                 "daily", "fees", "funding", "max_drawdown", "win_rate_bps", "max_drawdown_bps",
                                 "risk_state", "risk_since_ns")}
        out.update(seq=seq, attempts=attempts, quote_asset=_cstr(h["quote_asset"]), risk_reason=_cstr(h["risk_reason"]),
                   truncated=bool(h["flags"] & ACCOUNT_FLAG_TRUNCATED))
        for _, many, lay in self._ARRAYS:
            rows = []
            for buf in raw[many]:
                d = lay.unpack(buf)
                for key in ("asset", "symbol", "client_order_id"):
                    if key in d:
                        d[key] = _cstr(d[key])
                rows.append(d)
            out[many] = rows
        return out

    def close(self):
        self.segment.close()


def account(instance: str = DEFAULT_INSTANCE, max_retries: int = ACCOUNT_READ_RETRIES) -> dict:
    """One consistent account snapshot of an instance (AccountReader(instance).read()), as a dict."""
    reader = AccountReader(instance)
    try:
        return reader.read(max_retries)
    finally:
        reader.close()


def format_account(snap: dict, segment: Segment | None = None) -> dict:
    """The snapshot as `account --json` prints it (and `tw_account --json`): decimal strings, names, nulls."""
    def money(v: int) -> str:
        return format_decimal(v, ACCOUNT_EXPONENT)

    out = {}
    if segment is not None:
        out.update(instance=segment.header_instance, generation=segment.generation, state=state_name(segment.state))
    out.update(version=snap["version"], updated_ns=snap["updated_ns"], journal_seq=snap["journal_seq"],
               quote_asset=snap["quote_asset"], truncated=snap["truncated"],
               left_out={"balances": snap["truncated_balances"], "positions": snap["truncated_positions"],
                         "orders": snap["truncated_orders"]})
    totals = {k: money(snap[k]) for k in ("realized", "unrealized", "total", "daily", "fees", "funding",
                                          "max_drawdown")}
    totals["win_rate_bps"] = snap["win_rate_bps"] if snap["win_rate_bps"] >= 0 else None
    totals["max_drawdown_bps"] = snap["max_drawdown_bps"] if snap["max_drawdown_bps"] >= 0 else None
    out["totals"] = totals
    # The kill switch (ABI 2.1); a state this reader does not know reads as halted, the cautious reading.
    out["risk"] = {"state": RISK_STATE_NAMES.get(snap["risk_state"], "halted"), "since_ns": snap["risk_since_ns"],
                   "reason": snap["risk_reason"]}
    out["balances"] = [{"asset": b["asset"], "total": money(b["total"]), "available": money(b["available"]),
                        "hold": money(b["hold"]), "updated_ns": b["updated_ns"],
                        "source": BALANCE_SOURCE_NAMES.get(b["source"], "unknown")} for b in snap["balances"]]
    out["positions"] = [{
        "strategy_id": p["strategy_id"], "symbol": p["symbol"], "market": MARKET_NAMES.get(p["market"], "unknown"),
        "size": format_decimal(p["size"], p["qty_exponent"]), "entry_price": money(p["entry_price"]),
        "mark_price": None if p["flags"] & POSITION_FLAG_NO_MARK else money(p["mark_price"]),
        "unrealized": money(p["unrealized"]), "realized": money(p["realized"]), "fees": money(p["fees"]),
        "funding": money(p["funding"]), "margin_used": money(p["margin_used"]),
        "liquidation_price": None if p["flags"] & POSITION_FLAG_NO_LIQUIDATION else money(p["liquidation_price"]),
        "leverage": p["leverage"], "updated_ns": p["updated_ns"]} for p in snap["positions"]]
    out["orders"] = [{
        "client_order_id": o["client_order_id"], "venue_order_id": o["venue_order_id"], "symbol": o["symbol"],
        "side": SIDE_NAMES.get(o["side"]), "type": ORDER_TYPE_NAMES.get(o["order_type"]),
        "state": ORDER_STATE_NAMES.get(o["state"], "?"), "is_open": bool(o["is_open"]),
        "strategy_id": o["strategy_id"], "price": format_decimal(o["price"], o["price_exponent"]),
        "quantity": format_decimal(o["quantity"], o["qty_exponent"]),
        "filled": format_decimal(o["filled"], o["qty_exponent"]), "average_price": money(o["average_price"]),
        "last_update_ns": o["last_update_ns"], "last_event_seq": o["last_event_seq"]} for o in snap["orders"]]
    return out


# --------------------------------------------------------------------------
# Command producer (cmd lanes, ABI 2.0)
#
# Claiming a lane is a compare-and-swap of the lane's owner word (0 or a dead
# producer's token -> ours), which pure Python cannot do on an mmap: there is
# no atomic read-modify-write in the standard library, and a lock file would
# exclude only other Python producers, never the engine's C and Swift ones. So
# the claim (and the release, also a CAS) call the engine's own
# tw_cmd_lane_claim / tw_cmd_lane_release through ctypes, from
# libtw_producer.so, which `make readers` builds from CSources/CEngineShm/shm.c
# and layout.c plus Tools/readers/c/tw_producer.c. One implementation of the
# claim rule for every producer.
#
# The submit itself is Python, exactly as tw_cmd_lane_push: check LIVE and the
# generation (else Stale, the -ESTALE of C), check we still own the lane
# (else LaneLost, -EPERM), check room (else LaneFull, -ENOBUFS, counted in
# rejected_full with an atomic add from the library), copy the slot, then
# store tail + 1 LAST. Memory ordering of that last store: on x86-64 the
# tail is written through a memoryview cast to "Q", i.e. one aligned 8-byte
# store (CPython packs a "Q" item with a fixed-size 8-byte memcpy, which
# compilers emit as a single mov), and x86-64 (TSO) never makes a store
# visible before an earlier store of the same thread: the consumer's acquire
# load of tail therefore sees the complete slot. The slot copy and the tail
# store are separate calls into the interpreter, so no compiler reorders them.
# On other architectures stores can be reordered, so the tail goes through
# the library's release store (tw_producer_store_release) instead.
# --------------------------------------------------------------------------
class CommandError(TickwireError):
    """A submit the engine's intake refused before anything was written; errno says which."""
    errno_name = "EIO"


class Stale(CommandError):
    """The engine is not LIVE or restarted (generation changed): -ESTALE. Nothing was written."""
    errno_name = "ESTALE"


class NoLane(CommandError):
    """Every lane is owned by a live producer: -EBUSY (counted in rejected_no_lane)."""
    errno_name = "EBUSY"


class LaneFull(CommandError):
    """Our lane is full (the engine is not consuming): -ENOBUFS (counted in rejected_full)."""
    errno_name = "ENOBUFS"


class LaneLost(CommandError):
    """The lane is no longer ours (released, or reclaimed): -EPERM."""
    errno_name = "EPERM"


class AnswerTimeout(TickwireError):
    """No ACCEPTED/REJECTED record for our command within the timeout."""


_ERRNO_CLASSES = {"ESTALE": Stale, "EBUSY": NoLane, "ENOBUFS": LaneFull, "EPERM": LaneLost}


def _default_library_path() -> str:
    return os.environ.get("TICKWIRE_PRODUCER_LIB") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "c", "libtw_producer.so")


def producer_library(path: str | None = None) -> ctypes.CDLL:
    """libtw_producer.so (built by `make readers`), checked to be of this ABI major."""
    path = path or _default_library_path()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise TickwireError(f"cannot load {path} ({e}); build it with `make readers` "
                            "(or set TICKWIRE_PRODUCER_LIB)") from None
    lib.tw_producer_abi_major.restype = ctypes.c_int
    lib.tw_cmd_lane_claim.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32),
                                      ctypes.POINTER(ctypes.c_uint64)]
    lib.tw_cmd_lane_claim.restype = ctypes.c_int
    lib.tw_cmd_lane_release.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint64]
    lib.tw_cmd_lane_release.restype = None
    lib.tw_error_message.restype = ctypes.c_char_p
    lib.tw_producer_store_release.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    lib.tw_producer_store_release.restype = None
    lib.tw_producer_fetch_add.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    lib.tw_producer_fetch_add.restype = ctypes.c_uint64
    if lib.tw_producer_abi_major() != ABI_MAJOR:
        raise UnsupportedABI(f"{path} was built for ABI {lib.tw_producer_abi_major()}, this reader knows "
                             f"{ABI_MAJOR}: rebuild it with `make readers`")
    return lib


def to_mantissa(text: str, exponent: int, what: str) -> int:
    """An exact decimal string as an int64 mantissa at 10^exponent; never rounds."""
    try:
        d = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise TickwireError(f"{what} '{text}' is not a decimal number") from None
    if not d.is_finite():
        raise TickwireError(f"{what} '{text}' is not a finite number")
    scaled = d.scaleb(-exponent)
    if scaled != scaled.to_integral_value():
        raise TickwireError(f"{what} {text} is not a multiple of {format_decimal(1, exponent)}")
    m = int(scaled)
    if not -(1 << 63) <= m < (1 << 63):
        raise TickwireError(f"{what} {text} does not fit an int64 mantissa at exponent {exponent}")
    return m


_TSO = platform.machine().lower() in ("x86_64", "amd64")


class CommandProducer:
    """One claimed lane of an engine's cmd segment; `push` mirrors tw_cmd_lane_push.

    Use as a context manager, or call `close()`: it releases the lane (a producer that dies
    without releasing is reclaimed by the next claimer once its pid is gone and reaped).
    """

    def __init__(self, instance: str = DEFAULT_INSTANCE, library: str | None = None):
        self.lib = producer_library(library)
        self.segment = seg = Segment(instance, SEG_CMD, writable=True)
        self._buf = None
        try:
            self._layout(seg)
            self.generation = seg.generation
            self._buf = (ctypes.c_char * seg.size).from_buffer(seg.mm)
            self._base = ctypes.addressof(self._buf)
            lane, token = ctypes.c_uint32(), ctypes.c_uint64()
            rc = self.lib.tw_cmd_lane_claim(self._base, ctypes.byref(lane), ctypes.byref(token))
            if rc != 0:
                raise self._error(rc, self.lib.tw_error_message().decode(errors="replace"))
        except BaseException:
            self._unmap()
            raise
        self.lane, self.token = lane.value, token.value
        self.lane_at = self.lanes_offset + self.lane * self.lane_size
        self._slots_at = self.lane_at + CMD_LANE.size
        self.next_id = 1
        self.released = False

    def _layout(self, seg: Segment):
        seg.need_region(CMD_HEADER.size, "command header")
        h = CMD_HEADER.unpack(seg.mm, seg.region_offset)
        self.lane_count, self.lane_slots = h["lane_count"], h["lane_slots"]
        self.lane_size, self.lanes_offset = h["lane_size"], h["lanes_offset"]
        slots = self.lane_slots
        if not 0 < self.lane_count <= CMD_MAX_LANES:
            seg.fault("cmd.lane_count", self.lane_count, f"is not 1..TW_CMD_MAX_LANES ({CMD_MAX_LANES})")
        if slots < 2 or slots & (slots - 1):
            seg.fault("cmd.lane_slots", slots, "is not a power of two >= 2")
        if h["slot_size"] != CMD_SLOT_SIZE:
            seg.fault("cmd.slot_size", h["slot_size"], f"is not TW_CMD_SLOT_SIZE ({CMD_SLOT_SIZE})")
        if self.lane_size != CMD_LANE.size + slots * CMD_SLOT_SIZE:
            seg.fault("cmd.lane_size", self.lane_size, f"is not {CMD_LANE.size} + lane_slots x slot_size")
        seg.check_span("cmd.lanes_offset", self.lanes_offset, self.lane_count, self.lane_size, CMD_HEADER.size,
                       "lane_count x lane_size bytes")
        self._rejected_full_at = seg.region_offset + CMD_HEADER.offsets["rejected_full"]

    @staticmethod
    def _error(rc: int, message: str) -> TickwireError:
        import errno as _errno
        name = _errno.errorcode.get(-rc, str(rc))
        return _ERRNO_CLASSES.get(name, CommandError)(f"{message or os.strerror(-rc)} ({name})")

    def check_live(self):
        """Raises Stale unless the engine is LIVE and still of the generation we attached to."""
        seg = self.segment
        state = seg.state
        if state != STATE_LIVE:
            raise Stale(f"the engine's command segment is {state_name(state)}, not live: nothing was sent "
                        f"(instance {seg.instance}, ESTALE)")
        if seg.u64(SEGMENT_HEADER.offsets["generation"]) != self.generation:
            raise Stale(f"the engine restarted (generation changed): nothing was sent (ESTALE)")

    def push(self, cmd: dict) -> int:
        """Writes one command (tw_command_t fields; command_id assigned when absent) and returns
        its command_id. Raises Stale, LaneLost or LaneFull with nothing written."""
        seg = self.segment
        self.check_live()
        if self.released or seg.u64(self.lane_at) != self.token:
            raise LaneLost(f"lane {self.lane} is no longer ours (EPERM)")
        tail = seg.u64(self.lane_at + CMD_LANE.offsets["tail"])  # we are its only writer
        head = seg.u64(self.lane_at + CMD_LANE.offsets["head"])  # consumer's progress
        if tail - head >= self.lane_slots:
            self.lib.tw_producer_fetch_add(self._base + self._rejected_full_at, 1)
            raise LaneFull(f"lane {self.lane} is full ({self.lane_slots} commands waiting): "
                           "the engine is not consuming (ENOBUFS)")
        command_id = cmd.get("command_id") or self.next_id
        self.next_id = max(self.next_id, command_id) + 1
        values = dict(cmd, command_id=command_id)
        payload = COMMAND.struct.pack(*[values.get(name, b"" if name == "client_order_id" else 0)
                                        for name in COMMAND._names])
        meta = COMMAND.size | (values.get("op", 0) << 32) | ((values.get("instrument", 0) & 0xFFFF) << 48)
        slot = self._slots_at + (tail & (self.lane_slots - 1)) * CMD_SLOT_SIZE
        # The slot's first word is our token: the answer is ours even if the lane changes owner.
        seg.mm[slot:slot + CMD_SLOT_SIZE] = SLOT_HEADER.struct.pack(self.token, meta & 0xFFFFFFFF, meta >> 32 & 0xFFFF,
                                                                    meta >> 48) + payload
        submitted_at = self.lane_at + CMD_LANE.offsets["submitted"]
        seg._q[submitted_at >> 3] = seg.u64(submitted_at) + 1
        self._publish_tail(self.lane_at + CMD_LANE.offsets["tail"], tail + 1)
        return command_id

    def _publish_tail(self, offset: int, value: int):
        if _TSO:
            self.segment._q[offset >> 3] = value  # one aligned 8-byte store; TSO: after the slot's stores
        else:
            self.lib.tw_producer_store_release(self._base + offset, value)

    def release(self):
        if not self.released and self._buf is not None:
            self.lib.tw_cmd_lane_release(self._base, self.lane, self.token)
            self.released = True

    def _unmap(self):
        self._buf = None  # the ctypes view must go before the mmap can close
        self.segment.close()

    def close(self):
        self.release()
        self._unmap()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def answer_of(msg: Message) -> tuple[int, int] | None:
    """(producer token, command_id) of an ACCEPTED/REJECTED record, else None."""
    if msg.type not in (EXEC_ACCEPTED, EXEC_REJECTED) or msg.length < EXEC_REPORT.size:
        return None
    command_id, producer = struct.unpack_from("<QQ", msg.payload, 0)
    return producer, command_id


def submit_order(instance: str, symbol: str, side: str, quantity: str, price: str | None = None,
                 order_type: str = "limit", tif: str = "GTC", client_order_id: str = "", strategy_id: int = 0,
                 timeout: float = 5.0, producer: CommandProducer | None = None) -> dict:
    """Submits a new order and waits for its answer in the exec journal.

    Returns the decoded ACCEPTED or REJECTED record (as `tail exec` prints it). Raises Stale, NoLane,
    LaneFull (nothing sent), AnswerTimeout, or TickwireError for a bad symbol or a price or quantity
    that is not exact at the instrument's exponents (never rounded).
    """
    types = {v: k for k, v in ORDER_TYPE_NAMES.items()}
    tifs = {v: k for k, v in TIF_NAMES.items()}
    sides = {v: k for k, v in SIDE_NAMES.items()}
    if order_type not in types or tif.upper() not in tifs or side.lower() not in sides:
        raise TickwireError(f"bad order: type {order_type!r}, tif {tif!r}, side {side!r}")
    if len(client_order_id.encode()) >= CLIENT_ID_MAX:
        raise TickwireError(f"client order id longer than {CLIENT_ID_MAX - 1} bytes")
    books = BookReader(instance)
    try:
        inst = books.instrument(symbol)
        instruments = books.instruments
    finally:
        books.close()
    qty = to_mantissa(quantity, inst.qty_exponent, "quantity")
    px = 0 if price is None else to_mantissa(price, inst.price_exponent, "price")
    if order_type != "market" and price is None:
        raise TickwireError(f"a {order_type} order needs --price")
    own = producer is None
    producer = producer or CommandProducer(instance)
    try:
        journal = RingReader(instance, SEG_EXEC)  # positioned before we send: the answer cannot slip by
        try:
            command_id = producer.push({
                "created_ns": time.time_ns(), "price": px, "quantity": qty, "instrument": inst.index,
                "op": CMD_NEW, "side": sides[side.lower()], "order_type": types[order_type],
                "tif": tifs[tif.upper()], "strategy_id": strategy_id,
                "client_order_id": client_order_id.encode()})
            return _await_answer(journal, producer, command_id, instruments, timeout)
        finally:
            journal.close()
    finally:
        if own:
            producer.close()


def _await_answer(journal: RingReader, producer: CommandProducer, command_id: int,
                  instruments: list[Instrument], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    want = (producer.token, command_id)
    nap = 50e-6
    while True:
        item = journal.poll()
        if isinstance(item, Message):
            if answer_of(item) == want:
                return decode_exec(item, instruments)
            nap = 50e-6
            continue
        if isinstance(item, Lapped):
            continue  # keep looking; a lap before our answer shows up as a timeout
        if time.monotonic() >= deadline:
            lapped = f" (the journal lapped this reader {journal.laps} times)" if journal.laps else ""
            raise AnswerTimeout(f"no answer to command {command_id} of producer {producer.token:#x} within "
                                f"{timeout:g} s{lapped}")
        if producer.segment.state != STATE_LIVE:
            raise Stale(f"the engine stopped before answering command {command_id} (ESTALE)")
        time.sleep(nap)
        nap = min(nap * 2, 1e-3)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------
class Output:
    """stdout lines, flushed when idle or at least every 50 ms."""

    def __init__(self):
        self.last_flush = time.monotonic()

    def line(self, text: str):
        sys.stdout.write(text + "\n")
        now = time.monotonic()
        if now - self.last_flush > 0.05:
            self.flush(now)

    def flush(self, now: float | None = None):
        sys.stdout.flush()
        self.last_flush = now if now is not None else time.monotonic()


_ENCODER = json.JSONEncoder(separators=(",", ":"))


def _json(o: dict) -> str:
    """Compact JSON, keys in insertion order (the C reader prints the same bytes)."""
    return _ENCODER.encode(o)


def _attach_books(instance: str, generation: int | None = None, wait: float = 2.0) -> BookReader:
    """The books segment, preferably of the given generation (it is published before md)."""
    deadline = time.monotonic() + wait
    while True:
        books = BookReader(instance)
        if generation is None or books.generation == generation or time.monotonic() >= deadline:
            if generation is not None and books.generation != generation:
                print(f"tickwire_reader: warning: books generation {books.generation} differs from md "
                      f"generation {generation}", file=sys.stderr)
            return books
        books.close()
        time.sleep(0.01)


def cmd_tail(args) -> int:
    out = Output()
    kind = KIND_BY_NAME[args.ring]
    ring = RingReader(args.instance, kind, from_oldest=args.from_oldest)
    books = _attach_books(args.instance, ring.generation)
    want = books.instrument(args.symbol).index if args.symbol else None
    printed = 0
    start = last_event = time.monotonic()
    last_check = start
    dead_reported = False
    nap = 100e-6
    decode = decode_exec if kind == SEG_EXEC else decode_md
    text = text_exec if kind == SEG_EXEC else text_md
    render = text if args.text else _json
    while True:
        item = ring.poll()
        if isinstance(item, Message):
            nap = 100e-6
            if want is not None and item.instrument != want:
                continue
            out.line(render(decode(item, books.instruments)))
            printed += 1
            last_event = time.monotonic()
            if args.count and printed >= args.count:
                break
            continue
        if isinstance(item, Lapped):
            out.line(_json({"event": "lapped", "lost": item.lost, "resume": item.resume}))
            continue
        # Idle: timeout, restart detection, then a short sleep.
        now = time.monotonic()
        if args.timeout is not None and now - last_event >= args.timeout:
            break
        dead = ring.segment.state == STATE_DEAD
        if now - last_check >= 0.05 or (dead and not dead_reported):
            last_check = now
            new = ring.segment.replacement()
            if new is not None:
                ring.close()
                ring = RingReader(args.instance, kind, from_oldest=True, segment=new)
                books.close()
                books = _attach_books(args.instance, ring.generation)
                if args.symbol:
                    want = books.instrument(args.symbol).index
                out.line(_json({"event": "restart", "generation": ring.generation}))
                dead_reported = False
                continue
            if dead and not dead_reported:
                out.line(_json({"event": "dead", "generation": ring.generation}))
                dead_reported = True
        out.flush(now)
        time.sleep(nap)
        nap = min(nap * 2, 500e-6)
    out.flush()
    ring.close()
    books.close()
    return EXIT_OK if printed or args.timeout is None else EXIT_NO_EVENTS


def _top_frame(books: BookReader, indices: list[int]) -> tuple[list[dict], int]:
    rows, busy = [], 0
    for i in indices:
        inst = books.instruments[i]
        pe, qe = inst.price_exponent, inst.qty_exponent
        row = {"symbol": inst.symbol, "feed_state": feed_state_name(books.feed_state(i))}
        try:
            b = books.read(i, levels=1)
        except BookBusy:
            busy += 1
            row.update({"error": f"no stable copy after {BOOK_READ_RETRIES} attempts"})
            rows.append(row)
            continue
        row.update({
            "bid_px": format_decimal(b.bids[0][0], pe) if b.bids else None,
            "bid_qty": format_decimal(b.bids[0][1], qe) if b.bids else None,
            "ask_px": format_decimal(b.asks[0][0], pe) if b.asks else None,
            "ask_qty": format_decimal(b.asks[0][1], qe) if b.asks else None,
            "update_id": b.update_id, "publish_ns": b.publish_ns, "stale": b.stale, "attempts": b.attempts})
        rows.append(row)
    return rows, busy


def cmd_top(args) -> int:
    books = BookReader(args.instance)
    indices = [books.instrument(args.symbol).index] if args.symbol else list(range(books.count))
    frames = 0
    watch = args.watch or args.count is not None
    clear = watch and not args.json and sys.stdout.isatty()
    while True:
        new = books.segment.replacement()
        if new is not None:
            books.close()
            books = BookReader(args.instance, segment=new)
            indices = [books.instrument(args.symbol).index] if args.symbol else list(range(books.count))
            if args.json:
                print(_json({"event": "restart", "generation": books.generation}))
            else:
                print(f"engine restarted: generation {books.generation}")
        rows, busy = _top_frame(books, indices)
        seg = books.segment
        if args.json:
            print(_json({"instance": args.instance, "generation": seg.generation, "state": state_name(seg.state),
                         "heartbeat_ns": seg.heartbeat_ns, "books": rows}))
        else:
            if clear:
                sys.stdout.write("\x1b[H\x1b[2J")
            print(f"instance {args.instance}  generation {seg.generation}  state {state_name(seg.state)}  "
                  f"{books.count} instruments, depth {books.depth}")
            print(f"{'SYMBOL':<12} {'BID_QTY':>16} {'BID':>16} {'ASK':>16} {'ASK_QTY':>16} "
                  f"{'UPDATE_ID':>14} {'STALE':>5} FEED")
            for r in rows:
                if "error" in r:
                    print(f"{r['symbol']:<12} (gave up: {r['error']}; writer busy or stuck) {r['feed_state']}")
                    continue
                print(f"{r['symbol']:<12} {r['bid_qty'] or '-':>16} {r['bid_px'] or '-':>16} "
                      f"{r['ask_px'] or '-':>16} {r['ask_qty'] or '-':>16} {r['update_id']:>14} "
                      f"{'yes' if r['stale'] else 'no':>5} {r['feed_state']}")
        if busy:
            print(f"tickwire_reader: {busy} book(s) had no stable copy after {BOOK_READ_RETRIES} attempts",
                  file=sys.stderr)
        sys.stdout.flush()
        frames += 1
        if not watch or (args.count is not None and frames >= args.count):
            break
        time.sleep(args.interval)
        if watch and not args.json and not clear:
            print()
    books.close()
    return EXIT_OK


def cmd_stats(args) -> int:
    stats = StatsReader(args.instance)
    try:
        books = BookReader(args.instance)
        symbols = [i.symbol for i in books.instruments]
        books.close()
    except TickwireError:
        symbols = []
    counters = stats.counters()
    out = {"instance": args.instance, "generation": stats.segment.generation,
           "state": state_name(stats.segment.state),
           "counters": {(COUNTER_NAMES[i] if i < len(COUNTER_NAMES) else f"counter{i}"): v
                        for i, v in enumerate(counters) if i < len(COUNTER_NAMES) or v},
           "instruments": {}, "histograms": {}}
    for i in range(stats.instrument_count):
        name = symbols[i] if i < len(symbols) else f"#{i}"
        out["instruments"][name] = stats.instrument(i)
    for hid in range(stats.histogram_count):
        h = stats.histogram(hid)
        if hid >= len(HISTOGRAM_NAMES) and not h["count"]:
            continue
        name = HISTOGRAM_NAMES[hid] if hid < len(HISTOGRAM_NAMES) else f"histogram{hid}"
        out["histograms"][name] = {
            "count": h["count"], "min": h["min"] if h["count"] else 0, "max": h["max"],
            "mean": h["sum"] // h["count"] if h["count"] else 0, "overflow": h["overflow"],
            "p50": stats.quantile(h, 0.50), "p99": stats.quantile(h, 0.99), "p999": stats.quantile(h, 0.999)}
    stats.close()
    if args.json:
        print(_json(out))
        return EXIT_OK
    print(f"instance {args.instance}  generation {out['generation']}  state {out['state']}")
    for name, v in out["counters"].items():
        print(f"  {name:<22} {v}")
    for name, d in out["instruments"].items():
        print(f"  {name:<12} " + " ".join(f"{k}={v}" for k, v in d.items()))
    for name, d in out["histograms"].items():
        print(f"  {name:<12} " + " ".join(f"{k}={v}" for k, v in d.items()) + " (ns)")
    return EXIT_OK


def cmd_account(args) -> int:
    reader = AccountReader(args.instance)
    try:
        snap = reader.read()
        out = format_account(snap, reader.segment)
    finally:
        reader.close()
    if args.json:
        print(_json(out))
        return EXIT_OK
    print(f"instance {out['instance']}  generation {out['generation']}  state {out['state']}  version "
          f"{out['version']}  journal_seq {out['journal_seq']}" + ("  TRUNCATED" if out["truncated"] else ""))
    t = out["totals"]
    print(f"PnL ({out['quote_asset']}): " + "  ".join(f"{k} {t[k]}" for k in (
        "realized", "unrealized", "total", "daily", "fees", "funding", "max_drawdown")))
    print(f"{'ASSET':<10} {'TOTAL':>22} {'AVAILABLE':>22} {'HOLD':>22} SOURCE")
    for b in out["balances"]:
        print(f"{b['asset']:<10} {b['total']:>22} {b['available']:>22} {b['hold']:>22} {b['source']}")
    print(f"{'SYMBOL':<12} {'STRATEGY':>8} {'MKT':<5} {'SIZE':>18} {'ENTRY':>22} {'UNREALIZED':>22}")
    for p in out["positions"]:
        print(f"{p['symbol']:<12} {p['strategy_id']:>8} {p['market']:<5} {p['size']:>18} {p['entry_price']:>22} "
              f"{p['unrealized']:>22}")
    print(f"{'CLIENT_ORDER_ID':<40} {'SYMBOL':<12} {'SIDE':<4} {'PRICE':>16} {'QTY':>16} {'FILLED':>16} STATE")
    for o in out["orders"]:
        print(f"{o['client_order_id']:<40} {o['symbol']:<12} {o['side'] or '-':<4} {o['price']:>16} "
              f"{o['quantity']:>16} {o['filled']:>16} {o['state']}" + (" open" if o["is_open"] else ""))
    return EXIT_OK


def cmd_layout(_args) -> int:
    print(json.dumps(layout_table(), indent=1, sort_keys=True))
    return EXIT_OK


def _instance(value: str) -> str:
    if not valid_instance(value):
        raise argparse.ArgumentTypeError(f"invalid instance name '{value}' (1-31 of A-Z a-z 0-9 _ -)")
    return value


def _positive_int(value: str) -> int:
    n = int(value)
    if n <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return n


def _positive_float(value: str) -> float:
    x = float(value)
    if not x > 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return x


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tickwire_reader.py",
        description="Read a Tickwire engine's shared-memory segments (read-only). "
                    "Segments: $TICKWIRE_SHM_DIR or /dev/shm, tickwire.<instance>.<kind>.",
        epilog="exit codes: 0 ok, 1 error, 2 bad usage, 3 tail --timeout expired before any event, "
               "130/143 stopped by SIGINT/SIGTERM")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--instance", type=_instance, default=DEFAULT_INSTANCE, metavar="NAME",
                        help=f"engine instance (default: {DEFAULT_INSTANCE})")

    t = sub.add_parser("top", help="top of book per instrument (seqlocked reads, bounded retries)")
    common(t)
    t.add_argument("--symbol", metavar="S", help="only this instrument")
    t.add_argument("--watch", action="store_true", help="refresh every --interval seconds")
    t.add_argument("--interval", type=_positive_float, default=1.0, metavar="SEC", help="seconds between frames (default 1)")
    t.add_argument("--count", type=_positive_int, metavar="N", help="stop after N frames (implies --watch)")
    t.add_argument("--json", action="store_true", help="one JSON object per frame")
    t.set_defaults(func=cmd_top)

    f = sub.add_parser("tail", help="follow the md ring or the exec journal: one JSON object per event")
    f.add_argument("ring", nargs="?", default="md", choices=["md", "exec"],
                   help="md (market data, the default) or exec (execution journal: answers, reports, balances)")
    common(f)
    f.add_argument("--symbol", metavar="S", help="only this instrument's events")
    f.add_argument("--count", type=_positive_int, metavar="N", help="exit after N events")
    f.add_argument("--from-oldest", action="store_true", help="start at the oldest event still in the ring")
    f.add_argument("--timeout", type=_positive_float, metavar="SEC",
                   help="exit after SEC seconds without printing an event (exit 3 if none was printed)")
    fmt = f.add_mutually_exclusive_group()
    fmt.add_argument("--json", dest="text", action="store_false", help="JSON lines (the default)")
    fmt.add_argument("--text", dest="text", action="store_true", help="plain text instead of JSON lines")
    f.set_defaults(func=cmd_tail, text=False)

    s = sub.add_parser("stats", help="counters, per-instrument stats and latency histograms")
    common(s)
    s.add_argument("--json", action="store_true", help="one JSON object")
    s.set_defaults(func=cmd_stats)

    a = sub.add_parser("account", help="the account snapshot: PnL totals, balances, positions, orders (ABI 2.1)")
    common(a)
    a.add_argument("--json", action="store_true", help="one JSON object (the same as tw_account --json)")
    a.set_defaults(func=cmd_account)

    lay = sub.add_parser("layout", help="JSON of every struct offset and constant this reader uses")
    lay.set_defaults(func=cmd_layout)
    return p


class Interrupted(BaseException):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.code = 128 + signum


def _on_signal(signum, _frame):
    raise Interrupted(signum)


def _install_signal_handlers():
    """SIGINT and SIGTERM stop cleanly (output flushed) unless the parent made us ignore them."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) != signal.SIG_IGN:
            signal.signal(sig, _on_signal)
    # A parent that blocks them (some runtimes do, in the thread that spawns us) would
    # otherwise leave us deaf to both: the mask, unlike a handler, survives exec.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _install_signal_handlers()
    try:
        return args.func(args)
    except TickwireError as e:
        sys.stdout.flush()
        print(f"tickwire_reader: {e}", file=sys.stderr)
        return EXIT_ERROR
    except (Interrupted, KeyboardInterrupt) as e:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            pass
        return getattr(e, "code", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The consumer went away (e.g. `| head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

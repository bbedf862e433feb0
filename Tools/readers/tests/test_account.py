#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The account segment (ABI 2.1) through both reference readers.

    python3 Tools/readers/tests/test_account.py

Account segments are built here in pure Python from the reader's own layouts (no engine), with a
snapshot published the way tw_account_publish leaves it (even seq). Checked: the Python AccountReader
decodes every field; `tw_account --json` (built with make when a compiler is there) prints the same
object as `tickwire_reader.py account --json`; counts in the file are capped at the capacities; a
writer stuck mid-write (odd seq) makes the read give up after its bound; hostile geometry (capacities,
strides, offsets past the end, wrapping or overlapping) is refused by both readers naming the field,
and whatever a random mutation leaves acceptable is read without an exception other than TickwireError.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import tickwire_reader as tw  # noqa: E402

PAGE = 4096
HUGE = (1 << 64) - 8  # 8-aligned, wraps a 64-bit sum
INSTANCE = "acct"
C_DIR = os.path.join(os.path.dirname(HERE), "c")
READER = os.path.join(os.path.dirname(HERE), "tickwire_reader.py")

H = tw.ACCOUNT_HEADER.offsets  # header field -> offset (from the region start)


def _line(n: int) -> int:
    return (n + 63) // 64 * 64


def account_segment(nb: int = 4, np_: int = 3, no: int = 5) -> bytearray:
    """A committed account segment laid out as tw_account_init does, nothing published yet."""
    region_at = 128
    bal = _line(region_at + tw.ACCOUNT_HEADER.size)
    pos = _line(bal + nb * tw.ACCOUNT_BALANCE.size)
    ordr = _line(pos + np_ * tw.ACCOUNT_POSITION.size)
    end = ordr + no * tw.ACCOUNT_ORDER.size
    size = (end + PAGE - 1) // PAGE * PAGE
    buf = bytearray(size)
    tw.SEGMENT_HEADER.struct.pack_into(buf, 0, tw.ABI_MAGIC, tw.ABI_MAJOR, tw.ABI_MINOR, tw.SEG_ACCOUNT, 9, 2, 1, 0,
                                       size, region_at, size - region_at, INSTANCE.encode(), 0)
    struct.pack_into("<IIIIIIQQQ", buf, region_at + H["balance_capacity"], nb, np_, no, tw.ACCOUNT_BALANCE.size,
                     tw.ACCOUNT_POSITION.size, tw.ACCOUNT_ORDER.size, bal, pos, ordr)
    struct.pack_into("<ii", buf, region_at + H["win_rate_bps"], -1, -1)
    return buf


def publish(buf: bytearray, version: int, balances: list, positions: list, orders: list, seq: int = 2):
    """Writes a snapshot (header fields, entries, counts) and leaves seq at `seq`."""
    at = 128
    g = tw.ACCOUNT_HEADER.unpack(buf, at)
    struct.pack_into("<QQqQIIII", buf, at, seq, version, 1_700_000_000_000_000_000 + version, version * 2,
                     len(balances), len(positions), len(orders), 0)
    struct.pack_into("<16sqqqqqqqii", buf, at + H["quote_asset"], b"USDT", 12_345_678_900, -250_000_000,
                     12_095_678_900, 99_000_000, 1_234_567, -5_000, 3_000_000_000, 6_250, -1)
    for i, b in enumerate(balances):
        struct.pack_into("<16sqqqqB", buf, g["balances_offset"] + i * g["balance_size"], *b)
    for i, p in enumerate(positions):
        tw.ACCOUNT_POSITION.struct.pack_into(buf, g["positions_offset"] + i * g["position_size"], *p)
    for i, o in enumerate(orders):
        tw.ACCOUNT_ORDER.struct.pack_into(buf, g["orders_offset"] + i * g["order_size"], *o)


BALANCES = [(b"USDT", 1_000_000_000_000, 900_000_000_000, 100_000_000_000, 11, 1),
            (b"BTC", 50_000_000, 50_000_000, 0, 12, 2)]
POSITIONS = [(b"BTCUSDT", 7, tw.MARKET_USDM, -5, 0, -150_000, 4_321_012_000_000, 4_320_000_000_000, 151_800_000, 0,
              2_000_000, -300, 648_000_000_000, 4_700_000_000_000, 10, 13),
             (b"ETHUSDT", 8, tw.MARKET_SPOT, -4, tw.POSITION_FLAG_NO_MARK | tw.POSITION_FLAG_NO_LIQUIDATION, 20_000,
              300_000_000_000, 0, 0, 10, 1, 0, 0, 0, 0, 14)]
ORDERS = [(b"tw-7-000000000001", b"BTCUSDT", 987_654_321, 4_321_012, 150_000, 50_000, 4_321_012_000_000, 15, 4240, 7,
           tw.SIDE_SELL, tw.ORDER_LIMIT, 4, 1, -2, -5),
          (b"x", b"ETHUSDT", 0, 0, 1, 0, 0, 16, 4241, 8, 0, 0, 7, 0, -2, -4)]


def c_reader() -> str | None:
    """Tools/readers/c/tw_account, built with make when a compiler is there; None otherwise."""
    if shutil.which(os.environ.get("CC", "cc")) is None and shutil.which("clang") is None:
        return None
    cc = os.environ.get("CC") or ("cc" if shutil.which("cc") else "clang")
    done = subprocess.run(["make", "-s", "-C", C_DIR, f"CC={cc}", os.path.join(C_DIR, "tw_account")],
                          capture_output=True, text=True)
    return os.path.join(C_DIR, "tw_account") if done.returncode == 0 else None


class AccountSegment(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tw-account-test-")
        os.environ["TICKWIRE_SHM_DIR"] = cls.dir
        cls.tw_account = c_reader()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def put(self, data: bytes):
        with open(tw.segment_path(INSTANCE, tw.SEG_ACCOUNT), "wb") as f:
            f.write(data)

    def valid(self) -> bytearray:
        buf = account_segment()
        publish(buf, 3, BALANCES, POSITIONS, ORDERS)
        return buf

    def test_python_reads_every_field(self):
        self.put(account_segment())
        empty = tw.account(INSTANCE)
        self.assertEqual((empty["version"], empty["balances"], empty["win_rate_bps"]), (0, [], -1))
        self.put(self.valid())
        snap = tw.account(INSTANCE)
        self.assertEqual((snap["version"], snap["journal_seq"], snap["quote_asset"]), (3, 6, "USDT"))
        self.assertEqual((snap["realized"], snap["win_rate_bps"], snap["max_drawdown_bps"]), (12_345_678_900, 6_250, -1))
        self.assertEqual([b["asset"] for b in snap["balances"]], ["USDT", "BTC"])
        self.assertEqual(snap["positions"][0]["size"], -150_000)
        self.assertEqual(snap["orders"][0]["client_order_id"], "tw-7-000000000001")
        out = tw.format_account(snap)
        self.assertEqual(out["totals"]["realized"], "123.45678900")
        self.assertIsNone(out["totals"]["max_drawdown_bps"])
        self.assertEqual(out["positions"][0]["size"], "-1.50000")
        self.assertEqual(out["positions"][0]["liquidation_price"], "47000.00000000")
        self.assertIsNone(out["positions"][1]["mark_price"])
        self.assertEqual(out["orders"][0]["price"], "43210.12")
        self.assertEqual(out["orders"][0]["state"], "PARTIALLY_FILLED")
        self.assertEqual((out["orders"][1]["side"], out["orders"][1]["type"]), (None, None))
        with tw.AccountReader(INSTANCE).segment as seg:
            self.assertEqual(seg.abi_minor, tw.ABI_MINOR)

    def test_c_and_python_print_the_same_json(self):
        if self.tw_account is None:
            self.skipTest("no C compiler to build tw_account")
        self.put(self.valid())
        c = subprocess.run([self.tw_account, "--instance", INSTANCE, "--json"], capture_output=True, text=True)
        self.assertEqual(c.returncode, 0, c.stderr)
        py = subprocess.run([sys.executable, READER, "account", "--instance", INSTANCE, "--json"],
                            capture_output=True, text=True)
        self.assertEqual(py.returncode, 0, py.stderr)
        self.assertEqual(json.loads(c.stdout), json.loads(py.stdout))
        self.assertEqual(json.loads(c.stdout)["instance"], INSTANCE)
        text = subprocess.run([self.tw_account, "--instance", INSTANCE], capture_output=True, text=True)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("BTCUSDT", text.stdout)
        self.assertIn("123.45678900", text.stdout)

    def test_counts_are_capped_and_truncation_reported(self):
        buf = account_segment(4, 3, 5)
        publish(buf, 1, BALANCES, POSITIONS, ORDERS)
        struct.pack_into("<III", buf, 128 + H["balance_count"], 0xFFFFFFFF, 1_000_000, 6)
        struct.pack_into("<IIII", buf, 128 + H["flags"], tw.ACCOUNT_FLAG_TRUNCATED, 7, 0, 1)
        self.put(buf)
        snap = tw.account(INSTANCE)
        self.assertEqual((len(snap["balances"]), len(snap["positions"]), len(snap["orders"])), (4, 3, 5))
        out = tw.format_account(snap)
        self.assertTrue(out["truncated"])
        self.assertEqual(out["left_out"], {"balances": 7, "positions": 0, "orders": 1})
        if self.tw_account:
            c = subprocess.run([self.tw_account, "--instance", INSTANCE, "--json"], capture_output=True, text=True)
            self.assertEqual(c.returncode, 0, c.stderr)
            self.assertEqual(len(json.loads(c.stdout)["balances"]), 4)

    def test_a_writer_stuck_mid_write_makes_the_read_give_up(self):
        buf = self.valid()
        struct.pack_into("<Q", buf, 128, 5)  # odd: a publish never finished
        self.put(buf)
        with self.assertRaises(tw.AccountBusy):
            tw.AccountReader(INSTANCE).read(max_retries=20)
        if self.tw_account:
            c = subprocess.run([self.tw_account, "--instance", INSTANCE], capture_output=True, text=True, timeout=20)
            self.assertEqual(c.returncode, 1)
            self.assertIn("no stable copy", c.stderr)

    def pokes(self) -> list:
        g = tw.ACCOUNT_HEADER.unpack(account_segment(), 128)
        return [
            ("balance_capacity", "I", tw.ACCOUNT_MAX_CAPACITY + 1, "account.balance_capacity"),
            ("position_capacity", "I", 1 << 20, "account.positions_offset"),
            ("balance_size", "I", 8, "account.balance_size"),
            ("position_size", "I", 130, "account.position_size"),
            ("order_size", "I", 1 << 16, "account.order_size"),
            ("balances_offset", "Q", HUGE, "account.balances_offset"),
            ("orders_offset", "Q", HUGE - 64, "account.orders_offset"),
            ("positions_offset", "Q", g["balances_offset"], "account.positions_offset"),
            ("orders_offset", "Q", g["positions_offset"] + 64, "account.orders_offset"),
            ("orders_offset", "Q", g["orders_offset"] + 4, "account.orders_offset"),
            ("orders_offset", "Q", 128, "account.orders_offset"),
        ]

    def test_hostile_geometry_is_refused_naming_the_field(self):
        for name, fmt, value, field in self.pokes():
            buf = self.valid()
            struct.pack_into("<" + fmt, buf, 128 + H[name], value)
            self.put(buf)
            with self.assertRaises(tw.NotTickwire, msg=f"{name} = {value}") as ctx:
                tw.account(INSTANCE)
            self.assertIn(field, str(ctx.exception))
            if self.tw_account:
                c = subprocess.run([self.tw_account, "--instance", INSTANCE], capture_output=True, text=True)
                self.assertEqual(c.returncode, 1, f"tw_account accepted {name} = {value}")
                self.assertIn(field, c.stderr)
        # a region too small for the account header, and a truncated file
        buf = self.valid()
        struct.pack_into("<Q", buf, 56, 200)
        self.put(buf)
        with self.assertRaises(tw.NotTickwire) as ctx:
            tw.account(INSTANCE)
        self.assertIn("region_size", str(ctx.exception))
        self.put(self.valid()[:1000])
        with self.assertRaises(tw.NotTickwire):
            tw.account(INSTANCE)

    def test_random_mutations_never_escape_as_anything_but_tickwire_errors(self):
        rng = random.Random(2026)
        words = [o for o in range(128, 128 + tw.ACCOUNT_HEADER.size, 4)]
        interesting = [0, 1, 7, 8, 63, 64, 255, 256, 4096, 1 << 20, (1 << 20) + 1, 0xFFFFFFF8, 0xFFFFFFFF]
        for _ in range(400):
            buf = self.valid()
            for _ in range(rng.randint(1, 4)):
                at = rng.choice(words)
                struct.pack_into("<I", buf, at, rng.choice(interesting) if rng.random() < 0.7 else rng.getrandbits(32))
            self.put(buf)
            try:
                tw.format_account(tw.AccountReader(INSTANCE).read(max_retries=3))
            except tw.TickwireError:
                pass
        if self.tw_account:
            for _ in range(60):
                buf = self.valid()
                struct.pack_into("<I", buf, rng.choice(words), rng.choice(interesting))
                self.put(buf)
                c = subprocess.run([self.tw_account, "--instance", INSTANCE, "--json"], capture_output=True,
                                   text=True, timeout=20)
                self.assertIn(c.returncode, (0, 1), c.stderr)


if __name__ == "__main__":
    unittest.main()

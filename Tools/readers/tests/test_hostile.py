#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Python reader against hostile segment files.

    python3 Tools/readers/tests/test_hostile.py

Segments of every kind are built here in pure Python from the reader's own layouts (no engine, no
compiler), then damaged: cut short at many lengths, offsets past the end or wrapping 2^64, counts whose
product with a size is enormous, misaligned offsets, wrong magic/ABI/kind, a FIFO at the path. Every
refusal must be a TickwireError naming the field at fault, never an IndexError, struct.error, a hang or
a crash; a random mutation run then checks that whatever the reader accepts it can read at every index.
"""
from __future__ import annotations

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


def _page(n: int) -> int:
    return (n + PAGE - 1) // PAGE * PAGE


def build(kind: int, region: bytes) -> bytearray:
    """A committed segment: header (region at 128), the region, page-rounded."""
    size = _page(128 + len(region))
    buf = bytearray(size)
    tw.SEGMENT_HEADER.struct.pack_into(buf, 0, tw.ABI_MAGIC, tw.ABI_MAJOR, tw.ABI_MINOR, kind, 7, 2, 1, 0,
                                       size, 128, size - 128, b"hostile", 0)
    buf[128:128 + len(region)] = region
    return buf


def ring_region(slot_size: int, slot_count: int, header: int = tw.RING_HEADER.size) -> bytes:
    region = bytearray(header + slot_size * slot_count)
    struct.pack_into("<IIQ", region, 0, slot_size, slot_count, 128 + header)
    return bytes(region)


def books_region(count: int, depth: int) -> bytes:
    block = (tw.BOOK_HEADER.size + 2 * depth * tw.LEVEL.size + 63) // 64 * 64
    table = 128 + tw.BOOKS_HEADER.size
    region = bytearray(tw.BOOKS_HEADER.size + count * (tw.INSTRUMENT_INFO.size + block))
    struct.pack_into("<IIIIQQ", region, 0, count, depth, block, 0, table, table + count * tw.INSTRUMENT_INFO.size)
    for i in range(count):
        struct.pack_into("<24s", region, tw.BOOKS_HEADER.size + i * tw.INSTRUMENT_INFO.size, f"SYM{i}".encode())
    return bytes(region)


def stats_region(count: int) -> bytes:
    counters = 128 + tw.STATS_HEADER.size
    inst = counters + 8 * tw.CTR_COUNT
    hist = inst + count * tw.INSTRUMENT_STATS.size
    region = bytearray(hist - 128 + tw.HIST_COUNT * tw.HISTOGRAM.size)
    struct.pack_into("<IIIIQQQ", region, 0, count, tw.CTR_COUNT, tw.HIST_COUNT, tw.HIST_BUCKETS, counters, inst, hist)
    return bytes(region)


def cmd_region(lanes: int, slots: int) -> bytes:
    lane = tw.CMD_LANE.size + slots * tw.CMD_SLOT_SIZE
    region = bytearray(tw.CMD_HEADER.size + lanes * lane)
    struct.pack_into("<IIIIQ", region, 0, lanes, slots, tw.CMD_SLOT_SIZE, lane, 128 + tw.CMD_HEADER.size)
    return bytes(region)


VALID = {
    tw.SEG_MD: lambda: build(tw.SEG_MD, ring_region(128, 16)),
    tw.SEG_EXEC: lambda: build(tw.SEG_EXEC, ring_region(tw.EXEC_SLOT_SIZE, 16, tw.EXEC_HEADER.size)),
    tw.SEG_BOOKS: lambda: build(tw.SEG_BOOKS, books_region(3, 10)),
    tw.SEG_STATS: lambda: build(tw.SEG_STATS, stats_region(2)),
    tw.SEG_CMD: lambda: build(tw.SEG_CMD, cmd_region(4, 8)),
}


class _Lanes(tw.CommandProducer):
    """Only the producer's lane-geometry check (claiming a lane needs the C library)."""

    def __init__(self, seg: tw.Segment):  # noqa: super-init-not-called
        self._layout(seg)


def open_and_read(kind: int):
    """Attaches as `kind` and reads every index the header allows; returns nothing, raises TickwireError."""
    seg = tw.Segment("hostile", kind)
    try:
        if kind in (tw.SEG_MD, tw.SEG_EXEC):
            r = tw.RingReader(segment=seg, kind=kind, from_oldest=True)
            for _ in range(r.slot_count + 2):
                if r.poll() is None:
                    break
        elif kind == tw.SEG_BOOKS:
            b = tw.BookReader(segment=seg)
            for i in range(b.count):
                b.feed_state(i)
                try:
                    b.read(i, levels=b.depth, max_retries=2)
                except tw.BookBusy:
                    pass
        elif kind == tw.SEG_STATS:
            s = tw.StatsReader(segment=seg)
            s.counters()
            for i in range(s.instrument_count):
                s.instrument(i)
            for h in range(tw.HIST_COUNT):
                s.histogram(h)
        elif kind == tw.SEG_CMD:
            _Lanes(seg)
    finally:
        seg.close()


C_DIR = os.path.join(os.path.dirname(HERE), "c")


def c_reader() -> str | None:
    """Tools/readers/c/tw_reader, built with make when a compiler is there; None otherwise."""
    if shutil.which(os.environ.get("CC", "cc")) is None and shutil.which("clang") is None:
        return None
    cc = os.environ.get("CC") or ("cc" if shutil.which("cc") else "clang")
    done = subprocess.run(["make", "-s", "-C", C_DIR, f"CC={cc}", os.path.join(C_DIR, "tw_reader")],
                          capture_output=True, text=True)
    return os.path.join(C_DIR, "tw_reader") if done.returncode == 0 else None


C_ARGS = {tw.SEG_BOOKS: ["top"], tw.SEG_MD: ["tail", "md", "--from-oldest", "--count", "4", "--timeout", "0.05"],
          tw.SEG_EXEC: ["tail", "exec", "--from-oldest", "--count", "4", "--timeout", "0.05"]}


class HostileFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tw-hostile-test-")
        os.environ["TICKWIRE_SHM_DIR"] = cls.dir

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def put(self, kind: int, data: bytes):
        path = tw.segment_path("hostile", kind)
        if os.path.lexists(path):
            os.unlink(path)
        with open(path, "wb") as f:
            f.write(data)

    def refused(self, kind: int, data: bytes, *names: str) -> tw.TickwireError:
        self.put(kind, data)
        with self.assertRaises(tw.TickwireError) as ctx:
            open_and_read(kind)
        for name in names:
            self.assertIn(name, str(ctx.exception))
        return ctx.exception

    def poke(self, kind: int, at: int, fmt: str, value: int, *names: str, header: bool = False) -> tw.TickwireError:
        data = VALID[kind]()
        struct.pack_into("<" + fmt, data, at if header else 128 + at, value)
        return self.refused(kind, bytes(data), *names)

    def test_valid_segments_read(self):
        for kind, make in VALID.items():
            self.put(kind, bytes(make()))
            open_and_read(kind)

    def test_truncated(self):
        for kind, make in VALID.items():
            data = bytes(make())
            for cut in (0, 1, 7, 8, 64, 127, 128, 129, 255, 256, len(data) // 2, len(data) - 1):
                msg = str(self.refused(kind, data[:cut]))
                self.assertRegex(msg, "not a Tickwire segment|truncated|region_size|region_offset")

    def test_header_fields(self):
        self.poke(tw.SEG_MD, 0, "Q", 0, "bad magic", header=True)
        self.assertIsInstance(self.poke(tw.SEG_MD, 8, "H", tw.ABI_MAJOR + 1, f"ABI 3.{tw.ABI_MINOR}", header=True),
                              tw.UnsupportedABI)
        self.assertIsInstance(self.poke(tw.SEG_MD, 12, "I", tw.SEG_BOOKS, "holds a books segment", header=True),
                              tw.WrongKind)
        self.poke(tw.SEG_MD, 40, "Q", 1 << 40, "segment_size", "truncated", header=True)
        self.poke(tw.SEG_MD, 48, "Q", 64, "region_offset", header=True)
        self.poke(tw.SEG_MD, 48, "Q", 132, "region_offset", header=True)
        self.poke(tw.SEG_MD, 48, "Q", HUGE, "region_offset", header=True)
        self.poke(tw.SEG_MD, 56, "Q", (1 << 64) - 1, "region_size", header=True)
        self.poke(tw.SEG_MD, 56, "Q", 64, "region_size", header=True)

    def test_ring_offsets_past_the_end_and_overflowing_counts(self):
        for kind in (tw.SEG_MD, tw.SEG_EXEC):
            self.poke(kind, 8, "Q", HUGE, "ring.slots_offset")
            self.poke(kind, 8, "Q", 8, "ring.slots_offset")
            self.poke(kind, 8, "Q", 129 + 128, "ring.slots_offset")
            self.poke(kind, 4, "I", 0, "ring.slot_count")
            self.poke(kind, 4, "I", 3, "ring.slot_count")
            self.poke(kind, 4, "I", 1 << 31, "slot_count")
        self.poke(tw.SEG_MD, 0, "I", 1 << 31, "slot_size")
        self.poke(tw.SEG_MD, 0, "I", 96, "ring.slot_size")
        self.poke(tw.SEG_EXEC, 0, "I", 128, "exec.ring.slot_size")
        self.poke(tw.SEG_EXEC, 8, "Q", 128 + 128, "ring.slots_offset")  # over the journal's header

    def test_books(self):
        k = tw.SEG_BOOKS
        self.poke(k, 0, "I", 0, "books.instrument_count")
        self.poke(k, 0, "I", 0xFFFFFFFF, "books.instrument_count")
        self.poke(k, 0, "I", 10, "instrument_count")  # blocks past the end
        self.poke(k, 4, "I", 0, "books.depth")
        self.poke(k, 4, "I", 1001, "books.depth")
        self.poke(k, 8, "I", 0xFFFFFFF8, "block_size")
        self.poke(k, 8, "I", 388, "books.block_size")
        self.poke(k, 16, "Q", HUGE, "books.instruments_offset")
        self.poke(k, 24, "Q", HUGE, "books.blocks_offset")
        self.poke(k, 24, "Q", 256, "books.blocks_offset", "overlap")

    def test_stats(self):
        k = tw.SEG_STATS
        self.poke(k, 0, "I", 4097, "stats.instrument_count")
        self.poke(k, 0, "I", 4096, "instrument_count")
        self.poke(k, 4, "I", 0xFFFFFFFF, "counter_count")
        self.poke(k, 4, "I", 31, "stats.counter_count")
        self.poke(k, 8, "I", 0xFFFFFFFF, "histogram_count")
        self.poke(k, 12, "I", 1, "stats.histogram_buckets")
        for at, name in ((16, "counters_offset"), (24, "instruments_offset"), (32, "histograms_offset")):
            self.poke(k, at, "Q", HUGE, "stats." + name)
            self.poke(k, at, "Q", 12, "stats." + name)

    def test_cmd(self):
        k = tw.SEG_CMD
        self.poke(k, 0, "I", 0, "cmd.lane_count")
        self.poke(k, 0, "I", 257, "cmd.lane_count")
        self.poke(k, 0, "I", 7, "lane_count")
        self.poke(k, 4, "I", 12, "cmd.lane_slots")
        self.poke(k, 4, "I", 1 << 31, "cmd.lane_size")
        self.poke(k, 8, "I", 64, "cmd.slot_size")
        self.poke(k, 12, "I", 0xFFFFFFFF, "cmd.lane_size")
        self.poke(k, 16, "Q", HUGE, "cmd.lanes_offset")
        self.poke(k, 16, "Q", 260, "cmd.lanes_offset")

    def test_fifo_is_refused_not_waited_on(self):
        path = tw.segment_path("hostile", tw.SEG_MD)
        if os.path.lexists(path):
            os.unlink(path)
        os.mkfifo(path)
        with self.assertRaises(tw.NotTickwire) as ctx:
            open_and_read(tw.SEG_MD)
        self.assertIn("not a regular file", str(ctx.exception))

    def run_c(self, kind: int) -> subprocess.CompletedProcess:
        # tail md also opens books for symbol names: give it a valid one
        if kind == tw.SEG_MD:
            self.put(tw.SEG_BOOKS, bytes(VALID[tw.SEG_BOOKS]()))
        return subprocess.run([self.tw_reader, *C_ARGS[kind], "--instance", "hostile"], capture_output=True,
                              text=True, timeout=20)

    def test_c_reader_names_the_field(self):
        self.tw_reader = c_reader()
        if self.tw_reader is None:
            self.skipTest("no C compiler to build tw_reader")
        cases = [(tw.SEG_BOOKS, 24, "Q", HUGE, "books.blocks_offset"), (tw.SEG_BOOKS, 8, "I", 0xFFFFFFF8, "block_size"),
                 (tw.SEG_MD, 8, "Q", HUGE, "ring.slots_offset"), (tw.SEG_MD, 4, "I", 1 << 31, "slot_count"),
                 (tw.SEG_EXEC, 0, "I", 128, "exec.ring.slot_size")]
        for kind, at, fmt, value, name in cases:
            data = VALID[kind]()
            struct.pack_into("<" + fmt, data, 128 + at, value)
            self.put(kind, bytes(data))
            done = self.run_c(kind)
            self.assertEqual(done.returncode, 1, done.stderr)
            self.assertIn(name, done.stderr)
        for kind in C_ARGS:
            self.put(kind, bytes(VALID[kind]())[:200])
            done = self.run_c(kind)
            self.assertEqual(done.returncode, 1, done.stderr)
            self.assertRegex(done.stderr, "truncated|region_size")

    def test_c_reader_random_mutations(self):
        """tw_reader on randomly damaged files: an answer or one error line, never a signal."""
        self.tw_reader = c_reader()
        if self.tw_reader is None:
            self.skipTest("no C compiler to build tw_reader")
        rng = random.Random(77)
        for n in range(90):
            kind = list(C_ARGS)[n % len(C_ARGS)]
            data = VALID[kind]()
            for _ in range(rng.randint(1, 3)):
                at = rng.choice([rng.randrange(40, 64), rng.randrange(128, 160)])
                at -= at % 4
                struct.pack_into("<I", data, at, rng.choice([0, 1, 64, 1 << 31, 0xFFFFFFFF, rng.getrandbits(32)]))
            self.put(kind, bytes(data))
            done = self.run_c(kind)
            self.assertIn(done.returncode, (0, 1, 3), f"tw_reader {C_ARGS[kind]}: {done.returncode} {done.stderr}")

    def test_random_mutations(self):
        """Whatever the reader accepts after random damage it can read; all else is a TickwireError."""
        rng = random.Random(20240808)
        accepted = 0
        for n in range(600):
            kind = list(VALID)[n % len(VALID)]
            data = VALID[kind]()
            for _ in range(rng.randint(1, 4)):
                at = rng.choice([rng.randrange(40, 64), rng.randrange(128, 176), rng.randrange(len(data))])
                at -= at % 4
                struct.pack_into("<I", data, at, rng.choice([0, 1, 7, 64, 1 << 31, 0xFFFFFFFF,
                                                             rng.getrandbits(32)]))
            if rng.random() < 0.2:
                data = data[:rng.randrange(len(data))]
            self.put(kind, bytes(data))
            try:
                open_and_read(kind)
                accepted += 1
            except tw.TickwireError:
                pass
        self.assertGreater(accepted, 0)


if __name__ == "__main__":
    unittest.main()

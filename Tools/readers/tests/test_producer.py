#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of the external producer path (ABI 2.0) against c/mini_engine, a stand-in engine.

    python3 Tools/readers/tests/test_producer.py      (builds Tools/readers/c with make first)

Covers: submit_order.py accepted / rejected / inexact value / timeout / stopped engine (ESTALE),
answers matched by (producer token, command_id) with several producers at once, -EBUSY when every
lane has a live owner, reclaim of a SIGKILLed Python producer's lane, and `tail exec` from the
Python and the C reader printing the same bytes. Skips (exit 77) when there is no C compiler.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
READERS = os.path.dirname(HERE)
C_DIR = os.path.join(READERS, "c")
sys.path.insert(0, READERS)
import tickwire_reader as tw  # noqa: E402

SUBMIT = [sys.executable, os.path.join(READERS, "submit_order.py")]
READER = [sys.executable, os.path.join(READERS, "tickwire_reader.py")]


class Engine:
    """mini_engine on an instance in the test's segment directory."""

    def __init__(self, instance: str, *extra: str):
        self.instance = instance
        self.proc = subprocess.Popen([os.path.join(C_DIR, "mini_engine"), instance, "--seconds", "60", *extra],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"mini_engine did not start: {line!r}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self.proc.stdout.close()


class ProducerTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cc = os.environ.get("CC", "cc")
        if not shutil.which(cc):
            raise unittest.SkipTest(f"no C compiler ({cc}) to build Tools/readers/c")
        subprocess.run(["make", "-s", "-C", C_DIR], check=True)  # also under `unittest discover`
        cls.dir = tempfile.mkdtemp(prefix="tw-producer-test-")
        os.environ["TICKWIRE_SHM_DIR"] = cls.dir

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def submit(self, instance: str, *args: str, timeout: str = "5"):
        r = subprocess.run([*SUBMIT, *args, "--instance", instance, "--timeout", timeout],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, (json.loads(r.stdout) if r.stdout.strip() else None), r.stderr

    def test_accepted_and_rejected(self):
        e = Engine("acc")
        try:
            rc, a, err = self.submit("acc", "BTCUSDT", "buy", "0.001", "--price", "64000", "--client-id", "mine-1")
            self.assertEqual(rc, 0, err)
            self.assertEqual((a["type"], a["symbol"], a["side"], a["price"], a["quantity"], a["order_state"]),
                             ("accepted", "BTCUSDT", "buy", "64000.00", "0.00100", "PENDING_SUBMIT"))
            self.assertEqual((a["client_order_id"], a["order_type"], a["tif"], a["flags"]),
                             ("mine-1", "limit", "GTC", ["local"]))
            self.assertEqual(a["command_id"], 1)
            rc, r, err = self.submit("acc", "BTCUSDT", "sell", "11", "--price", "64000.5", "--tif", "ioc")
            self.assertEqual(rc, 4, err)
            self.assertEqual((r["type"], r["reject"], r["code"], r["order_state"], r["text"], r["tif"]),
                             ("rejected", "max_qty", 5, "REJECTED", "quantity above 10", "IOC"))
            rc, _, err = self.submit("acc", "BTCUSDT", "buy", "0.000001", "--price", "64000")
            self.assertEqual(rc, 1)
            self.assertIn("not a multiple of 0.00001", err)
            rc, _, err = self.submit("acc", "ETHUSDT", "buy", "1", "--price", "1")
            self.assertEqual(rc, 1)
            self.assertIn("unknown symbol", err)
        finally:
            e.stop()

    def test_python_and_c_tail_exec_print_the_same_bytes(self):
        e = Engine("tail")
        try:
            self.assertEqual(self.submit("tail", "BTCUSDT", "buy", "0.5", "--type", "market")[0], 0)
            self.assertEqual(self.submit("tail", "BTCUSDT", "sell", "20", "--price", "1.01")[0], 4)
            py = subprocess.run([*READER, "tail", "exec", "--instance", "tail", "--from-oldest", "--timeout", "0.3"],
                                capture_output=True, text=True, timeout=30)
            c = subprocess.run([os.path.join(C_DIR, "tw_reader"), "tail", "exec", "--json", "--instance", "tail",
                                "--from-oldest", "--timeout", "0.3"], capture_output=True, text=True, timeout=30)
            self.assertEqual(py.returncode, 0, py.stderr)
            self.assertEqual(py.stdout, c.stdout)
            types = [json.loads(line)["type"] for line in py.stdout.splitlines()]
            self.assertEqual(types, ["balance", "accepted", "ack", "fill", "rejected"])
            fill = json.loads(py.stdout.splitlines()[3])
            self.assertEqual((fill["order_type"], fill["cum_quantity"], fill["fee"], fill["fee_asset"]),
                             ("market", "0.50000", "0.00050000", "BTC"))
        finally:
            e.stop()

    def test_timeout_and_stopped_engine(self):
        e = Engine("mute", "--mute")
        try:
            t0 = time.monotonic()
            rc, _, err = self.submit("mute", "BTCUSDT", "buy", "0.001", "--price", "64000", timeout="0.5")
            self.assertEqual(rc, 5, err)
            self.assertIn("no answer", err)
            self.assertLess(time.monotonic() - t0, 10)
        finally:
            e.stop()
        rc, _, err = self.submit("mute", "BTCUSDT", "buy", "0.001", "--price", "64000")
        self.assertEqual(rc, 1)
        self.assertIn("ESTALE", err)

    def test_stale_push_writes_nothing(self):
        e = Engine("stale")
        try:
            p = tw.CommandProducer("stale")
            tail_at = p.lane_at + tw.CMD_LANE.offsets["tail"]
        finally:
            e.stop()
        try:
            with self.assertRaises(tw.Stale):
                p.push({"op": tw.CMD_NEW, "side": 1, "order_type": 1, "tif": 1, "price": 1, "quantity": 1})
            self.assertEqual(p.segment.u64(tail_at), 0)
        finally:
            p.close()

    def test_many_producers_each_get_their_own_answer(self):
        e = Engine("many")
        try:
            procs = [subprocess.Popen([*SUBMIT, "BTCUSDT", "buy", f"0.00{k + 1}", "--price", "64000",
                                       "--instance", "many"], stdout=subprocess.PIPE, text=True)
                     for k in range(6)]
            answers = []
            for k, p in enumerate(procs):
                out, _ = p.communicate(timeout=30)
                self.assertEqual(p.returncode, 0)
                answers.append(json.loads(out))
                self.assertEqual(answers[-1]["quantity"], f"0.00{k + 1}00")
                self.assertEqual(answers[-1]["producer_pid"], p.pid)
            self.assertEqual(len({a["producer"] for a in answers}), 6)
        finally:
            e.stop()

    def test_no_free_lane_and_reclaim_of_a_killed_producer(self):
        e = Engine("lanes")
        held = []
        try:
            child = subprocess.Popen([sys.executable, "-c",
                                      "import sys, time; sys.path.insert(0, sys.argv[1]); import tickwire_reader as tw;"
                                      "p = tw.CommandProducer('lanes'); print(p.lane, flush=True); time.sleep(60)",
                                      READERS], stdout=subprocess.PIPE, text=True)
            child_lane = int(child.stdout.readline())
            held = [tw.CommandProducer("lanes") for _ in range(3)]  # the other three lanes
            with self.assertRaises(tw.NoLane):
                tw.CommandProducer("lanes")
            hdr = tw.CMD_HEADER.unpack(held[0].segment.mm, held[0].segment.region_offset)
            self.assertEqual(hdr["rejected_no_lane"], 1)
            child.send_signal(signal.SIGKILL)
            child.wait(10)  # reaped: its pid no longer exists
            child.stdout.close()
            with tw.CommandProducer("lanes") as p:
                self.assertEqual(p.lane, child_lane)
                hdr = tw.CMD_HEADER.unpack(p.segment.mm, p.segment.region_offset)
                self.assertEqual(hdr["lanes_reclaimed"], 1)
                a = tw.submit_order("lanes", "BTCUSDT", "sell", "0.002", "64000.01", producer=p)
                self.assertEqual((a["type"], a["producer"]), ("accepted", p.token))
        finally:
            for p in held:
                p.close()
            e.stop()

    def test_full_lane_is_refused_and_counted(self):
        e = Engine("full", "--mute")
        try:
            e.proc.send_signal(signal.SIGSTOP)  # the engine stops consuming
            with tw.CommandProducer("full") as p:
                cmd = {"op": tw.CMD_NEW, "side": 1, "order_type": 1, "tif": 1, "price": 1, "quantity": 1}
                for _ in range(p.lane_slots):
                    p.push(cmd)
                with self.assertRaises(tw.LaneFull):
                    p.push(cmd)
                hdr = tw.CMD_HEADER.unpack(p.segment.mm, p.segment.region_offset)
                self.assertEqual(hdr["rejected_full"], 1)
        finally:
            e.proc.send_signal(signal.SIGCONT)
            e.stop()


def main() -> int:
    cc = os.environ.get("CC", "cc")
    if not shutil.which(cc):
        print(f"SKIP: no C compiler ({cc}) to build Tools/readers/c", file=sys.stderr)
        return 77
    result = unittest.main(exit=False, verbosity=2).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())

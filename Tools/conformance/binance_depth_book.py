#!/usr/bin/env python3
"""A local order book kept from the simulated venue's diff-depth stream, the way Binance documents it.

Uses the `websockets` client for `/ws/<symbol>@depth@100ms` and plain HTTP for
`GET /api/v3/depth`, following web-socket-streams.md "How to manage a local order book
correctly": buffer the diffs, fetch a snapshot until its lastUpdateId reaches the first buffered
U, drop diffs with u <= lastUpdateId, require U <= lastUpdateId + 1 <= u of the first one
applied, then require every later diff to start at the previous u + 1. After the book has
followed the live (participant-driven) market for a while, the sim's liquidity participants are
paused (`POST /sim/v1/participants`), and the local book must equal a fresh snapshot exactly,
at the same update id — again after a client order changes the book.

    .venv-pb/bin/python Tools/conformance/binance_depth_book.py URL KEY SECRET [--seconds 4]

Exit status 0 when every check passed; prints one line per check. Every wait is bounded.
"""
import argparse
import asyncio
import hashlib
import hmac
import json
import sys
import time
import urllib.parse
import urllib.request
from decimal import Decimal

import websockets

SYMBOL = "BTCUSDT"
TIMEOUT = 10
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1
    print(f"  ok: {what}")


class Venue:
    """The sim's REST endpoints the procedure needs."""

    def __init__(self, url, key, secret):
        self.url = url.rstrip("/")
        self.key = key
        self.secret = secret

    def depth(self):
        query = urllib.parse.urlencode({"symbol": SYMBOL, "limit": 5000})
        with urllib.request.urlopen(f"{self.url}/api/v3/depth?{query}", timeout=TIMEOUT) as response:
            return json.loads(response.read())

    def signed(self, method, path, params):
        body = urllib.parse.urlencode(dict(params, timestamp=int(time.time() * 1000)))
        body += "&signature=" + hmac.new(self.secret.encode(), body.encode(), hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            self.url + path, data=body.encode(), method=method,
            headers={"X-MBX-APIKEY": self.key, "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.loads(response.read())

    def pause(self, paused):
        return self.signed("POST", "/sim/v1/participants", {"paused": "true" if paused else "false"})


class LocalBook:
    """Price -> quantity per side, and the id of the last update applied."""

    def __init__(self, snapshot):
        self.bids, self.asks = {}, {}
        self.last_id = snapshot["lastUpdateId"]
        self.apply(snapshot["bids"], snapshot["asks"])

    def apply(self, bids, asks):
        for side, levels in ((self.bids, bids), (self.asks, asks)):
            for price, quantity in levels:
                if Decimal(quantity) == 0:
                    side.pop(Decimal(price), None)  # removing an unknown level is normal
                else:
                    side[Decimal(price)] = Decimal(quantity)

    def same_as(self, snapshot):
        other = LocalBook(snapshot)
        return self.bids == other.bids and self.asks == other.asks


class DiffStream:
    """The buffered diff events of one connection."""

    def __init__(self, socket):
        self.queue = asyncio.Queue()
        self.task = asyncio.create_task(self._read(socket))

    async def _read(self, socket):
        async for text in socket:
            await self.queue.put(json.loads(text))

    async def next(self):
        return await asyncio.wait_for(self.queue.get(), TIMEOUT)


async def follow(stream, book, until_id=None, until_time=None):
    """Applies diffs (documented rules) until the book reaches until_id or until_time; the count applied."""
    applied = 0
    while True:
        if until_id is not None and book.last_id >= until_id:
            return applied
        if until_time is not None and time.monotonic() >= until_time:
            return applied
        event = await stream.next()
        check_event = event.get("e") == "depthUpdate" and event.get("s") == SYMBOL
        if not check_event:
            raise AssertionError(f"not a {SYMBOL} depthUpdate: {event}")
        if event["u"] <= book.last_id:
            continue
        if event["U"] != book.last_id + 1:
            raise AssertionError(f"gap: diff {event['U']}..{event['u']} after {book.last_id}")
        book.apply(event["b"], event["a"])
        book.last_id = event["u"]
        applied += 1


async def run(url, key, secret, seconds):
    venue = Venue(url, key, secret)
    parts = urllib.parse.urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    stream_url = f"{scheme}://{parts.netloc}/ws/{SYMBOL.lower()}@depth@100ms"
    print(f"websockets {websockets.__version__}: {SYMBOL.lower()}@depth@100ms + GET /api/v3/depth")
    await asyncio.to_thread(venue.pause, False)
    async with websockets.connect(stream_url, max_size=1 << 24, open_timeout=TIMEOUT) as socket:
        stream = DiffStream(socket)
        try:
            first = await stream.next()
            check(first["e"] == "depthUpdate" and first["U"] <= first["u"], "first diff buffered (U <= u)")
            snapshot = await asyncio.to_thread(venue.depth)
            attempts = 1
            while snapshot["lastUpdateId"] < first["U"] and attempts < 20:
                await asyncio.sleep(0.1)
                snapshot = await asyncio.to_thread(venue.depth)
                attempts += 1
            check(snapshot["lastUpdateId"] >= first["U"], "snapshot lastUpdateId >= first buffered U")
            book = LocalBook(snapshot)
            # The first diff kept must straddle the snapshot.
            event = first
            while event["u"] <= book.last_id:
                event = await stream.next()
            check(event["U"] <= book.last_id + 1 <= event["u"], "first applied diff has U <= lastUpdateId+1 <= u")
            book.apply(event["b"], event["a"])
            book.last_id = event["u"]

            applied = 1 + await follow(stream, book, until_time=time.monotonic() + seconds)
            check(applied >= 5, f"followed the moving market: {applied} diffs, none out of sequence")

            await asyncio.to_thread(venue.pause, True)
            await asyncio.sleep(0.5)
            still = await asyncio.to_thread(venue.depth)
            check(len(still["bids"]) < 5000 and len(still["asks"]) < 5000, "the whole book fits one snapshot")
            await follow(stream, book, until_id=still["lastUpdateId"])
            check(book.last_id == still["lastUpdateId"], f"local book at the snapshot's id {book.last_id}")
            check(book.same_as(still), f"local book == snapshot ({len(book.bids)} bids, {len(book.asks)} asks)")

            best_bid = max(book.bids)
            price = best_bid - 7 * Decimal("0.01")
            before = book.bids.get(price, Decimal(0))
            order = await asyncio.to_thread(
                venue.signed, "POST", "/api/v3/order",
                {"symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01000",
                 "price": str(price)})
            moved = await asyncio.to_thread(venue.depth)
            await follow(stream, book, until_id=moved["lastUpdateId"])
            check(book.bids.get(price) == before + Decimal("0.01"),
                  f"a client order's level arrives as a diff ({price})")
            check(book.same_as(moved) and book.last_id == moved["lastUpdateId"], "local book == snapshot after it")
            await asyncio.to_thread(
                venue.signed, "DELETE", "/api/v3/order", {"symbol": SYMBOL, "orderId": order["orderId"]})
            back = await asyncio.to_thread(venue.depth)
            await follow(stream, book, until_id=back["lastUpdateId"])
            check(book.same_as(back) and book.bids.get(price, Decimal(0)) == before, "and its cancel too")
        finally:
            stream.task.cancel()
            await asyncio.to_thread(venue.pause, False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the simulator's REST URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("api_key")
    parser.add_argument("api_secret")
    parser.add_argument("--seconds", type=float, default=4.0, help="how long to follow the live market")
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args.url, args.api_key, args.api_secret, args.seconds), 60 + args.seconds))
    print(f"PASS {checks} checks (websockets local book)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

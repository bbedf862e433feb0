#!/usr/bin/env python3
"""Conformance of the simulated venue's WebSocket API (/ws-api/v3) with Binance's own Python clients.

python-binance (`binance.AsyncClient` ws_* methods, and `BinanceSocketManager.user_socket()`,
which subscribes with `userDataStream.subscribe.signature`) or binance-connector
(`binance.websocket.spot.websocket_api.SpotWebsocketAPIClient`): time and ping, a signed LIMIT
order placed, queried, listed and canceled, account status, error codes, and the user data
stream receiving executionReport / outboundAccountPosition / balanceUpdate events. The sim's
own `POST /sim/v1/deposit` (no Binance client has it) triggers the balanceUpdate.

    engine sim --port 0          # prints rest-url, api-key, api-secret
    .venv-pb/bin/python Tools/conformance/binance_wsapi.py URL KEY SECRET --client python-binance
    .venv-bc/bin/python Tools/conformance/binance_wsapi.py URL KEY SECRET --client binance-connector

Exit status 0 when every check passed; prints one line per check. Every wait is bounded.
"""
import argparse
import asyncio
import hashlib
import hmac
import importlib.util
import json
import queue
import sys
import time
import urllib.parse
import urllib.request

SYMBOL = "BTCUSDT"
TIMEOUT = 10
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1
    print(f"  ok: {what}")


def ws_api_url(rest_url):
    parts = urllib.parse.urlsplit(rest_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}/ws-api/v3"


def sim_post(rest_url, key, secret, path, params):
    """A signed POST to one of the sim's own endpoints (form body, REST signing)."""
    params = dict(params, timestamp=int(time.time() * 1000))
    body = urllib.parse.urlencode(params)
    signature = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        rest_url.rstrip("/") + path, data=(body + "&signature=" + signature).encode(),
        headers={"X-MBX-APIKEY": key, "Content-Type": "application/x-www-form-urlencoded"}, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return json.loads(response.read())


def balances(account):
    return {b["asset"]: (b["free"], b["locked"]) for b in account["balances"]}


def check_report_fields(report, what):
    fields = ["e", "E", "s", "c", "S", "o", "f", "q", "p", "P", "F", "g", "C", "x", "X", "r", "i", "l", "z", "L",
              "n", "N", "T", "t", "I", "w", "m", "M", "O", "Z", "Y", "Q", "V"]
    missing = [f for f in fields if f not in report]
    check(not missing, f"{what} has the documented fields (missing {missing})")


# python-binance ---------------------------------------------------------------------------------

async def run_python_binance(url, key, secret):
    from binance import AsyncClient, BinanceSocketManager
    from binance.exceptions import BinanceAPIException

    print("python-binance (WebSocket API)")
    AsyncClient.WS_API_URL = ws_api_url(url)
    client = AsyncClient(key, secret)
    client.API_URL = url.rstrip("/") + "/api"
    try:
        server_time = (await client.ws_get_time())["serverTime"]
        check(abs(server_time - time.time() * 1000) < 5000, "ws_get_time (time) serverTime")
        check(await client.ws_ping() == {}, "ws_ping (ping)")

        order = await client.ws_create_order(
            symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01000", price="1000.00",
            newOrderRespType="RESULT")
        check(order["status"] == "NEW" and order["price"] == "1000.00000000", "ws_create_order (order.place) NEW")
        got = await client.ws_get_order(symbol=SYMBOL, orderId=order["orderId"])
        rest = await client.get_order(symbol=SYMBOL, orderId=order["orderId"])
        check(got == rest, "ws_get_order (order.status) equals REST GET /api/v3/order")
        opened = await client.ws_get_open_orders(symbol=SYMBOL)
        check([o["orderId"] for o in opened] == [order["orderId"]], "ws_get_open_orders (openOrders.status)")
        canceled = await client.ws_cancel_order(symbol=SYMBOL, orderId=order["orderId"])
        check(canceled["status"] == "CANCELED" and canceled["orderId"] == order["orderId"],
              "ws_cancel_order (order.cancel) CANCELED")
        account = await client.ws_get_account()
        rest_account = await client.get_account()
        check(balances(account) == balances(rest_account) and account["accountType"] == "SPOT",
              "ws_get_account (account.status) balances equal REST")

        for what, kwargs, code in [
            ("unknown symbol -> -1121", dict(symbol="NOPEUSDT"), -1121),
            ("off-tick price -> -1013", dict(price="1000.005"), -1013),
        ]:
            params = dict(symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01000",
                          price="1000.00")
            params.update(kwargs)
            try:
                await client.ws_create_order(**params)
                check(False, what)
            except BinanceAPIException as error:
                check(error.code == code and error.status_code == 400, what)
        try:
            await client.ws_cancel_order(symbol=SYMBOL, orderId=987654321)
            check(False, "unknown order cancel raises")
        except BinanceAPIException as error:
            check(error.code == -2011, "unknown order cancel -> -2011")

        manager = BinanceSocketManager(client)
        async with manager.user_socket() as stream:
            async def next_event():
                return await asyncio.wait_for(stream.recv(), TIMEOUT)

            resting = await client.ws_create_order(
                symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01000", price="1000.00")
            new, position = await next_event(), await next_event()
            check(new["e"] == "executionReport" and new["x"] == "NEW" and new["i"] == resting["orderId"],
                  "user_socket: executionReport NEW for the WS order")
            check_report_fields(new, "executionReport")
            check(position["e"] == "outboundAccountPosition", "user_socket: then outboundAccountPosition")

            market = await client.ws_create_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity="0.00500")
            check(market["status"] == "FILLED" and market["fills"], "MARKET order FILLED with fills")
            events = []
            while not events or events[-1]["e"] != "outboundAccountPosition":
                events.append(await next_event())
            reports = events[:-1]
            check(all(r["e"] == "executionReport" and r["i"] == market["orderId"] for r in reports),
                  "fill: executionReports, then one outboundAccountPosition")
            trades = [r for r in reports if r["x"] == "TRADE"]
            check(reports[0]["x"] == "NEW" and len(trades) == len(market["fills"]), "fill: NEW then one TRADE a fill")
            check(trades[-1]["X"] == "FILLED" and trades[-1]["z"] == "0.00500000", "fill: last TRADE FILLED")
            check([t["t"] for t in trades] == [f["tradeId"] for f in market["fills"]], "fill: trade ids match fills")

            await client.ws_cancel_order(symbol=SYMBOL, orderId=resting["orderId"])
            canceled_report = await next_event()
            check(canceled_report["x"] == "CANCELED" and canceled_report["C"] == resting["clientOrderId"],
                  "cancel: executionReport CANCELED with C = the order's client id")
            check((await next_event())["e"] == "outboundAccountPosition", "cancel: then outboundAccountPosition")

            sim_post(url, key, secret, "/sim/v1/deposit", {"asset": "BTC", "amount": "0.25"})
            update = await next_event()
            check(update["e"] == "balanceUpdate" and update["a"] == "BTC" and update["d"] == "0.25000000",
                  "deposit: balanceUpdate")
            check((await next_event())["e"] == "outboundAccountPosition", "deposit: then outboundAccountPosition")
    finally:
        await client.close_connection()


# binance-connector ------------------------------------------------------------------------------

def run_binance_connector(url, key, secret):
    from binance.lib.utils import websocket_api_signature
    from binance.websocket.spot.websocket_api import SpotWebsocketAPIClient

    print("binance-connector (WebSocket API)")
    inbox = queue.Queue()
    answers = {}
    events = []

    def on_message(_, text):
        message = json.loads(text)
        if "subscriptionId" in message and "event" in message:
            events.append(message)
        inbox.put(message)

    client = SpotWebsocketAPIClient(
        stream_url=ws_api_url(url), api_key=key, api_secret=secret, on_message=on_message, timeout=TIMEOUT)

    def answer(request_id):
        deadline = time.time() + TIMEOUT
        while request_id not in answers and time.time() < deadline:
            try:
                message = inbox.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if "id" in message:
                answers[message["id"]] = message
        if request_id not in answers:
            raise AssertionError(f"no answer to {request_id}")
        return answers.pop(request_id)

    def wait_events(count):
        deadline = time.time() + TIMEOUT
        while len(events) < count and time.time() < deadline:
            time.sleep(0.02)
        return [e["event"] for e in events]

    try:
        client.server_time(id="t1")
        check(answer("t1")["result"]["serverTime"] > 1_600_000_000_000, "server_time (time)")
        client.ping_connectivity(id="p1")
        check(answer("p1")["status"] == 200, "ping_connectivity (ping)")

        # The connector's own signing (sorted params, urlencode) over the library's transport.
        client.send({"id": "s1", "method": "userDataStream.subscribe.signature",
                     "params": websocket_api_signature(key, secret, {})})
        subscribed = answer("s1")
        check(subscribed["status"] == 200 and subscribed["result"]["subscriptionId"] == 0,
              "userDataStream.subscribe.signature -> subscriptionId 0")

        # Numbers go out as JSON numbers (quantity=0.5, price=9999.5) and are signed as written.
        client.new_order(id="o1", symbol="ETHUSDT", side="SELL", type="LIMIT", timeInForce="GTC", quantity=0.5,
                         price=9999.5, newClientOrderId="conformance-ws-bc-1")
        placed = answer("o1")
        check(placed["status"] == 200 and placed["result"]["status"] == "NEW", "new_order (order.place) NEW")
        check(placed["result"]["price"] == "9999.50000000", "new_order price from a JSON number")
        kinds = [r["rateLimitType"] for r in placed["rateLimits"]]
        check(kinds == ["ORDERS", "ORDERS", "REQUEST_WEIGHT"], "order.place rateLimits ORDERS + REQUEST_WEIGHT")
        order_id = placed["result"]["orderId"]
        seen = wait_events(2)
        check(len(seen) >= 2 and seen[0]["e"] == "executionReport" and seen[0]["x"] == "NEW"
              and seen[0]["c"] == "conformance-ws-bc-1", "user data: executionReport NEW")
        check_report_fields(seen[0], "executionReport")
        check(seen[1]["e"] == "outboundAccountPosition", "user data: then outboundAccountPosition")

        client.get_order(id="g1", symbol="ETHUSDT", origClientOrderId="conformance-ws-bc-1")
        got = answer("g1")["result"]
        check(got["status"] == "NEW" and got["orderId"] == order_id, "get_order (order.status)")
        client.get_open_orders(id="l1", symbol="ETHUSDT")
        check([o["orderId"] for o in answer("l1")["result"]] == [order_id], "get_open_orders (openOrders.status)")
        client.account(id="a1")
        account = answer("a1")["result"]
        eth = next(b for b in account["balances"] if b["asset"] == "ETH")
        check(eth["locked"] == "0.50000000", "account (account.status) shows 0.5 ETH locked")
        client.cancel_order(id="c1", symbol="ETHUSDT", orderId=order_id)
        canceled = answer("c1")
        check(canceled["result"]["status"] == "CANCELED", "cancel_order (order.cancel) CANCELED")
        seen = wait_events(4)
        check(len(seen) >= 4 and seen[2]["x"] == "CANCELED" and seen[3]["e"] == "outboundAccountPosition",
              "user data: executionReport CANCELED then outboundAccountPosition")

        client.new_order(id="e1", symbol="ETHUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity=0.01,
                         price=1000.001)
        check(answer("e1")["error"]["code"] == -1013, "off-tick price -> -1013")
        client.get_order(id="e2", symbol="ETHUSDT", orderId=987654321)
        refused = answer("e2")
        check(refused["status"] == 400 and refused["error"]["code"] == -2013, "unknown order -> -2013")
        stranger = SpotWebsocketAPIClient(
            stream_url=ws_api_url(url), api_key=key, api_secret="not-the-secret", on_message=on_message,
            timeout=TIMEOUT)
        try:
            stranger.account(id="e3")
            check(answer("e3")["error"]["code"] == -1022, "wrong secret -> -1022")
        finally:
            stranger.stop()
    finally:
        client.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the simulator's REST URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("api_key")
    parser.add_argument("api_secret")
    parser.add_argument("--client", choices=["auto", "python-binance", "binance-connector"], default="auto")
    args = parser.parse_args()

    has_pb = importlib.util.find_spec("binance") is not None and importlib.util.find_spec("binance.client") is not None
    has_bc = importlib.util.find_spec("binance") is not None and importlib.util.find_spec("binance.spot") is not None
    ran = []
    if args.client in ("auto", "python-binance") and has_pb:
        asyncio.run(asyncio.wait_for(run_python_binance(args.url, args.api_key, args.api_secret), 90))
        ran.append("python-binance")
    if args.client in ("auto", "binance-connector") and has_bc:
        run_binance_connector(args.url, args.api_key, args.api_secret)
        ran.append("binance-connector")
    if not ran:
        print("no Binance client importable here; run Tools/ci/setup-python.sh", file=sys.stderr)
        return 2
    print(f"PASS {checks} checks ({', '.join(ran)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

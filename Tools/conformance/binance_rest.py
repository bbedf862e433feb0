#!/usr/bin/env python3
"""Conformance of the simulated venue's spot REST API with Binance's own Python clients.

Runs python-binance (`binance.client.Client`) and/or binance-connector (`binance.spot.Spot`)
against a running simulator: exchangeInfo, depth, a signed LIMIT order placed, queried and
canceled (balances locked, then unlocked), a MARKET order with fills, trades, and error codes.
Both packages import as `binance`, so each lives in its own venv; the script runs whichever
client the current interpreter has (or the one named by --client).

    engine sim --port 0          # prints rest-url, api-key, api-secret
    .venv-pb/bin/python Tools/conformance/binance_rest.py URL KEY SECRET
    .venv-bc/bin/python Tools/conformance/binance_rest.py URL KEY SECRET

Exit status 0 when every check passed; prints one line per check.
"""
import argparse
import importlib.util
import sys

SYMBOL = "BTCUSDT"
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1
    print(f"  ok: {what}")


def balance(account, asset):
    entry = next(b for b in account["balances"] if b["asset"] == asset)
    return float(entry["free"]), float(entry["locked"])


def filters_of(info):
    return {f["filterType"]: f for f in info["filters"]}


def run_python_binance(url, key, secret):
    from binance.client import Client
    from binance.exceptions import BinanceAPIException

    print("python-binance")
    client = Client(key, secret, ping=False)
    client.API_URL = url.rstrip("/") + "/api"
    client.ping()
    server_time = client.get_server_time()["serverTime"]
    check(server_time > 1_600_000_000_000, "GET /api/v3/time serverTime")
    weight = client.response.headers.get("x-mbx-used-weight-1m")
    check(weight is not None and int(weight) >= 1, "X-MBX-USED-WEIGHT-1M header")

    info = client.get_exchange_info()
    check(info["timezone"] == "UTC", "exchangeInfo timezone")
    check(info["rateLimits"][0]["rateLimitType"] == "REQUEST_WEIGHT", "exchangeInfo rateLimits")
    symbol = client.get_symbol_info(SYMBOL)
    check(symbol is not None and symbol["status"] == "TRADING", "get_symbol_info BTCUSDT TRADING")
    filters = filters_of(symbol)
    check(filters["PRICE_FILTER"]["tickSize"] == "0.01000000", "PRICE_FILTER tickSize 0.01")
    check(filters["LOT_SIZE"]["stepSize"] == "0.00001000", "LOT_SIZE stepSize 0.00001")
    check(float(filters["NOTIONAL"]["minNotional"]) == 5.0, "NOTIONAL minNotional 5")

    book = client.get_order_book(symbol=SYMBOL, limit=10)
    check(book["lastUpdateId"] > 0 and 0 < len(book["bids"]) <= 10, "depth limit 10")
    check(float(book["bids"][0][0]) < float(book["asks"][0][0]), "depth best bid < best ask")

    free0, locked0 = balance(client.get_account(), "USDT")
    order = client.create_order(
        symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01000", price="1000.00")
    check(order["status"] == "NEW" and order["symbol"] == SYMBOL, "create_order LIMIT -> NEW")
    check(order["price"] == "1000.00000000" and order["origQty"] == "0.01000000", "order price/qty strings")
    check(client.response.headers.get("x-mbx-order-count-10s") is not None, "X-MBX-ORDER-COUNT-10S header")
    free1, locked1 = balance(client.get_account(), "USDT")
    check(abs(locked1 - locked0 - 10.0) < 1e-9 and abs(free0 - free1 - 10.0) < 1e-9, "10 USDT locked")

    got = client.get_order(symbol=SYMBOL, orderId=order["orderId"])
    check(got["status"] == "NEW" and got["clientOrderId"] == order["clientOrderId"], "get_order NEW")
    by_client = client.get_order(symbol=SYMBOL, origClientOrderId=order["clientOrderId"])
    check(by_client["orderId"] == order["orderId"], "get_order by origClientOrderId")
    open_orders = client.get_open_orders(symbol=SYMBOL)
    check([o["orderId"] for o in open_orders] == [order["orderId"]], "get_open_orders lists it")

    canceled = client.cancel_order(symbol=SYMBOL, orderId=order["orderId"])
    check(canceled["status"] == "CANCELED", "cancel_order -> CANCELED")
    check(client.get_order(symbol=SYMBOL, orderId=order["orderId"])["status"] == "CANCELED", "get_order CANCELED")
    free2, locked2 = balance(client.get_account(), "USDT")
    check(locked2 == locked0 and free2 == free0, "USDT unlocked")

    market = client.order_market_buy(symbol=SYMBOL, quantity="0.0002")
    check(market["status"] == "FILLED" and len(market["fills"]) > 0, "MARKET BUY FILLED with fills")
    mine = client.get_my_trades(symbol=SYMBOL)
    check({t["id"] for t in mine} >= {f["tradeId"] for f in market["fills"]}, "get_my_trades has the fills")
    recent = client.get_recent_trades(symbol=SYMBOL, limit=1000)
    check({t["id"] for t in recent} >= {f["tradeId"] for f in market["fills"]}, "get_recent_trades has them")

    try:
        client.get_order(symbol=SYMBOL, orderId=987654321)
        check(False, "unknown order raises")
    except BinanceAPIException as error:
        check(error.code == -2013 and error.status_code == 400, "unknown order -> -2013")
    try:
        client.get_order_book(symbol="NOPEUSDT")
        check(False, "unknown symbol raises")
    except BinanceAPIException as error:
        check(error.code == -1121, "unknown symbol -> -1121")
    bad = Client(key, "not-the-secret", ping=False)
    bad.API_URL = client.API_URL
    try:
        bad.get_account()
        check(False, "bad signature raises")
    except BinanceAPIException as error:
        check(error.code == -1022, "wrong secret -> -1022")


def run_binance_connector(url, key, secret):
    from binance.error import ClientError
    from binance.spot import Spot

    print("binance-connector")
    client = Spot(api_key=key, api_secret=secret, base_url=url.rstrip("/"))
    check(client.ping() == {}, "ping")
    check(client.time()["serverTime"] > 1_600_000_000_000, "time")
    info = client.exchange_info(symbol=SYMBOL)
    check(len(info["symbols"]) == 1 and info["symbols"][0]["symbol"] == SYMBOL, "exchange_info(symbol)")
    filters = filters_of(info["symbols"][0])
    check(filters["PRICE_FILTER"]["tickSize"] == "0.01000000", "PRICE_FILTER tickSize 0.01")
    many = client.exchange_info(symbols=["BTCUSDT", "ETHUSDT"])
    check(sorted(s["symbol"] for s in many["symbols"]) == ["BTCUSDT", "ETHUSDT"], "exchange_info(symbols)")
    book = client.depth(SYMBOL, limit=5)
    check(0 < len(book["asks"]) <= 5 and book["lastUpdateId"] > 0, "depth limit 5")

    limited = Spot(api_key=key, api_secret=secret, base_url=url.rstrip("/"), show_limit_usage=True)
    usage = limited.depth(SYMBOL, limit=500)["limit_usage"]
    check(any(k.lower() == "x-mbx-used-weight-1m" for k in usage), "limit usage header")

    free0, locked0 = balance(client.account(), "ETH")
    order = client.new_order(
        symbol="ETHUSDT", side="SELL", type="LIMIT", timeInForce="GTC", quantity=0.5, price=9999.5,
        newClientOrderId="conformance-bc-1")
    check(order["status"] == "NEW" and order["clientOrderId"] == "conformance-bc-1", "new_order LIMIT -> NEW")
    free1, locked1 = balance(client.account(), "ETH")
    check(abs(locked1 - locked0 - 0.5) < 1e-9, "0.5 ETH locked")
    got = client.get_order("ETHUSDT", origClientOrderId="conformance-bc-1")
    check(got["status"] == "NEW" and got["orderId"] == order["orderId"], "get_order NEW")
    check(len(client.get_open_orders("ETHUSDT")) == 1, "get_open_orders")
    canceled = client.cancel_order("ETHUSDT", orderId=order["orderId"])
    check(canceled["status"] == "CANCELED" and canceled["origClientOrderId"] == "conformance-bc-1", "cancel_order")
    free2, locked2 = balance(client.account(), "ETH")
    check(locked2 == locked0 and free2 == free0, "ETH unlocked")

    for price in (1000, 1001):
        client.new_order(symbol="ETHUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity=0.01, price=price)
    all_canceled = client.cancel_open_orders("ETHUSDT")
    check([o["status"] for o in all_canceled] == ["CANCELED", "CANCELED"], "cancel_open_orders")

    market = client.new_order(symbol="ETHUSDT", side="BUY", type="MARKET", quoteOrderQty=20)
    check(market["status"] == "FILLED" and market["fills"], "MARKET quoteOrderQty FILLED")
    check(len(client.my_trades("ETHUSDT")) >= len(market["fills"]), "my_trades")
    check(len(client.trades("ETHUSDT", limit=10)) > 0, "trades")

    try:
        client.new_order(symbol="ETHUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity=0.01, price=1000.001)
        check(False, "off-tick price raises")
    except ClientError as error:
        check(error.error_code == -1013 and error.status_code == 400, "off-tick price -> -1013")
    try:
        Spot(api_key="unknown", api_secret=secret, base_url=url.rstrip("/")).account()
        check(False, "unknown key raises")
    except ClientError as error:
        check(error.error_code == -2015 and error.status_code == 401, "unknown key -> -2015 (401)")


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
        run_python_binance(args.url, args.api_key, args.api_secret)
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

#!/usr/bin/env python3
"""Conformance of the simulated venue's USD-M futures REST API with python-binance.

Runs python-binance's futures calls against a running simulator: leverage, a LIMIT order
placed far from the market, queried and canceled, a MARKET order that opens a position, the
position and account figures, closing it reduce-only, and Binance's error codes.

    engine sim --port 0          # prints rest-url, api-key, api-secret
    .venv-pb/bin/python Tools/conformance/binance_futures.py URL KEY SECRET

Exit status 0 when every check passed; prints one line per check, then PASS.
"""
import argparse
import sys
from decimal import Decimal

SYMBOL = "BTCUSDT"
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1
    print(f"  ok: {what}")


def position_of(client):
    entries = client.futures_position_information(symbol=SYMBOL)
    return next((p for p in entries if p["symbol"] == SYMBOL), {"positionAmt": "0"})


def run(url, key, secret):
    from binance.client import Client
    from binance.exceptions import BinanceAPIException

    print("python-binance futures")
    client = Client(key, secret, ping=False)
    client.FUTURES_URL = url.rstrip("/") + "/fapi"
    check(client.futures_time()["serverTime"] > 1_600_000_000_000, "GET /fapi/v1/time")

    changed = client.futures_change_leverage(symbol=SYMBOL, leverage=10)
    check(changed["leverage"] == 10 and changed["symbol"] == SYMBOL, "futures_change_leverage 10x")
    try:
        client.futures_change_leverage(symbol=SYMBOL, leverage=500)
        check(False, "leverage 500 refused")
    except BinanceAPIException as error:
        check(error.code == -4028, f"leverage 500 refused with -4028 ({error.message})")

    book = client.futures_order_book(symbol=SYMBOL, limit=5)
    bid = Decimal(book["bids"][0][0])
    far = (bid * Decimal("0.9")).quantize(Decimal("0.1"))
    placed = client.futures_create_order(
        symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.010", price=str(far))
    check(placed["status"] == "NEW" and placed["positionSide"] == "BOTH", "futures_create_order LIMIT NEW")
    check(placed["clientOrderId"] != "" and placed["reduceOnly"] is False, "clientOrderId and reduceOnly")
    order_id = placed["orderId"]
    got = client.futures_get_order(symbol=SYMBOL, orderId=order_id)
    check(got["orderId"] == order_id and got["origQty"] == "0.010", "futures_get_order")
    check(Decimal(got["price"]) == far and got["type"] == "LIMIT", "futures_get_order price and type")
    canceled = client.futures_cancel_order(symbol=SYMBOL, orderId=order_id)
    check(canceled["status"] == "CANCELED", "futures_cancel_order CANCELED")
    try:
        client.futures_cancel_order(symbol=SYMBOL, orderId=order_id)
        check(False, "second cancel refused")
    except BinanceAPIException as error:
        check(error.code == -2011, "second cancel refused with -2011")

    before = Decimal(position_of(client)["positionAmt"])
    bought = client.futures_create_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity="0.002")
    check(bought["status"] == "FILLED" and Decimal(bought["avgPrice"]) > 0, "futures_create_order MARKET FILLED")
    position = position_of(client)
    check(Decimal(position["positionAmt"]) == before + Decimal("0.002"), "futures_position_information amount")
    check(Decimal(position["entryPrice"]) > 0 and Decimal(position["markPrice"]) > 0, "entry and mark prices")
    check(position["leverage"] == "10" and position["marginType"] == "cross", "leverage 10, cross margin")

    account = client.futures_account()
    check(Decimal(account["totalPositionInitialMargin"]) > 0, "futures_account position margin")
    usdt = next(a for a in account["assets"] if a["asset"] == "USDT")
    check(Decimal(usdt["walletBalance"]) > 0 and "availableBalance" in usdt, "futures_account USDT asset")
    entry = next(p for p in account["positions"] if p["symbol"] == SYMBOL)
    check(Decimal(entry["positionAmt"]) == before + Decimal("0.002"), "futures_account positions")

    closed = client.futures_create_order(
        symbol=SYMBOL, side="SELL", type="MARKET", quantity="0.002", reduceOnly="true")
    check(closed["status"] == "FILLED" and closed["reduceOnly"] is True, "reduce-only MARKET closes")
    check(Decimal(position_of(client)["positionAmt"]) == before, "position back where it was")
    try:
        client.futures_create_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity="1000")
        check(False, "a 1000 BTC order refused")
    except BinanceAPIException as error:
        check(error.code in (-2019, -1013), f"a 1000 BTC order refused ({error.code})")
    trades = client.futures_account_trades(symbol=SYMBOL)
    check(len(trades) >= 2 and trades[-1]["commissionAsset"] == "USDT", "futures_account_trades")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("secret")
    args = parser.parse_args()
    try:
        run(args.url, args.key, args.secret)
    except Exception as error:  # noqa: BLE001 — report any failure as the check that failed
        print(f"FAIL after {checks} checks: {error!r}")
        return 1
    print(f"PASS ({checks} checks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

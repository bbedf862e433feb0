#!/usr/bin/env python3
"""Does the venue agree with the engine about every order?

Reads `engine orders --json` (a file, or - for standard input) and asks the venue for each
order with python-binance's REST client (`get_order` by origClientOrderId), then compares the
state and the filled quantity. Run with the python-binance venv against an `engine sim`:

    .venv-pb/bin/python Tools/conformance/orders_agree.py URL KEY SECRET orders.json

Exit status 0 when every order agrees; prints one line per order.
"""
import argparse
import json
import sys
from decimal import Decimal


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("secret")
    parser.add_argument("orders", help="engine orders --json output, or - for stdin")
    args = parser.parse_args()

    from binance.client import Client

    client = Client(args.key, args.secret, ping=False)
    client.API_URL = args.url.rstrip("/") + "/api"
    text = sys.stdin.read() if args.orders == "-" else open(args.orders).read()
    orders = json.loads(text)
    if not orders:
        print("no orders to compare", file=sys.stderr)
        return 1
    failures = 0
    for order in orders:
        cid = order["client_order_id"]
        if order["state"] == "REJECTED" and order.get("venue_order_id") is None:
            # Refused by the engine's own risk: the venue must never have seen it.
            try:
                client.get_order(symbol=order["symbol"], origClientOrderId=cid)
                print(f"FAIL {cid}: rejected locally, yet the venue knows it")
                failures += 1
            except Exception:
                print(f"ok   {cid}: rejected by risk, unknown to the venue")
            continue
        venue = client.get_order(symbol=order["symbol"], origClientOrderId=cid)
        # The engine says SUBMITTED for a working order with no fill; Binance says NEW.
        engine_state = "NEW" if order["state"] == "SUBMITTED" else order["state"]
        same_state = venue["status"] == engine_state
        same_fill = Decimal(venue["executedQty"]) == Decimal(order["filled_quantity"])
        same_id = venue["orderId"] == order["venue_order_id"]
        verdict = "ok  " if same_state and same_fill and same_id else "FAIL"
        failures += 0 if verdict == "ok  " else 1
        print(f"{verdict} {cid}: venue {venue['status']} {venue['executedQty']} id {venue['orderId']}; "
              f"engine {order['state']} {order['filled_quantity']} id {order['venue_order_id']}")
    print(f"{len(orders) - failures} agree, {failures} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

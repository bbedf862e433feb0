#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An example external producer: submits one order to a running Tickwire engine.

    submit_order.py BTCUSDT buy 0.001 --price 64000 [--type limit|market|limit_maker]
                    [--tif GTC|IOC|FOK] [--client-id ID] [--strategy-id N] [--instance NAME]
                    [--timeout SEC]

Claims a command lane (through libtw_producer.so: `make readers`), writes the
command, waits for the engine's answer in the exec journal and prints it as one
JSON object (the record as `tickwire_reader.py tail exec` prints it). Prices
and quantities are decimal strings, converted exactly at the instrument's
exponents from the books segment; a value that does not fit is refused, never
rounded. Standard library only (plus the reader module beside this file).

Exit codes: 0 accepted; 4 rejected (by risk or by the venue: see "code",
"reject" and "text"); 5 no answer within --timeout; 1 any other error (engine
not running or not live - nothing was sent -, no free lane, lane full, bad
symbol or value), one line on stderr; 2 bad usage.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tickwire_reader as tw  # noqa: E402

EXIT_ACCEPTED, EXIT_ERROR, EXIT_REJECTED, EXIT_TIMEOUT = 0, 1, 4, 5


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="submit_order.py", description="Submit one order to a Tickwire engine.",
                                epilog="exit codes: 0 accepted, 4 rejected, 5 timeout, 1 error, 2 bad usage")
    p.add_argument("symbol")
    p.add_argument("side", choices=["buy", "sell"], type=str.lower)
    p.add_argument("quantity", help="decimal, e.g. 0.001")
    p.add_argument("--price", help="decimal limit price (required unless --type market)")
    p.add_argument("--type", dest="order_type", default="limit", choices=["limit", "market", "limit_maker"])
    p.add_argument("--tif", default="GTC", type=str.upper, choices=["GTC", "IOC", "FOK"])
    p.add_argument("--client-id", default="", help=f"client order id (< {tw.CLIENT_ID_MAX} bytes; "
                   "default: the engine makes one)")
    p.add_argument("--strategy-id", type=int, default=0)
    p.add_argument("--instance", type=tw._instance, default=tw.DEFAULT_INSTANCE, metavar="NAME")
    p.add_argument("--timeout", type=tw._positive_float, default=5.0, metavar="SEC",
                   help="seconds to wait for the answer (default 5)")
    args = p.parse_args(argv)
    if args.order_type != "market" and args.price is None:
        p.error(f"--price is required for a {args.order_type} order")
    try:
        answer = tw.submit_order(args.instance, args.symbol, args.side, args.quantity, args.price,
                                 order_type=args.order_type, tif=args.tif, client_order_id=args.client_id,
                                 strategy_id=args.strategy_id, timeout=args.timeout)
    except tw.AnswerTimeout as e:
        print(f"submit_order: {e}", file=sys.stderr)
        return EXIT_TIMEOUT
    except tw.TickwireError as e:
        print(f"submit_order: {e}", file=sys.stderr)
        return EXIT_ERROR
    print(tw._json(answer))
    return EXIT_ACCEPTED if answer["type"] == "accepted" else EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())

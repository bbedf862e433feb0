#!/usr/bin/env python3
"""Does the venue agree with the engine about the account?

Reads one JSON file holding what the engine says — {"fills": `engine fills --json`,
"balances": `engine balances --json`, "positions": `engine positions --json`,
"pnl": `engine pnl --json`, "trial": `engine ledger --trial-balance --json`} — and asks the
venue with python-binance's REST client (`get_my_trades`, `get_account`). Checks:

- fills: every venue trade of the symbols appears exactly once (by trade id), with the same
  price, quantity, commission and side, and the engine has no trade the venue does not;
- balances: every asset's total (free + locked) equals the venue's;
- positions: the net of each symbol (summed over strategies) equals bought minus sold by the
  venue's trades since `--since-ms`;
- realized PnL: the engine's total equals the average-cost realized PnL of those trades;
- trial balance: balanced, and assets:spot:ASSET equals the venue's total of every asset.

    .venv-pb/bin/python Tools/conformance/account_agree.py URL KEY SECRET engine.json --symbols BTCUSDT

Exit status 0 when everything agrees; prints one line per check.
"""
import argparse
import json
import sys
from decimal import Decimal

E8 = Decimal("0.00000001")


def realized_pnl(trades):
    """Average-cost realized PnL of a trade list (oldest first), per symbol, summed."""
    total = Decimal(0)
    book = {}
    for t in trades:
        size, avg = book.get(t["symbol"], (Decimal(0), Decimal(0)))
        qty = Decimal(t["qty"]) if t["isBuyer"] else -Decimal(t["qty"])
        price = Decimal(t["price"])
        if size == 0 or (size > 0) == (qty > 0):
            new = size + qty
            avg = ((avg * abs(size) + price * abs(qty)) / abs(new)).quantize(E8) if new != 0 else Decimal(0)
            size = new
        else:
            closed = min(abs(qty), abs(size))
            sign = 1 if size > 0 else -1
            total += ((price - avg) * closed * sign).quantize(E8)
            size += qty
            if size == 0:
                avg = Decimal(0)
            elif (size > 0) != (sign > 0):
                avg = price
        book[t["symbol"]] = (size, avg)
    return total, {s: v[0] for s, v in book.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("secret")
    parser.add_argument("engine", help="JSON file with the engine's fills, balances, positions, pnl, trial")
    parser.add_argument("--symbols", default="BTCUSDT")
    args = parser.parse_args()

    from binance.client import Client

    client = Client(args.key, args.secret, ping=False)
    client.API_URL = args.url.rstrip("/") + "/api"
    engine = json.load(open(args.engine))
    failures = []

    def check(ok, line):
        print(("ok   " if ok else "FAIL ") + line)
        if not ok:
            failures.append(line)

    trades = []
    for symbol in args.symbols.split(","):
        trades += client.get_my_trades(symbol=symbol, limit=1000)
    trades.sort(key=lambda t: (t["time"], t["id"]))
    fills = engine["fills"]
    ids = [f["trade_id"] for f in fills]
    check(len(ids) == len(set(ids)), f"each engine fill once: {len(ids)} fills, {len(set(ids))} trade ids")
    venue_ids = {t["id"] for t in trades}
    check(set(ids) == venue_ids, f"the same trades: engine {len(set(ids))}, venue {len(venue_ids)}; "
          f"missing {sorted(venue_ids - set(ids))[:10]}, extra {sorted(set(ids) - venue_ids)[:10]}")
    by_id = {f["trade_id"]: f for f in fills}
    differ = 0
    for t in trades:
        f = by_id.get(t["id"])
        if f is None:
            continue
        same = (Decimal(f["price"]) == Decimal(t["price"]) and Decimal(f["quantity"]) == Decimal(t["qty"])
                and Decimal(f["fee"]) == Decimal(t["commission"]) and f["fee_asset"] == t["commissionAsset"]
                and (f["side"] == "buy") == t["isBuyer"])
        if not same:
            differ += 1
            print(f"     trade {t['id']}: venue {t}, engine {f}")
    check(differ == 0, f"price, quantity, fee and side of every trade ({differ} differ)")

    account = client.get_account()
    venue_totals = {b["asset"]: Decimal(b["free"]) + Decimal(b["locked"]) for b in account["balances"]}
    engine_totals = {b["asset"]: Decimal(b["total"]) for b in engine["balances"]}
    for asset in sorted(set(venue_totals) | set(engine_totals)):
        v, e = venue_totals.get(asset, Decimal(0)), engine_totals.get(asset, Decimal(0))
        check(v == e, f"balance {asset}: venue {v}, engine {e}")

    realized, nets = realized_pnl(trades)
    engine_nets = {}
    for p in engine["positions"]:
        engine_nets[p["symbol"]] = engine_nets.get(p["symbol"], Decimal(0)) + Decimal(p["size"])
    for symbol in args.symbols.split(","):
        v, e = nets.get(symbol, Decimal(0)), engine_nets.get(symbol, Decimal(0))
        check(v == e, f"position {symbol}: venue trades net {v}, engine {e}")
    engine_realized = Decimal(engine["pnl"]["total"]["realized_pnl"])
    check(abs(engine_realized - realized) <= E8 * len(trades),
          f"realized PnL: from the venue's trades {realized}, engine {engine_realized}")

    trial = engine["trial"]
    check(trial["balanced"], "trial balance: debits equal credits in every asset")
    ledger = {r["asset"]: Decimal(r["balance"]) for r in trial["rows"] if r["account"] == f"assets:spot:{r['asset']}"}
    for asset, total in sorted(venue_totals.items()):
        if total == 0 and asset not in ledger:
            continue
        check(ledger.get(asset, Decimal(0)) == total, f"ledger assets:spot:{asset} {ledger.get(asset)} = venue {total}")

    print("account agrees" if not failures else f"{len(failures)} checks differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

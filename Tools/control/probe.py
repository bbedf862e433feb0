#!/usr/bin/env python3
"""A client of the engine's control plane, as a program outside the engine would be one: plain
HTTP (urllib), WebSocket (the `websockets` package) and MessagePack (the `msgpack` package).
The tests drive it; an operator can too.

  probe.py URL http METHOD PATH [--token T] [--body TEXT] [--header 'Name: value' ...]
      one request; prints {"status", "headers", "body", "ms"}
  probe.py URL times PATH N
      N GETs of PATH one after another; prints {"p50_ms", "p99_ms", "max_ms", "statuses"}
  probe.py URL stream PATH N [--send TEXT] [--msgpack] [--after-first CMD]
      a WebSocket: prints each of the first N messages as a JSON line (MessagePack decoded),
      sending TEXT after the first message; --origin sets an Origin header; a refused upgrade
      prints {"refused": status}
"""
import argparse
import asyncio
import json
import sys
import time
import urllib.error
import urllib.request


def http(url, method, path, token=None, body=None, headers=()):
    request = urllib.request.Request(url + path, method=method, data=body.encode() if body is not None else None)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    for header in headers:
        name, value = header.split(":", 1)
        request.add_header(name.strip(), value.strip())
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, got, text = response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        status, got, text = error.code, dict(error.headers), error.read().decode()
    ms = (time.perf_counter() - started) * 1000
    return {"status": status, "headers": {k.lower(): v for k, v in got.items()}, "body": text, "ms": ms}


async def stream(url, path, count, send, origin):
    import msgpack
    import websockets

    extra = {"Origin": origin} if origin else {}
    try:
        connection = websockets.connect(url.replace("http://", "ws://") + path, additional_headers=extra, max_size=2**24)
    except TypeError:
        connection = websockets.connect(url.replace("http://", "ws://") + path, extra_headers=extra, max_size=2**24)
    try:
        async with connection as ws:
            for i in range(count):
                message = await asyncio.wait_for(ws.recv(), 15)
                if isinstance(message, bytes):
                    decoded = msgpack.unpackb(message, raw=False)
                    decoded["_format"] = "msgpack"
                    decoded["_bytes"] = len(message)
                else:
                    decoded = json.loads(message)
                    decoded["_format"] = "json"
                    decoded["_bytes"] = len(message.encode())
                print(json.dumps(decoded), flush=True)
                if i == 0 and send:
                    await ws.send(send)
    except websockets.exceptions.InvalidStatus as error:
        print(json.dumps({"refused": error.response.status_code}), flush=True)
    except websockets.exceptions.ConnectionClosed as error:
        print(json.dumps({"closed": getattr(error.rcvd, "code", None), "reason": getattr(error.rcvd, "reason", "")}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    sub = parser.add_subparsers(dest="command", required=True)
    h = sub.add_parser("http")
    h.add_argument("method")
    h.add_argument("path")
    h.add_argument("--token")
    h.add_argument("--body")
    h.add_argument("--header", action="append", default=[])
    t = sub.add_parser("times")
    t.add_argument("path")
    t.add_argument("n", type=int)
    s = sub.add_parser("stream")
    s.add_argument("path")
    s.add_argument("n", type=int)
    s.add_argument("--send")
    s.add_argument("--origin")
    args = parser.parse_args()
    if args.command == "http":
        print(json.dumps(http(args.url, args.method, args.path, args.token, args.body, args.header)))
    elif args.command == "times":
        results = [http(args.url, "GET", args.path) for _ in range(args.n)]
        ms = sorted(r["ms"] for r in results)
        print(json.dumps({
            "p50_ms": ms[len(ms) // 2], "p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))], "max_ms": ms[-1],
            "statuses": sorted({r["status"] for r in results}),
        }))
    else:
        asyncio.run(stream(args.url, args.path, args.n, args.send, args.origin))


if __name__ == "__main__":
    sys.exit(main())

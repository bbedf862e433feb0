#!/usr/bin/env python3
"""Loads the engine's web dashboard in headless Chromium, as an operator's browser would, and
reports what the page rendered. It drives Chromium over the DevTools protocol (the `websockets`
package, as in .venv-pb): opens the control plane's URL, waits until the page shows live data,
reads the rendered DOM back as JSON, saves a screenshot, and optionally throws the kill switch
through the page's own token field and Halt button.

  browser_probe.py --chromium BIN --url http://127.0.0.1:PORT/ --png OUT.png [--symbol BTCUSDT]
                   [--token-file PATH [--wrong-token TEXT] [--reason TEXT]] [--timeout SECONDS]
                   [--until-disconnected SECONDS]

Prints JSON lines: {"phase": "live", "ready": bool, "dom": {...}, "errors": [...]} and
{"screenshot": path}, then with --wrong-token {"phase": "refused", ...}, with --token-file
{"phase": "halted", ...}, and with --until-disconnected, once the engine has gone away (whoever
runs the probe stops it), {"phase": "disconnected", ...}. Exits 1 when a phase did not reach what
it waited for.
"""
import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time

import websockets

# Every number the page shows is read back from the DOM, never from its script's state.
SNAPSHOT = r"""(() => {
  const text = (id) => { const e = document.getElementById(id); return e ? e.textContent.trim() : null; };
  const cells = (tr) => [...tr.cells].map((c) => c.textContent.trim());
  const table = (id) => [...(document.getElementById(id)?.tBodies[0]?.rows || [])]
    .filter((r) => !r.querySelector('td.none')).map((r) => ({ attrs: { ...r.dataset }, cells: cells(r) }));
  const books = {};
  for (const t of document.querySelectorAll('table.ladder')) {
    books[t.dataset.symbol] = { best_bid: t.dataset.bestBid || null, best_ask: t.dataset.bestAsk || null,
      spread: t.dataset.spread || null, state: t.dataset.state, hidden: t.hidden, caption: t.caption?.textContent,
      bids: [...t.querySelectorAll('tr.bid')].map(cells), asks: [...t.querySelectorAll('tr.ask')].map(cells) };
  }
  const result = document.getElementById('kill-result');
  return { url: location.href, title: document.title, conn: text('conn'), conn_detail: text('conn-detail'),
    instance: text('instance'),
    engine_state: text('engine-state'), health_status: text('health-status'), kill_switch: text('kill-switch-state'),
    uptime: text('uptime'), symbols: [...document.getElementById('book-symbol').options].map((o) => o.value),
    books, orders: table('orders'), positions: table('positions'), strategies: table('strategies'),
    feeds: table('feeds'), latency: table('latency'),
    alerts: [...document.querySelectorAll('#alerts li[data-id]')].map((li) => li.textContent),
    pnl: { total: text('pnl-total'), realized: text('pnl-realized'), unrealized: text('pnl-unrealized'),
      daily: text('pnl-daily'), fees: text('pnl-fees') },
    pnl_points: Number(document.getElementById('pnl-chart').dataset.points || 0),
    pnl_line: !!document.querySelector('#pnl-chart polyline'),
    kill_result: { status: result.dataset.status || null, text: result.textContent.trim() },
    stored: localStorage.length + sessionStorage.length, body_text: document.body.innerText,
    violations: window.__violations || [] };
})()"""

LIVE = r"""((symbol) => {
  const book = document.getElementById('book-' + symbol), text = (id) => document.getElementById(id).textContent;
  return !!book && !!book.dataset.bestBid && !!book.dataset.bestAsk && text('conn') === 'live'
    && text('health-status') === 'healthy' && /\d/.test(text('pnl-total'))
    && document.querySelectorAll('#orders tbody tr[data-client-order-id]').length > 0
    && document.querySelectorAll('#feeds tbody tr[data-symbol]').length > 0
    && document.querySelectorAll('#latency tbody tr[data-name]').length > 0;
})(%s)"""

ANSWERED = "!['', 'pending', undefined].includes(document.getElementById('kill-result').dataset.status)"
HALTED = ("document.getElementById('kill-result').dataset.status === '200'"
          " && document.getElementById('kill-switch-state').textContent === 'halted'")
DISCONNECTED = "document.getElementById('conn').textContent === 'disconnected'"

# Recorded before any script of the page runs (DevTools' injection is not subject to the page's CSP).
WATCH_CSP = ("window.__violations = []; document.addEventListener('securitypolicyviolation', "
             "(e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")


class DevTools:
    """One DevTools WebSocket: commands answered by id, events kept for the report."""

    def __init__(self, ws):
        self.ws, self.next_id, self.waiting, self.errors = ws, 0, {}, []
        self.reader = asyncio.create_task(self.read())

    async def read(self):
        async for raw in self.ws:
            message = json.loads(raw)
            if "id" in message and message["id"] in self.waiting:
                self.waiting.pop(message["id"]).set_result(message)
            else:
                self.event(message.get("method"), message.get("params", {}))

    def event(self, method, params):
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append({"source": "exception", "text": text})
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
            entry = params["entry"]
            self.errors.append({"source": entry.get("source"), "text": entry.get("text"), "url": entry.get("url")})
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            args = [a.get("value", a.get("description")) for a in params.get("args", [])]
            self.errors.append({"source": "console", "text": " ".join(str(a) for a in args)})

    async def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        future = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = future
        await self.ws.send(json.dumps(message))
        answer = await asyncio.wait_for(future, timeout)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})


async def start_chromium(binary, profile):
    """Starts Chromium with a DevTools port of its choosing; returns the process and the browser's ws URL.
    It leads a process group of its own (Debian's binary is a shell script that does not exec, so the
    browser is its child), and its output goes to a file, not a pipe its helpers could hold open."""
    log_path = os.path.join(profile, "chromium.log")
    with open(log_path, "wb") as log:
        process = await asyncio.create_subprocess_exec(
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1440,1100", "about:blank",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(log_path, errors="replace") as log:
            text = log.read()
        match = re.search(r"DevTools listening on (ws://\S+)", text)
        if match:
            return process, match.group(1)
        # Some builds say it only in <profile>/DevToolsActivePort: the port, then the path.
        try:
            with open(os.path.join(profile, "DevToolsActivePort")) as file:
                port, path = file.read().split()[:2]
            return process, f"ws://127.0.0.1:{port}{path}"
        except (OSError, ValueError):
            pass
        if process.returncode is not None:
            break
        await asyncio.sleep(0.1)
    raise RuntimeError(f"Chromium gave no DevTools address (exit {process.returncode}): {text[-600:]}")


async def stop_chromium(process):
    """Ends Chromium's whole process group: SIGTERM, and SIGKILL to whatever is left after 10 s."""
    def alive():
        try:
            os.killpg(process.pid, 0)
            return True
        except ProcessLookupError:
            return False

    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if not alive():
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while alive() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    await process.wait()


async def evaluate(tools, session, expression):
    result = await tools.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
    if "exceptionDetails" in result:
        raise RuntimeError("evaluate: " + json.dumps(result["exceptionDetails"])[:500])
    return result["result"].get("value")


async def wait_for(tools, session, expression, seconds):
    deadline = time.monotonic() + seconds
    while True:
        if await evaluate(tools, session, expression):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)


async def report(tools, session, phase, ready):
    dom = await evaluate(tools, session, SNAPSHOT)
    print(json.dumps({"phase": phase, "ready": ready, "dom": dom, "errors": tools.errors}), flush=True)
    return ready


async def screenshot(tools, session, path):
    size = (await tools.call("Page.getLayoutMetrics", {}, session))["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = await tools.call("Page.captureScreenshot",
                            {"format": "png", "clip": clip, "captureBeyondViewport": True}, session)
    with open(path, "wb") as file:
        file.write(base64.b64decode(shot["data"]))
    print(json.dumps({"screenshot": path}), flush=True)


async def throw_kill_switch(tools, session, token, reason):
    """Pastes the token into the page's field and presses Halt, as the operator would."""
    await evaluate(tools, session, f"""(() => {{
      document.getElementById('token').value = {json.dumps(token)};
      document.getElementById('halt-reason').value = {json.dumps(reason)};
      document.getElementById('kill-result').dataset.status = '';
      document.getElementById('halt').click();
    }})()""")


async def probe(args):
    # SIGTERM (a test's timeout) cancels the run, so Chromium is still stopped below.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    profile = tempfile.mkdtemp(prefix="tickwire-chromium-")
    process = None
    ok = True
    try:
        process, browser_url = await start_chromium(args.chromium, profile)
        async with websockets.connect(browser_url, max_size=None, open_timeout=20) as ws:
            tools = DevTools(ws)
            target = (await tools.call("Target.createTarget", {"url": "about:blank"}))["targetId"]
            session = (await tools.call("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
            for method in ("Page.enable", "Runtime.enable", "Log.enable"):
                await tools.call(method, {}, session)
            await tools.call("Emulation.setDeviceMetricsOverride",
                             {"width": 1440, "height": 1100, "deviceScaleFactor": 1, "mobile": False}, session)
            await tools.call("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_CSP}, session)
            navigated = await tools.call("Page.navigate", {"url": args.url}, session)
            if navigated.get("errorText"):
                raise RuntimeError(f"navigate {args.url}: {navigated['errorText']}")

            ok = await report(tools, session, "live",
                              await wait_for(tools, session, LIVE % json.dumps(args.symbol), args.timeout))
            await screenshot(tools, session, args.png)
            if args.token_file:
                with open(args.token_file) as file:
                    token = file.read().strip()
                if args.wrong_token is not None:
                    await throw_kill_switch(tools, session, args.wrong_token, args.reason)
                    answered = await wait_for(tools, session, ANSWERED, 15)
                    ok = await report(tools, session, "refused", answered) and ok
                await throw_kill_switch(tools, session, token, args.reason)
                halted = await wait_for(tools, session, HALTED, 20)
                ok = await report(tools, session, "halted", halted) and ok
            if args.until_disconnected:
                gone = await wait_for(tools, session, DISCONNECTED, args.until_disconnected)
                ok = await report(tools, session, "disconnected", gone) and ok
            tools.reader.cancel()
    finally:
        if process:
            await stop_chromium(process)
        shutil.rmtree(profile, ignore_errors=True)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--png", required=True)
    parser.add_argument("--symbol", default="BTCUSDT")
    parser.add_argument("--token-file")
    parser.add_argument("--wrong-token")
    parser.add_argument("--reason", default="")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--until-disconnected", type=float)
    args = parser.parse_args()
    try:
        sys.exit(0 if asyncio.run(probe(args)) else 1)
    except asyncio.CancelledError:
        sys.exit(143)


if __name__ == "__main__":
    main()

/// The web dashboard: one page, no build step, nothing fetched from anywhere but this server.
/// It opens /ws/dashboard (client=web, JSON), keeps the state from FULL_STATE and the updates,
/// polls /api/status each second for the latency histograms, and throws the kill switch through
/// POST /api/risk/halt|resume with the token the operator pastes (held in the field, nowhere else).
/// Everything the engine sends is inserted as text nodes, never as markup. Element ids (`book-SYM`,
/// `orders`, `positions`, `pnl-total`, `feeds`, `latency`, `health-status`, `kill-switch-state`, …)
/// are stable: Tests/IntegrationTests/DashboardBrowserTests.swift reads them in headless Chromium.
enum DashboardPage {
    static let html = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Tickwire</title><link rel="icon" href="data:,">
        <style>
        :root { --bg: #0f1419; --panel: #171d24; --line: #263040; --text: #d6dde6; --dim: #7d8a99; --bid: #2fb67c;
          --ask: #e5534b; --mono: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--text); font: 13px/1.4 system-ui, sans-serif; }
        header { display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: center; padding: 8px 14px;
          background: var(--panel); border-bottom: 1px solid var(--line); }
        header h1 { font-size: 16px; margin: 0 6px 0 0; }
        .kv { display: flex; gap: 6px; align-items: baseline; } .kv > span:first-child { color: var(--dim); }
        .badge { padding: 1px 8px; border-radius: 9px; background: #2a3442; font-weight: 600; }
        .good { background: #1c4532; color: #7ee2b0; } .warn { background: #4a3b12; color: #f2d37b; }
        .bad { background: #4c1d1d; color: #ff9b95; }
        main { display: grid; gap: 10px; padding: 10px;
          grid-template-columns: minmax(290px, .9fr) minmax(480px, 1.7fr) minmax(400px, 1.3fr); }
        .col { display: flex; flex-direction: column; gap: 10px; min-width: 0; }
        body.offline main { opacity: .55; }
        section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
          overflow-x: auto; }
        h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--dim); margin: 0 0 6px;
          display: flex; justify-content: space-between; gap: 8px; font-weight: 600; }
        h2 small { text-transform: none; letter-spacing: 0; font-weight: normal; }
        table { width: 100%; border-collapse: collapse; font-family: var(--mono); font-size: 12px; }
        th { text-align: right; color: var(--dim); font-weight: normal; border-bottom: 1px solid var(--line);
          padding: 2px 4px; }
        td { text-align: right; padding: 1px 4px; white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; }
        td.none { text-align: center; color: var(--dim); padding: 6px; }
        .pos { color: var(--bid); } .neg { color: var(--ask); } .dim { color: var(--dim); }
        select, input, button { font: inherit; color: var(--text); background: #0f151c; border: 1px solid var(--line);
          border-radius: 4px; padding: 3px 6px; }
        button { cursor: pointer; } button:disabled { opacity: .5; cursor: default; }
        button.halt { background: #6b1f1f; border-color: #a33; }
        button.resume { background: #1d4a35; border-color: #2f7d57; }
        .ladder caption { text-align: left; padding: 2px 0 4px; color: var(--dim); font-family: var(--mono); }
        .ladder td.bar { width: 42%; } .ladder .fill { height: 11px; border-radius: 2px; }
        .ladder tr.ask td.px { color: var(--ask); } .ladder tr.bid td.px { color: var(--bid); }
        .ladder tr.ask .fill { background: rgba(229, 83, 75, .4); }
        .ladder tr.bid .fill { background: rgba(47, 182, 124, .4); }
        .ladder tr.spread td { text-align: center; color: var(--dim); border-top: 1px solid var(--line);
          border-bottom: 1px solid var(--line); padding: 3px; }
        .figures { display: grid; grid-template-columns: repeat(5, 1fr); gap: 6px; margin-bottom: 6px; }
        .figures div { background: #0f151c; border-radius: 4px; padding: 4px 6px; }
        .figures span { display: block; color: var(--dim); font-size: 11px; }
        .figures b { font-family: var(--mono); font-size: 14px; }
        #pnl-chart { width: 100%; height: 160px; background: #0f151c; border-radius: 4px; display: block; }
        #pnl-chart text { fill: var(--dim); font: 10px var(--mono); }
        #alerts { list-style: none; margin: 0; padding: 0; max-height: 220px; overflow: auto; font-size: 12px; }
        #alerts li { border-bottom: 1px solid var(--line); padding: 3px 0; }
        #alerts li span { margin-right: 6px; }
        .kill-row { display: flex; gap: 6px; flex-wrap: wrap; margin-bottom: 6px; }
        .kill-row input { flex: 1; min-width: 120px; }
        #kill-result { font-family: var(--mono); font-size: 12px; min-height: 1.4em; word-break: break-word; }
        </style></head>
        <body class="offline">
        <header>
          <h1>Tickwire</h1>
          <div class="kv"><span>link</span><span id="conn" class="badge bad">connecting</span>
            <span id="conn-detail" class="dim"></span></div>
          <div class="kv"><span>instance</span><span id="instance">–</span></div>
          <div class="kv"><span>engine</span><span id="engine-state" class="badge">–</span></div>
          <div class="kv"><span>health</span><span id="health-status" class="badge">–</span></div>
          <div class="kv"><span>kill switch</span><span id="kill-switch-state" class="badge">–</span></div>
          <div class="kv"><span>uptime</span><span id="uptime">–</span></div>
          <div class="kv"><span>errors/min</span><span id="errors-last-minute">–</span></div>
        </header>
        <main>
          <div class="col">
            <section id="books-panel"><h2>Book <select id="book-symbol" aria-label="symbol"></select></h2>
              <div id="books"></div></section>
          </div>
          <div class="col">
            <section><h2>PnL <small id="pnl-note" class="dim"></small></h2>
              <div class="figures">
                <div><span>total</span><b id="pnl-total">–</b></div>
                <div><span>realized</span><b id="pnl-realized">–</b></div>
                <div><span>unrealized</span><b id="pnl-unrealized">–</b></div>
                <div><span>daily</span><b id="pnl-daily">–</b></div>
                <div><span>fees</span><b id="pnl-fees">–</b></div>
              </div>
              <svg id="pnl-chart" viewBox="0 0 600 160" preserveAspectRatio="none" role="img"
                aria-label="total PnL over time"></svg>
            </section>
            <section><h2>Open orders <small id="orders-count" class="dim"></small></h2>
              <table id="orders"><thead><tr><th>symbol</th><th>side</th><th>type</th><th>price</th><th>qty</th>
                <th>filled</th><th>state</th><th>client id</th></tr></thead><tbody></tbody></table></section>
            <section><h2>Positions</h2>
              <table id="positions"><thead><tr><th>symbol</th><th>side</th><th>size</th><th>entry</th><th>mark</th>
                <th>unrealized</th><th>realized</th><th>fees</th></tr></thead><tbody></tbody></table></section>
            <section><h2>Strategies <small id="strategies-note" class="dim"></small></h2>
              <table id="strategies"><thead><tr><th>name</th><th>type</th><th>state</th><th>signals</th><th>orders</th>
                <th>rejected</th><th>errors</th><th>p99</th></tr></thead><tbody></tbody></table></section>
          </div>
          <div class="col">
            <section><h2>Kill switch <small id="kill-note" class="dim"></small></h2>
              <div class="kill-row">
                <input type="password" id="token" placeholder="bearer token (the token_file)" autocomplete="off"
                  spellcheck="false">
                <input id="halt-reason" maxlength="39" placeholder="reason (optional)" autocomplete="off">
              </div>
              <div class="kill-row"><button id="halt" class="halt">Halt</button>
                <button id="resume" class="resume">Resume</button></div>
              <div id="kill-result" role="status"></div></section>
            <section><h2>Feeds</h2>
              <table id="feeds"><thead><tr><th>symbol</th><th>state</th><th>age ms</th><th>msgs</th><th>gaps</th>
                <th>resyncs</th><th>reconn</th><th>malformed</th><th>why</th></tr></thead><tbody></tbody></table></section>
            <section><h2>Latency <small id="latency-note" class="dim"></small></h2>
              <table id="latency"><thead><tr><th>histogram</th><th>count</th><th>p50</th><th>p99</th><th>p99.9</th>
                <th>max</th></tr></thead><tbody></tbody></table></section>
            <section><h2>Alerts <small id="alerts-count" class="dim"></small></h2><ul id="alerts"></ul></section>
          </div>
        </main>
        <script>
        'use strict';
        const $ = (id) => document.getElementById(id);
        const S = { symbols: [], books: {}, orders: [], positions: [], pnl: null, history: [], health: null,
          strategies: null, alerts: [], selected: null, lastNs: 0 };

        // Elements with text set through textContent only: nothing the engine sends is parsed as markup.
        function el(tag, props, ...children) {
          const e = document.createElement(tag);
          for (const [k, v] of Object.entries(props || {})) {
            if (v === undefined || v === null) continue;
            if (k === 'text') e.textContent = String(v);
            else if (k === 'class') e.className = v;
            else e.setAttribute(k, String(v));
          }
          for (const c of children) if (c !== null && c !== undefined) e.append(c);
          return e;
        }
        const td = (text, cls) => el('td', { text: text === null || text === undefined ? '–' : text, class: cls });
        // The objects of a list: anything else in it (a null) is skipped, not rendered.
        const objects = (list) => (Array.isArray(list) ? list : []).filter((x) => x && typeof x === 'object');
        function rows(table, all, make, cols, empty) {
          const body = $(table).tBodies[0], list = objects(all);
          if (list.length) body.replaceChildren(...list.map(make));
          else body.replaceChildren(el('tr', null, el('td', { colspan: cols, class: 'none', text: empty })));
        }
        function badge(id, word, good, warn) {
          const e = $(id); e.textContent = word ?? '–';
          e.className = 'badge ' + (good.includes(word) ? 'good' : warn.includes(word) ? 'warn' : 'bad');
        }
        const sign = (s) => typeof s === 'string' && s.startsWith('-') ? 'neg' : Number(s) > 0 ? 'pos' : undefined;

        // Exact decimals (prices are fixed point): a BigInt mantissa and a scale.
        function dec(s) {
          const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(String(s ?? '').trim());
          if (!m || (m[2] === '' && !m[3])) return null;
          return { m: BigInt(m[1] + (m[2] || '0') + (m[3] || '')), s: (m[3] || '').length };
        }
        function decSub(a, b) {
          const s = Math.max(a.s, b.s);
          return { m: a.m * 10n ** BigInt(s - a.s) - b.m * 10n ** BigInt(s - b.s), s };
        }
        function decText(d) {
          const neg = d.m < 0n, digits = (neg ? -d.m : d.m).toString().padStart(d.s + 1, '0');
          return (neg ? '-' : '') + (d.s ? digits.slice(0, -d.s) + '.' + digits.slice(-d.s) : digits);
        }
        function fmtNs(v) {
          if (typeof v !== 'number' || !isFinite(v)) return '–';
          if (v < 1e3) return v.toFixed(0) + ' ns';
          if (v < 1e6) return (v / 1e3).toFixed(v < 1e4 ? 2 : 1) + ' µs';
          return v < 1e9 ? (v / 1e6).toFixed(2) + ' ms' : (v / 1e9).toFixed(2) + ' s';
        }
        function fmtUptime(s) {
          if (typeof s !== 'number') return '–';
          const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
          const p = (n) => String(n).padStart(2, '0');
          return (d ? d + 'd ' : '') + p(h) + ':' + p(m) + ':' + p(s % 60);
        }

        function renderBooks() {
          const select = $('book-symbol');
          if ([...select.options].map((o) => o.value).join() !== S.symbols.join()) {
            select.replaceChildren(...S.symbols.map((s) => el('option', { value: s, text: s })));
          }
          if (!S.symbols.includes(S.selected)) S.selected = S.symbols[0] ?? null;
          select.value = S.selected ?? '';
          for (const t of [...$('books').children]) if (!S.symbols.includes(t.dataset.symbol)) t.remove();
          for (const symbol of S.symbols) renderLadder(symbol);
        }
        function renderLadder(symbol) {
          let t = $('book-' + symbol);
          if (!t) {
            t = el('table', { id: 'book-' + symbol, class: 'ladder', 'data-symbol': symbol });
            $('books').append(t);
          }
          t.hidden = symbol !== S.selected;
          const b = S.books[symbol] || {}, level = (l) => Array.isArray(l) && l.length >= 2;
          const bids = (b.bids || []).filter(level), asks = (b.asks || []).filter(level);
          const max = Math.max(1e-18, ...bids.concat(asks).map((l) => parseFloat(l[1]) || 0));
          const row = (side, l) => el('tr', { class: side, 'data-price': l[0], 'data-qty': l[1] },
            td(l[0], 'px'), td(l[1]), el('td', { class: 'bar' }, fillBar(parseFloat(l[1]) / max)));
          const bid = dec(bids[0]?.[0]), ask = dec(asks[0]?.[0]);
          let spread = '–';
          if (bid && ask) {
            const d = decSub(ask, bid), mid = (parseFloat(asks[0][0]) + parseFloat(bids[0][0])) / 2;
            spread = decText(d);
            t.dataset.spread = spread;
            spread += ' (' + (Number(decText(d)) / mid * 1e4).toPrecision(3) + ' bps)';
          } else delete t.dataset.spread;
          t.dataset.bestBid = bids[0]?.[0] ?? ''; t.dataset.bestAsk = asks[0]?.[0] ?? '';
          t.dataset.state = b.state ?? 'unknown';
          const state = (b.state ?? 'no book') + (b.stale ? ' (stale)' : '') + (b.reason_text ? ': ' + b.reason_text : '');
          const body = el('tbody');
          for (const l of asks.slice().reverse()) body.append(row('ask', l));
          body.append(el('tr', { class: 'spread' }, el('td', { colspan: 3, text: 'spread ' + spread })));
          for (const l of bids) body.append(row('bid', l));
          t.replaceChildren(el('caption', { text: symbol + ' · ' + state + ' · update ' + (b.update_id ?? '–') }),
            el('thead', null, el('tr', null, el('th', { text: 'price' }), el('th', { text: 'size' }), el('th'))), body);
        }
        function fillBar(fraction) {
          const d = el('div', { class: 'fill' });
          d.style.width = (Math.max(0, Math.min(1, fraction || 0)) * 100).toFixed(1) + '%';
          return d;
        }

        function renderOrders() {
          const list = objects(S.orders).sort((a, b) => (a.symbol + a.side).localeCompare(b.symbol + b.side)
            || (parseFloat(b.price) || 0) - (parseFloat(a.price) || 0));
          $('orders-count').textContent = list.length + ' open';
          rows('orders', list, (o) => el('tr', { 'data-client-order-id': o.client_order_id, 'data-symbol': o.symbol },
            td(o.symbol), td(o.side, o.side === 'buy' ? 'pos' : 'neg'), td(o.type), td(o.price), td(o.quantity),
            td(o.filled_quantity), td(o.state), td(o.client_order_id)), 8, 'no open orders');
        }
        function renderPositions() {
          rows('positions', S.positions, (p) => el('tr', { 'data-symbol': p.symbol },
            td(p.symbol), td(p.side), td(p.size), td(p.entry_price), td(p.mark_price),
            td(p.unrealized_pnl, sign(p.unrealized_pnl)), td(p.realized_pnl, sign(p.realized_pnl)), td(p.fees_paid)),
            8, 'no positions');
        }
        function renderPnl() {
          const p = S.pnl || {};
          for (const [id, key] of [['pnl-total', 'total_pnl'], ['pnl-realized', 'realized_pnl'],
            ['pnl-unrealized', 'unrealized_pnl'], ['pnl-daily', 'daily_pnl'], ['pnl-fees', 'fees_paid']]) {
            $(id).textContent = p[key] ?? '–';
            $(id).className = key === 'fees_paid' ? '' : sign(p[key]) ?? '';
          }
          drawChart();
        }
        function svg(tag, attrs, text) {
          const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
          for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
          if (text !== undefined) e.textContent = text;
          return e;
        }
        // The total PnL over time: the kept history and each update, held flat up to the latest message.
        function drawChart() {
          const chart = $('pnl-chart'), W = 600, H = 160, pad = 14;
          const pts = S.history.map((p) => [p.t, parseFloat(p.total)]).filter((p) => isFinite(p[1]));
          if (pts.length && S.lastNs > pts[pts.length - 1][0]) pts.push([S.lastNs, pts[pts.length - 1][1]]);
          chart.dataset.points = String(S.history.length);
          if (pts.length < 2) { chart.replaceChildren(svg('text', { x: 8, y: 20 }, 'waiting for PnL points')); return; }
          const t0 = pts[0][0], t1 = pts[pts.length - 1][0], vs = pts.map((p) => p[1]);
          let lo = Math.min(0, ...vs), hi = Math.max(0, ...vs);
          if (hi - lo < 1e-9) { hi += 1; lo -= 1; }
          const x = (t) => pad + (W - 2 * pad) * (t - t0) / Math.max(1, t1 - t0);
          const y = (v) => pad + (H - 2 * pad) * (hi - v) / (hi - lo);
          const line = pts.map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
          const last = vs[vs.length - 1];
          chart.replaceChildren(
            svg('line', { x1: pad, x2: W - pad, y1: y(0), y2: y(0), stroke: '#394556', 'stroke-dasharray': '4 4' }),
            svg('polyline', { points: line, fill: 'none', stroke: last < 0 ? '#e5534b' : '#2fb67c', 'stroke-width': 1.5,
              'vector-effect': 'non-scaling-stroke' }),
            svg('text', { x: 4, y: 11 }, String(Number(hi.toPrecision(6)))),
            svg('text', { x: 4, y: H - 3 }, String(Number(lo.toPrecision(6)))),
            svg('text', { x: W - 4, y: H - 3, 'text-anchor': 'end' }, Math.round((t1 - t0) / 1e9) + ' s'));
        }
        function renderHealth() {
          const h = S.health || {};
          badge('health-status', h.status, ['healthy'], ['degraded']);
          badge('engine-state', h.state, ['live'], ['starting', 'stopping']);
          badge('kill-switch-state', h.kill_switch, ['normal'], ['reduce_only']);
          $('kill-note').textContent = h.kill_switch ? 'now ' + h.kill_switch : '';
          $('uptime').textContent = fmtUptime(h.uptime_seconds);
          $('errors-last-minute').textContent = h.errors_last_minute ?? '–';
          const attrs = (f) => ({ 'data-symbol': f.symbol, 'data-venue': f.venue, 'data-state': f.state,
            'data-reason': f.reason ?? 'none' });
          rows('feeds', h.symbols || [], (f) => el('tr', attrs(f),
            td(f.symbol + (f.venue === 'binance-futures' ? ' (usdm)' : '')),
            td(f.state, f.state === 'live' ? 'pos' : 'neg'), td(f.last_update_age_ms), td(f.messages), td(f.gaps),
            td(f.resyncs), td(f.reconnects), td(f.malformed), td(f.reason_text || '–', 'dim')), 9, 'no feeds');
        }
        function renderStrategies() {
          const r = S.strategies;
          $('strategies-note').textContent = r ? (r.state ?? '') + ' · ' + (r.mode ?? '') : 'none running';
          rows('strategies', (r && r.strategies) || [], (s) => el('tr', { 'data-name': s.name },
            td(s.name), td(s.type), td(s.state, s.state === 'running' ? 'pos' : 'neg'), td(s.signals), td(s.orders),
            td(s.rejected), td(s.errors), td(fmtNs(s.p99_ns))), 8, 'no strategies');
        }
        function renderAlerts() {
          const list = objects(S.alerts).map((a) => {
            const ns = Number(a.timestamp), when = new Date(ns > 1e14 ? ns / 1e6 : ns);
            return el('li', { 'data-id': a.id, 'data-severity': a.severity },
              el('span', { class: 'badge ' + ({ info: 'good', warning: 'warn' }[a.severity] ?? 'bad'),
                text: a.severity }),
              el('span', { class: 'dim', text: isNaN(when) ? '' : when.toLocaleTimeString() }),
              el('span', { class: 'dim', text: a.category }), a.message ?? '');
          });
          $('alerts-count').textContent = list.length ? String(list.length) : '';
          $('alerts').replaceChildren(...(list.length ? list : [el('li', { class: 'dim', text: 'no alerts' })]));
        }
        function renderAll() {
          renderBooks(); renderOrders(); renderPositions(); renderPnl();
          renderHealth(); renderStrategies(); renderAlerts();
        }

        function addPoint(p) {
          if (!p || p.total === null || p.total === undefined) return;
          const last = S.history[S.history.length - 1];
          if (last && p.t <= last.t) return;
          S.history.push(p);
          if (S.history.length > 1200) S.history.splice(0, S.history.length - 1200);
        }
        function handle(m) {
          if (typeof m.ts_ns === 'number' && m.ts_ns > S.lastNs) S.lastNs = m.ts_ns;
          const d = m.data;
          switch (m.type) {
            case 'FULL_STATE':
              Object.assign(S, { symbols: d.symbols || [], books: d.books || {}, orders: d.orders || [],
                positions: d.positions || [], pnl: d.pnl, history: [], health: d.health, strategies: d.strategies,
                alerts: d.alerts || [] });
              for (const p of d.pnl_history || []) addPoint(p);
              backoff = 500; setConn('live'); renderAll(); break;
            case 'POSITIONS_UPDATE': S.positions = d || []; renderPositions(); break;
            case 'ORDER_UPDATE': S.orders = d || []; renderOrders(); break;
            case 'ORDERBOOK_UPDATE':
              Object.assign(S.books, d);
              for (const symbol of Object.keys(d)) if (S.symbols.includes(symbol)) renderLadder(symbol);
              break;
            case 'PNL_UPDATE': S.pnl = d.pnl; addPoint(d.point); renderPnl(); break;
            case 'HEALTH_UPDATE':
              S.health = d.health; S.strategies = d.strategies; renderHealth(); renderStrategies(); drawChart(); break;
            case 'ALERT': S.alerts.unshift(d); S.alerts.length = Math.min(S.alerts.length, 100); renderAlerts(); break;
            case 'ERROR': $('conn-detail').textContent = 'server: ' + (d && d.message); break;
          }
        }

        // The stream: reconnected with backoff (0.5 s doubling to 10 s); silence past three heartbeats drops it.
        let ws = null, backoff = 500, lastMessage = 0, retry = null;
        function setConn(word) {
          badge('conn', word, ['live'], ['connecting']);
          document.body.classList.toggle('offline', word !== 'live');
          if (word === 'live') $('conn-detail').textContent = '';
        }
        function connect() {
          setConn('connecting');
          const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
          let sock;
          try {
            sock = new WebSocket(scheme + '//' + location.host + '/ws/dashboard?client=web&format=json');
          } catch (e) {
            drop(null); return;
          }
          ws = sock; lastMessage = Date.now();
          sock.onmessage = (ev) => {
            lastMessage = Date.now();
            let m;
            try { m = JSON.parse(ev.data); } catch (e) { return; }
            if (ws === sock) handle(m);
          };
          sock.onclose = () => { if (ws === sock) drop(sock); };
        }
        function drop(sock) {
          if (sock) { sock.onclose = null; sock.onmessage = null; try { sock.close(); } catch (e) {} }
          ws = null; setConn('disconnected');
          const wait = backoff; backoff = Math.min(backoff * 2, 10000);
          $('conn-detail').textContent = 'retry in ' + (wait / 1000).toFixed(1) + ' s';
          clearTimeout(retry); retry = setTimeout(connect, wait);
        }
        setInterval(() => { if (ws && Date.now() - lastMessage > 16000) drop(ws); }, 2000);

        // The latency histograms and the instance's name: GET /api/status once a second.
        async function pollStatus() {
          const ctl = new AbortController(), timer = setTimeout(() => ctl.abort(), 2500);
          try {
            const r = await fetch('/api/status', { cache: 'no-store', signal: ctl.signal });
            if (!r.ok) throw new Error('HTTP ' + r.status);
            const st = await r.json();
            $('instance').textContent = st.instance ?? '–';
            const hist = [];
            for (const [name, h] of Object.entries(st.histograms || {})) hist.push([name, h]);
            for (const other of st.other_instances || []) {
              for (const [name, h] of Object.entries(other.histograms || {})) {
                hist.push([other.instance + '/' + name, h]);
              }
            }
            hist.sort((a, b) => a[0].localeCompare(b[0]));
            rows('latency', hist, ([name, h]) => el('tr', { 'data-name': name, 'data-count': h.count },
              td(name), td(h.count), td(h.count ? fmtNs(h.p50) : '–'), td(h.count ? fmtNs(h.p99) : '–'),
              td(h.count ? fmtNs(h.p999) : '–'), td(h.count ? fmtNs(h.max) : '–')), 6, 'no histograms');
            $('latency-note').textContent = 'at ' + new Date().toLocaleTimeString();
          } catch (e) {
            const why = e.name === 'AbortError' ? 'timeout' : e.message;
            $('latency-note').textContent = 'status unavailable (' + why + ')';
          } finally {
            clearTimeout(timer); setTimeout(pollStatus, 1000);
          }
        }

        // The kill switch: the token goes in the Authorization header of this one request, nowhere else.
        async function risk(action) {
          const out = $('kill-result'), token = $('token').value.trim(), reason = $('halt-reason').value;
          const say = (status, text, cls) => {
            out.dataset.status = status; out.textContent = text; out.className = cls;
          };
          if (!token) return say('none', 'paste the token from the engine\'s token_file first', 'neg');
          if (!/^[\x20-\x7e]{0,39}$/.test(reason)) {
            return say('none', 'the reason must be at most 39 printable ASCII characters', 'neg');
          }
          for (const b of ['halt', 'resume']) $(b).disabled = true;
          say('pending', action + '…', 'dim');
          try {
            const r = await fetch('/api/risk/' + action, { method: 'POST', cache: 'no-store',
              headers: { 'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json' },
              body: reason ? JSON.stringify({ reason }) : undefined });
            const text = await r.text();
            let detail = text;
            try { const j = JSON.parse(text); detail = j.error ?? JSON.stringify(j); } catch (e) {}
            say(String(r.status), action + ': ' + r.status + ' ' + detail, r.ok ? 'pos' : 'neg');
          } catch (e) {
            say('error', action + ': ' + e.message, 'neg');
          } finally {
            for (const b of ['halt', 'resume']) $(b).disabled = false;
          }
        }
        $('halt').addEventListener('click', () => risk('halt'));
        $('resume').addEventListener('click', () => risk('resume'));
        $('book-symbol').addEventListener('change', (e) => { S.selected = e.target.value; renderBooks(); });

        renderAll(); connect(); pollStatus();
        </script></body></html>
        """#
}

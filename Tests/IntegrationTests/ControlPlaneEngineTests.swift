import Foundation
import Testing
import TickwireTestSupport

/// The control plane of a running engine on the default venue, from outside, as a program or an
/// operator meets it: HTTP with Python's urllib, the streams with the `websockets` package and
/// MessagePack with the `msgpack` package (Tools/control/probe.py in `.venv-pb`), /metrics with
/// Prometheus's own `promtool`.
@Suite(.serialized) struct ControlPlaneEngineTests {
    static let venv = BinanceRESTConformanceTests.hasVenv(".venv-pb")
    static let probe = Harness.root.appendingPathComponent("Tools/control/probe.py").path

    /// An engine with its control plane on a free port.
    struct Control {
        let engine: OrderPathTests.Engine
        let url: String
        let token: String

        /// One probe run; its JSON lines.
        func probe(_ args: [String], timeout: Double = 60) throws -> [[String: Any]] {
            let r = try Harness.run(
                BinanceRESTConformanceTests.venvPython(".venv-pb"), [ControlPlaneEngineTests.probe, url] + args,
                env: engine.env, timeout: timeout)
            #expect(r.status == 0, "probe \(args): \(r.stderr)")
            return Harness.jsonLines(r.stdout)
        }

        /// One HTTP request: status, headers, body text.
        func http(_ method: String, _ path: String, token: String? = nil, body: String? = nil, headers: [String] = [])
            throws -> (status: Int, headers: [String: String], body: String)
        {
            var args = ["http", method, path]
            if let token { args += ["--token", token] }
            if let body { args += ["--body", body] }
            for header in headers { args += ["--header", header] }
            let answer = try #require(try probe(args).first)
            return (
                answer["status"] as? Int ?? 0, answer["headers"] as? [String: String] ?? [:],
                answer["body"] as? String ?? ""
            )
        }

        /// A GET answered 200, as JSON.
        func get(_ path: String) throws -> Any {
            let r = try http("GET", path)
            #expect(r.status == 200, "GET \(path): \(r.status) \(r.body)")
            return try JSONSerialization.jsonObject(with: Data(r.body.utf8))
        }
    }

    /// Starts an engine and waits until its control plane says where it listens and its book is live.
    static func start(_ extra: [String] = [], tag: String) throws -> Control {
        let engine = try OrderPathTests.start(extra, tag: tag)
        let info = engine.env["TICKWIRE_STATE_DIR"]! + "/\(engine.instance).control.json"
        var found: [String: Any]?
        _ = Harness.eventually(seconds: 30) {
            found = FileManager.default.contents(atPath: info).flatMap {
                try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
            }
            return found != nil
        }
        let object = try #require(found, "no \(info): \(engine.child.stdout) \(engine.child.stderr)")
        let tokenFile = try #require(object["token_file"] as? String)
        var mode = stat()
        #expect(stat(tokenFile, &mode) == 0 && mode.st_mode & 0o777 == 0o600, "the token file is not 0600")
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try engine.touch("BTCUSDT") != nil, "no live book: \(engine.child.stderr)")
        return Control(engine: engine, url: try #require(object["url"] as? String), token: token)
    }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func theAPIServesTheEngineAndChangesNeedTheToken() throws {
        let c = try Self.start(tag: "cpa")
        defer { c.engine.stop() }
        // Reads: the same status object as `engine status --json`, health, books, the account.
        let status = try #require(try c.get("/api/status") as? [String: Any])
        #expect(status["instance"] as? String == c.engine.instance && status["state"] as? String == "live")
        #expect((status["instruments"] as? [[String: Any]])?.first?["symbol"] as? String == "BTCUSDT")
        let cli = try #require(try c.engine.json(["status", "--json"]) as? [String: Any])
        #expect(Set(cli.keys) == Set(status.keys), "cli \(cli.keys.sorted()) api \(status.keys.sorted())")
        let health = try #require(try c.get("/health") as? [String: Any])
        #expect(health["status"] as? String == "healthy", "\(health)")
        #expect((health["connections"] as? [String: String])?["BTCUSDT"] == "connected")
        #expect(health["uptime_seconds"] is Int && health["errors_last_minute"] is Int)
        // Each symbol says why it is in its state, as `engine status` does (a live book: its snapshot).
        let said = (status["instruments"] as? [[String: Any]])?.first { $0["symbol"] as? String == "BTCUSDT" }
        let told = (health["symbols"] as? [[String: Any]])?.first { $0["symbol"] as? String == "BTCUSDT" }
        #expect(told?["reason"] as? String != nil && told?["reason"] as? String == said?["reason"] as? String, "\(health)")
        let book = try #require(try c.get("/api/books/btcusdt?depth=5") as? [String: Any])
        #expect(book["reason"] as? String == said?["reason"] as? String && book["reason_text"] is String, "\(book)")
        let bids = try #require(book["bids"] as? [[String]]), asks = try #require(book["asks"] as? [[String]])
        #expect(!bids.isEmpty && bids.count <= 5 && !asks.isEmpty && asks.count <= 5)
        let bid = try #require(Decimal(string: bids[0][0])), ask = try #require(Decimal(string: asks[0][0]))
        #expect(bid < ask)
        #expect(try c.http("GET", "/api/books/NOPE").status == 404)
        #expect(try c.http("GET", "/api/books/BTCUSDT?depth=0").status == 400)
        #expect(try c.get("/api/balances") is [Any])
        #expect((try c.get("/api/account/snapshot") as? [String: Any])?["version"] is Int)

        // Changes: refused without the token, or with a wrong one, and nothing happens.
        let price = "\(bid - 1000)"
        let order =
            #"{"symbol":"BTCUSDT","side":"buy","quantity":"0.001","price":"\#(price)","client_order_id":"cp-test-1"}"#
        #expect(try c.http("POST", "/api/orders", body: order).status == 401)
        #expect(try c.http("POST", "/api/orders", token: String(c.token.dropLast()) + "x", body: order).status == 401)
        #expect(try c.http("POST", "/api/risk/halt").status == 401)
        #expect(try c.engine.orders().isEmpty, "an unauthenticated request placed an order")
        // Malformed: a clear 4xx, nothing placed.
        let bad = try c.http("POST", "/api/orders", token: c.token, body: "{\"symbol\": 5")
        #expect(bad.status == 400 && bad.body.contains("error"), "\(bad)")
        #expect(
            try c.http("POST", "/api/orders", token: c.token, body: #"{"symbol":"BTCUSDT","side":"up","quantity":"1"}"#)
                .status == 400)
        #expect(
            try c.http("POST", "/api/orders", token: c.token, body: String(repeating: " ", count: 20_000)).status == 413
        )
        #expect(try c.engine.orders().isEmpty)
        // With the token: through the intake and risk like any producer, answered by the venue.
        let placed = try c.http("POST", "/api/orders", token: c.token, body: order)
        #expect(placed.status == 200, "\(placed)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(placed.body.utf8)) as? [String: Any])
        #expect(answer["accepted"] as? Bool == true && answer["client_order_id"] as? String == "cp-test-1", "\(answer)")
        #expect(Harness.eventually(seconds: 15) { (try? c.http("GET", "/api/account/orders/cp-test-1").status) == 200 })
        let open = try #require(try c.get("/api/orders?open=true") as? [[String: Any]])
        #expect(open.contains { $0["client_order_id"] as? String == "cp-test-1" }, "\(open)")
        #expect(try c.http("DELETE", "/api/orders/cp-test-1").status == 401)
        #expect(try c.http("DELETE", "/api/orders/cp-test-1", token: c.token).status == 200)
        #expect(
            Harness.eventually(seconds: 15) {
                ((try? c.engine.orders()) ?? []).contains {
                    $0["client_order_id"] as? String == "cp-test-1" && $0["state"] as? String == "CANCELED"
                }
            })
        #expect(try c.http("DELETE", "/api/orders/never-placed", token: c.token).status == 404)
        // The kill switch.
        #expect(try c.http("POST", "/api/risk/halt", token: c.token, body: #"{"reason":"api test"}"#).status == 200)
        let risk = try #require(try c.engine.json(["risk", "status", "--json"]) as? [String: Any])
        #expect(risk["state"] as? String == "halted" && risk["reason"] as? String == "api test", "\(risk)")
        #expect(
            Harness.eventually(seconds: 5) {
                ((try? c.get("/health")) as? [String: Any])?["kill_switch"] as? String == "halted"
            })
        #expect(try c.http("POST", "/api/risk/resume", token: c.token).status == 200)
        #expect(try c.http("POST", "/api/risk/sideways", token: c.token).status == 404)
        #expect(try c.http("POST", "/api/reload", token: c.token).status == 409)  // no strategies here

        // Another site's page: DNS rebinding is refused, and no answer carries a CORS grant.
        #expect(try c.http("GET", "/api/status", headers: ["Host: evil.example"]).status == 421)
        let cross = try c.http("GET", "/api/balances", headers: ["Origin: http://evil.example"])
        #expect(cross.headers["access-control-allow-origin"] == nil && cross.headers["cache-control"] == "no-store")
        // The token is never served.
        for path in ["/api/status", "/metrics", "/api/account/snapshot", "/health", "/"] {
            #expect(try !c.http("GET", path).body.contains(c.token), "\(path) shows the token")
        }
        // Answer times, for the record (NFR-AM-002 asks for under 100 ms; `bench` measures it properly).
        for path in ["/api/account/snapshot", "/api/status", "/api/books/BTCUSDT"] {
            if let t = try c.probe(["times", path, "50"]).first { print("control plane GET \(path): \(t)") }
        }
    }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func theAccountStreamSendsASnapshotThenUpdates() throws {
        let c = try Self.start(tag: "cps")
        defer { c.engine.stop() }
        let (bid, _) = try #require(try c.engine.touch("BTCUSDT"))
        let stream = try Harness.Child(
            BinanceRESTConformanceTests.venvPython(".venv-pb"),
            [Self.probe, c.url, "stream", "/api/account/stream?topics=order.update,order.closed,balance.update", "4"],
            env: c.engine.env)
        defer { stream.signal(SIGTERM) }
        #expect(
            Harness.eventually(seconds: 15) {
                Harness.jsonLines(stream.stdout).first?["topic"] as? String == "snapshot"
            })
        let order =
            #"{"symbol":"BTCUSDT","side":"buy","quantity":"0.001","price":"\#(bid - 500)","client_order_id":"cp-stream-1"}"#
        #expect(try c.http("POST", "/api/orders", token: c.token, body: order).status == 200)
        #expect(
            Harness.eventually(seconds: 15) {
                Harness.jsonLines(stream.stdout).contains {
                    $0["topic"] as? String == "order.update"
                        && ($0["data"] as? [String: Any])?["client_order_id"] as? String == "cp-stream-1"
                }
            }, "stream: \(stream.stdout) \(stream.stderr)")
        let lines = Harness.jsonLines(stream.stdout)
        let snapshot = try #require(lines.first?["data"] as? [String: Any])
        #expect(snapshot["balances"] is [Any] && snapshot["positions"] is [Any] && snapshot["orders"] is [Any])
        #expect(
            lines.dropFirst().allSatisfy {
                ["order.update", "order.closed", "balance.update", "heartbeat"].contains($0["topic"] as? String ?? "")
            })
        // A filter naming no topic the stream has is answered with the reason, then the socket closes.
        let refused = try c.probe(["stream", "/api/account/stream?topics=gossip", "2"])
        #expect(refused.first?["topic"] as? String == "error", "\(refused)")
        let reason = (refused.first?["data"] as? [String: Any])?["message"] as? String ?? ""
        #expect(reason.contains("unknown topic 'gossip'"), "\(reason)")
    }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func theDashboardStreamSendsFullStateThenChangesAsJSONOrMessagePack() throws {
        let c = try Self.start(["--strategy", "market-maker"], tag: "cpd")
        defer { c.engine.stop() }
        let packed = try c.probe(["stream", "/ws/dashboard?client=tui&format=msgpack", "6"])
        let full = try #require(packed.first)
        #expect(full["type"] as? String == "FULL_STATE" && full["_format"] as? String == "msgpack", "\(full)")
        let data = try #require(full["data"] as? [String: Any])
        #expect((data["client"] as? [String: Any])?["interval_ms"] as? Int == 100)
        let ladder = try #require((data["books"] as? [String: Any])?["BTCUSDT"] as? [String: Any])
        #expect(!((ladder["bids"] as? [Any]) ?? []).isEmpty)
        #expect((data["health"] as? [String: Any])?["status"] as? String == "healthy")
        let kinds = Set(packed.dropFirst().compactMap { $0["type"] as? String })
        #expect(
            kinds.isSubset(of: [
                "POSITIONS_UPDATE", "ORDERBOOK_UPDATE", "ORDER_UPDATE", "PNL_UPDATE", "HEALTH_UPDATE", "ALERT",
                "HEARTBEAT",
            ]))
        #expect(kinds.contains("ORDERBOOK_UPDATE"), "\(kinds)")
        let seqs = packed.compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...seqs.count), "\(seqs)")
        // JSON for the web client; a message it cannot take is answered, not obeyed.
        let json = try c.probe(["stream", "/ws/dashboard?client=web", "8", "--send", "{\"action\":\"dance\"}"])
        #expect(json.first?["_format"] as? String == "json")
        #expect(((json.first?["data"] as? [String: Any])?["client"] as? [String: Any])?["interval_ms"] as? Int == 250)
        #expect(json.contains { $0["type"] as? String == "ERROR" }, "\(json.map { $0["type"] ?? "?" })")
        // Subscribing to health only: the other sections stop coming.
        let health = try c.probe([
            "stream", "/ws/dashboard?client=tui", "12", "--send", #"{"action":"subscribe","types":["HEALTH_UPDATE"]}"#,
        ])
        #expect(
            health.suffix(6).allSatisfy { ["HEALTH_UPDATE", "HEARTBEAT"].contains($0["type"] as? String ?? "") },
            "\(health.map { $0["type"] ?? "?" })")
        // Bad client parameters are answered with the reason; another site's page is refused at the upgrade.
        let fax = try c.probe(["stream", "/ws/dashboard?client=fax", "2"])
        let faxReason = (fax.first?["data"] as? [String: Any])?["message"] as? String ?? ""
        #expect(fax.first?["type"] as? String == "ERROR" && faxReason.contains("client must be tui or web"), "\(fax)")
        #expect(
            try c.probe(["stream", "/ws/dashboard", "1", "--origin", "http://evil.example"]).first?["refused"] as? Int
                == 400)
        #expect(try c.http("GET", "/ws/dashboard", headers: ["Origin: http://evil.example"]).status == 403)
        // Strategies and the runner's report are served too.
        let report = try #require(try c.get("/api/strategies") as? [String: Any])
        #expect((report["strategies"] as? [[String: Any]])?.first?["type"] as? String == "market-maker")
    }

    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Names promtool's linter questions that the specification (seed 002) chose: its latency
    /// histograms are in milliseconds and microseconds, `position_count` is a gauge and
    /// `signals_rejected_by_risk` a counter without `_total`.
    static let specifiedLints: Set<String> = [
        #"broadcast_latency_milliseconds use base unit "seconds" instead of "milliseconds""#,
        #"order_submit_latency_milliseconds use base unit "seconds" instead of "milliseconds""#,
        #"processing_latency_microseconds use base unit "seconds" instead of "microseconds""#,
        #"strategy_execution_latency_microseconds use base unit "seconds" instead of "microseconds""#,
        #"position_count non-histogram and non-summary metrics should not have "_count" suffix"#,
        #"signals_rejected_by_risk counter metrics should have "_total" suffix"#,
    ]

    @Test(.enabled(if: venv && promtool != nil, "needs .venv-pb and promtool (Debian package prometheus)"))
    func metricsCarryTheSpecificationNamesAndPassPromtool() throws {
        let c = try Self.start(["--strategy", "market-maker"], tag: "cpm")
        defer { c.engine.stop() }
        // Some traffic for every component: a dashboard client, fills, acks.
        _ = try c.probe(["stream", "/ws/dashboard?client=web", "3"])
        var text = ""
        let names = [
            "websocket_connected", "messages_received_total", "messages_processed_total", "messages_dropped_total",
            "processing_latency_microseconds", "order_book_updates_total", "trades_processed_total",
            "reconnection_attempts_total", "errors_total", "order_requests_total", "orders_submitted_total",
            "orders_filled_total", "orders_canceled_total", "order_submit_latency_milliseconds",
            "circuit_breaker_state",
            "maker_fills_total", "taker_fills_total", "strategies_active", "signals_generated_total",
            "signals_aggregated_total", "signals_rejected_by_risk", "orders_generated_total",
            "strategy_execution_latency_microseconds", "strategy_errors_total", "account_balance_usdt",
            "available_balance_usdt", "total_pnl_usdt", "realized_pnl_usdt", "unrealized_pnl_usdt", "daily_pnl_usdt",
            "position_count", "position_value_usdt", "margin_ratio", "reconciliation_mismatches_total",
            "alerts_generated_total", "websocket_clients_connected", "messages_sent_total", "message_send_errors_total",
            "broadcast_latency_milliseconds",
        ]
        var missing: [String] = []
        #expect(
            Harness.eventually(seconds: 30) {
                text = (try? c.http("GET", "/metrics").body) ?? ""
                missing = names.filter { !text.contains("# TYPE \($0) ") }
                return missing.isEmpty
            }, "missing: \(missing)")
        #expect(text.contains(#"websocket_connected{symbol="BTCUSDT"} 1"#))
        #expect(text.contains("# TYPE processing_latency_microseconds histogram"))
        #expect(
            text.contains(#"processing_latency_microseconds_bucket{stage="wire_to_publish",symbol="all",le="+Inf"}"#))
        let file = c.engine.env["TICKWIRE_STATE_DIR"]! + "/metrics.txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try Harness.run(
            "/bin/sh", ["-c", "\"$0\" check metrics < \"$1\"", Self.promtool!, file], env: c.engine.env)
        // 0: clean; 3: lint findings only (1 would be a format error).
        #expect(check.status == 0 || check.status == 3, "promtool: \(check.stdout) \(check.stderr)")
        let findings = Set((check.stdout + check.stderr).split(separator: "\n").map(String.init).filter { !$0.isEmpty })
        #expect(findings.isSubset(of: Self.specifiedLints), "promtool: \(findings.subtracting(Self.specifiedLints))")

        // Tools/monitoring: Prometheus's config is valid, and the Grafana dashboard shows every
        // specified metric and asks for none the engine does not serve.
        let monitoring = Harness.root.appendingPathComponent("Tools/monitoring").path
        let config = try Harness.run(
            Self.promtool!, ["check", "config", monitoring + "/prometheus.yml"], env: c.engine.env)
        #expect(config.status == 0, "\(config.stdout) \(config.stderr)")
        let grafana = try String(contentsOfFile: monitoring + "/grafana-dashboard.json", encoding: .utf8)
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(grafana.utf8)) as? [String: Any])
        let exprs = ((dashboard["panels"] as? [[String: Any]]) ?? []).flatMap {
            ($0["targets"] as? [[String: Any]]) ?? []
        }
        .compactMap { $0["expr"] as? String }
        let promql: Set<String> = [
            "sum", "by", "rate", "increase", "histogram_quantile", "le", "stage", "result", "symbol", "strategy",
            "reason",
            "type", "severity", "service", "name", "wire_to_publish", "all",
        ]
        var asked = Set<String>()
        for expr in exprs {
            for word in expr.split(whereSeparator: { !($0.isLetter || $0 == "_") }).map(String.init)
            where word.count > 1 && !promql.contains(word) {  // single letters: the [1m] ranges
                asked.insert(word.hasSuffix("_bucket") ? String(word.dropLast(7)) : word)
            }
        }
        #expect(
            asked.filter { !text.contains("# TYPE \($0) ") }.isEmpty,
            "not served: \(asked.filter { !text.contains("# TYPE \($0) ") })")
        #expect(Set(names).subtracting(asked).isEmpty, "no panel for \(Set(names).subtracting(asked))")
    }
}

import Foundation
import Testing
import TickwireTestSupport

/// The web dashboard in a real browser: headless Chromium loads the page a running engine serves,
/// under the page's own CSP, and the test reads back what it rendered from live data (book ladder,
/// the market maker's open orders, PnL, feed health, latency); the kill switch is thrown through
/// the page's token field and Halt button; the engine stops and the page says it is disconnected.
/// Tools/dashboard/browser_probe.py drives Chromium over the DevTools protocol from `.venv-pb`.
@Suite(.serialized) struct DashboardBrowserTests {
    /// A Chromium that runs headless: the Debian package chromium-headless-shell, or a full Chromium.
    static let chromium: String? = {
        let names = ["chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"]
        let dirs =
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
        for name in names {
            if let dir = dirs.first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }) {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }()
    static let probe = Harness.root.appendingPathComponent("Tools/dashboard/browser_probe.py").path

    /// One phase of the probe's report: whether the page reached it, what it showed, what it logged.
    struct Phase {
        let ready: Bool
        let dom: [String: Any]
        let errors: [[String: Any]]

        init?(_ lines: [[String: Any]], _ name: String) {
            guard let line = lines.first(where: { $0["phase"] as? String == name }) else { return nil }
            ready = line["ready"] as? Bool ?? false
            dom = line["dom"] as? [String: Any] ?? [:]
            errors = line["errors"] as? [[String: Any]] ?? []
        }

        func text(_ key: String) -> String? { dom[key] as? String }

        /// A table's rows as their cells' text.
        func rows(_ table: String) -> [[String]] {
            (dom[table] as? [[String: Any]] ?? []).map { $0["cells"] as? [String] ?? [] }
        }
    }

    @Test(
        .enabled(
            if: chromium != nil, "no Chromium: install Debian's chromium-headless-shell (Tools/ci/install-deps.sh)"),
        .enabled(if: ControlPlaneEngineTests.venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func theDashboardShowsTheLiveEngineAndItsKillSwitchHalts() throws {
        let dir = Harness.shmDir()
        let env = Harness.environment(dir)
        let instance = "dash\(getpid() % 10000)"
        let child = try Harness.Child(
            Harness.engine,
            [
                "start", "--instance", instance, "--symbols", "BTCUSDT,ETHUSDT", "--strategy", "market-maker",
                "--duration", "120",
            ],
            env: env)
        let engine = OrderPathTests.Engine(child: child, env: env, instance: instance)
        var stopped = false
        defer { if !stopped { engine.stop() } }
        var control: [String: Any]?
        #expect(
            Harness.eventually(seconds: 30) {
                control = FileManager.default.contents(atPath: "\(dir)/\(instance).control.json")
                    .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
                return control != nil
            }, "no control.json: \(child.stderr)")
        let url = try #require(control?["url"] as? String)
        let tokenFile = try #require(control?["token_file"] as? String)
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)

        // The probe loads the page, waits for live data, tries a wrong token, halts with the right
        // one, then waits for the page to notice the engine is gone.
        let png = "\(dir)/dashboard.png"
        let browser = try Harness.Child(
            BinanceRESTConformanceTests.venvPython(".venv-pb"),
            [
                Self.probe, "--chromium", Self.chromium!, "--url", url + "/", "--png", png, "--symbol", "BTCUSDT",
                "--token-file", tokenFile, "--wrong-token", "not-the-token", "--reason", "dashboard test",
                "--timeout", "60", "--until-disconnected", "30",
            ],
            env: env)
        defer { browser.wait(seconds: 5) }
        #expect(
            Harness.eventually(seconds: 120) {
                Phase(Harness.jsonLines(browser.stdout), "halted") != nil || !browser.process.isRunning
            }, "probe: \(browser.stdout.suffix(4000)) \(browser.stderr.suffix(2000))")
        let lines = Harness.jsonLines(browser.stdout)
        print("dashboard screenshot: \(png)")

        // Live: the page shows what the engine has, as the engine has it.
        let live = try #require(Phase(lines, "live"), "probe: \(browser.stdout) \(browser.stderr)")
        #expect(live.ready, "the page never showed live data: \(live.dom)")
        #expect(live.text("conn") == "live" && live.text("instance") == instance && live.text("engine_state") == "live")
        #expect(live.text("health_status") == "healthy" && live.text("kill_switch") == "normal", "\(live.dom)")
        #expect(live.dom["symbols"] as? [String] == ["BTCUSDT", "ETHUSDT"])
        let books = try #require(live.dom["books"] as? [String: [String: Any]])
        let btc = try #require(books["BTCUSDT"])
        let bid = try #require(Decimal(string: btc["best_bid"] as? String ?? ""))
        let ask = try #require(Decimal(string: btc["best_ask"] as? String ?? ""))
        #expect(bid < ask, "\(btc)")
        #expect(Decimal(string: btc["spread"] as? String ?? "") == ask - bid, "\(btc)")
        #expect(btc["hidden"] as? Bool == false && books["ETHUSDT"]?["hidden"] as? Bool == true, "one ladder at a time")
        // The ladder: asks above the spread (best last), bids below (best first), each price beside its size.
        let bids = (btc["bids"] as? [[String]] ?? []).compactMap { Decimal(string: $0.first ?? "") }
        let asks = (btc["asks"] as? [[String]] ?? []).compactMap { Decimal(string: $0.first ?? "") }
        #expect(!bids.isEmpty && bids.first == bid && bids == bids.sorted(by: >), "\(bids)")
        #expect(!asks.isEmpty && asks.last == ask && asks == asks.sorted(by: >), "\(asks)")
        let orders = live.rows("orders")
        #expect(orders.contains { $0.first == "BTCUSDT" && ["buy", "sell"].contains($0[1]) }, "\(orders)")
        let pnl = try #require(live.dom["pnl"] as? [String: String])
        #expect(Decimal(string: pnl["total"] ?? "") != nil, "\(pnl)")
        let feeds = live.rows("feeds")
        for symbol in ["BTCUSDT", "ETHUSDT"] {
            // …and why: a live book's reason is the snapshot it was built from (the "why" column).
            #expect(
                feeds.contains { $0.first == symbol && $0[1] == "live" && $0.last == "snapshot loaded" },
                "\(symbol): \(feeds)")
        }
        let latency = live.rows("latency")
        #expect(latency.contains { $0.first == "feed_wire_ns" }, "\(latency)")
        #expect(latency.contains { Int($0[1]) ?? 0 > 0 && $0[2] != "–" }, "no histogram with samples: \(latency)")
        #expect(live.rows("strategies").contains { $0.count > 2 && $0[1] == "market-maker" && $0[2] == "running" })
        #expect((live.dom["violations"] as? [Any])?.isEmpty == true, "CSP: \(live.dom["violations"] ?? "")")

        // A wrong token: refused, and the page says so.
        let refused = try #require(Phase(lines, "refused"))
        let refusal = refused.dom["kill_result"] as? [String: Any]
        #expect(refusal?["status"] as? String == "401", "\(String(describing: refusal))")
        // The right one: halted, by the engine's own account and on the page.
        let halted = try #require(Phase(lines, "halted"))
        #expect(halted.ready, "\(halted.dom["kill_result"] ?? "") \(halted.text("kill_switch") ?? "")")
        let risk = try #require(try engine.json(["risk", "status", "--json"]) as? [String: Any])
        #expect(risk["state"] as? String == "halted" && risk["reason"] as? String == "dashboard test", "\(risk)")
        #expect(halted.text("kill_switch") == "halted" && halted.text("health_status") == "degraded", "\(halted.dom)")

        // The engine goes away: the page says so and keeps trying.
        engine.stop()
        stopped = true
        #expect(browser.wait(seconds: 60) == 0, "probe: \(browser.stdout.suffix(3000)) \(browser.stderr.suffix(2000))")
        let gone = try #require(Phase(Harness.jsonLines(browser.stdout), "disconnected"))
        #expect(
            gone.text("conn") == "disconnected" && (gone.text("conn_detail") ?? "").hasPrefix("retry in"), "\(gone.dom)"
        )

        // The token is nowhere but in the field; only the refused request's own 401 was logged:
        // no script error, no CSP report, no request to anywhere else.
        for phase in [live, refused, halted, gone] {
            #expect(!(phase.text("url") ?? "").contains(token) && !(phase.text("body_text") ?? "").contains(token))
            #expect(phase.dom["stored"] as? Int == 0, "the page stored something")
        }
        let errors = halted.errors.filter {
            !($0["source"] as? String == "network" && ($0["text"] as? String ?? "").contains("401"))
        }
        #expect(errors.isEmpty, "\(errors)")
        let shot = try #require(FileManager.default.contents(atPath: png), "no screenshot")
        #expect(shot.starts(with: [0x89, 0x50, 0x4E, 0x47]) && shot.count > 20_000, "\(shot.count) bytes")
    }
}

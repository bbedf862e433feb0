import Foundation
import Testing
import TickwireTestSupport

/// Strategies in a running engine on the default venue (ExchangeSim in process): the runner
/// quotes through the command lanes and the same risk as every producer, trades, obeys the kill
/// switch, and takes new parameters and limits on `engine reload`.
@Suite(.serialized) struct StrategyEngineTests {
    static func strategies(_ engine: OrderPathTests.Engine) -> [String: Any]? {
        guard let result = try? engine.run(["strategies", "--json"]), result.status == 0 else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    }

    static func first(_ report: [String: Any]?) -> [String: Any]? { (report?["strategies"] as? [[String: Any]])?.first }

    @Test func theMarketMakerTradesOnTheDefaultVenueAndTheKillSwitchStopsIt() throws {
        let engine = try OrderPathTests.start(["--strategy", "market-maker"], tag: "mm")
        defer { engine.stop() }
        var report: [String: Any]?
        #expect(Harness.eventually(seconds: 30) {
            report = Self.strategies(engine)
            return (Self.first(report)?["orders"] as? Int ?? 0) >= 2
        }, "strategies: \(String(describing: report)) engine: \(engine.child.stderr)")
        #expect(Self.first(report)?["state"] as? String == "running")
        #expect(Self.first(report)?["type"] as? String == "market-maker")
        // Its quotes are on the venue, and the sim's takers trade against them.
        var fills: [[String: Any]] = []
        #expect(Harness.eventually(seconds: 60) {
            fills = (try? engine.json(["fills", "--json"]) as? [[String: Any]]) ?? []
            return fills.contains { ($0["client_order_id"] as? String ?? "").hasPrefix("s") }
        }, "no fill of the market maker's: \(fills) engine: \(engine.child.stderr)")
        let orders = try engine.orders()
        #expect(orders.contains { $0["type"] as? String == "limit_maker" }, "\(orders)")

        // Halt: every open order is canceled and the runner's new orders are refused.
        let halt = try engine.run(["risk", "halt", "--reason", "test"])
        #expect(halt.status == 0, "\(halt.stderr)")
        #expect(Harness.eventually(seconds: 15) {
            let open = ((try? engine.orders()) ?? []).filter { ["NEW", "SUBMITTED", "PARTIALLY_FILLED", "PENDING_SUBMIT"].contains($0["state"] as? String ?? "") }
            return open.isEmpty
        }, "orders still open after the halt: \(String(describing: try? engine.orders()))")
        #expect(Harness.eventually(seconds: 15) {
            report = Self.strategies(engine)
            return report?["trading_state"] as? String == "halted"
                && ((report?["rejected_by_risk"] as? [String: Int])?["kill_switch"] ?? 0) > 0
        }, "\(String(describing: report))")
        let placedAtHalt = Self.first(report)?["orders"] as? Int ?? 0
        // Resume: it quotes again.
        #expect(try engine.run(["risk", "resume"]).status == 0)
        #expect(Harness.eventually(seconds: 20) {
            (Self.first(Self.strategies(engine))?["orders"] as? Int ?? 0) > placedAtHalt
        })
    }

    @Test func reloadChangesParametersAndLimitsAndABadReloadChangesNothing() throws {
        let file = NSTemporaryDirectory() + "strategies-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        func write(spread: Any, maxPosition: String = "0.01") throws {
            let config: [String: Any] = [
                "strategies": [
                    [
                        "name": "mm", "type": "market-maker", "symbol": "BTCUSDT", "order_size": "0.0002",
                        "parameters": ["spread_bps": spread, "min_requote_ms": 50],
                    ]
                ],
                "risk": ["max_position": ["BTCUSDT": maxPosition]],
            ]
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: file))
        }
        try write(spread: 0)
        let engine = try OrderPathTests.start(["--config", file], tag: "rl")
        defer { engine.stop() }
        func quotedSpread() -> Double? {
            guard let detail = Self.first(Self.strategies(engine))?["detail"] as? [String: String],
                let bid = Double(detail["bid"] ?? ""), let ask = Double(detail["ask"] ?? ""), bid > 0
            else { return nil }
            return (ask - bid) / bid
        }
        var spread: Double?
        #expect(Harness.eventually(seconds: 30) {
            spread = quotedSpread()
            return spread.map { $0 < 0.001 } == true
        }, "spread \(String(describing: spread)) engine: \(engine.child.stderr)")

        // The same risk limit refuses an order of the CLI's (any producer's).
        let touch = try #require(try engine.touch("BTCUSDT"))
        let big = try engine.run(["order", "place", "BTCUSDT", "buy", "0.05", "--price", OrderPathTests.price(touch.bid - 100)])
        #expect(big.status != 0 && (big.stdout + big.stderr).contains("position_limit"), "\(big.stdout) \(big.stderr)")

        // 60 bp wide quotes after a reload.
        try write(spread: 60)
        let reload = try engine.run(["reload"])
        #expect(reload.status == 0, "\(reload.stdout) \(reload.stderr)")
        #expect(Harness.eventually(seconds: 20) {
            spread = quotedSpread()
            return spread.map { $0 > 0.005 } == true
        }, "spread \(String(describing: spread))")

        // A bad value: refused with the reason, the running parameters kept.
        try write(spread: "wide")
        let bad = try engine.run(["reload"])
        #expect(bad.status == 1 && bad.stderr.contains("spread_bps"), "\(bad.stdout) \(bad.stderr)")
        let report = Self.strategies(engine)
        #expect((report?["last_reload"] as? String ?? "").hasPrefix("refused"))
        #expect(quotedSpread().map { $0 > 0.005 } == true)

        // A looser limit after a good reload lets the same order through.
        try write(spread: 60, maxPosition: "1")
        #expect(try engine.run(["reload"]).status == 0)
        let allowed = try engine.run(["order", "place", "BTCUSDT", "buy", "0.05", "--price", OrderPathTests.price(touch.bid - 100)])
        #expect(allowed.status == 0, "\(allowed.stdout) \(allowed.stderr)")
    }

    @Test func strategiesWithoutAnOrderPathOrWithABadConfigurationAreOneClearError() throws {
        let env = Harness.environment(Harness.shmDir())
        let off = try Harness.run(Harness.engine, ["start", "--strategy", "market-maker", "--mode", "off", "--duration", "5"], env: env)
        #expect(off.status == 2 && off.stderr.contains("order path"), "\(off.stderr)")
        let unknown = try Harness.run(Harness.engine, ["start", "--strategy", "nope", "--duration", "5"], env: env)
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown strategy 'nope'"), "\(unknown.stderr)")
        let size = try Harness.run(
            Harness.engine, ["start", "--strategy", "market-maker", "--symbols", "BTCUSDT", "--order-size", "abc", "--duration", "5"],
            env: env)
        #expect(size.status == 2 && size.stderr.contains("order_size"), "\(size.stderr)")
        let noEngine = try Harness.run(Harness.engine, ["strategies", "--instance", "none\(getpid())"], env: env)
        #expect(noEngine.status == 1 && noEngine.stderr.contains("none\(getpid())"), "\(noEngine.stderr)")
    }
}

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
        let lastReload = report?["last_reload"] as? String ?? ""
        #expect(lastReload.hasPrefix("refused"), "\(lastReload)")
        #expect(quotedSpread().map { $0 > 0.005 } == true)

        // A looser limit after a good reload lets the same order through.
        try write(spread: 60, maxPosition: "1")
        #expect(try engine.run(["reload"]).status == 0)
        // (The market maker requotes beside it: a refusal by the shared order rate limit is retried.)
        var allowed: (status: Int32, stdout: String, stderr: String)?
        #expect(Harness.eventually(seconds: 10) {
            allowed = try? engine.run(["order", "place", "BTCUSDT", "buy", "0.05", "--price", OrderPathTests.price(touch.bid - 100)])
            return allowed?.status == 0 || !(allowed?.stderr.contains("(rate)") ?? false)
        })
        #expect(allowed?.status == 0, "\(allowed?.stdout ?? "") \(allowed?.stderr ?? "")")
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

/// Spot-perp basis arbitrage from one engine: the sim's spot and USD-M markets run side by side
/// (`--futures-symbols`: a second instance, `<instance>-usdm`, with its own feed and order path),
/// and one runner trades both legs.
@Suite(.serialized) struct BasisArbitrageEngineTests {
    static func config(_ parameters: [String: Any]) throws -> String {
        let file = NSTemporaryDirectory() + "basis-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
        let config: [String: Any] = [
            "strategies": [
                [
                    "name": "basis", "type": "basis-arbitrage", "symbols": ["BTCUSDT", "binance-futures:BTCUSDT"],
                    "order_size": "0.002", "parameters": parameters,
                ]
            ]
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test func bothLegsTradeFromOneEngineWhenTheBasisCoversTheCosts() throws {
        // No fees and an edge of −100 bp: the sim's near-zero basis is enough; it enters one unit and holds it.
        let file = try Self.config([
            "spot_fee_bps": 0, "perp_fee_bps": 0, "min_edge_bps": -100, "exit_bps": -1000, "max_units": 1,
            "cooldown_ms": 2000,
        ])
        defer { try? FileManager.default.removeItem(atPath: file) }
        let engine = try OrderPathTests.start(["--futures-symbols", "BTCUSDT", "--config", file], tag: "ba")
        defer { engine.stop() }
        let perp = OrderPathTests.Engine(child: engine.child, env: engine.env, instance: engine.instance + "-usdm")
        func fills(_ e: OrderPathTests.Engine) -> [[String: Any]] {
            guard let r = try? e.run(["fills", "--json"]), r.status == 0 else { return [] }
            return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
        }
        var spotFills: [[String: Any]] = [], perpFills: [[String: Any]] = []
        #expect(Harness.eventually(seconds: 45) {
            spotFills = fills(engine)
            perpFills = fills(perp)
            return spotFills.contains { $0["side"] as? String == "buy" } && perpFills.contains { $0["side"] as? String == "sell" }
        }, "spot \(spotFills) perp \(perpFills) engine: \(engine.child.stderr)")
        // The runner's report (written every 250 ms) shows the strategy's two legs.
        var positions: [String: String] = [:]
        #expect(Harness.eventually(seconds: 10) {
            positions = StrategyEngineTests.first(StrategyEngineTests.strategies(engine))?["positions"] as? [String: String] ?? [:]
            let perpPosition = positions["binance-futures:BTCUSDT"].flatMap { Decimal(string: $0) }
            let spotPosition = positions.first { $0.key.hasSuffix(":BTCUSDT") && !$0.key.hasPrefix("binance-futures") }
                .flatMap { Decimal(string: $0.value) }
            // One unit a leg (an IOC may also have filled in part before the unit completed).
            guard let perpPosition, let spotPosition else { return false }
            return perpPosition <= Decimal(string: "-0.002")! && spotPosition >= Decimal(string: "0.002")!
                && spotPosition < Decimal(string: "0.004")! && perpPosition > Decimal(string: "-0.004")!
        }, "\(positions)")
        // One unit: a buy of the spot and a sell of the perp, each once.
        #expect(spotFills.filter { ($0["client_order_id"] as? String ?? "").hasPrefix("s") }.count >= 1)
    }

    @Test func withTheVenuesFeesTheSameBasisIsNotTraded() throws {
        // Binance's taker fees there and back are 30 bp: a basis near zero never covers them.
        let file = try Self.config(["cooldown_ms": 0])
        defer { try? FileManager.default.removeItem(atPath: file) }
        let engine = try OrderPathTests.start(["--futures-symbols", "BTCUSDT", "--config", file], tag: "bn")
        defer { engine.stop() }
        var report: [String: Any]?
        #expect(Harness.eventually(seconds: 45) {
            report = StrategyEngineTests.strategies(engine)
            return (report?["events"] as? Int ?? 0) >= 300
        }, "\(String(describing: report)) engine: \(engine.child.stderr)")
        let basis = StrategyEngineTests.first(report)
        #expect(basis?["orders"] as? Int == 0, "\(String(describing: basis))")
        #expect((basis?["detail"] as? [String: String])?["cost_bps"] == "30.0", "\(String(describing: basis))")
    }
}

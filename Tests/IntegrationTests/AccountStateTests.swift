import Foundation
import Testing
import TickwireTestSupport

/// The account end to end against an `engine sim` in its own process: fills, balances, positions,
/// PnL and the ledger agree with the venue (python-binance asks it), and kill -9 at several moments
/// of trading loses no fill and counts none twice.
@Suite(.serialized) struct AccountStateTests {
    typealias Sim = OrderFaultTests.Sim
    static let venv = OrderFaultTests.venv

    static func engine(_ sim: Sim, dir: String, instance: String) throws -> OrderPathTests.Engine {
        let env = Harness.environment(dir)
        let child = try Harness.Child(
            Harness.engine,
            [
                "start", "--venue", "sim", "--sim-url", sim.url, "--instance", instance, "--symbols", "BTCUSDT",
                "--duration", "180", "--reconcile-interval-ms", "1000",
            ], env: env)
        return OrderPathTests.Engine(child: child, env: env, instance: instance)
    }

    /// A crossing IOC order (fills against the sim's liquidity).
    static func take(_ engine: OrderPathTests.Engine, _ side: String, _ quantity: String, touch: (bid: Decimal, ask: Decimal))
        throws -> Int32
    {
        let price = side == "buy" ? touch.ask + 40 : touch.bid - 40
        return try engine.run([
            "order", "place", "BTCUSDT", side, quantity, "--price", OrderPathTests.price(price), "--tif", "IOC",
        ]).status
    }

    /// Everything the engine says about the account, in one file for account_agree.py.
    static func accountFile(_ engine: OrderPathTests.Engine) throws -> String {
        var object: [String: Any] = [:]
        for (key, args) in [
            ("fills", ["fills", "--json"]), ("balances", ["balances", "--json"]), ("positions", ["positions", "--json", "--all"]),
            ("pnl", ["pnl", "--json"]), ("trial", ["ledger", "--trial-balance", "--json"]),
        ] {
            object[key] = try engine.json(args)
        }
        let file = NSTemporaryDirectory() + "account-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: file))
        return file
    }

    static func agree(_ sim: Sim, _ engine: OrderPathTests.Engine) throws -> (Int32, String) {
        let file = try accountFile(engine)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = Harness.root.appendingPathComponent("Tools/conformance/account_agree.py").path
        let result = try Harness.run(
            BinanceRESTConformanceTests.venvPython(".venv-pb"), [script, sim.url, sim.key, sim.secret, file],
            env: ProcessInfo.processInfo.environment, timeout: 60)
        return (result.status, result.stdout + result.stderr)
    }

    /// Reconciles now and returns the report (empty when the engine is not live yet).
    static func reconcile(_ engine: OrderPathTests.Engine) throws -> [String: Any] {
        let result = try engine.run(["reconcile", "--json"])
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func balancesPositionsPnlAndFillsAgreeWithTheVenue() throws {
        let sim = try Sim()
        defer { sim.stop() }
        let engine = try Self.engine(sim, dir: Harness.shmDir(), instance: "acc\(getpid() % 10000)")
        defer { engine.stop() }
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(engine.child.stderr)")
        for (side, quantity) in [("buy", "0.004"), ("sell", "0.001"), ("buy", "0.002"), ("sell", "0.003")] {
            #expect(try Self.take(engine, side, quantity, touch: touch) == 0)
        }
        // A resting order holds balance: in_orders must agree too.
        let rest = try engine.run([
            "order", "place", "BTCUSDT", "buy", "0.001", "--price", OrderPathTests.price(touch.bid - 80),
        ])
        #expect(rest.status == 0, "\(rest.stderr)")
        var fills: [[String: Any]] = []
        #expect(Harness.eventually(seconds: 15) {
            fills = (try? engine.json(["fills", "--json"]) as? [[String: Any]]) ?? []
            return fills.count >= 4
        }, "fills: \(fills) engine: \(engine.child.stderr)")
        var report: [String: Any] = [:]
        #expect(Harness.eventually(seconds: 10) {
            report = (try? Self.reconcile(engine)) ?? [:]
            return !report.isEmpty
        }, "engine: \(engine.child.stderr)")
        #expect(report["mismatches_found"] as? Int == 0, "\(report)")
        #expect(report["exceeded_threshold"] as? Bool == false, "\(report)")
        let (status, output) = try Self.agree(sim, engine)
        #expect(status == 0, "\(output)")
        #expect(output.contains("account agrees"), "\(output)")
        let balances = try engine.json(["balances", "--json"]) as? [[String: Any]] ?? []
        let usdt = balances.first { $0["asset"] as? String == "USDT" }
        #expect(Decimal(string: usdt?["in_orders"] as? String ?? "0")! > 0, "the resting buy holds USDT: \(balances)")
    }

    /// Kills the engine at a moment of trading, restarts it, and checks the account against the venue.
    func killAndRecover(at moment: String, tag: String) throws {
        let sim = try Sim()
        defer { sim.stop() }
        let dir = Harness.shmDir()
        let instance = "kil\(tag)\(getpid() % 10000)"
        let first = try Self.engine(sim, dir: dir, instance: instance)
        let touch = try #require(try first.touch("BTCUSDT"), "no live book: \(first.child.stderr)")
        // Fills before the kill, recorded.
        for side in ["buy", "buy", "sell"] { _ = try Self.take(first, side, "0.002", touch: touch) }
        #expect(Harness.eventually(seconds: 10) { ((try? first.json(["fills", "--json"]) as? [[String: Any]]) ?? []).count >= 3 })
        // The moment: a burst of orders from another thread while the engine dies.
        let burst = DispatchGroup()
        let start = { [first] in
            DispatchQueue.global().async(group: burst) {
                for i in 0..<30 { _ = try? Self.take(first, i % 3 == 2 ? "sell" : "buy", "0.001", touch: touch) }
            }
        }
        switch moment {
        case "mid-order":
            _ = try first.run([
                "order", "place", "BTCUSDT", "buy", "0.002", "--price", OrderPathTests.price(touch.ask + 40), "--tif", "IOC",
            ])
        default:
            start()
            usleep(moment == "mid-fill-burst" ? 400_000 : 900_000)
        }
        kill(first.child.process.processIdentifier, SIGKILL)
        first.child.wait(seconds: 5)
        // The producer's last attempts fail against the dead instance; none reaches the next engine.
        #expect(burst.wait(timeout: .now() + 60) == .success)
        // While the engine is down the venue fills more of ours (python-binance places them).
        let (placed, placeOutput) = try sim.python(
            "print(client.order_market_buy(symbol='BTCUSDT', quantity='0.002')['status'])")
        #expect(placed == 0 && placeOutput.contains("FILLED"), "\(placeOutput)")

        let restarted = Date()
        let second = try Self.engine(sim, dir: dir, instance: instance)
        defer { second.stop() }
        var report: [String: Any] = [:]
        #expect(Harness.eventually(seconds: 20) {
            report = (try? Self.reconcile(second)) ?? [:]
            return report["mismatches_found"] as? Int == 0
        }, "\(report) \(second.child.stderr)")
        let recovery = Date().timeIntervalSince(restarted)
        print("recovery after kill -9 \(moment): agreed with the venue \(String(format: "%.2f", recovery)) s after restart")
        #expect(recovery < 10, "recovered within 10 s: \(recovery) s")
        let (status, output) = try Self.agree(sim, second)
        #expect(status == 0, "\(output) \(second.child.stderr)")
        #expect(output.contains("account agrees"), "\(output)")
    }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func killNineMidOrderLosesNoFill() throws { try killAndRecover(at: "mid-order", tag: "o") }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func killNineMidFillBurstLosesNoFillAndCountsNoneTwice() throws { try killAndRecover(at: "mid-fill-burst", tag: "b") }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func killNineDuringRecorderWritesLosesNoFill() throws { try killAndRecover(at: "recorder-write", tag: "w") }
}

import Foundation
import Testing
import TickwireTestSupport

/// The order path end to end: `engine start` on the sim venue, `engine order place/cancel` as an
/// external producer through a command lane, the C gateway signing on the WebSocket API, the
/// sim's matching engine, executions journaled, `engine orders` rebuilt from the journal.
@Suite(.serialized) struct OrderPathTests {
    /// A running engine on its own segment directory and instance.
    struct Engine {
        let child: Harness.Child
        let env: [String: String]
        let instance: String

        func run(_ args: [String], timeout: Double = 30) throws -> (status: Int32, stdout: String, stderr: String) {
            try Harness.run(Harness.engine, args + ["--instance", instance], env: env, timeout: timeout)
        }

        func json(_ args: [String]) throws -> Any {
            let result = try run(args)
            #expect(result.status == 0, "engine \(args.joined(separator: " ")): \(result.stderr)")
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        }

        /// The best bid and ask of a symbol once its book is live, as decimal strings.
        func touch(_ symbol: String) throws -> (bid: Decimal, ask: Decimal)? {
            var found: (Decimal, Decimal)?
            _ = Harness.eventually(seconds: 30) {
                guard let result = try? run(["status", "--json"]), result.status == 0,
                    let status = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                    let symbols = status["instruments"] as? [[String: Any]] ?? status["symbols"] as? [[String: Any]],
                    let entry = symbols.first(where: { $0["symbol"] as? String == symbol }),
                    entry["state"] as? String == "live",
                    let bid = (entry["bid"] as? [String: Any])?["price"] as? String,
                    let ask = (entry["ask"] as? [String: Any])?["price"] as? String
                else { return false }
                found = (Decimal(string: bid)!, Decimal(string: ask)!)
                return true
            }
            return found
        }

        func orders() throws -> [[String: Any]] { try json(["orders", "--json"]) as? [[String: Any]] ?? [] }

        func stop() {
            child.signal(SIGTERM)
            child.wait(seconds: 15)
        }
    }

    static func start(_ extra: [String] = [], tag: String) throws -> Engine {
        let dir = Harness.shmDir()
        let env = Harness.environment(dir)
        let instance = "ord\(tag)\(getpid() % 10000)"
        let child = try Harness.Child(
            Harness.engine, ["start", "--instance", instance, "--symbols", "BTCUSDT", "--duration", "120"] + extra,
            env: env)
        return Engine(child: child, env: env, instance: instance)
    }

    static func price(_ value: Decimal) -> String {
        var v = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &v, 2, .plain)
        return "\(rounded)"
    }

    @Test func placeFillCancelAndRejectOnTheDefaultVenue() throws {
        let engine = try Self.start(tag: "a")
        defer { engine.stop() }
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(engine.child.stderr)")

        // A resting buy below the touch: accepted, acknowledged by the venue.
        let rest = try engine.run([
            "order", "place", "BTCUSDT", "buy", "0.001", "--price", Self.price(touch.bid - 50), "--client-id", "rest-1",
            "--json",
        ])
        #expect(rest.status == 0, "place: \(rest.stdout) \(rest.stderr) engine: \(engine.child.stderr)")
        let placed = try JSONSerialization.jsonObject(with: Data(rest.stdout.utf8)) as? [String: Any]
        #expect(placed?["client_order_id"] as? String == "rest-1")
        #expect(placed?["state"] as? String == "SUBMITTED", "\(rest.stdout)")
        #expect((placed?["venue_order_id"] as? Int ?? 0) > 0)

        // A crossing IOC buy: fills against the sim's liquidity.
        let take = try engine.run([
            "order", "place", "BTCUSDT", "buy", "0.001", "--price", Self.price(touch.ask + 50), "--tif", "IOC",
            "--client-id", "take-1", "--json",
        ])
        #expect(take.status == 0, "\(take.stdout) \(take.stderr)")

        // Off-tick price: refused by the engine's risk with a code, never sent.
        let offTick = "\(Decimal(string: Self.price(touch.bid - 50))! + Decimal(string: "0.005")!)"
        let bad = try engine.run(["order", "place", "BTCUSDT", "buy", "0.001", "--price", offTick])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("rejected") || bad.stderr.contains("precision") || bad.stderr.contains("decimals"),
            "\(bad.stderr)")
        let band = try engine.run([
            "order", "place", "BTCUSDT", "buy", "0.001", "--price", Self.price(touch.bid / 2), "--client-id", "band-1",
        ])
        #expect(band.status == 1)
        #expect(band.stderr.contains("price_band"), "\(band.stderr)")

        let cancel = try engine.run(["order", "cancel", "BTCUSDT", "--client-id", "rest-1", "--json"])
        #expect(cancel.status == 0, "\(cancel.stdout) \(cancel.stderr)")

        var orders: [[String: Any]] = []
        let settled = Harness.eventually(seconds: 10) {
            orders = (try? engine.orders()) ?? []
            let states = Dictionary(orders.map { ($0["client_order_id"] as! String, $0["state"] as! String) }) { a, _ in a }
            return states["rest-1"] == "CANCELED" && ["FILLED", "EXPIRED", "PARTIALLY_FILLED"].contains(states["take-1"] ?? "")
                && states["band-1"] == "REJECTED"
        }
        #expect(settled, "orders: \(orders)")
        let take1 = orders.first { $0["client_order_id"] as? String == "take-1" }
        #expect(take1?["filled_quantity"] as? String != "0.00000", "\(String(describing: take1))")
        #expect(take1?["acked_ns"] is Int, "every hop is timed: \(String(describing: take1))")
        let band1 = orders.first { $0["client_order_id"] as? String == "band-1" }
        #expect((band1?["reason"] as? [String: Any])?["code"] as? Int == 7)
        let open = try engine.json(["orders", "--open", "--json"]) as? [[String: Any]]
        #expect(open?.isEmpty == true, "\(String(describing: open))")

        let tail = try engine.run(["tail", "exec", "--from-oldest", "--timeout", "1"])
        let types = Set(Harness.jsonLines(tail.stdout).compactMap { $0["type"] as? String })
        #expect(types.isSuperset(of: ["accepted", "rejected", "sent", "ack", "canceled"]), "\(types)")
        #expect(types.contains("fill") || types.contains("partial_fill"), "\(types)")
    }

    @Test func aRepeatedClientOrderIdReturnsTheExistingOrder() throws {
        let engine = try Self.start(tag: "b")
        defer { engine.stop() }
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(engine.child.stderr)")
        let args = ["order", "place", "BTCUSDT", "sell", "0.002", "--price", Self.price(touch.ask + 40), "--client-id", "same-1"]
        #expect(try engine.run(args).status == 0)
        let again = try engine.run(args)
        #expect(again.status == 0, "\(again.stderr)")
        let other = try engine.run(["order", "place", "BTCUSDT", "sell", "0.003", "--price", Self.price(touch.ask + 40),
            "--client-id", "same-1"])
        #expect(other.status == 1)
        #expect(other.stderr.contains("duplicate") || other.stderr.contains("another order"), "\(other.stderr)")
        let orders = try engine.orders().filter { $0["client_order_id"] as? String == "same-1" }
        #expect(orders.count == 1)
        _ = try engine.run(["order", "cancel", "BTCUSDT", "--all"])
    }

    @Test(.enabled(if: BinanceRESTConformanceTests.hasVenv(".venv-pb"), ".venv-pb missing: Tools/ci/setup-python.sh"))
    func pythonBinanceAgreesWithEngineOrders() throws {
        let sim = try Harness.Child(Harness.engine, ["sim", "--port", "0", "--seed", "3"], env: ProcessInfo.processInfo.environment)
        defer { sim.signal(SIGTERM); sim.wait(seconds: 10) }
        #expect(Harness.eventually(seconds: 30) { sim.stdout.contains("api-secret:") }, "\(sim.stderr)")
        var banner: [String: String] = [:]
        for line in sim.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { banner[String(parts[0])] = String(parts[1]) }
        }
        let url = try #require(banner["rest-url:"])
        let engine = try Self.start(["--venue", "sim", "--sim-url", url], tag: "c")
        defer { engine.stop() }
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(engine.child.stderr)")
        let plan: [[String]] = [
            ["buy", "0.001", Self.price(touch.bid - 30), "GTC", "peer-rest"],
            ["buy", "0.002", Self.price(touch.ask + 30), "IOC", "peer-take"],
            ["sell", "0.001", Self.price(touch.ask + 60), "GTC", "peer-cancel"],
            ["buy", "0.001", Self.price(touch.bid / 2), "GTC", "peer-band"],
        ]
        for p in plan {
            _ = try engine.run(["order", "place", "BTCUSDT", p[0], p[1], "--price", p[2], "--tif", p[3], "--client-id", p[4]])
        }
        #expect(try engine.run(["order", "cancel", "BTCUSDT", "--client-id", "peer-cancel"]).status == 0)
        var orders: [[String: Any]] = []
        #expect(Harness.eventually(seconds: 10) {
            orders = (try? engine.orders()) ?? []
            return orders.count == 4 && orders.allSatisfy { !["PENDING_SUBMIT", "CANCEL_PENDING", "UNKNOWN"].contains($0["state"] as? String) }
        }, "\(orders)")
        let file = NSTemporaryDirectory() + "orders-\(getpid()).json"
        try Data(try JSONSerialization.data(withJSONObject: orders)).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = Harness.root.appendingPathComponent("Tools/conformance/orders_agree.py").path
        let result = try Harness.run(
            BinanceRESTConformanceTests.venvPython(".venv-pb"),
            [script, url, banner["api-key:"]!, banner["api-secret:"]!, file], env: ProcessInfo.processInfo.environment,
            timeout: 60)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("4 agree, 0 differ"), "\(result.stdout)")
    }
}

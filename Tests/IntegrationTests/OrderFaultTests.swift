import Foundation
import Testing
import TickwireTestSupport

/// The order path under faults, against an `engine sim` in its own process (so the venue keeps
/// its state when the engine dies): a duplicated execution report, a bad signature, kill -9 with
/// open orders. python-binance checks the venue's side.
@Suite(.serialized) struct OrderFaultTests {
    /// `engine sim` on its own, with its banner read.
    struct Sim {
        let child: Harness.Child
        let url: String
        let key: String
        let secret: String

        init(_ extra: [String] = []) throws {
            child = try Harness.Child(
                Harness.engine, ["sim", "--port", "0", "--seed", "5"] + extra, env: ProcessInfo.processInfo.environment)
            let child = child
            #expect(Harness.eventually(seconds: 30) { child.stdout.contains("api-secret:") }, "\(child.stderr)")
            var banner: [String: String] = [:]
            for line in child.stdout.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1)
                if parts.count == 2 { banner[String(parts[0])] = String(parts[1]) }
            }
            url = banner["rest-url:"] ?? ""
            key = banner["api-key:"] ?? ""
            secret = banner["api-secret:"] ?? ""
        }

        func stop() {
            child.signal(SIGTERM)
            child.wait(seconds: 10)
        }

        /// Runs python-binance code against the sim (`client` is ready); its stdout.
        func python(_ body: String) throws -> (Int32, String) {
            let code = """
                from binance.client import Client
                client = Client("\(key)", "\(secret)", ping=False)
                client.API_URL = "\(url)/api"
                \(body)
                """
            let result = try Harness.run(
                BinanceRESTConformanceTests.venvPython(".venv-pb"), ["-c", code], env: ProcessInfo.processInfo.environment)
            return (result.status, result.stdout + result.stderr)
        }

        func agree(_ orders: [[String: Any]]) throws -> (Int32, String) {
            let file = NSTemporaryDirectory() + "orders-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
            try Data(try JSONSerialization.data(withJSONObject: orders)).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let script = Harness.root.appendingPathComponent("Tools/conformance/orders_agree.py").path
            let result = try Harness.run(
                BinanceRESTConformanceTests.venvPython(".venv-pb"), [script, url, key, secret, file],
                env: ProcessInfo.processInfo.environment, timeout: 60)
            return (result.status, result.stdout + result.stderr)
        }
    }

    static let venv = BinanceRESTConformanceTests.hasVenv(".venv-pb")

    func engine(_ sim: Sim, tag: String, dir: String? = nil, extra: [String] = []) throws -> OrderPathTests.Engine {
        let dir = dir ?? Harness.shmDir()
        let env = Harness.environment(dir)
        let instance = "flt\(tag)\(getpid() % 10000)"
        let child = try Harness.Child(
            Harness.engine,
            ["start", "--venue", "sim", "--sim-url", sim.url, "--instance", instance, "--symbols", "BTCUSDT", "--duration", "120"]
                + extra,
            env: env)
        return OrderPathTests.Engine(child: child, env: env, instance: instance)
    }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func duplicatedExecutionReportsAreCountedOnce() throws {
        let sim = try Sim(["--fault", "dup-exec:count=50"])
        defer { sim.stop() }
        let engine = try engine(sim, tag: "d")
        defer { engine.stop() }
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(engine.child.stderr)")
        let take = try engine.run([
            "order", "place", "BTCUSDT", "buy", "0.003", "--price", OrderPathTests.price(touch.ask + 40), "--tif", "IOC",
            "--client-id", "dup-1",
        ])
        #expect(take.status == 0, "\(take.stderr)")
        var orders: [[String: Any]] = []
        #expect(Harness.eventually(seconds: 10) {
            orders = (try? engine.orders()) ?? []
            return ["FILLED", "EXPIRED"].contains(orders.first?["state"] as? String ?? "")
        }, "\(orders)")
        let tail = try engine.run(["tail", "exec", "--from-oldest", "--timeout", "1"])
        let fills = Harness.jsonLines(tail.stdout).filter { ($0["type"] as? String ?? "").hasSuffix("fill") }
        let tradeIds = fills.compactMap { $0["trade_id"] as? Int }
        #expect(tradeIds.count > Set(tradeIds).count, "the sim duplicated reports: \(tradeIds)")
        let (status, output) = try sim.agree(orders)
        #expect(status == 0, "\(output)")
        #expect(output.contains("1 agree, 0 differ"), "\(output)")
    }

    @Test func aBadSignatureHaltsTradingAndSaysWhy() throws {
        let sim = try Sim(["--api-secret", "another-secret-than-the-engine-signs-with-0000000000000000000000000"])
        defer { sim.stop() }
        let engine = try engine(sim, tag: "s")
        defer { engine.stop() }
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(engine.child.stderr)")
        var answer = (status: Int32(0), stdout: "", stderr: "")
        #expect(Harness.eventually(seconds: 15) {
            answer = (try? engine.run([
                "order", "place", "BTCUSDT", "buy", "0.001", "--price", OrderPathTests.price(touch.bid - 40), "--json",
            ])) ?? answer
            return answer.stdout.contains("halted")
        }, "\(answer)")
        #expect(answer.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(answer.stdout.utf8)) as? [String: Any]
        #expect(object?["code"] as? Int == 12, "\(answer.stdout)")
        #expect((object?["reason"] as? String ?? "").contains("-1022") || (object?["reason"] as? String ?? "").contains("ignature"),
            "\(answer.stdout)")
        let tail = try engine.run(["tail", "exec", "--from-oldest", "--timeout", "1"])
        #expect(Harness.jsonLines(tail.stdout).contains { $0["type"] as? String == "halt" }, "\(tail.stdout)")
        #expect(!engine.child.stderr.contains(sim.secret), "the secret must never be logged")
    }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func killNineWithOpenOrdersThenRestartFindsEveryOrder() throws {
        let sim = try Sim()
        defer { sim.stop() }
        let dir = Harness.shmDir()
        let first = try engine(sim, tag: "k", dir: dir)
        let touch = try #require(try first.touch("BTCUSDT"), "no live book: \(first.child.stderr)")
        for (side, price, id) in [("buy", touch.bid - 60, "kill-1"), ("sell", touch.ask + 60, "kill-2")] {
            let placed = try first.run(["order", "place", "BTCUSDT", side, "0.001", "--price", OrderPathTests.price(price), "--client-id", id])
            #expect(placed.status == 0, "\(placed.stderr)")
        }
        kill(first.child.process.processIdentifier, SIGKILL)
        first.child.wait(seconds: 5)
        // While the engine is dead the venue cancels one of them.
        let (status, output) = try sim.python("print(client.cancel_order(symbol='BTCUSDT', origClientOrderId='kill-2')['status'])")
        #expect(status == 0 && output.contains("CANCELED"), "\(output)")

        let second = try engine(sim, tag: "k", dir: dir)
        defer { second.stop() }
        var orders: [[String: Any]] = []
        #expect(Harness.eventually(seconds: 20) {
            orders = (try? second.orders()) ?? []
            let states = Dictionary(orders.map { ($0["client_order_id"] as! String, $0["state"] as! String) }) { a, _ in a }
            return states["kill-1"] == "SUBMITTED" && states["kill-2"] == "CANCELED"
        }, "\(orders) \(second.child.stderr)")
        let (agreeStatus, agreeOutput) = try sim.agree(orders)
        #expect(agreeStatus == 0, "\(agreeOutput)")
        let cancel = try second.run(["order", "cancel", "BTCUSDT", "--client-id", "kill-1"])
        #expect(cancel.status == 0, "the restarted engine knows kill-1: \(cancel.stderr)")
    }

    /// An outcome the venue did not say (a 5xx, or no answer in time) is resolved by asking the
    /// venue, never by sending the order again: exactly one order exists at the venue.
    func unknownOutcomeIsResolvedByAQuery(fault: String, extra: [String], tag: String) throws {
        let sim = try Sim(["--fault", fault])
        defer { sim.stop() }
        let engine = try engine(sim, tag: tag, extra: extra)
        defer { engine.stop() }
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(engine.child.stderr)")
        _ = try engine.run([
            "order", "place", "BTCUSDT", "buy", "0.001", "--price", OrderPathTests.price(touch.bid - 70), "--client-id",
            "unk-1", "--timeout", "10",
        ])
        var orders: [[String: Any]] = []
        #expect(Harness.eventually(seconds: 15) {
            orders = (try? engine.orders()) ?? []
            return orders.first?["state"] as? String == "SUBMITTED" && orders.first?["venue_order_id"] is Int
        }, "\(orders) \(engine.child.stderr)")
        let tail = try engine.run(["tail", "exec", "--from-oldest", "--timeout", "1"])
        let records = Harness.jsonLines(tail.stdout).filter { $0["client_order_id"] as? String == "unk-1" }
        #expect(records.contains { $0["type"] as? String == "status" && $0["state"] as? String == "UNKNOWN" },
            "the outcome went unknown first: \(records)")
        #expect(records.filter { $0["type"] as? String == "sent" }.count == 1, "never sent twice: \(records)")
        let (status, output) = try sim.python(
            "print(len([o for o in client.get_open_orders(symbol='BTCUSDT') if o['clientOrderId'] == 'unk-1']))")
        #expect(status == 0 && output.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(output)")
        let (agreeStatus, agreeOutput) = try sim.agree(orders)
        #expect(agreeStatus == 0, "\(agreeOutput)")
    }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func anOrder5xxIsQueriedNotResent() throws {
        try unknownOutcomeIsResolvedByAQuery(fault: "order-5xx:count=1", extra: [], tag: "x")
    }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func anAckLaterThanTheTimeoutIsQueriedNotResent() throws {
        let config = NSTemporaryDirectory() + "tw-timeout-\(getpid()).json"
        try Data(#"{"trading": {"request_timeout_ms": 400}}"#.utf8).write(to: URL(fileURLWithPath: config))
        defer { try? FileManager.default.removeItem(atPath: config) }
        try unknownOutcomeIsResolvedByAQuery(fault: "ack-delay:ms=2500,count=1", extra: ["--config", config], tag: "t")
    }

    @Test(.enabled(if: venv, ".venv-pb missing: Tools/ci/setup-python.sh"))
    func cancelOnExitLeavesNothingOpenAtTheVenue() throws {
        let sim = try Sim()
        defer { sim.stop() }
        let engine = try engine(sim, tag: "e", extra: ["--cancel-on-exit"])
        let touch = try #require(try engine.touch("BTCUSDT"), "no live book: \(engine.child.stderr)")
        for (side, price) in [("buy", touch.bid - 90), ("sell", touch.ask + 90)] {
            #expect(try engine.run(["order", "place", "BTCUSDT", side, "0.001", "--price", OrderPathTests.price(price)]).status == 0)
        }
        let (_, before) = try sim.python("print(len(client.get_open_orders(symbol='BTCUSDT')))")
        #expect(before.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(before)")
        engine.child.signal(SIGTERM)
        #expect(engine.child.wait(seconds: 20) == 0, "\(engine.child.stderr)")
        #expect(engine.child.stderr.contains("open orders canceled on exit"), "\(engine.child.stderr)")
        let (status, after) = try sim.python("print(len(client.get_open_orders(symbol='BTCUSDT')))")
        #expect(status == 0 && after.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(after)")
    }
}
